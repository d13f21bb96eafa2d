/* exec: a new process in a running container, through spawn/exec.h. The
 * process is the kept config's, with --process FILE (conmon's way) or
 * ARGS and the flags over it; the container's seccomp filter and cgroup
 * apply. With --detach the runtime leaves at once and the process is the
 * engine's (conmon is a subreaper); else the runtime waits and exits with
 * its status. A terminal's master goes to --console-socket, or, without
 * one, is relayed on the runtime's own stdio. */
#include "runtime/internal.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn/exec.h"
#include "spawn/monitor.h"
#include "spawn/relay.h"

struct exec_args {
	const char *process_file, *pid_file, *console_socket, *cwd, *user;
	bool tty, detach;
	unsigned preserve_fds;
	char **env;
	int nenv;
	char **args;
	int nargs;
};

static int parse_exec(const struct rt *rt, int argc, char **argv, struct exec_args *a)
{
	static const struct option opts[] = {{"process", required_argument, NULL, 'p'},
					     {"pid-file", required_argument, NULL, 'P'},
					     {"console-socket", required_argument, NULL, 'c'},
					     {"cwd", required_argument, NULL, 'w'},
					     {"env", required_argument, NULL, 'e'},
					     {"user", required_argument, NULL, 'u'},
					     {"tty", no_argument, NULL, 't'},
					     {"detach", no_argument, NULL, 'd'},
					     {"preserve-fds", required_argument, NULL, 'F'},
					     {NULL, 0, NULL, 0}};
	int opt;

	memset(a, 0, sizeof(*a));
	a->env = calloc((size_t)argc, sizeof(*a->env));
	if (!a->env)
		return rt_error(rt, "exec: out of memory");
	while ((opt = getopt_long(argc, argv, "+p:e:u:w:td", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			a->process_file = optarg;
			break;
		case 'P':
			a->pid_file = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'w':
			a->cwd = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '='))
				return rt_error(rt, "exec --env %s: NAME=VALUE", optarg);
			a->env[a->nenv++] = optarg;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 't':
			a->tty = true;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'F':
			if (rt_parse_preserve_fds(rt, optarg, &a->preserve_fds) != 0)
				return 1;
			break;
		default:
			return 1;
		}
	}
	if (optind >= argc)
		return rt_error(rt, "exec: give a container id");
	a->args = argv + optind + 1;
	a->nargs = argc - optind - 1;
	if (!a->process_file && a->nargs == 0)
		return rt_error(rt, "exec: give --process FILE or the command to run");
	if (a->process_file && a->nargs)
		return rt_error(rt, "exec: --process FILE or a command, not both");
	return 0;
}

static int read_process(const struct rt *rt, const char *file, struct oci_process *p)
{
	FILE *f = fopen(file, "re");
	struct oci_messages msgs = {0};
	size_t cap = OCI_MAX_DOCUMENT, len;
	char *text;
	int rc;

	if (!f)
		return rt_error(rt, "exec --process %s: %s", file, strerror(errno));
	text = malloc(cap + 1);
	len = text ? fread(text, 1, cap, f) : 0;
	fclose(f);
	if (!text)
		return rt_error(rt, "exec: out of memory");
	rc = oci_process_parse(text, len, 0, p, &msgs);
	free(text);
	for (size_t i = 0; i < msgs.n; i++)
		rt_error(rt, "exec --process %s: %s", file, msgs.v[i].text);
	oci_messages_free(&msgs);
	return rc ? 1 : 0;
}

/* The kept config's process with the flags over it: a copy through its
 * JSON, so that it is freed as one. */
static int process_from_flags(const struct rt *rt, const struct exec_args *a,
			      const struct oci_config *c, struct oci_process *p)
{
	struct oci_exec_flags f = {.args = a->args,
				   .nargs = (size_t)a->nargs,
				   .env = a->env,
				   .nenv = (size_t)a->nenv,
				   .cwd = a->cwd,
				   .terminal = a->tty};
	struct oci_messages msgs = {0};
	char *text = oci_process_write(&c->process);
	const char *bad;
	int rc = text ? oci_process_parse(text, strlen(text), 0, p, &msgs) : -1;

	free(text);
	oci_messages_free(&msgs);
	if (rc != 0)
		return rt_error(rt, "exec: the container's process: %s", strerror(errno));
	if (oci_process_apply(p, &f, &bad) < 0)
		return bad ? rt_error(rt, "exec --env %s: %s", bad, strerror(errno))
			   : rt_error(rt, "exec: %s", strerror(errno));
	return 0;
}

/* The pty's master goes to the engine's console socket, as create's does. */
static int hand_over_console(const struct rt *rt, const char *path, int master)
{
	struct spawn_error e;
	char name[64] = "";
	int sock = rt_console_connect(path, &e);

	if (sock < 0)
		return rt_error(rt, "exec: %s", e.msg);
	ptsname_r(master, name, sizeof(name));
	if (rt_console_send(sock, master, name, &e) < 0) {
		close(sock);
		return rt_error(rt, "exec: %s", e.msg);
	}
	close(sock);
	return 0;
}

/* exec --tty without a console socket, as runc does for a user at a
 * terminal: the runtime relays the master on its own stdio (its terminal
 * in raw mode, so that every key reaches the process's terminal, which
 * makes the signals), passes its size on at SIGWINCH and forwards the
 * other signals, as `cspawn exec -t` does (spawn/relay.h, monitor.h). */
static int relay_terminal(const struct rt *rt, pid_t pid, int master, int sigfd,
			  const sigset_t *fwd)
{
	struct spawn_error e;
	struct relay relay;
	bool stop = false;
	int code;

	if (relay_attach_console(&relay, master, true, &e) < 0) {
		relay_close(&relay);
		close(sigfd);
		kill(pid, SIGKILL);
		rt_wait_child(pid, fwd);
		return rt_error(rt, "exec --tty: %s", e.msg);
	}
	code = monitor_supervise(pid, sigfd, &relay, &stop);
	relay_close(&relay);
	close(sigfd);
	return code;
}

/* The relay's signalfd, made before the process exists: it sets SIGCHLD
 * to its default, which discards one already pending (POSIX), and the
 * process may have ended by the time the relay starts. -1 when there is
 * no terminal to relay. */
static int relay_signals(const struct rt *rt, const struct exec_args *a,
			 const struct oci_process *p, int *sigfd)
{
	struct spawn_error e;
	sigset_t sigs;

	*sigfd = -1;
	if (!p->terminal || a->console_socket)
		return 0;
	if (monitor_block_signals(&sigs, sigfd, &e) < 0)
		return rt_error(rt, "exec --tty: %s", e.msg);
	return 0;
}

static int start_process(const struct rt *rt, const struct exec_args *a, struct rt_record *r,
			 const struct oci_config *c, const struct oci_process *p)
{
	char init[PATH_MAX];
	struct spawn_error e;
	struct exec_opts o = {.target = r->pid,
			      .cg = r->has_cgroup ? &r->cg : NULL,
			      .process = p,
			      .user = a->user,
			      .seccomp = &c->lnx.seccomp,
			      .trampoline = init,
			      .pass_fds = a->preserve_fds};
	sigset_t fwd;
	int status, console, rc = 0, sigfd;
	pid_t pid;

	if (p->terminal && !a->console_socket && a->detach)
		return rt_error(rt, "exec --tty --detach: needs --console-socket (nobody would "
				    "relay the terminal once the runtime has left)");
	if (rt_find_trampoline(rt, init, sizeof(init)) != 0)
		return 1;
	o.target_pidfd = rt_open_process(r);
	if (o.target_pidfd < 0)
		return rt_error(rt, "exec: container %s is not running", r->id);
	rt_forwarded(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, NULL);
	if (relay_signals(rt, a, p, &sigfd) != 0) {
		close(o.target_pidfd);
		return 1;
	}
	pid = exec_start(&o, &console, &status, &e);
	close(o.target_pidfd);
	if (pid < 0 || console < 0) {
		if (sigfd >= 0)
			close(sigfd);
		sigfd = -1;
	}
	if (pid < 0) {
		rt_error(rt, "exec %s: %s", r->id, e.msg);
		return status;
	}
	if (console >= 0 && a->console_socket) {
		rc = hand_over_console(rt, a->console_socket, console);
		close(console);
		console = -1;
	}
	if (rc == 0 && a->pid_file && rt_write_pid_file(a->pid_file, pid, &e) < 0)
		rc = rt_error(rt, "exec %s: %s", r->id, e.msg);
	if (rc != 0) {
		if (console >= 0)
			close(console);
		if (sigfd >= 0)
			close(sigfd);
		kill(pid, SIGKILL);
		rt_wait_child(pid, &fwd);
		return rc;
	}
	if (console >= 0)
		return relay_terminal(rt, pid, console, sigfd, &fwd);
	return a->detach ? 0 : rt_wait_child(pid, &fwd);
}

int rt_exec(const struct rt *rt, int argc, char **argv)
{
	struct exec_args a;
	struct oci_process p = {0};
	struct oci_config c;
	struct rt_record r;
	enum rt_status st;
	int rc;

	/* before anything is opened, which could take a closed one's number;
	 * runc passes socket activation's descriptors to create's process only */
	if (parse_exec(rt, argc, argv, &a) != 0 || rt_check_pass_fds(rt, 0, a.preserve_fds) != 0) {
		free(a.env);
		return 1;
	}
	if (rt_record_load(rt, argv[optind], false, &r) < 0) {
		free(a.env);
		return 1;
	}
	st = rt_status_of(&r);
	if (st != RT_RUNNING)
		rc = rt_error(rt, "cannot exec in container %s: it is %s, not running", r.id,
			      rt_status_name(st));
	else if ((rc = rt_kept_config(rt, &r, &c)) == 0) {
		rc = a.process_file ? read_process(rt, a.process_file, &p)
				    : process_from_flags(rt, &a, &c, &p);
		if (rc == 0)
			rc = start_process(rt, &a, &r, &c, &p);
		oci_process_free(&p);
		oci_config_free(&c);
	}
	rt_record_free(&r);
	free(a.env);
	return rc;
}
