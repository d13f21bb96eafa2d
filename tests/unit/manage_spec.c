/* `cspawn run`'s flags as an OCI runtime spec: what the container runs,
 * its environment, mounts, namespaces, limits and security profile. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "../tap.h"
#include "manage/profile.h"
#include "manage/spec.h"
#include "spawn/privs.h"
#include "spawn/rootfs.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static struct spec_inputs inputs = {
    .init_path = "/usr/sbin/cinit", .upper = "/s/u", .work = "/s/w"};

/* Parses argv and builds its spec; 0 or -1. */
static int build(int argc, char **argv, struct spawn_opts *o, struct oci_config *c)
{
	struct spawn_error e;

	if (spawn_parse_args(argc, argv, o, &e) != 0) {
		printf("# parse: %s\n", e.msg);
		return -1;
	}
	if (spec_from_run(o, &inputs, c, &e) < 0) {
		printf("# spec: %s\n", e.msg);
		spawn_opts_free(o);
		return -1;
	}
	return 0;
}

static void done(struct spawn_opts *o, struct oci_config *c)
{
	oci_config_free(c);
	spawn_opts_free(o);
}

static const struct oci_mount *mount_at(const struct oci_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return &c->mounts[i];
	return NULL;
}

static const char *env_of(const struct oci_config *c, const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < c->process.env.n; i++)
		if (strncmp(c->process.env.v[i], key, n) == 0 && c->process.env.v[i][n] == '=')
			return c->process.env.v[i] + n + 1;
	return NULL;
}

static void test_defaults(void)
{
	char *argv[] = {"cspawn", "--name", "box", "--net", "none", "/tmp", "nginx", "-g",
			"daemon off;", NULL};
	struct spawn_opts o;
	struct oci_config c;
	const struct oci_mount *m;

	if (build(ARGC(argv), argv, &o, &c) < 0) {
		ok(0, "a plain run builds a spec the reader accepts");
		return;
	}
	ok(1, "a plain run builds a spec the reader accepts");
	ok(c.process.args.n == 5 && strcmp(c.process.args.v[0], ROOTFS_INIT_PATH) == 0 &&
	       strcmp(c.process.args.v[1], "--") == 0 && strcmp(c.process.args.v[2], "nginx") == 0,
	   "args: cinit -- COMMAND");
	is_str(env_of(&c, "HOSTNAME"), "box", "HOSTNAME is the name");
	is_str(env_of(&c, "PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	       "docker's PATH");
	is_str(c.hostname, "box", "hostname");
	ok(c.process.capabilities.bounding == privs_default_caps() &&
	       c.process.capabilities.effective == privs_default_caps() &&
	       c.process.capabilities.inheritable == 0 && c.process.capabilities.ambient == 0,
	   "docker's capabilities in bounding, effective and permitted; none inheritable");
	ok(c.process.no_new_privileges && c.lnx.seccomp.present,
	   "no_new_privs and a seccomp filter");
	m = mount_at(&c, ROOTFS_INIT_PATH);
	ok(m && strcmp(m->source, "/usr/sbin/cinit") == 0 && (m->flags & MS_RDONLY) &&
	       (m->flags & MS_BIND),
	   "cinit is bound read-only at %s", ROOTFS_INIT_PATH);
	ok(mount_at(&c, "/proc") && mount_at(&c, "/sys") && mount_at(&c, "/dev/pts") &&
	       (mount_at(&c, "/sys")->flags & MS_RDONLY),
	   "proc, a read-only sysfs and devpts");
	ok(oci_namespace_find(&c.lnx, OCI_NS_NETWORK) &&
	       oci_namespace_find(&c.lnx, OCI_NS_CGROUP) &&
	       !oci_namespace_find(&c.lnx, OCI_NS_USER),
	   "new network and cgroup namespaces, no user namespace");
	ok(c.lnx.masked_paths.n == 11 && c.lnx.readonly_paths.n == 5,
	   "crun's masked and read-only paths");
	ok(c.lnx.resources.n_devices > 2 && !c.lnx.resources.devices[0].allow,
	   "the device rules start by refusing everything");
	done(&o, &c);
}

static void test_flags(void)
{
	char *argv[] = {"cspawn",
			"-u",
			"app",
			"-e",
			"PATH=/opt/bin",
			"-e",
			"A=1",
			"-m",
			"64m",
			"--pids-limit",
			"9",
			"--cpus",
			"0.5",
			"-v",
			"/h:/data:ro",
			"--tmpfs",
			"/run:size=1m,exec",
			"--net",
			"host",
			"--userns",
			"--no-init",
			"-w",
			"/srv",
			"/tmp",
			"sh",
			NULL};
	struct spawn_opts o;
	struct oci_config c;
	const struct oci_mount *m;
	struct userns_map map = {100000, 65536, 100000, 65536};

	inputs.map = &map;
	if (build(ARGC(argv), argv, &o, &c) < 0) {
		ok(0, "a run with flags builds a spec");
		for (int i = 0; i < 8; i++)
			ok(0, "skipped: no spec");
		return;
	}
	ok(c.process.args.n == 1 && strcmp(c.process.args.v[0], "sh") == 0,
	   "--no-init: the command itself");
	is_str(env_of(&c, "PATH"), "/opt/bin", "-e replaces a default");
	is_str(env_of(&c, "A"), "1", "-e adds");
	is_str(oci_map_get(&c.annotations, "org.cspawn.user"), "app",
	       "-u NAME: resolved inside the root (org.cspawn.user)");
	ok(c.lnx.resources.memory.limit.v == 64 << 20 &&
	       c.lnx.resources.memory.swap.v == 64 << 20 && c.lnx.resources.pids.limit == 9 &&
	       c.lnx.resources.cpu.quota.v == 50000,
	   "limits: memory (and swap as large: none beyond it), pids, cpu");
	m = mount_at(&c, "/data");
	ok(m && strcmp(m->source, "/h") == 0 && (m->flags & MS_BIND) && (m->flags & MS_REC) &&
	       (m->flags & MS_RDONLY),
	   "-v HOST:CTR:ro: a read-only rbind");
	m = mount_at(&c, "/run");
	ok(m && strcmp(m->type, "tmpfs") == 0 && !(m->flags & MS_NOEXEC) &&
	       (m->flags & MS_NOSUID) && m->data && strstr(m->data, "size=1m"),
	   "--tmpfs PATH:size=1m,exec");
	ok(!oci_namespace_find(&c.lnx, OCI_NS_NETWORK) && oci_namespace_find(&c.lnx, OCI_NS_USER) &&
	       c.lnx.uid_mappings.n == 1 && c.lnx.uid_mappings.v[0].host_id == 100000,
	   "--net host: no network namespace; --userns: a user namespace with its map");
	is_str(c.process.cwd, "/srv", "-w");
	done(&o, &c);
	inputs.map = NULL;
}

static void test_layers(void)
{
	char *argv[] = {"cspawn",	"--net", "none", "--layer", "/l1",
			"--layer",	"/l2",	 "--read-only", "/tmp", NULL};
	struct spawn_opts o;
	struct oci_config c;
	const struct oci_mount *m;

	if (build(ARGC(argv), argv, &o, &c) < 0) {
		ok(0, "layers build a spec");
		return;
	}
	m = mount_at(&c, "/");
	ok(m && strcmp(m->type, "overlay") == 0 && m->data &&
	       strstr(m->data, "lowerdir=/l2:/l1:/tmp") && strstr(m->data, "upperdir=/s/u") &&
	       c.root.readonly,
	   "--layer: an overlay on / (last layer on top, the root at the bottom)");
	done(&o, &c);
}

static void test_overlay_options(void)
{
	const char *layers[] = {"/l1", "/l2"};
	struct spec_overlay p = {
	    .rootfs = "/root", .layers = layers, .nlayers = 2, .upper = "/u", .work = "/w"};
	struct spawn_error e;
	char buf[128];

	spec_overlay_options(&p, buf, sizeof(buf), &e);
	is_str(buf, "lowerdir=/l2:/l1:/root,upperdir=/u,workdir=/w",
	       "overlay: the last --layer on top, the root at the bottom");
	p.userns = true;
	spec_overlay_options(&p, buf, sizeof(buf), &e);
	ok(strstr(buf, ",userxattr") != NULL, "overlay in a user namespace: userxattr");
	ok(spec_overlay_options(&p, buf, 20, &e) < 0, "options too long: refused");
	p.rootfs = "/img,upperdir=/etc";
	ok(spec_overlay_options(&p, buf, sizeof(buf), &e) < 0 && strstr(e.msg, "/img,upperdir"),
	   "a path with ',' is refused, never read as another option (%s)", e.msg);
	p.rootfs = "/root";
	layers[1] = "/a:b";
	ok(spec_overlay_options(&p, buf, sizeof(buf), &e) < 0, "... and one with ':'");
}

struct names {
	char list[2048];
};

static void collect(const char *name, void *ctx)
{
	struct names *n = ctx;

	snprintf(n->list + strlen(n->list), sizeof(n->list) - strlen(n->list), " %s ", name);
}

static void test_profile(void)
{
	struct names dflt = {""}, admin = {""}, all = {""};

	profile_list_refused(privs_default_caps(), collect, &dflt);
	profile_list_refused(privs_default_caps() | PRIVS_CAP(CAP_SYS_ADMIN), collect, &admin);
	profile_list_refused(~0ULL, collect, &all);
	ok(strstr(dflt.list, " kexec_load ") && strstr(dflt.list, " ptrace ") &&
	       strstr(dflt.list, " unshare ") && strstr(dflt.list, " keyctl "),
	   "refused by default: kexec_load, ptrace, unshare, keyctl");
	ok(!strstr(admin.list, " unshare ") && !strstr(admin.list, " mount ") &&
	       strstr(admin.list, " keyctl "),
	   "CAP_SYS_ADMIN lets unshare and mount through, never keyctl");
	/* Both need no capability of the kernel (syslog with dmesg_restrict 0). */
	ok(strstr(dflt.list, " syslog ") && strstr(dflt.list, " io_uring_setup ") &&
	       strstr(admin.list, " io_uring_enter "),
	   "refused by default: syslog and io_uring, io_uring whatever the capabilities");
	ok(strstr(all.list, " kexec_load ") && strstr(all.list, " kexec_file_load ") &&
	       strstr(all.list, " pivot_root ") && strstr(all.list, " swapon ") &&
	       strstr(all.list, " swapoff ") && strstr(all.list, " migrate_pages ") &&
	       strstr(all.list, " move_pages "),
	   "every capability: kexec, pivot_root, swapon/off, migrate/move_pages still refused");
	ok(!strstr(all.list, " mount ") && !strstr(all.list, " ptrace "),
	   "... while mount and ptrace go through");
}

int main(void)
{
	tap_plan(32);
	test_defaults();
	test_flags();
	test_layers();
	test_overlay_options();
	test_profile();
	return tap_done();
}
