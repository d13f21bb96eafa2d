#include "manage/monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manage/logs.h"
#include "manage/monitor/protocol.h"
#include "manage/netglue.h"
#include "spawn/cgroup.h"
#include "spawn/container.h"
#include "spawn/devfilter.h"
#include "spawn/process.h"
#include "spawn/restart.h"
#include "spawn/rootfs.h"

/* Signals cinit takes from cspawn: held from the start, so that one sent
 * while the container starts waits for cinit's signalfd. */
static const int held_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

struct mon {
	const struct monitor_cfg *m;
	struct ctr *c;
	struct cgroup_layout layout;
	struct cgroup cg;
	bool have_cg;
	struct log_writer log;
	char log_path[PATH_MAX + 80];
	struct netglue net;
	sigset_t held;
	pid_t pid;
	int out, err; /* our ends of the container's stdout and stderr */
	bool tty;     /* out is the master of its terminal; err is -1 */
	int ctl, lock;
	int self;    /* this cspawn, for cspawn-monitor to come back to */
	int watcher; /* cspawn-monitor */
	int waiters[MONITOR_MAX_WAITERS];
	size_t nwaiters;
	int64_t started_mono, delay;
	bool stopping;
	bool have_reserve; /* RESERVE_LEAF is there */
	int ready_fd;
};

/* A line for someone who may have left already: nothing to do if so. */
static void tell(int fd, const char *text)
{
	ssize_t n = write(fd, text, strlen(text));

	(void)n;
}

/* Room kept for the container's records. state.json is written as a new
 * file and renamed over the old one, which takes new blocks even when it
 * replaces as many: on a full disk the monitor gives this file's blocks
 * back and writes the state in them, so that how the container ended is
 * not lost to ENOSPC. Made again once there is room. */
#define RESERVE_LEAF ".reserve"
#define RESERVE_SIZE (64 * 1024)

static void reserve_path(const struct ctr *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" RESERVE_LEAF, c->dir);
}

/* True when the reserve is there (made now or before). */
static bool keep_reserve(const struct ctr *c)
{
	static const char zeros[4096];
	char path[PATH_MAX + 16];
	int fd;

	reserve_path(c, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST;
	for (size_t off = 0; off < RESERVE_SIZE; off += sizeof(zeros))
		if (write(fd, zeros, sizeof(zeros)) != (ssize_t)sizeof(zeros)) {
			close(fd);
			unlink(path);
			return false;
		}
	if (close(fd) < 0) {
		unlink(path);
		return false;
	}
	return true;
}

static bool release_reserve(const struct ctr *c)
{
	char path[PATH_MAX + 16];

	reserve_path(c, path, sizeof(path));
	return unlink(path) == 0;
}

static void save(struct mon *mon)
{
	struct spawn_error e;

	if (store_save_state(mon->c, &e) == 0) {
		if (!mon->have_reserve)
			mon->have_reserve = keep_reserve(mon->c);
		return;
	}
	if (mon->have_reserve && release_reserve(mon->c)) {
		mon->have_reserve = false;
		if (store_save_state(mon->c, &e) == 0) {
			log_note(&mon->log, "cspawn: the disk is full: the state was written in "
					    "the room kept for it");
			return;
		}
	}
	log_note(&mon->log, "cspawn: %s", e.msg);
}

static void tell_ready(struct mon *mon, int status, const char *msg)
{
	char line[MONITOR_READY_MAX];

	if (mon->ready_fd < 0)
		return;
	snprintf(line, sizeof(line), "%d %s\n", status, msg);
	tell(mon->ready_fd, line);
	close(mon->ready_fd);
	mon->ready_fd = -1;
}

int monitor_cgroup_layout(struct cgroup_layout *l, struct spawn_error *e)
{
	const char *root = getenv("CSPAWN_CGROUP_ROOT");

	if (root && *root) {
		cgroup_layout_v2(l, root);
		return 0;
	}
	return cgroup_detect(l, e);
}

static int make_cgroup(struct mon *mon, struct spawn_error *e)
{
	struct devfilter_rule *rules;
	struct cgroup_limits lim;
	char text[CG_NCTL * (PATH_MAX + 8) + 8];
	int rc;

	if (cgroup_limits_of(&mon->m->spec->lnx.resources, &lim, &rules, e) < 0)
		return -1;
	rc = cgroup_create(&mon->layout, mon->c->id, mon->m->spec->lnx.cgroups_path, &lim, &mon->cg,
			   e);
	free(rules);
	if (rc < 0)
		return -1;
	mon->have_cg = true;
	/* whoever cleans up after a killed monitor finds it here */
	if (cgroup_record(&mon->cg, text, sizeof(text)) < 0)
		return spawn_fail_errno(e, "recording the cgroup");
	return store_write_file(mon->c->run_dir, "cgroup", text, e);
}

/* The cgroup the start made, as it recorded it: the start was an earlier
 * program image of this process (manage/monitor/protocol.h). */
static void find_cgroup(struct mon *mon)
{
	struct spawn_error e;
	char *text;

	if (mon->have_cg)
		return;
	text = store_read_file(mon->c->run_dir, "cgroup", &e);
	if (text && cgroup_from_record(text, mon->c->id, &mon->cg) == 0)
		mon->have_cg = true;
	free(text);
}

/* After a run: the cgroup goes, and the network lets go of it. */
static void drop_cgroup(struct mon *mon)
{
	struct spawn_error e;

	/* the address stays leased for the next start */
	netglue_detach(&mon->net, mon->c->name, false);
	find_cgroup(mon);
	if (!mon->have_cg)
		return;
	if (cgroup_destroy(&mon->cg, 5000, &e) < 0)
		log_note(&mon->log, "cspawn: %s", e.msg);
	mon->have_cg = false;
}

static int pipes(int out[2], int err[2], struct spawn_error *e)
{
	if (pipe2(out, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "pipe");
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return spawn_fail_errno(e, "pipe");
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	return 0;
}

/* With -t: the terminal's master, which the monitor holds for the
 * container's life (so its shell never sees a hangup), logs the output
 * of, and passes attached clients' typing to. */
static pid_t start_with_terminal(struct mon *mon, struct container_opts *co, int *status,
				 struct spawn_error *e)
{
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return spawn_fail_errno(e, "socketpair for the terminal");
	co->console_sock = sp[1];
	co->stdio = NULL;
	pid = container_start(mon->m->spec, co, status, e);
	close(sp[1]);
	if (pid >= 0) {
		mon->out = process_receive_terminal(sp[0], e);
		if (mon->out < 0 || fcntl(mon->out, F_SETFL, O_NONBLOCK) < 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			pid = -1;
		}
	}
	close(sp[0]);
	mon->err = -1;
	mon->tty = true;
	return pid;
}

/* The state names PID 1 before anything of the container's runs: the
 * child waits for the go-ahead that follows this (CGROUP_READY), and dies
 * when a monitor killed before giving it closes the pipe. So no container
 * runs that `ps`, `stop` and `rm` cannot see. */
static int record_start(void *ctx, pid_t pid, struct spawn_error *e)
{
	struct mon *mon = ctx;
	struct ctr_state *st = &mon->c->state;

	(void)e;
	st->status = CTR_RUNNING;
	st->pid = pid;
	st->pid_start = store_pid_start(pid);
	st->monitor = getpid();
	st->started = store_now_ms();
	st->error[0] = '\0';
	st->oom = false;
	save(mon);
	return 0;
}

/* Starts the container: a cgroup, pipes for its output, its PID 1. */
static pid_t start_container(struct mon *mon, int *status, struct spawn_error *e)
{
	int out[2], err[2], null = open("/dev/null", O_RDONLY | O_CLOEXEC), stdio[3];
	struct container_opts co = {.trampoline = mon->m->trampoline,
				    .direct_exec = ROOTFS_INIT_PATH,
				    .held = mon->m->init ? &mon->held : NULL,
				    .stdio = stdio,
				    .start_fd = -1,
				    .console_sock = -1,
				    .created = record_start,
				    .ctx = mon};
	pid_t pid = -1;

	*status = 125;
	if (null < 0)
		return spawn_fail_errno(e, "/dev/null");
	if (netglue_attach(&mon->net, json_object_get(mon->c->json, "network"), mon->c->name, e) <
		0 ||
	    make_cgroup(mon, e) < 0) {
		close(null);
		return -1;
	}
	co.cg = &mon->cg;
	if (mon->m->spec->process.terminal) {
		close(null);
		return start_with_terminal(mon, &co, status, e);
	}
	if (pipes(out, err, e) < 0) {
		close(null);
		return -1;
	}
	stdio[0] = null;
	stdio[1] = out[1];
	stdio[2] = err[1];
	pid = container_start(mon->m->spec, &co, status, e);
	close(null);
	close(out[1]);
	close(err[1]);
	mon->out = out[0];
	mon->err = err[0];
	return pid;
}

static void answer_waiters(struct mon *mon, const char *line)
{
	for (size_t i = 0; i < mon->nwaiters; i++) {
		tell(mon->waiters[i], line);
		close(mon->waiters[i]);
	}
	mon->nwaiters = 0;
}

/* Callers who connected while cspawn, not cspawn-monitor, held the
 * socket: the end is all there is to tell them. Their requests are read
 * together, within 100 ms in all, so that silent ones hold up nothing. */
static void answer_late_callers(struct mon *mon, const char *line)
{
	struct pollfd p[MONITOR_MAX_WAITERS];
	size_t n = 0, left;
	int64_t end = monotonic_ms() + 100;
	int fd;

	fcntl(mon->ctl, F_SETFL, O_NONBLOCK);
	while (n < MONITOR_MAX_WAITERS && (fd = accept4(mon->ctl, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	for (left = n; left > 0 && monotonic_ms() < end;) {
		if (poll(p, n, (int)(end - monotonic_ms())) <= 0)
			break;
		for (size_t i = 0; i < n; i++) {
			char req[128];
			ssize_t got;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			got = read(p[i].fd, req, sizeof(req) - 1);
			req[got > 0 ? got : 0] = '\0';
			if (strncmp(req, "stop", 4) == 0 || strncmp(req, "shutdown", 8) == 0 ||
			    strncmp(req, "wait", 4) == 0)
				tell(p[i].fd, line);
			else
				tell(p[i].fd, "error the container is not running\n");
			close(p[i].fd);
			p[i].fd = -1; /* poll skips it */
			left--;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
}

/* The container has ended for good: its state, the runtime directory
 * and its lock, and only then the callers, so that a `stop` that returns
 * leaves nothing a following `rm` would wait for. */
static _Noreturn void finish(struct mon *mon)
{
	char line[32];

	mon->c->state.status = CTR_EXITED;
	mon->c->state.pid = 0;
	mon->c->state.monitor = 0;
	save(mon);
	log_close(&mon->log);
	snprintf(line, sizeof(line), "exited %d\n", mon->c->state.exit_code);
	remove_tree(mon->c->run_dir);
	answer_late_callers(mon, line);
	close(mon->ctl);
	close(mon->lock);
	answer_waiters(mon, line);
	_exit(0);
}

/* cspawn-monitor beside this cspawn, opened before anything starts: a
 * missing one is an error of the run, not a container left unwatched. */
static int open_watcher(struct spawn_error *e)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd;

	if (n < 0)
		return spawn_fail_errno(e, "readlink /proc/self/exe");
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/" MONITOR_PROGRAM, self);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return spawn_fail_errno(e, "%s (it is installed beside cspawn)", path);
	return fd;
}

struct argv_buf {
	char *v[64 + MONITOR_MAX_WAITERS];
	char text[8192];
	size_t n, used;
};

static void arg(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(a->text + a->used, sizeof(a->text) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->text) - a->used ||
	    a->n + 1 >= sizeof(a->v) / sizeof(a->v[0]))
		return; /* cut short: cspawn-monitor refuses it, and it is reported */
	a->v[a->n++] = a->text + a->used;
	a->used += (size_t)n + 1;
}

/* A descriptor that goes across the exec, and its number as an argument. */
static void pass_fd(struct argv_buf *a, const char *name, int fd)
{
	if (fd < 0)
		return;
	fcntl(fd, F_SETFD, 0);
	arg(a, "--%s=%d", name, fd);
}

/* What cspawn-monitor execs to come back: this command, what this
 * program image knows that the next needs. */
static void add_resume(struct argv_buf *a, struct mon *mon)
{
	arg(a, "--");
	arg(a, "cspawn");
	arg(a, MONITOR_STEP_COMMAND);
	arg(a, "%s", mon->c->id);
	pass_fd(a, "lock", mon->lock);
	pass_fd(a, "ctl", mon->ctl);
	pass_fd(a, "self", mon->self);
	pass_fd(a, "net-lock", netglue_lock_fd(&mon->net));
	arg(a, "--delay=%lld", (long long)mon->delay);
	arg(a, "--started-mono=%lld", (long long)mon->started_mono);
}

/* This process becomes cspawn-monitor: the container's PID 1 stays its
 * child. pid 0: a restart is due in mon->delay ms. */
static _Noreturn void become_watcher(struct mon *mon)
{
	struct argv_buf a = {.n = 0};
	extern char **environ;

	arg(&a, MONITOR_PROGRAM);
	pass_fd(&a, "exe", mon->self);
	pass_fd(&a, "ctl", mon->ctl);
	arg(&a, "--log=%s", mon->log_path);
	arg(&a, "--log-max-size=%llu", (unsigned long long)mon->m->log_max_size);
	arg(&a, "--log-max-file=%u", mon->m->log_max_file);
	arg(&a, "--stop-signal=%d", mon->m->stop_signal);
	if (mon->pid > 0) {
		arg(&a, "--pid=%d", (int)mon->pid);
		pass_fd(&a, "out", mon->out);
		pass_fd(&a, "err", mon->err);
		if (mon->tty)
			arg(&a, "--tty");
	} else {
		arg(&a, "--delay=%lld", (long long)mon->delay);
	}
	for (size_t i = 0; i < mon->nwaiters; i++)
		pass_fd(&a, "waiter", mon->waiters[i]);
	add_resume(&a, mon);
	a.v[a.n] = NULL;
	log_close(&mon->log);
	syscall(SYS_execveat, mon->watcher, "", a.v, environ, AT_EMPTY_PATH);
	/* the container runs unwatched: ps says so, and stop and rm reach it */
	if (log_open(&mon->log, mon->log_path, mon->m->log_max_size, mon->m->log_max_file,
		     &(struct spawn_error){{0}}) == 0)
		log_note(&mon->log, "cspawn: exec of " MONITOR_PROGRAM ": %s", strerror(errno));
	_exit(125);
}

static int exit_code_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}

/* After a run: the restart policy decides, with docker's backoff. */
static _Noreturn void after_run(struct mon *mon)
{
	struct ctr_state *st = &mon->c->state;
	int64_t ran = monotonic_ms() - mon->started_mono;

	if (!restart_wanted(mon->m->restart, mon->m->max_restarts, st->restarts, st->exit_code,
			    mon->stopping))
		finish(mon);
	mon->delay = restart_next_delay(mon->delay, ran);
	st->restarts++;
	st->status = CTR_RESTARTING;
	st->pid = 0;
	save(mon);
	log_note(&mon->log, "cspawn: exited with %d, restarting in %lldms (restart %d)",
		 st->exit_code, (long long)mon->delay, st->restarts);
	mon->pid = 0;
	become_watcher(mon);
}

/* Starts the container, and watches it; or, when it cannot start, what
 * the restart policy says. */
static _Noreturn void run(struct mon *mon)
{
	struct ctr_state *st = &mon->c->state;
	int64_t started_before = st->started;
	struct spawn_error e;
	int status;

	mon->pid = start_container(mon, &status, &e);
	if (mon->pid < 0) {
		/* record_start may have run: it did not start after all */
		st->started = started_before;
		log_note(&mon->log, "cspawn: %s", e.msg);
		drop_cgroup(mon);
		snprintf(st->error, sizeof(st->error), "%.200s", e.msg);
		st->exit_code = status;
		st->finished = store_now_ms();
		tell_ready(mon, status, e.msg);
		/* a restart of a container that ran before may still come
		 * back; a first start that fails says so and ends */
		if (mon->m->first_start_reports && st->restarts == 0 && !st->started)
			finish(mon);
		after_run(mon);
	}
	/* the state is saved already (record_start) */
	mon->started_mono = monotonic_ms();
	tell_ready(mon, 0, "started");
	become_watcher(mon);
}

/* PID 1 ended, with cspawn-monitor watching: how, and then the policy. */
static _Noreturn void record_exit(struct mon *mon, int wstatus)
{
	struct ctr_state *st = &mon->c->state;

	st->exit_code = exit_code_of(wstatus);
	find_cgroup(mon);
	st->oom = mon->have_cg && cgroup_oom_killed(&mon->cg);
	st->finished = store_now_ms();
	if (st->oom)
		log_note(&mon->log, "cspawn: out of memory: the kernel killed it");
	drop_cgroup(mon);
	after_run(mon);
}

/* The socket's address through a descriptor of its directory: a path
 * under a deep --root may be longer than sun_path holds. Returns the
 * directory's descriptor, to close once bound or connected. */
static int socket_address(const struct ctr *c, struct sockaddr_un *a)
{
	int dir = open(c->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (dir >= 0)
		snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/ctl.sock", dir);
	return dir;
}

static int listen_ctl(const struct ctr *c, struct spawn_error *e)
{
	struct sockaddr_un a;
	int dir = socket_address(c, &a), fd;

	if (dir < 0)
		return spawn_fail_errno(e, "opening %s", c->run_dir);
	unlink(a.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(dir);
		return spawn_fail_errno(e, "socket");
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0600) < 0 ||
	    listen(fd, 64) < 0) {
		spawn_fail_errno(e, "listening on %s/ctl.sock", c->run_dir);
		close(fd);
		fd = -1;
	}
	close(dir);
	return fd;
}

/* The runtime directory and its lock, held for the monitor's life: while
 * it is held, the monitor lives (store_refresh). */
static int take_lock(const struct ctr *c, struct spawn_error *e)
{
	char pid[32];
	int fd = store_take_monitor_lock(c, e);

	if (fd < 0)
		return -1;
	/* for a systemd unit's PIDFile= (cspawn generate systemd) */
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (store_write_file(c->run_dir, "monitor.pid", pid, e) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What every program image of the monitor sets up the same way. SIGTERM
 * and SIGINT stay blocked across them all: one that comes while cspawn
 * works waits for cspawn-monitor's signalfd. */
static int common_setup(struct mon *mon, struct spawn_error *e)
{
	sigset_t stop_signals;

	sigemptyset(&mon->held);
	for (size_t i = 0; i < sizeof(held_signals) / sizeof(held_signals[0]); i++)
		sigaddset(&mon->held, held_signals[i]);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop_signals, NULL) < 0)
		return spawn_fail_errno(e, "sigprocmask");
	/* an ignored SIGCHLD (inherited across exec) would reap PID 1 unseen */
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		return spawn_fail_errno(e, "signal SIGCHLD");
	snprintf(mon->log_path, sizeof(mon->log_path), "%s/%s-json.log", mon->c->dir, mon->c->id);
	if (monitor_cgroup_layout(&mon->layout, e) < 0 ||
	    log_open(&mon->log, mon->log_path, mon->m->log_max_size, mon->m->log_max_file, e) < 0)
		return -1;
	mon->watcher = open_watcher(e);
	if (mon->watcher < 0)
		return -1;
	mon->have_reserve = keep_reserve(mon->c);
	return 0;
}

_Noreturn void monitor_main(const struct monitor_cfg *m)
{
	struct mon mon = {.m = m,
			  .c = m->c,
			  .out = -1,
			  .err = -1,
			  .ctl = -1,
			  .self = -1,
			  .ready_fd = m->ready_fd};
	struct spawn_error e;

	if (chdir("/") < 0 || (mon.lock = take_lock(m->c, &e)) < 0) {
		tell_ready(&mon, 125, e.msg);
		_exit(125);
	}
	/* an rm that came between the run and this start took the record:
	 * there is nothing to run (store_remove) */
	if (!store_has_record(m->c)) {
		remove_tree(m->c->run_dir);
		tell_ready(&mon, 125, "the container was removed before it started");
		_exit(125);
	}
	mon.self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (mon.self < 0)
		spawn_fail_errno(&e, "opening /proc/self/exe");
	if (mon.self < 0 || common_setup(&mon, &e) < 0 || (mon.ctl = listen_ctl(m->c, &e)) < 0) {
		tell_ready(&mon, 125, e.msg);
		remove_tree(m->c->run_dir);
		_exit(125);
	}
	mon.c->state.stopped_by_user = false;
	run(&mon);
}

/* "--NAME=NUMBER": the number, in *out. */
static bool number_arg(const char *a, const char *name, long long *out)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0 || a[2 + n] != '=')
		return false;
	errno = 0;
	*out = strtoll(a + 3 + n, &end, 10);
	return errno == 0 && *end == '\0' && end != a + 3 + n;
}

static int take_event_arg(struct monitor_event *ev, const char *a)
{
	long long v;

	if (number_arg(a, "lock", &v))
		ev->lock = (int)v;
	else if (number_arg(a, "ctl", &v))
		ev->ctl = (int)v;
	else if (number_arg(a, "self", &v))
		ev->self = (int)v;
	else if (number_arg(a, "net-lock", &v))
		ev->net_lock = (int)v;
	else if (number_arg(a, "delay", &v))
		ev->delay = v;
	else if (number_arg(a, "started-mono", &v))
		ev->started_mono = v;
	else if (number_arg(a, "exited", &v)) {
		ev->kind = MONITOR_EXITED;
		ev->wstatus = (int)v;
	} else if (strcmp(a, "--due") == 0)
		ev->kind = MONITOR_DUE;
	else if (strcmp(a, "--stopped") == 0)
		ev->kind = MONITOR_STOPPED;
	else if (strcmp(a, "--stopping") == 0)
		ev->stopping = true;
	else if (strcmp(a, "--by-user") == 0)
		ev->by_user = true;
	else if (number_arg(a, "waiter", &v) && ev->nwaiters < MONITOR_MAX_WAITERS)
		ev->waiters[ev->nwaiters++] = (int)v;
	else
		return -1;
	return 0;
}

int monitor_event_parse(int argc, char **argv, struct monitor_event *ev, struct spawn_error *e)
{
	*ev = (struct monitor_event){.kind = -1, .lock = -1, .ctl = -1, .self = -1, .net_lock = -1};
	for (int i = 0; i < argc; i++)
		if (take_event_arg(ev, argv[i]) < 0)
			return spawn_fail(e, "%s: unknown argument '%s'", MONITOR_STEP_COMMAND,
					  argv[i]);
	if ((int)ev->kind < 0 || ev->lock < 0 || ev->ctl < 0 || ev->self < 0)
		return spawn_fail(e,
				  "%s is cspawn-monitor's: it names the event and the descriptors",
				  MONITOR_STEP_COMMAND);
	return 0;
}

_Noreturn void monitor_step(const struct monitor_cfg *m, const struct monitor_event *ev)
{
	struct mon mon = {.m = m,
			  .c = m->c,
			  .out = -1,
			  .err = -1,
			  .ctl = ev->ctl,
			  .lock = ev->lock,
			  .self = ev->self,
			  .ready_fd = -1,
			  .delay = ev->delay,
			  .started_mono = ev->started_mono,
			  .stopping = ev->stopping};
	struct spawn_error e;

	fcntl(mon.ctl, F_SETFD, FD_CLOEXEC);
	fcntl(mon.lock, F_SETFD, FD_CLOEXEC);
	fcntl(mon.self, F_SETFD, FD_CLOEXEC);
	memcpy(mon.waiters, ev->waiters, ev->nwaiters * sizeof(ev->waiters[0]));
	mon.nwaiters = ev->nwaiters;
	for (size_t i = 0; i < mon.nwaiters; i++)
		fcntl(mon.waiters[i], F_SETFD, FD_CLOEXEC);
	if (common_setup(&mon, &e) < 0)
		log_note(&mon.log, "cspawn: %s", e.msg);
	if (ev->net_lock >= 0)
		netglue_adopt(&mon.net, ev->net_lock);
	mon.c->state.monitor = getpid();
	mon.c->state.stopped_by_user = mon.c->state.stopped_by_user || ev->by_user;
	switch (ev->kind) {
	case MONITOR_EXITED:
		record_exit(&mon, ev->wstatus);
	case MONITOR_DUE:
		/* nothing to start it with: the end, rather than a loop */
		if (mon.watcher < 0 || !m->spec)
			finish(&mon);
		run(&mon);
	case MONITOR_STOPPED:
		break;
	}
	mon.stopping = true;
	finish(&mon);
}

int monitor_connect(const struct ctr *c, const char *request)
{
	struct sockaddr_un a;
	int dir = socket_address(c, &a), fd, rc;

	if (dir < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		close(dir);
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(dir);
	if (rc < 0 || write(fd, request, strlen(request)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int monitor_ask(const struct ctr *c, const char *request, char *reply_buf, size_t len,
		int timeout_ms)
{
	struct pollfd p;
	ssize_t n;
	int fd = monitor_connect(c, request);

	if (fd < 0)
		return -1;
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	n = poll(&p, 1, timeout_ms) > 0 ? read(fd, reply_buf, len - 1) : -1;
	close(fd);
	if (n <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	reply_buf[n] = '\0';
	return 0;
}
