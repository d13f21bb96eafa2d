#include "spawn/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spawn/cgextra.h"
#include "spawn/devfilter.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *const ctl_names[CG_NCTL] = {"memory",  "pids",   "cpu",     "devices",
					       "freezer", "cpuset", "hugetlb", "blkio"};

void cgroup_layout_v2(struct cgroup_layout *l, const char *root)
{
	memset(l, 0, sizeof(*l));
	l->version = CGROUP_V2;
	snprintf(l->v2_root, sizeof(l->v2_root), "%s", root);
}

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* The path of cspawn's own cgroup in the v1 tree that holds ctl, from
 * lines such as "4:memory:/a/b" or "1:cpu,cpuacct:/". */
static bool own_v1_path(const char *self_cgroup, const char *ctl, char *out, size_t len)
{
	for (const char *line = self_cgroup; line && *line;) {
		const char *end = strchrnul(line, '\n');
		char buf[PATH_MAX + 128];
		char *c1, *c2;

		snprintf(buf, sizeof(buf), "%.*s", (int)(end - line), line);
		line = *end ? end + 1 : end;
		c1 = strchr(buf, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (list_has(c1 + 1, ctl)) {
			snprintf(out, len, "%s", c2 + 1);
			return true;
		}
	}
	return false;
}

/* From one mountinfo line, the mount point and root of a v1 tree holding
 * ctl: "ID PARENT M:N ROOT MOUNTPOINT OPTS... - cgroup SRC rw,memory". */
static bool v1_mount_of(const char *line, const char *ctl, char *root, char *mnt)
{
	char fstype[32], super[512];
	const char *dash = strstr(line, " - ");

	if (!dash || sscanf(dash, " - %31s %*s %511s", fstype, super) != 2)
		return false;
	if (strcmp(fstype, "cgroup") != 0 || !list_has(super, ctl))
		return false;
	return sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2;
}

void cgroup_layout_v1_parse(struct cgroup_layout *l, const char *mountinfo, const char *self_cgroup)
{
	memset(l, 0, sizeof(*l));
	l->version = CGROUP_V1;
	for (int c = 0; c < CG_NCTL; c++) {
		char own[PATH_MAX], root[PATH_MAX], mnt[PATH_MAX];
		const char *rel;

		if (!own_v1_path(self_cgroup, ctl_names[c], own, sizeof(own)))
			continue;
		for (const char *line = mountinfo; line && *line;) {
			const char *end = strchrnul(line, '\n');
			char buf[2 * PATH_MAX];

			snprintf(buf, sizeof(buf), "%.*s", (int)(end - line), line);
			line = *end ? end + 1 : end;
			if (!v1_mount_of(buf, ctl_names[c], root, mnt))
				continue;
			/* A tree mounted from a subdirectory shows our path
			 * relative to that subdirectory. */
			rel = own;
			if (strcmp(root, "/") != 0 && strncmp(own, root, strlen(root)) == 0)
				rel = own + strlen(root);
			if (format_path(l->v1_parent[c], sizeof(l->v1_parent[c]), "%s%s", mnt,
					strcmp(rel, "/") == 0 ? "" : rel) < 0)
				l->v1_parent[c][0] = '\0';
			snprintf(l->v1_mount[c], sizeof(l->v1_mount[c]), "%s", mnt);
			break;
		}
	}
}

static char *slurp(const char *path, struct spawn_error *e)
{
	size_t cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf) {
		spawn_fail_errno(e, "malloc");
		return NULL;
	}
	n = read_file(path, buf, cap);
	if (n < 0) {
		spawn_fail_errno(e, "reading %s", path);
		free(buf);
		return NULL;
	}
	return buf;
}

int cgroup_detect(struct cgroup_layout *l, struct spawn_error *e)
{
	struct statfs sfs;
	char *mountinfo, *self;

	if (statfs("/sys/fs/cgroup", &sfs) < 0)
		return spawn_fail_errno(e, "statfs /sys/fs/cgroup");
	if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
		cgroup_layout_v2(l, "/sys/fs/cgroup");
		return 0;
	}
	mountinfo = slurp("/proc/self/mountinfo", e);
	if (!mountinfo)
		return -1;
	self = slurp("/proc/self/cgroup", e);
	if (!self) {
		free(mountinfo);
		return -1;
	}
	cgroup_layout_v1_parse(l, mountinfo, self);
	free(mountinfo);
	free(self);
	return 0;
}

static int write_limit(const char *dir, const char *file, const char *value, bool optional,
		       struct spawn_error *e)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (write_file(path, value) == 0 || (optional && errno == ENOENT))
		return 0;
	return spawn_fail_errno(e, "writing '%s' to %s", value, path);
}

static int make_dir(const char *path, struct spawn_error *e)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return spawn_fail_errno(e, "creating cgroup %s", path);
	return 0;
}

/* How often a container's cgroup is attempted when its shared parent keeps
 * vanishing: each loss means another container ended meanwhile. */
#define PARENT_RACE_TRIES 100

/* Makes parent/child. The parent is shared by every container and removed
 * by whichever ends last (remove_parent), possibly between our mkdir of it
 * and of the child, or while setup (v2 controllers) writes into it: ENOENT
 * then means "make it again", not a failure. */
static int make_in_shared_parent(const char *parent, const char *child,
				 int (*setup)(const char *parent, const char *ctl,
					      struct spawn_error *e),
				 const char *ctl, struct spawn_error *e)
{
	for (int tries = 1;; tries++) {
		bool retry = tries < PARENT_RACE_TRIES;

		if (make_dir(parent, e) < 0)
			return -1;
		if (setup && setup(parent, ctl, e) < 0) {
			if (errno == ENOENT && retry)
				continue;
			return -1;
		}
		if (mkdir(child, 0755) == 0 || errno == EEXIST)
			return 0;
		if (errno != ENOENT || !retry)
			return spawn_fail_errno(e, "creating cgroup %s", child);
	}
}

static bool offers(const char *avail, const char *ctl)
{
	char spaced[520], word[32];

	snprintf(spaced, sizeof(spaced), " %s ", avail);
	snprintf(word, sizeof(word), " %s ", ctl);
	return strstr(spaced, word) != NULL;
}

/* "+memory +pids" for the controllers the limits need, checked against
 * what the tree offers; memory and pids also without a limit when the
 * tree offers them, for the figures of `cspawn stats` (cpu.stat's usage
 * needs no controller). */
static int v2_controllers(const char *root, const struct cgroup_limits *lim, char *out, size_t len,
			  struct spawn_error *e)
{
	const char *need[12];
	bool needed[3] = {lim->memory_bytes != 0, lim->pids != 0,
			  lim->cpu_quota_us || lim->cpu_shares};
	static const char *const ctls[3] = {"memory", "pids", "cpu"};
	char path[PATH_MAX + 32], avail[512];
	int n = 0;

	for (int i = 0; i < 3; i++)
		if (needed[i])
			need[n++] = ctls[i];
	cgextra_v2_needs(lim, need, &n);
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	if (read_file(path, avail, sizeof(avail)) < 0)
		return n == 0 ? 0 : spawn_fail_errno(e, "reading %s", path);
	avail[strcspn(avail, "\n")] = '\0';
	for (int i = 0; i < n; i++)
		if (!offers(avail, need[i]))
			return spawn_fail(e,
					  "cgroup v2 controller '%s' is not available in %s "
					  "(it offers: %s)",
					  need[i], root, avail[0] ? avail : "nothing");
	for (int i = 0; i < 2; i++) {
		bool have = false;

		for (int j = 0; j < n; j++)
			have |= strcmp(need[j], ctls[i]) == 0;
		if (!have && offers(avail, ctls[i]))
			need[n++] = ctls[i];
	}
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s+%s", i ? " " : "", need[i]);
	return 0;
}

/* memory.swap.max counts swap alone; the spec's swap is memory and swap
 * together. */
static int v2_write_swap(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	char v[32];

	if (lim->memory_swap == 0)
		return 0;
	if (lim->memory_swap < 0)
		snprintf(v, sizeof(v), "max");
	else if ((uint64_t)lim->memory_swap < lim->memory_bytes)
		return spawn_fail(e, "memory swap %lld is below the memory limit %llu",
				  (long long)lim->memory_swap,
				  (unsigned long long)lim->memory_bytes);
	else
		snprintf(v, sizeof(v), "%llu",
			 (unsigned long long)((uint64_t)lim->memory_swap - lim->memory_bytes));
	return write_limit(dir, "memory.swap.max", v, true, e);
}

static int v2_write_limits(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	char v[64];

	if (lim->memory_bytes) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->memory_bytes);
		if (write_limit(dir, "memory.max", v, false, e) < 0 ||
		    v2_write_swap(dir, lim, e) < 0)
			return -1;
	}
	if (lim->pids) {
		snprintf(v, sizeof(v), "%lld", (long long)lim->pids);
		if (write_limit(dir, "pids.max", v, false, e) < 0)
			return -1;
	}
	if (lim->cpu_quota_us) {
		snprintf(v, sizeof(v), "%llu %llu", (unsigned long long)lim->cpu_quota_us,
			 (unsigned long long)lim->cpu_period_us);
		if (write_limit(dir, "cpu.max", v, false, e) < 0)
			return -1;
	}
	if (lim->cpu_shares) {
		/* runc's mapping of v1 shares (2..262144) onto weights (1..10000) */
		uint64_t shares = lim->cpu_shares < 2 ? 2 : lim->cpu_shares;

		snprintf(v, sizeof(v), "%llu",
			 (unsigned long long)(1 + ((shares - 2) * 9999) / 262142));
		if (write_limit(dir, "cpu.weight", v, false, e) < 0)
			return -1;
	}
	return cgextra_v2_write(dir, lim, e);
}

/* The controllers the limits need, enabled in subtree_control from the
 * root of the tree down to the cgroup's parent. */
static int v2_enable_path(const char *root, const char *dir, const char *ctl, struct spawn_error *e)
{
	char at[PATH_MAX];
	size_t len = strlen(root);

	snprintf(at, sizeof(at), "%s", dir);
	for (size_t i = len; at[i]; i++) {
		if (at[i] != '/')
			continue;
		at[i] = '\0';
		if (write_limit(at, "cgroup.subtree_control", ctl, false, e) < 0)
			return -1;
		at[i] = '/';
	}
	return 0;
}

/* For the shared parent: the tree's root and the parent itself. */
static int v2_enable_controllers(const char *parent, const char *ctl, struct spawn_error *e)
{
	char root[PATH_MAX];
	char *slash;

	snprintf(root, sizeof(root), "%s", parent);
	slash = strrchr(root, '/');
	if (slash)
		*slash = '\0';
	if (write_limit(root, "cgroup.subtree_control", ctl, false, e) < 0)
		return -1;
	return write_limit(parent, "cgroup.subtree_control", ctl, false, e);
}

/* cgroupsPath as a directory under base: absolute ones from the tree's
 * root (base is the root then), relative ones from base. */
static int path_under(const char *base, const char *path, char *out, size_t len,
		      struct spawn_error *e)
{
	while (*path == '/')
		path++;
	if (strstr(path, "..") || format_path(out, len, "%s/%s", base, path) < 0)
		return spawn_fail(e, "linux.cgroupsPath '%s': not a path cspawn takes", path);
	return 0;
}

static int v2_create(const struct cgroup_layout *l, const char *name, const char *path,
		     const struct cgroup_limits *lim, struct cgroup *cg, struct spawn_error *e)
{
	char parent[PATH_MAX], ctl[256];

	if (v2_controllers(l->v2_root, lim, ctl, sizeof(ctl), e) < 0)
		return -1;
	if (path) {
		if (path_under(l->v2_root, path, cg->dir[0], sizeof(cg->dir[0]), e) < 0)
			return -1;
		if (mkdir_p(cg->dir[0], 0755) < 0)
			return spawn_fail_errno(e, "creating cgroup %s", cg->dir[0]);
		if (ctl[0] && v2_enable_path(l->v2_root, cg->dir[0], ctl, e) < 0)
			return -1;
	} else {
		if (format_path(parent, sizeof(parent), "%s/cspawn", l->v2_root) < 0 ||
		    format_path(cg->dir[0], sizeof(cg->dir[0]), "%s/%s", parent, name) < 0)
			return spawn_fail_errno(e, "cgroup path under %s", l->v2_root);
		cg->own_parent = true;
		if (make_in_shared_parent(parent, cg->dir[0], ctl[0] ? v2_enable_controllers : NULL,
					  ctl, e) < 0)
			return -1;
	}
	if (v2_write_limits(cg->dir[0], lim, e) < 0)
		return -1;
	return devfilter_attach(cg->dir[0], lim->devices, lim->n_devices, e);
}

/* The controllers the limits need, and devices always: without its policy
 * the container could open any device node, one it made (CAP_MKNOD) or one
 * the image holds, the host's disks included. */
static bool v1_needed(int c, const struct cgroup_limits *lim)
{
	switch (c) {
	case CG_MEMORY:
		return lim->memory_bytes != 0 || cgextra_v1_needed(c, lim);
	case CG_PIDS:
		return lim->pids != 0;
	case CG_CPU:
		return lim->cpu_quota_us != 0 || lim->cpu_shares != 0;
	case CG_DEVICES:
		return true;
	case CG_FREEZER:
		return false;
	}
	return cgextra_v1_needed(c, lim);
}

/* "c 1:3 rwm", with * for any number. */
static void v1_device_line(const struct devfilter_rule *r, char type, char *buf, size_t len)
{
	char major[16] = "*", minor[16] = "*", access[4];
	size_t n = 0;

	if (r->major >= 0)
		snprintf(major, sizeof(major), "%d", r->major);
	if (r->minor >= 0)
		snprintf(minor, sizeof(minor), "%d", r->minor);
	if (r->access & BPF_DEVCG_ACC_READ)
		access[n++] = 'r';
	if (r->access & BPF_DEVCG_ACC_WRITE)
		access[n++] = 'w';
	if (r->access & BPF_DEVCG_ACC_MKNOD)
		access[n++] = 'm';
	access[n] = '\0';
	snprintf(buf, len, "%c %s:%s %s", type, major, minor, access);
}

/* Everything refused, then each rule in order, as the kernel's lists
 * take them. */
static int v1_write_devices(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	if (write_limit(dir, "devices.deny", "a", false, e) < 0)
		return -1;
	for (size_t i = 0; i < lim->n_devices; i++) {
		const struct devfilter_rule *r = &lim->devices[i];
		const char *file = r->allow ? "devices.allow" : "devices.deny";
		char line[64];

		/* the kernel reads a rule of type "a" as "a *:* rwm", whatever
		 * follows: one for each type instead */
		for (const char *t = r->type == 'a' ? "cb" : (char[]){r->type, 0}; *t; t++) {
			v1_device_line(r, *t, line, sizeof(line));
			if (write_limit(dir, file, line, false, e) < 0)
				return -1;
		}
	}
	return 0;
}

static int v1_write_memory(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	char v[64];

	if (!lim->memory_bytes)
		return 0;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->memory_bytes);
	if (write_limit(dir, "memory.limit_in_bytes", v, false, e) < 0)
		return -1;
	if (lim->memory_swap == 0)
		return 0;
	/* memsw is memory and swap together, as the spec's swap */
	snprintf(v, sizeof(v), "%lld", (long long)lim->memory_swap);
	return write_limit(dir, "memory.memsw.limit_in_bytes", v, true, e);
}

static int v1_write_cpu(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	char v[64];

	if (lim->cpu_shares) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->cpu_shares);
		if (write_limit(dir, "cpu.shares", v, false, e) < 0)
			return -1;
	}
	if (!lim->cpu_quota_us)
		return 0;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->cpu_period_us);
	if (write_limit(dir, "cpu.cfs_period_us", v, false, e) < 0)
		return -1;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->cpu_quota_us);
	return write_limit(dir, "cpu.cfs_quota_us", v, false, e);
}

static int v1_write_limits(int c, const char *dir, const struct cgroup_limits *lim,
			   struct spawn_error *e)
{
	char v[64];

	switch (c) {
	case CG_MEMORY:
		if (v1_write_memory(dir, lim, e) < 0)
			return -1;
		return cgextra_v1_write(c, dir, lim, e);
	case CG_PIDS:
		if (!lim->pids)
			return 0;
		snprintf(v, sizeof(v), "%lld", (long long)lim->pids);
		return write_limit(dir, "pids.max", v, false, e);
	case CG_CPU:
		return v1_write_cpu(dir, lim, e);
	case CG_DEVICES:
		return v1_write_devices(dir, lim, e);
	}
	return cgextra_v1_write(c, dir, lim, e);
}

/* The cgroup of controller c: cspawn/NAME in the shared parent, or the
 * spec's path. */
static int v1_dir(const struct cgroup_layout *l, int c, const char *name, const char *path,
		  struct cgroup *cg, struct spawn_error *e)
{
	char parent[PATH_MAX];

	if (path) {
		if (path_under(path[0] == '/' ? l->v1_mount[c] : l->v1_parent[c], path, cg->dir[c],
			       sizeof(cg->dir[c]), e) < 0)
			return -1;
		if (mkdir_p(cg->dir[c], 0755) < 0)
			return spawn_fail_errno(e, "creating cgroup %s", cg->dir[c]);
		return 0;
	}
	if (format_path(parent, sizeof(parent), "%s/cspawn", l->v1_parent[c]) < 0 ||
	    format_path(cg->dir[c], sizeof(cg->dir[c]), "%s/%s", parent, name) < 0)
		return spawn_fail_errno(e, "cgroup path under %s", l->v1_parent[c]);
	cg->own_parent = true;
	return make_in_shared_parent(parent, cg->dir[c], NULL, NULL, e);
}

static int v1_create(const struct cgroup_layout *l, const char *name, const char *path,
		     const struct cgroup_limits *lim, struct cgroup *cg, struct spawn_error *e)
{
	/* All checked before anything is made. */
	for (int c = 0; c < CG_NCTL; c++)
		if (!l->v1_parent[c][0] && v1_needed(c, lim))
			return spawn_fail(e,
					  "no cgroup v1 hierarchy has the '%s' controller mounted",
					  ctl_names[c]);
	for (int c = 0; c < CG_NCTL; c++) {
		if (!l->v1_parent[c][0])
			continue;
		/* every tree mounted: the limits, the OOM report, the pids
		 * cleanup, the device policy, and cpuacct's figures for
		 * `cspawn stats`; but the freezer only for the OCI runtime's
		 * pause, and cpuset, hugetlb and blkio only when asked (a new
		 * cpuset cgroup takes no task until its lists are filled) */
		if (c == CG_FREEZER && !lim->all_controllers)
			continue;
		if (c > CG_FREEZER && !v1_needed(c, lim))
			continue;
		if (v1_dir(l, c, name, path, cg, e) < 0 ||
		    (c == CG_CPUSET &&
		     cgextra_v1_cpuset_inherit(l->v1_mount[c], cg->dir[c], e) < 0) ||
		    v1_write_limits(c, cg->dir[c], lim, e) < 0)
			return -1;
	}
	return 0;
}

int cgroup_create(const struct cgroup_layout *l, const char *name, const char *path,
		  const struct cgroup_limits *lim, struct cgroup *cg, struct spawn_error *e)
{
	int rc;

	memset(cg, 0, sizeof(*cg));
	cg->version = l->version;
	cg->memory_limit = lim->memory_bytes;
	if (path && !*path)
		path = NULL;
	if (cgextra_check(l->version, lim, e) < 0)
		return -1;
	rc = l->version == CGROUP_V2 ? v2_create(l, name, path, lim, cg, e)
				     : v1_create(l, name, path, lim, cg, e);
	if (rc < 0) {
		struct spawn_error ignored;

		cgroup_destroy(cg, 1000, &ignored);
	}
	return rc;
}

int cgroup_limits_of(const struct oci_resources *r, struct cgroup_limits *lim,
		     struct devfilter_rule **rules, struct spawn_error *e)
{
	size_t ndefault;
	const struct devfilter_rule *dflt = devfilter_default_rules(&ndefault);
	struct devfilter_rule *v = calloc(r->n_devices + ndefault, sizeof(*v));

	memset(lim, 0, sizeof(*lim));
	*rules = v;
	if (!v)
		return spawn_fail_errno(e, "the device rules");
	for (size_t i = 0; i < r->n_devices; i++)
		v[i] = devfilter_rule_of(&r->devices[i]);
	/* what every container must be able to open, as runc adds it too */
	memcpy(v + r->n_devices, dflt, ndefault * sizeof(*v));
	lim->devices = v;
	lim->n_devices = r->n_devices + ndefault;
	if (r->memory.limit.set && r->memory.limit.v > 0)
		lim->memory_bytes = (uint64_t)r->memory.limit.v;
	if (r->memory.swap.set)
		lim->memory_swap = r->memory.swap.v;
	if (r->cpu.quota.set && r->cpu.quota.v > 0) {
		lim->cpu_quota_us = (uint64_t)r->cpu.quota.v;
		lim->cpu_period_us = r->cpu.period.set ? r->cpu.period.v : 100000;
	}
	if (r->cpu.shares.set)
		lim->cpu_shares = r->cpu.shares.v;
	if (r->pids.present && r->pids.limit > 0)
		lim->pids = r->pids.limit;
	if (r->memory.reservation.set && r->memory.reservation.v > 0)
		lim->memory_reservation = r->memory.reservation.v;
	lim->swappiness = r->memory.swappiness;
	lim->disable_oom_killer = r->memory.disable_oom_killer;
	lim->cpus = r->cpu.cpus && *r->cpu.cpus ? r->cpu.cpus : NULL;
	lim->mems = r->cpu.mems && *r->cpu.mems ? r->cpu.mems : NULL;
	lim->hugepages = r->hugepage_limits;
	lim->n_hugepages = r->n_hugepage_limits;
	lim->block_io = r->block_io.present ? &r->block_io : NULL;
	lim->unified = &r->unified;
	return 0;
}

int cgroup_attach(const struct cgroup *cg, pid_t pid, struct spawn_error *e)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (int c = 0; c < CG_NCTL; c++)
		if (cg->dir[c][0] && write_limit(cg->dir[c], "cgroup.procs", v, false, e) < 0)
			return -1;
	return 0;
}

bool cgroup_oom_killed(const struct cgroup *cg)
{
	return cgroup_oom_kills(cg) > 0;
}

uint64_t cgroup_oom_kills(const struct cgroup *cg)
{
	const char *dir = cg->version == CGROUP_V2 ? cg->dir[0] : cg->dir[CG_MEMORY];
	const char *file = cg->version == CGROUP_V2 ? "memory.events" : "memory.oom_control";
	char path[PATH_MAX + 32], buf[1024];
	const char *p;

	if (!dir[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "oom_kill ");
	return p ? strtoull(p + 9, NULL, 10) : 0;
}

/* SIGKILLs whatever cgroup.procs still lists: processes of this container
 * that outlived its first process (normally none: the pid namespace takes
 * them down with it). */
static void kill_members(const char *dir)
{
	char path[PATH_MAX + 32], buf[4096];
	char *p, *end;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		/* ESRCH: it died meanwhile, which is what we want. */
		if (pid > 0 && kill((pid_t)pid, SIGKILL) < 0 && errno != ESRCH)
			fprintf(stderr, "cspawn: killing %ld left in %s: %s\n", pid, dir,
				strerror(errno));
	}
}

static int remove_dir(const char *dir, int64_t deadline, struct spawn_error *e)
{
	int64_t pause = 1;

	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || monotonic_ms() >= deadline)
			return spawn_fail_errno(e, "removing cgroup %s", dir);
		kill_members(dir);
		sleep_ms(pause);
		if (pause < 16)
			pause *= 2;
	}
}

/* The shared parent goes when the last container leaves it; another
 * cspawn still using it makes rmdir fail, which is fine. */
static void remove_parent(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (rmdir(parent) < 0 && errno != EBUSY && errno != ENOTEMPTY && errno != ENOENT)
		fprintf(stderr, "cspawn: removing cgroup %s: %s\n", parent, strerror(errno));
}

int cgroup_destroy(const struct cgroup *cg, int timeout_ms, struct spawn_error *e)
{
	int64_t deadline = monotonic_ms() + timeout_ms;
	int rc = 0;

	for (int c = 0; c < CG_NCTL; c++) {
		if (!cg->dir[c][0])
			continue;
		if (remove_dir(cg->dir[c], deadline, e) < 0)
			rc = -1;
		else if (cg->own_parent)
			remove_parent(cg->dir[c]);
	}
	return rc;
}

int cgroup_remove_stale(const struct cgroup_layout *l, const char *name, struct spawn_error *e)
{
	struct cgroup cg = {.version = l->version, .own_parent = true};

	if (l->version == CGROUP_V2 &&
	    format_path(cg.dir[0], sizeof(cg.dir[0]), "%s/cspawn/%s", l->v2_root, name) < 0)
		return spawn_fail_errno(e, "cgroup path under %s", l->v2_root);
	for (int c = 0; l->version == CGROUP_V1 && c < CG_NCTL; c++)
		if (l->v1_parent[c][0] && format_path(cg.dir[c], sizeof(cg.dir[c]), "%s/cspawn/%s",
						      l->v1_parent[c], name) < 0)
			return spawn_fail_errno(e, "cgroup path under %s", l->v1_parent[c]);
	return cgroup_destroy(&cg, 5000, e);
}

int cgroup_record(const struct cgroup *cg, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "v%d\n", cg->version == CGROUP_V2 ? 2 : 1);

	for (int c = 0; c < CG_NCTL && off < len; c++)
		if (cg->dir[c][0])
			off += (size_t)snprintf(buf + off, len - off, "%d %s\n", c, cg->dir[c]);
	if (off >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* True when path ends in "/cspawn/" name. */
static bool is_cgroup_of(const char *path, const char *name)
{
	size_t plen = strlen(path), nlen = strlen(name);

	return plen > nlen + 8 && strcmp(path + plen - nlen, name) == 0 &&
	       strncmp(path + plen - nlen - 8, "/cspawn/", 8) == 0 && path[0] == '/';
}

int cgroup_from_record(const char *text, const char *name, struct cgroup *cg)
{
	const char *line = strchr(text, '\n');

	memset(cg, 0, sizeof(*cg));
	if (strncmp(text, "v1\n", 3) != 0 && strncmp(text, "v2\n", 3) != 0)
		return -1;
	cg->version = text[1] == '2' ? CGROUP_V2 : CGROUP_V1;
	cg->own_parent = name != NULL; /* cspawn records only cspawn/NAME cgroups */
	while (line && line[1]) {
		const char *path = line + 1, *end;
		char *after;
		long c = strtol(path, &after, 10);

		if (after == path || *after != ' ' || c < 0 || c >= CG_NCTL)
			return -1;
		path = after + 1;
		end = strchr(path, '\n');
		if (!end || (size_t)(end - path) >= sizeof(cg->dir[c]))
			return -1;
		memcpy(cg->dir[c], path, (size_t)(end - path));
		cg->dir[c][end - path] = '\0';
		if (name ? !is_cgroup_of(cg->dir[c], name) : cg->dir[c][0] != '/')
			return -1;
		line = end;
	}
	return 0;
}
int cgroup_update(const struct cgroup *cg, const struct cgroup_limits *lim, struct spawn_error *e)
{
	if (cgextra_check(cg->version, lim, e) < 0)
		return -1;
	if (cg->version == CGROUP_V2)
		return v2_write_limits(cg->dir[0], lim, e);
	for (int c = 0; c < CG_NCTL; c++) {
		if (c == CG_DEVICES || !v1_needed(c, lim))
			continue;
		if (!cg->dir[c][0])
			return spawn_fail(e, "the container has no cgroup in the '%s' tree",
					  ctl_names[c]);
		if (v1_write_limits(c, cg->dir[c], lim, e) < 0)
			return -1;
	}
	return 0;
}

/* The file that freezes and the one that tells: v2 writes cgroup.freeze
 * and reads "frozen 1" in cgroup.events; v1 writes and reads
 * freezer.state, which says FREEZING until every task has stopped. */
static int freezer_files(const struct cgroup *cg, char *ctl, char *show, size_t len)
{
	const char *dir = cg->version == CGROUP_V2 ? cg->dir[0] : cg->dir[CG_FREEZER];

	if (!dir[0])
		return -1;
	if (cg->version == CGROUP_V2) {
		snprintf(ctl, len, "%s/cgroup.freeze", dir);
		snprintf(show, len, "%s/cgroup.events", dir);
	} else {
		snprintf(ctl, len, "%s/freezer.state", dir);
		snprintf(show, len, "%s/freezer.state", dir);
	}
	return 0;
}

int cgroup_frozen(const struct cgroup *cg)
{
	char ctl[PATH_MAX + 32], show[PATH_MAX + 32], buf[512];

	if (freezer_files(cg, ctl, show, sizeof(ctl)) < 0 || read_file(show, buf, sizeof(buf)) < 0)
		return -1;
	if (cg->version == CGROUP_V2)
		return strstr(buf, "frozen 1") != NULL;
	return strncmp(buf, "FROZEN", 6) == 0;
}

#define FREEZE_TIMEOUT_MS 5000

int cgroup_freeze(const struct cgroup *cg, bool frozen, struct spawn_error *e)
{
	char ctl[PATH_MAX + 32], show[PATH_MAX + 32];
	const char *v =
	    cg->version == CGROUP_V2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
	int64_t deadline = monotonic_ms() + FREEZE_TIMEOUT_MS, pause = 1;

	if (freezer_files(cg, ctl, show, sizeof(ctl)) < 0)
		return spawn_fail(e, "the container has no freezer cgroup (no freezer tree is "
				     "mounted)");
	if (write_file(ctl, v) < 0)
		return spawn_fail_errno(e, "writing '%s' to %s", v, ctl);
	for (;;) {
		int now = cgroup_frozen(cg);

		if (now == frozen)
			return 0;
		if (now < 0)
			return spawn_fail_errno(e, "reading %s", show);
		if (monotonic_ms() >= deadline)
			return spawn_fail(e, "%s: still not %s after %d ms", show,
					  frozen ? "frozen" : "thawed", FREEZE_TIMEOUT_MS);
		sleep_ms(pause);
		if (pause < 16)
			pause *= 2;
	}
}

ssize_t cgroup_pids(const struct cgroup *cg, pid_t **pids, struct spawn_error *e)
{
	char path[PATH_MAX + 32], *buf, *p, *end;
	const char *dir = NULL;
	size_t cap = 1 << 20, n = 0;

	*pids = NULL;
	for (int c = 0; c < CG_NCTL && !dir; c++)
		if (cg->dir[c][0])
			dir = cg->dir[c];
	if (!dir)
		return spawn_fail(e, "the container has no cgroup");
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	buf = malloc(cap);
	if (!buf)
		return spawn_fail_errno(e, "malloc");
	if (read_file(path, buf, cap) < 0) {
		spawn_fail_errno(e, "reading %s", path);
		free(buf);
		return -1;
	}
	/* at most one pid per two bytes of the file */
	*pids = malloc((strlen(buf) / 2 + 1) * sizeof(**pids));
	if (!*pids) {
		free(buf);
		return spawn_fail_errno(e, "malloc");
	}
	for (p = buf;; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		(*pids)[n++] = (pid_t)pid;
	}
	free(buf);
	return (ssize_t)n;
}
