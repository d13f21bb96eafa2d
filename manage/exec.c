/* `cspawn exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] NAME CMD...`:
 * a process in a running container (spawn/exec.h does the entering), with
 * the container's environment under -e, its user unless -u, its working
 * directory unless -w, its capabilities and seccomp filter. `cinit` is
 * the container's own cinit (`cspawn exec web cinit ctl status`). It waits for
 * the process and exits with its status, passing signals on; -d returns
 * once it runs. 125 when cspawn failed, 126 and 127 as a shell's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "manage/commands.h"
#include "manage/spec.h"
#include "manage/store.h"
#include "spawn/exec.h"
#include "spawn/monitor.h"
#include "spawn/relay.h"
#include "spawn/rootfs.h"

struct exec_args {
	bool interactive, tty, detach;
	const char *user, *workdir;
	char **env;
	size_t nenv;
	const char *name;
	char **cmd;
	int ncmd;
};

static int exec_usage(void)
{
	fprintf(stderr, "usage: cspawn exec [-i] [-t] [-d] [-e KEY=VALUE] [-u USER[:GROUP]] "
			"[-w DIR] NAME COMMAND [ARG...]\n");
	return 125;
}

static int parse_exec(int argc, char **argv, struct exec_args *a)
{
	static const struct option longs[] = {{"interactive", no_argument, NULL, 'i'},
					      {"tty", no_argument, NULL, 't'},
					      {"detach", no_argument, NULL, 'd'},
					      {"env", required_argument, NULL, 'e'},
					      {"user", required_argument, NULL, 'u'},
					      {"workdir", required_argument, NULL, 'w'},
					      {NULL, 0, NULL, 0}};
	int c;

	memset(a, 0, sizeof(*a));
	a->env = calloc((size_t)argc, sizeof(char *));
	if (!a->env)
		return -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+itde:u:w:", longs, NULL)) != -1) {
		switch (c) {
		case 'i':
			a->interactive = true;
			break;
		case 't':
			a->tty = true;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'e':
			a->env[a->nenv++] = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'w':
			if (optarg[0] != '/') {
				fprintf(stderr, "cspawn exec: -w '%s': expected an absolute path\n",
					optarg);
				return -1;
			}
			a->workdir = optarg;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind < 2)
		return -1;
	a->name = argv[optind];
	a->cmd = argv + optind + 1;
	a->ncmd = argc - optind - 1;
	return 0;
}

/* The process: the container's own, with the command, -e, -w and -t.
 * `cinit` is the container's own PID 1 binary when cinit runs it (bound
 * read-only inside), so that `cspawn exec NAME cinit ctl status` speaks
 * to its control socket whether or not the root has a cinit of its own,
 * and with the same protocol version. */
static int make_process(const struct exec_args *a, bool init, struct oci_process *p,
			struct spawn_error *e)
{
	struct oci_exec_flags f = {.args = a->cmd,
				   .nargs = (size_t)a->ncmd,
				   .env = a->env,
				   .nenv = a->nenv,
				   .cwd = a->workdir,
				   .terminal = a->tty};
	const char *bad;
	struct winsize ws;

	if (oci_process_apply(p, &f, &bad) < 0)
		return bad ? spawn_fail_errno(e, "-e '%s'", bad)
			   : spawn_fail_errno(e, "the command, -e or -w");
	if (init && strcmp(p->args.v[0], "cinit") == 0) {
		free(p->args.v[0]);
		p->args.v[0] = strdup(ROOTFS_INIT_PATH);
		if (!p->args.v[0])
			return spawn_fail_errno(e, "the command");
	}
	p->console_size.present = false;
	if (a->tty && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		/* sized before the command runs, not only once the relay begins */
		p->console_size.present = true;
		p->console_size.height = ws.ws_row;
		p->console_size.width = ws.ws_col;
	}
	/* cinit's protection from the OOM killer is not the exec'd
	 * process's: it starts where cinit's services do */
	if (p->oom_score_adj.set && p->oom_score_adj.v == SPEC_INIT_OOM_SCORE_ADJ)
		p->oom_score_adj.v = 0;
	return 0;
}

/* The container's PID 1 by a pidfd, checked to be the process the state
 * names after the pidfd was taken, so a reused pid is never entered. */
static int open_target(struct ctr *c, struct spawn_error *e)
{
	int fd;

	store_refresh(c);
	if (c->state.status != CTR_RUNNING || c->state.pid <= 0)
		return spawn_fail(e, "container %s is not running", c->name);
	fd = (int)syscall(SYS_pidfd_open, c->state.pid, 0);
	if (fd < 0)
		return spawn_fail_errno(e, "pidfd_open of the container's PID 1 (%d)",
					(int)c->state.pid);
	if (!store_pid_is(c->state.pid, c->state.pid_start)) {
		close(fd);
		return spawn_fail(e, "container %s is not running", c->name);
	}
	return fd;
}

static int load_cgroup(const struct ctr *c, struct cgroup *cg, bool *have)
{
	struct spawn_error e;
	char *text = store_read_file(c->run_dir, "cgroup", &e);

	*have = text && cgroup_from_record(text, c->id, cg) == 0;
	free(text);
	return 0;
}

/* The process's stdio without a terminal: -d gets /dev/null, stdin too
 * unless -i; files of the host's get pipes (spawn/relay.h). */
static int plain_stdio(const struct exec_args *a, struct relay *r, int stdio[3],
		       struct spawn_error *e)
{
	int null = -1;

	if (relay_open(r, e) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		stdio[i] = r->child[i];
	if (a->detach || !a->interactive) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0)
			return spawn_fail_errno(e, "open /dev/null");
		for (int i = 0; i < (a->detach ? 3 : 1); i++) {
			if (r->child[i] >= 0)
				close(r->child[i]);
			if (r->ours[i] >= 0)
				close(r->ours[i]);
			r->ours[i] = -1;
			r->child[i] = stdio[i] = i == 0 ? null : dup(null);
			if (stdio[i] < 0)
				return spawn_fail_errno(e, "dup");
		}
	}
	return 0;
}

static int wait_process(pid_t pid, int sigfd, struct relay *r)
{
	bool stop = false;
	int code = monitor_supervise(pid, sigfd, r, &stop);

	relay_close(r);
	return code;
}

static int run_exec(const struct exec_args *a, struct ctr *c, struct spawn_error *e)
{
	struct oci_config spec;
	struct cgroup cg;
	struct relay r;
	int stdio[3] = {-1, -1, -1}, status = 125, console = -1, pidfd, sigfd = -1;
	const char *trampoline = json_string_value(json_object_get(c->json, "cinit"));
	bool have_cg;
	sigset_t sigs;
	pid_t pid;

	if (!trampoline)
		return spawn_fail(e, "%s: the record names no cinit to start the command through",
				  c->name),
		       125;
	pidfd = open_target(c, e);
	if (pidfd < 0)
		return 125;
	if (store_load_spec(c, &spec, e) < 0) {
		close(pidfd);
		return 125;
	}
	load_cgroup(c, &cg, &have_cg);
	memset(&r, 0, sizeof(r));
	r.console = -1;
	if (make_process(a, json_is_true(json_object_get(c->json, "init")), &spec.process, e) < 0 ||
	    (!a->tty && plain_stdio(a, &r, stdio, e) < 0) ||
	    monitor_block_signals(&sigs, &sigfd, e) < 0)
		goto out;
	struct exec_opts o = {
	    .target = c->state.pid,
	    .target_pidfd = pidfd,
	    .cg = have_cg ? &cg : NULL,
	    .process = &spec.process,
	    .user = a->user ? a->user : oci_map_get(&spec.annotations, "org.cspawn.user"),
	    .seccomp = &spec.lnx.seccomp,
	    .trampoline = trampoline,
	    .stdio = a->tty ? NULL : stdio,
	};
	pid = exec_start(&o, &console, &status, e);
	if (!a->tty)
		relay_close_child_ends(&r);
	if (pid < 0)
		goto out;
	if (a->detach) {
		status = 0;
		goto out;
	}
	if (console >= 0 && relay_attach_console(&r, console, a->interactive, e) < 0) {
		relay_close(&r);
		goto out;
	}
	status = wait_process(pid, sigfd, &r);
	e->msg[0] = '\0';
out:
	relay_close(&r);
	if (sigfd >= 0)
		close(sigfd);
	close(pidfd);
	oci_config_free(&spec);
	return status;
}

int cmd_exec(int argc, char **argv)
{
	struct cspawn_roots roots;
	struct exec_args a;
	struct spawn_error e = {""};
	struct store s;
	struct ctr c;
	int status;

	if (parse_exec(argc, argv, &a) < 0) {
		free(a.env);
		return exec_usage();
	}
	if (a.tty && a.detach) {
		free(a.env);
		fprintf(stderr, "cspawn exec: -t and -d together: a detached process has no one "
				"at its terminal\n");
		return 125;
	}
	if (paths_roots(&roots, &e) < 0 || store_open(&s, &roots, &e) < 0 ||
	    store_find(&s, a.name, &c, &e) < 0) {
		free(a.env);
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return 125;
	}
	status = run_exec(&a, &c, &e);
	if (e.msg[0])
		fprintf(stderr, "cspawn: %s\n", e.msg);
	ctr_free(&c);
	store_close(&s);
	free(a.env);
	return status;
}
