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

static void test_command(void)
{
	char *args[] = {"nginx", "-g", "daemon off;", NULL};
	char *env[] = {"PATH=/opt/bin", "A=1", NULL};
	struct oci_process p = {.args = {args, 3}, .env = {env, 2}};
	struct spawn_command c;
	struct spawn_error e;

	ok(command_prepare(&p, "/home/app", NULL, &c, &e) < 0 && errno == ENOENT &&
	       strcmp(e.msg, "exec nginx: No such file or directory") == 0,
	   "a command not in PATH: ENOENT, named (%s)", e.msg);
	env[0] = "PATH=/nonexistent::/bin";
	args[0] = "sh";
	ok(command_prepare(&p, "/home/app", NULL, &c, &e) == 0 && strcmp(c.path, "/bin/sh") == 0 &&
	       strcmp(c.argv[0], "cinit") == 0 && strcmp(c.argv[1], "--exec") == 0 &&
	       strcmp(c.argv[2], "/bin/sh") == 0 && strcmp(c.argv[3], "sh") == 0 &&
	       strcmp(c.argv[5], "daemon off;") == 0 && !c.argv[6],
	   "found in PATH: cinit --exec /bin/sh sh ..., the trampoline; argv[0] stays sh");
	is_str(command_getenv(c.envp, "HOME"), "/home/app",
	       "HOME from the user when the spec has none");
	is_str(command_getenv(c.envp, "A"), "1", "the spec's environment");
	command_free(&c);
	args[0] = "/bin/sh";
	ok(command_prepare(&p, NULL, "/bin/sh", &c, &e) == 0 && c.direct && c.argv == p.args.v,
	   "the one direct path (cspawn's bound cinit) execs without the trampoline");
	command_free(&c);
	args[0] = "/etc/passwd";
	ok(command_prepare(&p, NULL, NULL, &c, &e) < 0 && errno == EACCES,
	   "a path that is not executable: EACCES");
	env[2] = NULL;
	{
		char *with_home[] = {"HOME=/x", NULL};
		struct oci_process q = {.args = {(char *[]){"/bin/sh", NULL}, 1},
					.env = {with_home, 1}};

		ok(command_prepare(&q, "/home/app", NULL, &c, &e) == 0 &&
		       strcmp(command_getenv(c.envp, "HOME"), "/x") == 0,
		   "a HOME of the spec's stays");
		command_free(&c);
	}
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
	tap_plan(29);
	test_restart();
	test_caps();
	test_command();
	test_userns_range();
	test_format_size();
	return tap_done();
}
