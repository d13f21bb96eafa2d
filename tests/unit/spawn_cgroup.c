/* cgroups: the v2 files cspawn writes, checked in a directory tree shaped
 * like /sys/fs/cgroup; where the v1 trees are, from mountinfo text; and the
 * v2 device filter, on a real cgroup2 mount when the host has one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "spawn/cgroup.h"
#include "spawn/devfilter.h"
#include "spawn/util.h"

static char root[64];

static void touch(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static const char *content(const char *rel)
{
	static char buf[256];
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return "(missing)";
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* What the kernel would offer: the tree, its controllers, and the files of
 * the container's cgroup (a plain directory gets none by itself). */
static void make_fake_v2_tree(const char *controllers)
{
	char dir[128];

	snprintf(root, sizeof(root), "/tmp/spawn-cgroup-test.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dir, sizeof(dir), "%s/cspawn/web", root);
	if (mkdir_p(dir, 0755) < 0) {
		perror(dir);
		exit(1);
	}
	touch("cgroup.controllers", controllers);
	touch("cgroup.subtree_control", "");
	touch("cspawn/cgroup.subtree_control", "");
	touch("cspawn/web/memory.max", "max");
	touch("cspawn/web/memory.swap.max", "max");
	touch("cspawn/web/pids.max", "max");
	touch("cspawn/web/cpu.max", "max 100000");
	touch("cspawn/web/cgroup.procs", "");
	touch("cspawn/web/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
}

static void test_v2_writes(void)
{
	struct cgroup_limits lim = {.memory_bytes = 64 << 20,
				    .memory_swap = 64 << 20,
				    .cpu_quota_us = 50000,
				    .cpu_period_us = 100000,
				    .pids = 100};
	struct cgroup_layout l;
	struct spawn_error e;
	struct cgroup cg;

	make_fake_v2_tree("cpuset cpu io memory hugetlb pids rdma misc\n");
	cgroup_layout_v2(&l, root);
	is_int(cgroup_create(&l, "web", NULL, &lim, &cg, &e), 0, "v2: the cgroup is created");
	is_str(content("cgroup.subtree_control"), "+memory +pids +cpu",
	       "v2: the root hands the controllers down");
	is_str(content("cspawn/cgroup.subtree_control"), "+memory +pids +cpu",
	       "v2: and so does cspawn/");
	is_str(content("cspawn/web/memory.max"), "67108864", "v2: memory.max");
	is_str(content("cspawn/web/memory.swap.max"), "0",
	       "v2: memory.swap.max 0 (swap as large as the limit: memory and swap together)");
	is_str(content("cspawn/web/pids.max"), "100", "v2: pids.max");
	is_str(content("cspawn/web/cpu.max"), "50000 100000", "v2: cpu.max");
	is_int(cgroup_attach(&cg, 4242, &e), 0, "v2: attach");
	is_str(content("cspawn/web/cgroup.procs"), "4242", "v2: the pid goes into cgroup.procs");
	ok(cgroup_oom_killed(&cg), "v2: oom_kill in memory.events is an OOM kill");
}

/* linux.cgroupsPath: absolute from the tree's root, the controllers
 * enabled all the way down to it. */
static void test_v2_cgroups_path(void)
{
	struct cgroup_limits lim = {.pids = 7};
	struct cgroup_layout l;
	struct spawn_error e;
	struct cgroup cg;
	char want[PATH_MAX + 32];

	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/machine/ctr-1", root);
	if (system(cmd) != 0)
		exit(1);
	cgroup_layout_v2(&l, root);
	touch("machine/cgroup.subtree_control", "");
	touch("machine/ctr-1/pids.max", "max");
	is_int(cgroup_create(&l, "web", "/machine/ctr-1", &lim, &cg, &e), 0,
	       "v2: a cgroupsPath is created under the root");
	snprintf(want, sizeof(want), "%s/machine/ctr-1", root);
	is_str(cg.dir[0], want, "... at that path");
	/* memory too, which the tree offers: for cspawn stats */
	is_str(content("machine/cgroup.subtree_control"), "+pids +memory",
	       "... controllers enabled above it");
	is_str(content("machine/ctr-1/pids.max"), "7", "... limits written there");
	ok(!cg.own_parent, "... and its parents are not cspawn's to remove");
	is_int(cgroup_create(&l, "web", "../../etc", &lim, &cg, &e), -1,
	       "a cgroupsPath with .. is refused");
}

/* The rest of linux.resources on v2: cpuset, memory.low, hugetlb, io
 * (weights on io's scale, throttles in io.max), the unified files, and
 * what v2 cannot do refused by name. */
static void test_v2_more_resources(void)
{
	struct oci_hugepage_limit huge = {.page_size = "2MB", .page_bytes = 2 << 20, .limit = 4096};
	struct oci_throttle_device rbps = {.major = 8, .minor = 0, .rate = 1048576};
	struct oci_block_io bio = {.present = true, .weight = {true, 500}, .read_bps = {&rbps, 1}};
	struct oci_pair high = {"memory.high", "50000000"};
	struct oci_map unified = {&high, 1};
	struct cgroup_limits lim = {.memory_reservation = 32 << 20,
				    .cpus = "0-1",
				    .mems = "0",
				    .hugepages = &huge,
				    .n_hugepages = 1,
				    .block_io = &bio,
				    .unified = &unified};
	struct cgroup_layout l;
	struct spawn_error e;
	struct cgroup cg;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		exit(1);
	make_fake_v2_tree("cpuset cpu io memory hugetlb pids\n");
	for (const char *const *f =
		 (const char *const[]){"cpuset.cpus", "cpuset.mems", "memory.low",
				       "hugetlb.2MB.max", "io.weight", "io.max", "memory.high",
				       NULL};
	     *f; f++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "cspawn/web/%s", *f);
		touch(rel, "");
	}
	cgroup_layout_v2(&l, root);
	is_int(cgroup_create(&l, "web", NULL, &lim, &cg, &e), 0, "v2: more resources: created");
	is_str(content("cgroup.subtree_control"), "+memory +cpuset +hugetlb +io +pids",
	       "v2: the controllers they need are handed down");
	ok(strcmp(content("cspawn/web/cpuset.cpus"), "0-1") == 0 &&
	       strcmp(content("cspawn/web/cpuset.mems"), "0") == 0,
	   "v2: cpuset.cpus and cpuset.mems");
	is_str(content("cspawn/web/memory.low"), "33554432",
	       "v2: memory.reservation is memory.low");
	is_str(content("cspawn/web/hugetlb.2MB.max"), "4096", "v2: hugetlb.2MB.max");
	is_str(content("cspawn/web/io.weight"), "default 4950",
	       "v2: blkio weight 500 on io's scale (runc's mapping)");
	is_str(content("cspawn/web/io.max"), "8:0 rbps=1048576", "v2: a read throttle in io.max");
	is_str(content("cspawn/web/memory.high"), "50000000", "v2: a unified file");
	lim.swappiness = (struct oci_opt_u64){true, 10};
	is_int(cgroup_create(&l, "web", NULL, &lim, &cg, &e), -1, "v2: swappiness is refused");
	ok(strstr(e.msg, "memory.swappiness") != NULL, "... naming it (%s)", e.msg);
}

static void test_v2_missing_controller(void)
{
	struct cgroup_limits lim = {.memory_bytes = 64 << 20};
	struct cgroup_layout l;
	struct spawn_error e;
	struct cgroup cg;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		exit(1);
	make_fake_v2_tree("hugetlb\n");
	cgroup_layout_v2(&l, root);
	is_int(cgroup_create(&l, "web", NULL, &lim, &cg, &e), -1,
	       "v2 without the memory controller: refused");
	ok(strstr(e.msg, "controller 'memory' is not available") && strstr(e.msg, "hugetlb"),
	   "... saying what is missing and what there is (%s)", e.msg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		exit(1);
}

static void test_v1_layout(void)
{
	const char *mountinfo =
	    "25 30 0:23 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	    "26 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup "
	    "rw,cpu,cpuacct\n"
	    "27 25 0:25 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory\n"
	    "28 25 0:26 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
	    "29 25 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	const char *self = "5:pids:/user.slice\n"
			   "4:memory:/user.slice/session-1.scope\n"
			   "3:cpu,cpuacct:/\n"
			   "0::/user.slice/session-1.scope\n";
	struct cgroup_layout l;

	cgroup_layout_v1_parse(&l, mountinfo, self);
	is_int(l.version, CGROUP_V1, "v1 layout");
	is_str(l.v1_parent[CG_MEMORY], "/sys/fs/cgroup/memory/user.slice/session-1.scope",
	       "v1: memory under cspawn's own cgroup");
	is_str(l.v1_parent[CG_PIDS], "/sys/fs/cgroup/pids/user.slice", "v1: pids likewise");
	is_str(l.v1_parent[CG_CPU], "/sys/fs/cgroup/cpu,cpuacct",
	       "v1: cpu co-mounted with cpuacct");
	is_str(l.v1_parent[CG_DEVICES], "", "v1: devices not mounted: left out");
}

/* No devices tree, no device policy: refused, even without limits, and
 * before any directory is made. */
static void test_v1_missing_devices(void)
{
	const char *mountinfo = "27 25 0:25 / /nonexistent/memory rw - cgroup cgroup rw,memory\n";
	struct cgroup_limits lim = {0};
	struct cgroup_layout l;
	struct spawn_error e;
	struct cgroup cg;

	cgroup_layout_v1_parse(&l, mountinfo, "4:memory:/\n");
	is_int(cgroup_create(&l, "web", NULL, &lim, &cg, &e), -1,
	       "v1 without a devices tree: refused");
	ok(strstr(e.msg, "'devices' controller") != NULL, "... naming the controller (%s)", e.msg);
}

static void test_v1_missing_controller(void)
{
	struct cgroup_limits lim = {.pids = 10};
	struct cgroup_layout l;
	struct spawn_error e;
	struct cgroup cg;

	cgroup_layout_v1_parse(&l, "", "");
	is_int(cgroup_create(&l, "web", NULL, &lim, &cg, &e), -1,
	       "v1 without a pids tree: refused");
	ok(strstr(e.msg, "'pids' controller") != NULL, "... naming the controller (%s)", e.msg);
}

/* A cgroup2 mount point, if the host has one (hybrid hosts have it at
 * /sys/fs/cgroup/unified). */
static int find_cgroup2(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[256], mnt[256], type[64];

	if (!f)
		return -1;
	while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, mnt, type) == 3) {
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(out, len, "%s", mnt);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* In a child moved into a cgroup with the device filter: /dev/null opens,
 * a node for the host's disk (major:minor of /) does not, nor one for the
 * host's console (node + "c", 5:1). */
static int child_in_filtered_cgroup(const char *dir, const char *node)
{
	char console[80];

	char procs[320], pid[16];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (write_file(procs, pid) < 0)
		return 10;
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0)
		return 11;
	close(fd);
	fd = open(node, O_RDONLY);
	if (fd >= 0)
		return 12;
	if (errno != EPERM)
		return 13;
	snprintf(console, sizeof(console), "%sc", node);
	fd = open(console, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd >= 0)
		return 14;
	return errno == EPERM ? 0 : 15;
}

static void test_device_filter(void)
{
	char mnt[256], dir[300], node[64], console[80];
	struct spawn_error e;
	struct stat st;
	int status;
	pid_t pid;

	if (geteuid() != 0 || find_cgroup2(mnt, sizeof(mnt)) < 0 || stat("/", &st) < 0) {
		/* every supported host has a cgroup2 mount (this hybrid one
		 * too); without it or root the device policy goes untested */
		ok(0, "the device program needs root and a cgroup2 mount");
		ok(0, "the device program needs root and a cgroup2 mount");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/cspawn-devfilter-test-%d", mnt, (int)getpid());
	snprintf(node, sizeof(node), "/tmp/spawn-devfilter-test-%d", (int)getpid());
	snprintf(console, sizeof(console), "%sc", node);
	if (mkdir(dir, 0755) < 0 || mknod(node, S_IFBLK | 0600, st.st_dev) < 0 ||
	    mknod(console, S_IFCHR | 0600, makedev(5, 1)) < 0) {
		perror("setup");
		exit(1);
	}
	{
		size_t n;
		const struct devfilter_rule *rules = devfilter_default_rules(&n);

		is_int(devfilter_attach(dir, rules, n, &e), 0,
		       "device filter attached to a cgroup2 directory");
	}
	pid = fork();
	if (pid == 0)
		_exit(child_in_filtered_cgroup(dir, node));
	waitpid(pid, &status, 0);
	is_int(WEXITSTATUS(status), 0,
	       "inside: /dev/null opens, the host's disk and console do not (EPERM)");
	unlink(node);
	unlink(console);
	rmdir(dir);
}

int main(void)
{
	tap_plan(39);
	test_v2_writes();
	test_v2_cgroups_path();
	test_v2_more_resources();
	test_v2_missing_controller();
	test_v1_layout();
	test_v1_missing_controller();
	test_v1_missing_devices();
	test_device_filter();
	return tap_done();
}
