/* The small decisions of cspawn: restart policy and backoff, capability
 * sets, what the container executes, its environment, the user namespace
 * range, the overlay options, and sizes in messages. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "spawn/command.h"
#include "spawn/privs.h"
#include "spawn/restart.h"
#include "spawn/rootfs.h"
#include "spawn/sysfilter.h"
#include "spawn/userns.h"
#include "spawn/util.h"

static void test_restart(void)
{
	int64_t d = 0, seen[12];

	ok(!restart_wanted(SPAWN_RESTART_NO, 0, 0, 1, false), "no: never");
	ok(restart_wanted(SPAWN_RESTART_ON_FAILURE, 2, 1, 1, false), "on-failure:2, 1 done: again");
	ok(!restart_wanted(SPAWN_RESTART_ON_FAILURE, 2, 2, 1, false), "on-failure:2, 2 done: stop");
	ok(!restart_wanted(SPAWN_RESTART_ON_FAILURE, 0, 99, 0, false), "on-failure: not after 0");
	ok(restart_wanted(SPAWN_RESTART_ALWAYS, 0, 1000, 0, false), "always: after 0 too");
	ok(!restart_wanted(SPAWN_RESTART_UNLESS_STOPPED, 0, 0, 1, true), "a stop request wins");
	for (int i = 0; i < 12; i++)
		seen[i] = d = restart_next_delay(d, 50);
	ok(seen[0] == 100 && seen[1] == 200 && seen[2] == 400 && seen[9] == 51200,
	   "backoff: 100 ms doubling");
	ok(seen[10] == 60000 && seen[11] == 60000, "... up to a minute");
	is_int(restart_next_delay(60000, 10000), 100, "... back to 100 ms after 10 s of running");
}

static void test_caps(void)
{
	char *add[] = {"sys_admin", "CAP_SYS_PTRACE"}, *drop[] = {"NET_RAW", "all"};
	char *add_all[] = {"ALL"}, *drop_one[] = {"MKNOD"};
	struct spawn_error e;
	uint64_t caps;

	is_int(privs_cap_from_name("CAP_CHOWN"), CAP_CHOWN, "CAP_CHOWN");
	is_int(privs_cap_from_name("net_admin"), CAP_NET_ADMIN, "net_admin, lower case");
	is_int(privs_cap_from_name("FLY"), -1, "an unknown name");
	is_str(privs_cap_name(CAP_CHECKPOINT_RESTORE), "CHECKPOINT_RESTORE", "the last known cap");
	ok(privs_compute_caps(add, 2, drop, 1, &caps, &e) == 0 &&
	       caps ==
		   ((privs_default_caps() | PRIVS_CAP(CAP_SYS_ADMIN) | PRIVS_CAP(CAP_SYS_PTRACE)) &
		    ~PRIVS_CAP(CAP_NET_RAW)),
	   "default + adds - drops");
	ok(privs_compute_caps(add, 2, drop, 2, &caps, &e) == 0 &&
	       caps == (PRIVS_CAP(CAP_SYS_ADMIN) | PRIVS_CAP(CAP_SYS_PTRACE)),
	   "drop ALL: only the adds");
	ok(privs_compute_caps(add_all, 1, drop_one, 1, &caps, &e) == 0 &&
	       caps == (privs_all_caps() & ~PRIVS_CAP(CAP_MKNOD)),
	   "add ALL: everything but the drops");
}

struct names {
	char list[2048];
};

static void collect(const char *name, void *ctx)
{
	struct names *n = ctx;

	snprintf(n->list + strlen(n->list), sizeof(n->list) - strlen(n->list), " %s ", name);
}

static void test_sysfilter_table(void)
{
	struct names dflt = {""}, admin = {""};

	sysfilter_list_refused(privs_default_caps(), collect, &dflt);
	sysfilter_list_refused(privs_default_caps() | PRIVS_CAP(CAP_SYS_ADMIN), collect, &admin);
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
}

/* Docker refuses these even to a container granted every capability. */
static void test_sysfilter_always(void)
{
	struct names all = {""};

	sysfilter_list_refused(~0ULL, collect, &all);
	ok(strstr(all.list, " kexec_load ") && strstr(all.list, " kexec_file_load ") &&
	       strstr(all.list, " pivot_root ") && strstr(all.list, " swapon ") &&
	       strstr(all.list, " swapoff ") && strstr(all.list, " migrate_pages ") &&
	       strstr(all.list, " move_pages "),
	   "every capability: kexec, pivot_root, swapon/off, migrate/move_pages still refused");
	ok(!strstr(all.list, " mount ") && !strstr(all.list, " ptrace "),
	   "... while mount and ptrace go through");
}

static void test_command(void)
{
	char *cmd[] = {"nginx", "-g", "daemon off;"};
	struct spawn_user user = {.home = "/home/app"};
	struct spawn_opts o = {.cmd = cmd, .ncmd = 3};
	char *env[] = {"PATH=/opt/bin", "A=1"};
	struct spawn_command c;
	struct spawn_error e;

	command_build(&o, false, "box", &user, &c, &e);
	ok(strcmp(c.path, ROOTFS_INIT_PATH) == 0 && strcmp(c.argv[0], "cinit") == 0 &&
	       strcmp(c.argv[1], "--") == 0 && strcmp(c.argv[2], "nginx") == 0 &&
	       strcmp(c.argv[4], "daemon off;") == 0 && c.argv[5] == NULL,
	   "cinit -- COMMAND");
	is_str(command_getenv(c.envp, "HOSTNAME"), "box", "HOSTNAME");
	is_str(command_getenv(c.envp, "HOME"), "/home/app", "HOME from the user");
	is_str(command_getenv(c.envp, "PATH"), COMMAND_DEFAULT_PATH, "docker's PATH");
	command_free(&c);

	o.ncmd = 0;
	command_build(&o, true, "box", &user, &c, &e);
	ok(strcmp(c.argv[1], "-c") == 0 && strcmp(c.argv[2], "/etc/cinit.ini") == 0,
	   "no command, /etc/cinit.ini in the root: cinit -c /etc/cinit.ini");
	command_free(&c);
	command_build(&o, false, "box", &user, &c, &e);
	ok(strcmp(c.argv[1], "--") == 0 && strcmp(c.argv[2], "/bin/sh") == 0,
	   "no command, no config: cinit -- /bin/sh");
	command_free(&c);
	o.config = "/host/x.ini";
	command_build(&o, true, "box", &user, &c, &e);
	ok(strcmp(c.argv[2], ROOTFS_CONFIG_PATH) == 0, "-c FILE: cinit -c with the bound copy");
	command_free(&c);

	o.config = NULL;
	o.no_init = true;
	o.ncmd = 3;
	o.env = env;
	o.nenv = 2;
	command_build(&o, false, "box", &user, &c, &e);
	ok(strcmp(c.path, ROOTFS_INIT_PATH) == 0 && strcmp(c.argv[1], "--exec") == 0 &&
	       strcmp(c.argv[3], "nginx") == 0,
	   "--no-init: cinit --exec PATH nginx ..., the trampoline");
	is_str(command_getenv(c.envp, "PATH"), "/opt/bin", "-e replaces a default");
	is_str(command_getenv(c.envp, "A"), "1", "-e adds");
	ok(command_resolve(&c, &e) < 0 && errno == ENOENT &&
	       strcmp(e.msg, "exec nginx: No such file or directory") == 0,
	   "a command not in PATH: ENOENT, named (%s)", e.msg);
	command_free(&c);

	env[0] = "PATH=/nonexistent::/bin";
	o.cmd[0] = "sh";
	command_build(&o, false, "box", &user, &c, &e);
	ok(command_resolve(&c, &e) == 0 && strcmp(c.argv[2], "/bin/sh") == 0 &&
	       strcmp(c.argv[3], "sh") == 0,
	   "found in PATH: the trampoline gets /bin/sh, argv[0] stays sh");
	command_free(&c);
	o.cmd[0] = "/etc/passwd";
	command_build(&o, false, "box", &user, &c, &e);
	ok(command_resolve(&c, &e) < 0 && errno == EACCES, "a path that is not executable: EACCES");
	command_free(&c);
}

static void test_userns_range(void)
{
	char path[] = "/tmp/spawn-subuid-test.XXXXXX";
	const char *text = "alice:200000:65536\nroot:300000:1000\n";
	struct spawn_error e;
	unsigned base, count;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0)
		exit(1);
	ok(userns_subid_range(path, "root", &base, &count, &e) == 0 && base == 300000 &&
	       count == 1000,
	   "the range for root from a subuid file");
	unlink(path);
	ok(userns_subid_range(path, "root", &base, &count, &e) == 0 && base == 100000 &&
	       count == 65536,
	   "no file: 100000:65536");
}

static void test_overlay_options(void)
{
	const char *layers[] = {"/l1", "/l2"};
	struct rootfs_plan p = {
	    .rootfs = "/root", .layers = layers, .nlayers = 2, .upper = "/u", .work = "/w"};
	struct spawn_error e;
	char buf[128];

	rootfs_overlay_options(&p, buf, sizeof(buf), &e);
	is_str(buf, "lowerdir=/l2:/l1:/root,upperdir=/u,workdir=/w",
	       "overlay: the last --layer on top, the root at the bottom");
	p.userns = true;
	rootfs_overlay_options(&p, buf, sizeof(buf), &e);
	ok(strstr(buf, ",userxattr") != NULL, "overlay in a user namespace: userxattr");
	ok(rootfs_overlay_options(&p, buf, 20, &e) < 0, "options too long: refused");
	p.rootfs = "/img,upperdir=/etc";
	ok(rootfs_overlay_options(&p, buf, sizeof(buf), &e) < 0 && strstr(e.msg, "/img,upperdir"),
	   "a path with ',' is refused, never read as another option (%s)", e.msg);
	p.rootfs = "/root";
	layers[1] = "/a:b";
	ok(rootfs_overlay_options(&p, buf, sizeof(buf), &e) < 0, "... and one with ':'");
}

static void test_format_size(void)
{
	char buf[32];

	is_str(format_size(64 << 20, buf, sizeof(buf)), "64M", "64M");
	is_str(format_size(1536 << 10, buf, sizeof(buf)), "1536K", "1536K");
	is_str(format_size(UINT64_C(2) << 30, buf, sizeof(buf)), "2G", "2G");
	is_str(format_size(1000, buf, sizeof(buf)), "1000", "bytes");
}

int main(void)
{
	tap_plan(45);
	test_restart();
	test_caps();
	test_sysfilter_table();
	test_sysfilter_always();
	test_command();
	test_userns_range();
	test_overlay_options();
	test_format_size();
	return tap_done();
}
