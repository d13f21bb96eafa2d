#include "spawn/monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>
#include <time.h>

#include "spawn/cgroup.h"
#include "spawn/container.h"
#include "spawn/devfilter.h"
#include "spawn/process.h"
#include "spawn/relay.h"
#include "spawn/restart.h"
#include "spawn/rootfs.h"
#include "spawn/state.h"

/* Signals cspawn passes on to the container's PID 1. */
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

struct run_env {
	const struct spawn_opts *o;
	const struct oci_config *cfg;
	const char *init_path;
	struct spawn_state state;
	struct cgroup_layout layout;
	sigset_t signals; /* blocked, taken from sigfd (sigtimedwait between runs) */
	int sigfd;
};

static const char *base_of(const struct spawn_opts *o)
{
	return o->state_base ? o->state_base : STATE_BASE;
}

static int warn(const struct spawn_opts *o, const struct spawn_error *e)
{
	fprintf(stderr, "cspawn: %s: %s\n", o->name, e->msg);
	return -1;
}

/* Blocked rather than handled: the monitor reads them from a signalfd,
 * so no handler and no global state is needed. SIGCHLD goes back to its
 * default first: ignored (as a parent may leave it across exec), the
 * kernel would reap the container itself and waitpid would never see it
 * end. */
int monitor_block_signals(sigset_t *set, int *sigfd, struct spawn_error *e)
{
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		return spawn_fail_errno(e, "signal(SIGCHLD)");
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return spawn_fail_errno(e, "sigprocmask");
	*sigfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (*sigfd < 0)
		return spawn_fail_errno(e, "signalfd");
	return 0;
}

static int exit_code_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}

/* One signal while the container runs: SIGCHLD may be its end (then
 * returns its exit code), anything else is passed on. -1: still running. */
static int on_signal(pid_t pid, int sig, bool *stop_requested)
{
	int ws;

	if (sig == SIGCHLD) {
		pid_t r = waitpid(pid, &ws, WNOHANG);

		if (r == pid)
			return exit_code_of(ws);
		/* ECHILD: gone without a status; waiting on would be forever. */
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "cspawn: waitpid %d: %s\n", (int)pid, strerror(errno));
			return 125;
		}
		return -1;
	}
	if (sig == SIGTERM || sig == SIGINT)
		*stop_requested = true;
	/* Signals from cspawn's terminal too (Ctrl-C, a resize): the
	 * container is in a session of its own and gets them only from here.
	 * pid is our unreaped child, so kill cannot miss it. */
	if (kill(pid, sig) < 0)
		fprintf(stderr, "cspawn: forwarding signal %d: %s\n", sig, strerror(errno));
	return -1;
}

/* Takes the pending signals from the signalfd; the exit code once the
 * container has ended, else -1. */
static int take_signals(int sigfd, pid_t pid, const struct relay *relay, bool *stop_requested)
{
	struct signalfd_siginfo si;
	int code = -1;

	while (code < 0 && read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		/* the terminal itself tells its processes of a new size */
		if (si.ssi_signo == SIGWINCH && relay->console >= 0)
			relay_resize(relay);
		else
			code = on_signal(pid, (int)si.ssi_signo, stop_requested);
	}
	return code;
}

/* Waits for the container's PID 1 to end, forwarding signals and copying
 * its piped stdio meanwhile. */
int monitor_supervise(pid_t pid, int sigfd, struct relay *relay, bool *stop_requested)
{
	for (;;) {
		struct pollfd fds[1 + RELAY_MAX_POLL] = {{.fd = sigfd, .events = POLLIN}};
		size_t n = 1 + relay_poll_fds(relay, fds + 1);
		int code;

		if (poll(fds, (nfds_t)n, -1) < 0)
			continue; /* EINTR: nothing else can fail with valid descriptors */
		relay_service(relay, fds + 1, n - 1);
		if (!(fds[0].revents & POLLIN))
			continue;
		code = take_signals(sigfd, pid, relay, stop_requested);
		if (code >= 0) {
			relay_drain(relay);
			return code;
		}
	}
}

/* Sleeps through a restart delay; true when SIGTERM or SIGINT asked cspawn
 * to stop meanwhile. */
static bool stopped_during(const sigset_t *set, int64_t ms)
{
	int64_t deadline = monotonic_ms() + ms;

	for (;;) {
		int64_t left = deadline - monotonic_ms();
		struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000};
		int sig;

		if (left <= 0)
			return false;
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return true;
		if (sig < 0 && errno == EAGAIN)
			return false;
	}
}

static void report_oom(const struct spawn_opts *o, const struct cgroup *cg)
{
	char size[32];

	if (cgroup_oom_killed(cg))
		fprintf(stderr, "cspawn: %s: out of memory (limit %s)\n", o->name,
			cg->memory_limit ? format_size(cg->memory_limit, size, sizeof(size))
					 : "none");
}

/* Removes what one run made; failures are reported, not fatal. */
static void clean_run(struct run_env *env, struct cgroup *cg)
{
	struct spawn_error e;

	if (cgroup_destroy(cg, 5000, &e) < 0)
		warn(env->o, &e);
	if (spawn_has_overlay(env->o) && state_remove_layer(&env->state, &e) < 0)
		warn(env->o, &e);
}

static int record_cgroup(const struct run_env *env, const struct cgroup *cg, struct spawn_error *e)
{
	char text[CG_NCTL * (PATH_MAX + 8) + 8];

	if (cgroup_record(cg, text, sizeof(text)) < 0)
		return spawn_fail_errno(e, "recording the cgroup");
	return state_save(&env->state, "cgroup", text, e);
}

/* The container's root's owner on the host: its writable layer is made
 * for it. */
static void layer_owner(const struct oci_config *c, uid_t *uid, gid_t *gid)
{
	*uid = c->lnx.uid_mappings.n ? c->lnx.uid_mappings.v[0].host_id : 0;
	*gid = c->lnx.gid_mappings.n ? c->lnx.gid_mappings.v[0].host_id : 0;
}

/* A fresh writable layer (with --layer) and a cgroup, recorded. */
static int prepare_start(struct run_env *env, struct cgroup *cg, struct spawn_error *e)
{
	const struct spawn_opts *o = env->o;
	struct devfilter_rule *rules;
	struct cgroup_limits lim;
	uid_t uid;
	gid_t gid;
	int rc;

	layer_owner(env->cfg, &uid, &gid);
	if (spawn_has_overlay(o) && state_fresh_layer(&env->state, uid, gid, e) < 0)
		return -1;
	if (cgroup_limits_of(&env->cfg->lnx.resources, &lim, &rules, e) < 0)
		return -1;
	rc = cgroup_create(&env->layout, o->name, env->cfg->lnx.cgroups_path, &lim, cg, e);
	free(rules);
	if (rc == 0 && record_cgroup(env, cg, e) == 0)
		return 0;
	clean_run(env, cg);
	return -1;
}

/* The container's stdio: pipes for cspawn's files (spawn/relay.h), or
 * with -t a terminal, whose master comes back on a socket. */
static int open_stdio(const struct run_env *env, struct relay *r, struct container_opts *co,
		      struct spawn_error *e)
{
	int sp[2];

	co->console_sock = -1;
	if (!env->cfg->process.terminal) {
		if (relay_open(r, e) < 0)
			return -1;
		co->stdio = r->child;
		return 0;
	}
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 3; i++)
		r->child[i] = r->ours[i] = -1;
	r->console = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return spawn_fail_errno(e, "socketpair for the terminal");
	co->console_sock = sp[1];
	r->ours[0] = sp[0]; /* until the master comes: closed with the relay */
	return 0;
}

/* The master the container sent, relayed from here on. */
static int attach_terminal(const struct spawn_opts *o, struct relay *r, struct spawn_error *e)
{
	int ours = r->ours[0], master;

	r->ours[0] = -1;
	master = process_receive_terminal(ours, e);
	close(ours);
	if (master < 0)
		return -1;
	return relay_attach_console(r, master, o->interactive, e);
}

/* One start: a fresh writable layer and cgroup, the container, its end.
 * Returns its exit code, or -1 with *status set when it never started. */
static int run_once(struct run_env *env, bool *stop_requested, int *status)
{
	const struct spawn_opts *o = env->o;
	struct rootfs_params rp = {.c = env->cfg};
	struct container_opts co = {.trampoline = env->init_path,
				    .direct_exec = ROOTFS_INIT_PATH,
				    .held = o->no_init ? NULL : &env->signals,
				    .die_with_parent = true,
				    .start_fd = -1};
	struct spawn_error e;
	struct rootfs_created created = {0};
	struct relay relay;
	struct cgroup cg = {0};
	pid_t pid;
	int code;

	*status = 125;
	if (prepare_start(env, &cg, &e) < 0)
		return warn(o, &e);
	if (rootfs_note_missing(&rp, &created, &e) < 0 || open_stdio(env, &relay, &co, &e) < 0) {
		warn(o, &e);
		rootfs_created_free(&created);
		clean_run(env, &cg);
		return -1;
	}
	co.cg = &cg;
	pid = container_start(env->cfg, &co, status, &e);
	relay_close_child_ends(&relay);
	if (co.console_sock >= 0)
		close(co.console_sock); /* the container's end */
	if (pid >= 0 && co.console_sock >= 0 && attach_terminal(o, &relay, &e) < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		pid = -1;
	}
	if (pid < 0) {
		warn(o, &e);
		relay_close(&relay);
		rootfs_remove_created(&rp, &created);
		clean_run(env, &cg);
		return -1;
	}
	rootfs_created_free(&created); /* started: they stay, as runc leaves them */
	code = monitor_supervise(pid, env->sigfd, &relay, stop_requested);
	relay_close(&relay);
	report_oom(o, &cg);
	clean_run(env, &cg);
	return code;
}

static int run_with_restarts(struct run_env *env)
{
	const struct spawn_opts *o = env->o;
	int64_t delay = 0;
	int restarts = 0;

	for (;;) {
		int64_t started = monotonic_ms();
		bool stop = false;
		int status, code = run_once(env, &stop, &status);

		if (code < 0)
			return status;
		if (!restart_wanted(o->restart, o->max_restarts, restarts, code, stop))
			return code;
		delay = restart_next_delay(delay, monotonic_ms() - started);
		restarts++;
		fprintf(stderr, "cspawn: %s: exited with %d, restarting in %lldms (restart %d)\n",
			o->name, code, (long long)delay, restarts);
		if (stopped_during(&env->signals, delay))
			return code;
	}
}

static int detect_layout(struct cgroup_layout *l, struct spawn_error *e)
{
	const char *root = getenv("CSPAWN_CGROUP_ROOT");

	if (root && *root) {
		cgroup_layout_v2(l, root);
		return 0;
	}
	return cgroup_detect(l, e);
}

/* A cspawn of this name was killed before it could clean up: its
 * container died with it (parent-death signal), but its cgroup and
 * writable layer are still there. */
/* The cgroup a dead cspawn made: from its record, which names it wherever
 * that cspawn's own cgroup was; without one (killed before it made it),
 * where this cspawn would have put it. */
static int remove_stale_cgroup(const struct run_env *env, const struct spawn_state *s,
			       const char *name, struct spawn_error *e)
{
	char text[CG_NCTL * (PATH_MAX + 8) + 8];
	struct cgroup cg;

	if (state_load(s, "cgroup", text, sizeof(text)) > 0 &&
	    cgroup_from_record(text, name, &cg) == 0)
		return cgroup_destroy(&cg, 5000, e);
	return cgroup_remove_stale(&env->layout, name, e);
}

static int clean_stale(struct run_env *env, struct spawn_error *e)
{
	fprintf(stderr, "cspawn: %s: removing what an earlier run (cspawn pid %d) left behind\n",
		env->o->name, (int)env->state.stale_pid);
	if (remove_stale_cgroup(env, &env->state, env->o->name, e) < 0)
		return -1;
	return state_remove_layer(&env->state, e);
}

static void sweep_one(const struct spawn_state *s, const char *name, void *ctx)
{
	struct spawn_error e;

	if (remove_stale_cgroup(ctx, s, name, &e) < 0)
		fprintf(stderr, "cspawn: %s: %s\n", name, e.msg);
}

/* The cgroup layout; what an earlier run of this name left, and what
 * killed runs of other names left; the id map of --userns. */
static int prepare_run(struct run_env *env, struct spawn_error *e)
{
	if (detect_layout(&env->layout, e) < 0 || (env->state.stale_pid && clean_stale(env, e) < 0))
		return -1;
	state_sweep(base_of(env->o), env->o->name, sweep_one, env);
	return 0;
}

int monitor_run(const struct spawn_opts *o, const struct oci_config *cfg, const char *init_path)
{
	struct run_env env = {
	    .cfg = cfg, .o = o, .init_path = init_path, .state = {.lockfd = -1}, .sigfd = -1};
	struct spawn_error e;
	int status = 125;

	if (monitor_block_signals(&env.signals, &env.sigfd, &e) < 0 ||
	    state_acquire(base_of(o), o->name, &env.state, &e) < 0) {
		warn(o, &e);
		/* A lock taken before the pid file failed is ours to release. */
		state_release(&env.state);
		return 125;
	}
	if (prepare_run(&env, &e) < 0)
		warn(o, &e);
	else
		status = run_with_restarts(&env);
	state_release(&env.state);
	if (env.sigfd >= 0)
		close(env.sigfd);
	return status;
}
