/* The config.json reader on the documents engines write: `runc spec` and
 * `crun spec` (made here, in a temporary directory, by Debian's runc and
 * crun), documents shaped like the runtime-spec's own examples and like
 * podman's, and the values each field turns into. */
#include "oci/oci.h"
#include "tests/tap.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIXTURES "tests/oci/"
#define CAP(c) (UINT64_C(1) << (c))

static char tmp[] = "/tmp/oci_read.XXXXXX";

static int parse_text(const char *text, unsigned flags, struct oci_config *c,
		      struct oci_messages *m)
{
	int e = oci_config_parse(text, strlen(text), flags, c, m);
	if (e)
		oci_messages_print(m, stdout, "#  ");
	return e;
}

static int load(const char *path, unsigned flags, struct oci_config *c)
{
	struct oci_messages m = {0};
	int e = oci_config_load(path, flags, c, &m);

	if (e || m.n)
		oci_messages_print(&m, stdout, "#  ");
	e = e ? e : (int)m.n; /* a document of an engine reads without a word */
	oci_messages_free(&m);
	return e;
}

static const struct oci_mount *mount_at(const struct oci_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return &c->mounts[i];
	return NULL;
}

/* `TOOL spec [--rootless]` in a directory of its own; the path of its
 * config.json. */
static const char *engine_spec(const char *tool, const char *args, char *path, size_t len)
{
	char cmd[512];

	snprintf(path, len, "%s/%s%s", tmp, tool, *args ? "-rootless" : "");
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return NULL;
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s spec %s", path, tool, args);
	if (system(cmd) != 0)
		return NULL;
	strncat(path, "/config.json", len - strlen(path) - 1);
	return path;
}

static void test_engine(const char *tool, bool rootless)
{
	char path[256];
	struct oci_config c;
	const struct oci_mount *pts, *sys;
	uint64_t three = CAP(CAP_AUDIT_WRITE) | CAP(CAP_KILL) | CAP(CAP_NET_BIND_SERVICE);

	if (!ok(engine_spec(tool, rootless ? "--rootless" : "", path, sizeof(path)),
		"%s spec%s writes a config", tool, rootless ? " --rootless" : "")) {
		for (int i = 0; i < 9; i++)
			ok(0, "%s spec: nothing to read", tool);
		return;
	}
	if (!ok(load(path, 0, &c) == 0, "%s's config reads without a message", tool)) {
		for (int i = 0; i < 8; i++)
			ok(0, "%s spec: nothing read", tool);
		return;
	}
	ok(c.process.args.n == 1 && strcmp(c.process.args.v[0], "sh") == 0 &&
	       c.process.args.v[1] == NULL && strcmp(c.process.cwd, "/") == 0 && c.process.terminal,
	   "%s: sh in / on a terminal, argv NULL-terminated", tool);
	ok(c.process.capabilities.present && c.process.capabilities.bounding == three &&
	       c.process.capabilities.permitted == three && c.process.capabilities.inheritable == 0,
	   "%s: the three capabilities, as numbers", tool);
	ok(c.process.n_rlimits == 1 && c.process.rlimits[0].resource == RLIMIT_NOFILE &&
	       c.process.rlimits[0].soft == 1024 && c.process.no_new_privileges,
	   "%s: RLIMIT_NOFILE 1024 and no_new_privs", tool);
	ok(c.root.present && strcmp(c.root.path, "rootfs") == 0 && c.root.readonly &&
	       c.n_mounts == 7,
	   "%s: read-only rootfs and seven mounts", tool);
	pts = mount_at(&c, "/dev/pts");
	ok(pts && pts->flags == (MS_NOSUID | MS_NOEXEC) && pts->data &&
	       strncmp(pts->data, "newinstance,ptmxmode=0666,mode=0620", 35) == 0,
	   "%s: devpts flags parsed, its own options left as data (%s)", tool,
	   pts && pts->data ? pts->data : "none");
	sys = mount_at(&c, "/sys");
	if (rootless && strcmp(tool, "runc") == 0)
		ok(sys && (sys->flags & (MS_BIND | MS_REC | MS_RDONLY)) ==
			      (MS_BIND | MS_REC | MS_RDONLY),
		   "%s: /sys is a read-only recursive bind", tool);
	else
		ok(sys && sys->flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY) &&
		       !sys->data,
		   "%s: /sys read-only sysfs", tool);
	ok(oci_namespace_find(&c.lnx, OCI_NS_PID) &&
	       oci_namespace_find(&c.lnx, OCI_NS_PID)->clone_flag == CLONE_NEWPID &&
	       oci_namespace_find(&c.lnx, OCI_NS_MOUNT)->clone_flag == CLONE_NEWNS &&
	       !oci_namespace_find(&c.lnx, OCI_NS_TIME),
	   "%s: namespaces with their clone flags", tool);
	if (rootless)
		ok(oci_namespace_find(&c.lnx, OCI_NS_USER) &&
		       (strcmp(tool, "crun") == 0 ||
			(c.lnx.uid_mappings.n == 1 && c.lnx.uid_mappings.v[0].host_id == getuid())),
		   "%s: a user namespace (and runc's mapping of the caller)", tool);
	else
		ok(c.lnx.resources.present && c.lnx.resources.n_devices == 1 &&
		       !c.lnx.resources.devices[0].allow &&
		       c.lnx.resources.devices[0].type == 'a' &&
		       c.lnx.resources.devices[0].major == -1 &&
		       strcmp(c.lnx.resources.devices[0].access, "rwm") == 0,
		   "%s: every device denied", tool);
	oci_config_free(&c);
}

/* Shaped like the full example of the runtime-spec's config.md: every
 * field that this runtime does not honour is named, and nothing else. */
static void test_spec_example(void)
{
	static const char *const refused[] = {
	    "process.apparmorProfile",
	    "process.selinuxLabel",
	    "process.ioPriority",
	    "linux.timeOffsets",
	    "linux.mountLabel",
	    "linux.resources.network",
	    "linux.resources.cpu.realtimeRuntime",
	    "linux.resources.cpu.realtimePeriod",
	    "linux.resources.cpu.idle",
	    "linux.resources.blockIO.leafWeight",
	    "linux.resources.blockIO.weightDevice[0].leafWeight",
	};
	size_t n = sizeof(refused) / sizeof(refused[0]);
	struct oci_config c;
	struct oci_messages m = {0};
	bool all = true;

	is_int(oci_config_load(FIXTURES "spec-example.json", 0, &c, &m), (int)n,
	       "the spec's example: each unsupported field is an error");
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < m.n; j++)
			found |= strncmp(m.v[j].text, refused[i], strlen(refused[i])) == 0 &&
				 m.v[j].text[strlen(refused[i])] == ':';
		if (!found)
			printf("#   %s is not named\n", refused[i]);
		all &= found;
	}
	ok(all, "... and they are the ones named (kernel: -1 asks for nothing)");
	oci_messages_free(&m);

	if (!ok(load(FIXTURES "spec-example.json", OCI_ALLOW_UNSUPPORTED, &c) == 0,
		"with OCI_ALLOW_UNSUPPORTED it reads"))
		return;
	ok(c.process.user.uid == 7 && c.process.user.n_additional_gids == 2 &&
	       c.process.user.additional_gids[1] == 4 && c.process.oom_score_adj.set &&
	       c.process.oom_score_adj.v == 250 && c.process.io_priority.klass == 3,
	   "process: user, oomScoreAdj, ioPriority");
	ok(c.process.n_rlimits == 2 && c.process.rlimits[0].resource == RLIMIT_CORE &&
	       c.process.rlimits[0].soft == 512 && c.process.rlimits[0].hard == 2048,
	   "process: rlimits with their resource numbers");
	ok(c.hooks[OCI_HOOK_PRESTART].n == 2 &&
	       strcmp(c.hooks[OCI_HOOK_PRESTART].v[0].args.v[2], "two") == 0 &&
	       c.hooks[OCI_HOOK_POSTSTART].v[0].timeout.v == 7 &&
	       c.hooks[OCI_HOOK_POSTSTOP].n == 1 && c.hooks[OCI_HOOK_CREATE_RUNTIME].n == 0,
	   "hooks: each list in order");
	ok(c.lnx.n_devices == 2 && c.lnx.devices[0].kind == S_IFCHR &&
	       c.lnx.devices[0].major == 10 && c.lnx.devices[0].minor == 229 &&
	       c.lnx.devices[0].file_mode.v == 0666 && c.lnx.devices[1].kind == S_IFBLK,
	   "devices: kinds for mknod, numbers and modes");
	ok(c.lnx.resources.n_hugepage_limits == 2 &&
	       c.lnx.resources.hugepage_limits[0].page_bytes == 2u << 20 &&
	       c.lnx.resources.hugepage_limits[0].limit == UINT64_C(9223372036854772000) &&
	       c.lnx.resources.hugepage_limits[1].page_bytes == 64u << 10,
	   "hugepageLimits: page sizes in bytes");
	ok(c.lnx.resources.memory.limit.v == 268435456 && c.lnx.resources.memory.kernel.v == -1 &&
	       c.lnx.resources.memory.swappiness.set && c.lnx.resources.memory.swappiness.v == 0 &&
	       !c.lnx.resources.memory.disable_oom_killer,
	   "memory: limits, a swappiness of 0 that is set");
	ok(c.lnx.resources.cpu.shares.v == 2048 && c.lnx.resources.cpu.quota.v == 500000 &&
	       strcmp(c.lnx.resources.cpu.cpus, "0-1") == 0 && c.lnx.resources.cpu.idle.v == 1,
	   "cpu: shares, quota, cpus, idle");
	ok(c.lnx.seccomp.present && c.lnx.seccomp.default_action == SCMP_ACT_ALLOW &&
	       c.lnx.seccomp.n_architectures == 2 &&
	       c.lnx.seccomp.architectures[0] == SCMP_ARCH_X86 &&
	       c.lnx.seccomp.architectures[1] == SCMP_ARCH_X32 && c.lnx.seccomp.n_syscalls == 1 &&
	       oci_seccomp_action(c.lnx.seccomp.syscalls[0].action,
				  c.lnx.seccomp.syscalls[0].errno_ret) == SCMP_ACT_ERRNO(EPERM),
	   "seccomp: libseccomp's values, EPERM when no errnoRet is given");
	ok(c.lnx.rootfs_propagation == MS_SLAVE && c.lnx.time_offsets.monotonic.secs == 3600 &&
	       c.lnx.uid_mappings.v[0].host_id == 2000 &&
	       strcmp(oci_map_get(&c.lnx.sysctl, "net.core.somaxconn"), "512") == 0 &&
	       strcmp(oci_map_get(&c.annotations, "com.example.second"), "two") == 0 &&
	       !oci_map_get(&c.annotations, "com.example.third"),
	   "propagation, time offsets, mappings, sysctl and annotations");
	oci_config_free(&c);
}

static void test_podman_like(void)
{
	struct oci_config c;
	const struct oci_mount *srv, *shm;

	if (!ok(load(FIXTURES "podman-like.json", 0, &c) == 0,
		"a config shaped like podman's reads without a message")) {
		ok(0, "podman-like: nothing read");
		ok(0, "podman-like: nothing read");
		ok(0, "podman-like: nothing read");
		return;
	}
	srv = mount_at(&c, "/srv");
	shm = mount_at(&c, "/dev/shm");
	ok(srv && srv->flags == (MS_RDONLY | MS_BIND | MS_REC) && srv->n_propagation == 1 &&
	       srv->propagation[0] == (MS_PRIVATE | MS_REC) && !srv->data && shm &&
	       shm->flags == (MS_BIND | MS_NOSUID | MS_NOEXEC | MS_NODEV),
	   "its bind mounts: flags and propagation");
	ok(c.process.user.umask.set && c.process.user.umask.v == 022 &&
	       c.process.rlimits[2].hard == UINT64_MAX && c.process.oom_score_adj.set &&
	       c.process.oom_score_adj.v == 0,
	   "umask 18 is 022; an unlimited rlimit is UINT64_MAX; oomScoreAdj 0 is set");
	ok(c.lnx.seccomp.default_errno_ret.v == 38 &&
	       oci_seccomp_action(c.lnx.seccomp.default_action, c.lnx.seccomp.default_errno_ret) ==
		   SCMP_ACT_ERRNO(38) &&
	       c.lnx.seccomp.syscalls[3].args[0].op == SCMP_CMP_MASKED_EQ &&
	       c.lnx.seccomp.syscalls[3].args[0].value == 2114060288 &&
	       strcmp(oci_namespace_find(&c.lnx, OCI_NS_NETWORK)->path, "/run/netns/netns-1234") ==
		   0,
	   "its seccomp profile and the network namespace it joins");
	oci_config_free(&c);
}

/* The two smallest documents of the runtime-spec's schema tests. */
static void test_minimal(void)
{
	struct oci_config c;
	struct oci_messages m = {0};

	is_int(
	    parse_text("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"rootfs\"}}", 0, &c, &m),
	    0, "the smallest config reads");
	ok(!c.process.present && !c.lnx.present && c.n_mounts == 0,
	   "... with nothing else present");
	oci_config_free(&c);
	is_int(
	    parse_text("{\"ociVersion\": \"1.1.0-rc.1\", \"root\": {\"path\": \"rootfs\"}, "
		       "\"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": 0, "
		       "\"gid\": 0}}}",
		       0, &c, &m),
	    0, "the smallest one to start reads, with a pre-release version");
	oci_config_free(&c);
	oci_messages_free(&m);
}

static struct oci_mount mount_of(const char *type, const char *const *opts, size_t n)
{
	static const char doc_head[] =
	    "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, \"mounts\": "
	    "[{\"destination\": "
	    "\"/m\", \"source\": \"/s\", \"type\": \"%s\", \"options\": [";
	char doc[1024];
	size_t len = (size_t)snprintf(doc, sizeof(doc), doc_head, type);
	struct oci_config c;
	struct oci_messages m = {0};
	struct oci_mount out = {0};

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, "%s\"%s\"", i ? ", " : "",
					opts[i]);
	snprintf(doc + len, sizeof(doc) - len, "]}]}");
	if (parse_text(doc, 0, &c, &m) == 0) {
		out = c.mounts[0];
		c.mounts[0] = (struct oci_mount){0};
		oci_config_free(&c);
	}
	oci_messages_free(&m);
	return out;
}

#define MOUNT_OF(type, ...)                                                                        \
	mount_of(type, (const char *const[]){__VA_ARGS__},                                         \
		 sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void free_mount(struct oci_mount *m)
{
	struct oci_config c = {.mounts = malloc(sizeof(*m)), .n_mounts = 1};
	c.mounts[0] = *m;
	oci_config_free(&c);
}

static void test_mount_options(void)
{
	struct oci_mount m;

	m = MOUNT_OF("tmpfs", "ro", "rw", "nosuid", "suid", "noexec");
	ok(m.flags == MS_NOEXEC && m.clear == (MS_RDONLY | MS_NOSUID),
	   "a later option wins: ro,rw is rw, nosuid,suid is suid, both said as cleared");
	free_mount(&m);
	m = MOUNT_OF("none", "rbind", "rro", "rnosuid", "rprivate", "shared");
	ok(m.flags == (MS_BIND | MS_REC) &&
	       m.recursive.set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) && m.recursive.clr == 0 &&
	       m.n_propagation == 2 && m.propagation[0] == (MS_PRIVATE | MS_REC) &&
	       m.propagation[1] == MS_SHARED,
	   "rro and rnosuid for mount_setattr, propagation changes in order");
	free_mount(&m);
	m = MOUNT_OF("none", "bind", "rro", "rrw", "rnoatime", "rstrictatime");
	ok(m.recursive.set == MOUNT_ATTR_STRICTATIME &&
	       m.recursive.clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME),
	   "rrw undoes rro; the atime mode is set as a whole, the last one kept");
	free_mount(&m);
	m = MOUNT_OF("tmpfs", "tmpcopyup", "mode=1777", "nosymfollow", "size=1m", "noswap",
		     "defaults");
	ok(m.tmpcopyup && m.flags == MS_NOSYMFOLLOW && m.data &&
	       strcmp(m.data, "mode=1777,size=1m,noswap") == 0,
	   "tmpcopyup, nosymfollow; the filesystem's options joined as data");
	free_mount(&m);
	m = MOUNT_OF("ext4", "remount", "ro", "lazytime", "dirsync", "iversion", "silent", "mand");
	ok(m.flags == (MS_REMOUNT | MS_RDONLY | MS_LAZYTIME | MS_DIRSYNC | MS_I_VERSION |
		       MS_SILENT | MS_MANDLOCK),
	   "the remaining flags of mount(2)");
	free_mount(&m);
}

/* `exec --process FILE` gives a process object alone. */
static void test_process_document(void)
{
	static const char doc[] = "{\"cwd\": \"/srv\", \"args\": [\"ls\", \"-l\"], \"terminal\": "
				  "true, \"consoleSize\": {\"height\": 24, \"width\": 80}}";
	static const char bad[] = "{\"cwd\": \"srv\", \"args\": [\"ls\"], \"extra\": 1}";
	struct oci_process p;
	struct oci_messages m = {0};
	char *text;

	is_int(oci_process_parse(doc, strlen(doc), 0, &p, &m), 0, "a process document reads");
	ok(p.present && p.args.n == 2 && strcmp(p.cwd, "/srv") == 0 && p.console_size.present &&
	       p.console_size.height == 24 && p.console_size.width == 80,
	   "... with its fields");
	text = oci_process_write(&p);
	ok(text && strstr(text, "\"consoleSize\"") && strstr(text, "\"-l\""),
	   "... and writes back");
	free(text);
	oci_process_free(&p);
	is_int(oci_process_parse(bad, strlen(bad), 0, &p, &m), 1, "a bad one names its field");
	is_str(m.n ? m.v[0].text : NULL, "extra: unknown field", "... from the document's top");
	oci_messages_free(&m);
}

int main(void)
{
	tap_plan(4 * 10 + 12 + 4 + 3 + 5 + 5);
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_engine("runc", false);
	test_engine("runc", true);
	test_engine("crun", false);
	test_engine("crun", true);
	test_spec_example();
	test_podman_like();
	test_minimal();
	test_mount_options();
	test_process_document();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return tap_done();
}
