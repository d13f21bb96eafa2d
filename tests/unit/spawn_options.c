/* cspawn's command line: flags into struct spawn_opts, errors named. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "../tap.h"
#include "spawn/options.h"
#include "spawn/privs.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static int parse(int argc, char **argv, struct spawn_opts *o, struct spawn_error *e)
{
	e->msg[0] = '\0';
	return spawn_parse_args(argc, argv, o, e);
}

static void test_full_command_line(void)
{
	char *argv[] = {"cspawn",	"--name",      "web",
			"--hostname",	"box",	       "-e",
			"A=1",		"-w",	       "/srv",
			"-u",		"app:www",     "--memory",
			"256m",		"--cpus",      "0.5",
			"--pids-limit", "100",	       "-v",
			"/h:/c:ro",	"--tmpfs",     "/run:size=1m,exec",
			"--layer",	"/l1",	       "--layer",
			"/l2",		"--read-only", "--net",
			"host",		"--userns",    "--restart",
			"on-failure:3", "root",	       "--",
			"cmd",		"arg",	       NULL};
	struct spawn_opts o;
	struct spawn_error e;

	is_int(parse(ARGC(argv), argv, &o, &e), 0, "a full command line parses");
	is_str(o.name, "web", "--name");
	is_str(o.hostname, "box", "--hostname");
	ok(o.nenv == 1 && strcmp(o.env[0], "A=1") == 0, "-e KEY=VAL");
	is_str(o.workdir, "/srv", "-w");
	is_str(o.user, "app:www", "-u");
	is_int(o.memory_bytes, 256 << 20, "--memory 256m");
	ok(o.cpu_quota_us == 50000 && o.cpu_period_us == 100000, "--cpus 0.5: 50 ms per 100 ms");
	is_int(o.pids_limit, 100, "--pids-limit");
	ok(o.nbinds == 1 && strcmp(o.binds[0].host, "/h") == 0 &&
	       strcmp(o.binds[0].ctr, "/c") == 0 && o.binds[0].read_only,
	   "-v HOST:CTR:ro");
	ok(o.ntmpfs == 1 && strcmp(o.tmpfs[0].data, "size=1m") == 0 &&
	       !(o.tmpfs[0].flags & MS_NOEXEC) && (o.tmpfs[0].flags & MS_NOSUID),
	   "--tmpfs PATH:size=1m,exec: data and flags split");
	ok(o.nlayers == 2 && strcmp(o.layers[0], "/l1") == 0, "--layer, in order");
	ok(o.read_only && o.net == SPAWN_NET_HOST && o.userns, "--read-only --net host --userns");
	ok(o.restart == SPAWN_RESTART_ON_FAILURE && o.max_restarts == 3, "--restart on-failure:3");
	is_str(o.rootfs, "root", "ROOTFS");
	ok(o.ncmd == 2 && strcmp(o.cmd[0], "cmd") == 0 && strcmp(o.cmd[1], "arg") == 0,
	   "COMMAND after --");
	is_int(o.caps, privs_default_caps(), "default capabilities");
	spawn_opts_free(&o);
}

static void test_defaults(void)
{
	char *argv[] = {"cspawn", "root", "sh", "-c", "echo --name", NULL};
	struct spawn_opts o;
	struct spawn_error e;

	is_int(parse(ARGC(argv), argv, &o, &e), 0, "ROOTFS COMMAND");
	ok(strncmp(o.name, "cspawn-", 7) == 0, "a generated name (%s)", o.name);
	ok(spawn_name_valid(o.name), "... that is valid");
	ok(o.ncmd == 3 && strcmp(o.cmd[2], "echo --name") == 0,
	   "options after ROOTFS belong to the command");
	ok(o.net == SPAWN_NET_JOIN && strcmp(o.netreq.network, "bridge") == 0 &&
	       o.restart == SPAWN_RESTART_NO && !o.no_init,
	   "defaults: --net bridge, --restart no, cinit");
	spawn_opts_free(&o);
}

static void test_network_flags(void)
{
	char *argv[] = {
	    "cspawn",	   "--net",	 "web",		 "--ip",  "10.89.0.5",	"-p",
	    "8080:80",	   "--publish",	 "53/udp",	 "--dns", "192.0.2.53", "--dns-search",
	    "example.org", "--add-host", "db:192.0.2.7", "root",  NULL};
	struct spawn_opts o;
	struct spawn_error e;

	is_int(parse(ARGC(argv), argv, &o, &e), 0, "network flags parse");
	ok(o.net == SPAWN_NET_JOIN && strcmp(o.netreq.network, "web") == 0 &&
	       strcmp(o.netreq.ip, "10.89.0.5") == 0,
	   "--net NAME joins a network, --ip is kept for net/");
	ok(o.netreq.npublish == 2 && strcmp(o.netreq.publish[1], "53/udp") == 0 &&
	       o.netreq.ndns == 1 && o.netreq.ndns_search == 1 && o.netreq.nadd_hosts == 1 &&
	       strcmp(o.netreq.add_hosts[0], "db:192.0.2.7") == 0,
	   "-p, --publish, --dns, --dns-search, --add-host, in order");
	spawn_opts_free(&o);
}

struct bad_case {
	char *args[6];
	const char *message;
};

static void test_errors(void)
{
	static const struct bad_case cases[] = {
	    {{"--memory", "lots", "r"}, "--memory 'lots'"},
	    {{"--memory", "1m", "r"}, "the minimum is 6m"},
	    {{"--cpus", "0", "r"}, "--cpus '0'"},
	    {{"--cpus", "x", "r"}, "--cpus 'x'"},
	    {{"--pids-limit", "-1", "r"}, "--pids-limit '-1'"},
	    {{"--net", "none", "-p", "80", "r"}, "need a network; --net none"},
	    {{"--net", "host", "--ip", "10.88.0.9", "r"}, "need a network; --net host"},
	    {{"--restart", "sometimes", "r"}, "--restart 'sometimes'"},
	    {{"--name", "../x", "r"}, "--name '../x'"},
	    {{"-v", "re/l:/c", "r"}, "-v 're/l:/c'"},
	    {{"-v", "h", "r"}, "-v 'h'"},
	    {{"-v", "x:/c", "r"}, "a volume's name is 2 to 64"},
	    {{"-v", "a$b:/c", "r"}, "a volume's name is 2 to 64"},
	    {{"-v", "vol:rel", "r"}, "-v 'vol:rel'"},
	    {{"-v", "/h:/c:rx", "r"}, "-v '/h:/c:rx'"},
	    {{"--tmpfs", "run", "r"}, "must be absolute"},
	    {{"-w", "rel", "r"}, "must be absolute"},
	    {{"--layer", "/a:b", "r"}, "overlayfs cannot take"},
	    {{"--cap-add", "FLY", "r"}, "unknown capability 'FLY'"},
	    {{"--no-init", "-c", "/x.ini", "r"}, "-c needs cinit"},
	    {{"-c", "/x.ini", "r", "cmd"}, "give no COMMAND"},
	    {{"--bogus", "r"}, "unknown option"},
	    {{"-e", "=x", "r"}, "-e '=x'"},
	    {{NULL}, "missing ROOTFS"},
	    {{"--pids-limit", "0", "r"}, "at least 1"},
	    {{"--tmpfs", "/x:size=0", "r"}, "size=0 would mean no limit"},
	    {{"--tmpfs", "/x:mode=1777,size=0k", "r"}, "size=0 would mean no limit"},
	    {{"--tmpfs", "/.", "r"}, "cannot be the container's /"},
	    {{"-v", "/h:/a/..", "r"}, "cannot be the container's /"},
	    {{"-v", "/h://", "r"}, "cannot be the container's /"},
	    {{"--memory", "9223372036854775807", "r"}, "above the kernel's maximum"},
	    {{"--hostname", "-bad", "r"}, "RFC 1123"},
	    {{"--hostname", "a_b", "r"}, "RFC 1123"},
	    {{"--hostname", "a..b", "r"}, "RFC 1123"},
	    {{"--memory"}, "--memory: missing value"},
	    {{"-m"}, "-m: missing value"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8] = {"cspawn"};
		struct spawn_opts o;
		struct spawn_error e;
		int argc = 1, rc;

		for (int j = 0; cases[i].args[j]; j++)
			argv[argc++] = cases[i].args[j];
		rc = parse(argc, argv, &o, &e);
		ok(rc == -1 && strstr(e.msg, cases[i].message), "refused with \"%s\" (got \"%s\")",
		   cases[i].message, e.msg);
		spawn_opts_free(&o);
	}
}

/* -v NAME:CTR names a volume, -v CTR an anonymous one: manage/ resolves
 * both; a host path is kept as it is. */
static void test_volumes(void)
{
	char *argv[] = {"cspawn", "-v", "data:/d:ro", "-v", "/anon", "-v", "/h:/c", "r", NULL};
	struct spawn_opts o;
	struct spawn_error e;

	is_int(parse(ARGC(argv), argv, &o, &e), 0, "-v NAME:CTR, -v CTR and -v HOST:CTR parse");
	ok(o.nbinds == 3 && !o.binds[0].host && strcmp(o.binds[0].volume, "data") == 0 &&
	       strcmp(o.binds[0].ctr, "/d") == 0 && o.binds[0].read_only,
	   "-v NAME:CTR:ro: a named volume, read-only");
	ok(o.nbinds == 3 && !o.binds[1].host && strcmp(o.binds[1].volume, "") == 0 &&
	       strcmp(o.binds[1].ctr, "/anon") == 0 && !o.binds[1].read_only,
	   "-v CTR: an anonymous volume");
	ok(o.nbinds == 3 && strcmp(o.binds[2].host, "/h") == 0 && !o.binds[2].volume,
	   "-v HOST:CTR: a host path, no volume");
	spawn_opts_free(&o);
}

static void test_value_parsers(void)
{
	enum spawn_restart p;
	uint64_t q, per;
	int max;

	ok(spawn_parse_restart("on-failure", &p, &max) == 0 && p == SPAWN_RESTART_ON_FAILURE &&
	       max == 0,
	   "on-failure without N: unlimited");
	ok(spawn_parse_restart("unless-stopped", &p, &max) == 0 &&
	       p == SPAWN_RESTART_UNLESS_STOPPED,
	   "unless-stopped");
	ok(spawn_parse_restart("on-failure:", &p, &max) < 0, "on-failure: without N is refused");
	ok(spawn_parse_cpus("2", &q, &per) == 0 && q == 200000, "--cpus 2: 200 ms per 100 ms");
	ok(spawn_parse_cpus("0.001", &q, &per) < 0, "--cpus under 1 ms per period is refused");
	ok(!spawn_name_valid("") && !spawn_name_valid("-x") && !spawn_name_valid("a/b") &&
	       spawn_name_valid("web.1_a-b"),
	   "names: docker's characters");
	ok(spawn_hostname_valid("web-1.example.org") && spawn_hostname_valid("a") &&
	       !spawn_hostname_valid("a-") && !spawn_hostname_valid(".a") &&
	       !spawn_hostname_valid("a.") && !spawn_hostname_valid(""),
	   "hostnames: RFC 1123 labels");
	ok(spawn_path_is_root("/") && spawn_path_is_root("/./") &&
	       spawn_path_is_root("/a/b/../..") && spawn_path_is_root("/../..") &&
	       !spawn_path_is_root("/a") && !spawn_path_is_root("/a/../b"),
	   "paths that name /");
}

int main(void)
{
	tap_plan(73);
	test_full_command_line();
	test_defaults();
	test_network_flags();
	test_errors();
	test_volumes();
	test_value_parsers();
	return tap_done();
}
