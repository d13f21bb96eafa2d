#include "manage/monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <ev.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manage/attachers.h"
#include "manage/logs.h"
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

#define MAX_WAITERS 64

struct mon {
	struct ev_loop *loop;
	const struct monitor_cfg *m;
	struct ctr *c;
	struct cgroup_layout layout;
	struct cgroup cg;
	bool have_cg;
	struct log_writer log;
	struct netglue net;
	sigset_t held;
	pid_t pid;
	int out, err; /* our ends of the container's stdout and stderr */
	bool tty;     /* out is the master of its terminal; err is -1 */
	struct attachers att;
	ev_child child;
	ev_io out_w, err_w, ctl_w;
	ev_timer restart_w, kill_w;
	ev_periodic never_w; /* see quiet_idle_loop */
	ev_signal term_w, int_w;
	int ctl;
	int waiters[MAX_WAITERS];
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

static void drop_cgroup(struct mon *mon)
{
	struct spawn_error e;

	/* the address stays leased for the next start */
	netglue_detach(&mon->net, mon->c->name, false);
	if (!mon->have_cg)
		return;
	if (cgroup_destroy(&mon->cg, 5000, &e) < 0)
		log_note(&mon->log, "cspawn: %s", e.msg);
	mon->have_cg = false;
}

static void read_output(struct mon *mon, int *fd, ev_io *w, int stream)
{
	char buf[65536];
	ssize_t n;

	while (*fd >= 0) {
		n = read(*fd, buf, sizeof(buf));
		if (n > 0) {
			log_feed(&mon->log, stream, buf, (size_t)n);
			attachers_send(&mon->att, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		ev_io_stop(mon->loop, w);
		close(*fd);
		*fd = -1;
	}
}

static void on_out(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mon *mon = ev_userdata(loop);

	(void)revents;
	read_output(mon, &mon->out, w, 1);
}

static void on_err(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mon *mon = ev_userdata(loop);

	(void)revents;
	read_output(mon, &mon->err, w, 2);
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
	mon->att.input = mon->out;
	return pid;
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
				    .console_sock = -1};
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

static void answer_waiters(struct mon *mon)
{
	char line[32];

	snprintf(line, sizeof(line), "exited %d\n", mon->c->state.exit_code);
	for (size_t i = 0; i < mon->nwaiters; i++) {
		tell(mon->waiters[i], line);
		close(mon->waiters[i]);
	}
	mon->nwaiters = 0;
}

/* The container has ended for good: its state, the waiters, the end. */
static void finish(struct mon *mon)
{
	mon->c->state.status = CTR_EXITED;
	mon->c->state.pid = 0;
	mon->c->state.monitor = 0;
	save(mon);
	answer_waiters(mon);
	ev_break(mon->loop, EVBREAK_ALL);
}

static void on_exit_of(struct ev_loop *loop, ev_child *w, int revents);

static void run(struct mon *mon)
{
	struct ctr_state *st = &mon->c->state;
	struct spawn_error e;
	int status;

	mon->pid = start_container(mon, &status, &e);
	if (mon->pid < 0) {
		log_note(&mon->log, "cspawn: %s", e.msg);
		drop_cgroup(mon);
		snprintf(st->error, sizeof(st->error), "%.200s", e.msg);
		st->exit_code = status;
		st->finished = store_now_ms();
		tell_ready(mon, status, e.msg);
		/* a restart of a container that ran before may still come
		 * back; a first start that fails says so and ends */
		if (mon->m->first_start_reports && st->restarts == 0 && !st->started)
			return finish(mon);
		ev_feed_event(mon->loop, &mon->child, EV_CUSTOM);
		return;
	}
	st->status = CTR_RUNNING;
	st->pid = mon->pid;
	st->pid_start = store_pid_start(mon->pid);
	st->monitor = getpid();
	st->started = store_now_ms();
	st->error[0] = '\0';
	st->oom = false;
	mon->started_mono = monotonic_ms();
	save(mon);
	tell_ready(mon, 0, "started");
	ev_child_set(&mon->child, mon->pid, 0);
	ev_child_start(mon->loop, &mon->child);
	ev_io_init(&mon->out_w, on_out, mon->out, EV_READ);
	ev_io_start(mon->loop, &mon->out_w);
	if (mon->err >= 0) {
		ev_io_init(&mon->err_w, on_err, mon->err, EV_READ);
		ev_io_start(mon->loop, &mon->err_w);
	}
}

static void on_restart(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	run(ev_userdata(loop));
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
static void after_run(struct mon *mon)
{
	struct ctr_state *st = &mon->c->state;
	int64_t ran = monotonic_ms() - mon->started_mono;

	if (!restart_wanted(mon->m->restart, mon->m->max_restarts, st->restarts, st->exit_code,
			    mon->stopping))
		return finish(mon);
	mon->delay = restart_next_delay(mon->delay, ran);
	st->restarts++;
	st->status = CTR_RESTARTING;
	st->pid = 0;
	save(mon);
	log_note(&mon->log, "cspawn: exited with %d, restarting in %lldms (restart %d)",
		 st->exit_code, (long long)mon->delay, st->restarts);
	ev_timer_set(&mon->restart_w, (double)mon->delay / 1000.0, 0);
	ev_timer_start(mon->loop, &mon->restart_w);
}

/* The run ended: its terminal (which read_output leaves open while a
 * process holds its other end) and the attached clients go with it. */
static void close_terminal(struct mon *mon)
{
	attachers_close_all(&mon->att);
	mon->att.input = -1;
	if (mon->tty && mon->out >= 0) {
		ev_io_stop(mon->loop, &mon->out_w);
		close(mon->out);
		mon->out = -1;
	}
	mon->tty = false;
}

static void on_exit_of(struct ev_loop *loop, ev_child *w, int revents)
{
	struct mon *mon = ev_userdata(loop);
	struct ctr_state *st = &mon->c->state;

	ev_child_stop(loop, w);
	ev_timer_stop(loop, &mon->kill_w);
	if (!(revents & EV_CUSTOM)) {
		/* its output is all there once PID 1 is gone: the namespace
		 * took the rest with it */
		read_output(mon, &mon->out, &mon->out_w, 1);
		read_output(mon, &mon->err, &mon->err_w, 2);
		log_flush(&mon->log);
		close_terminal(mon);
		st->exit_code = exit_code_of(w->rstatus);
		st->oom = mon->have_cg && cgroup_oom_killed(&mon->cg);
		st->finished = store_now_ms();
		if (st->oom)
			log_note(&mon->log, "cspawn: out of memory: the kernel killed it");
		drop_cgroup(mon);
	}
	after_run(mon);
}

/* stop: the stop signal, KILL after the timeout, no restart. by_user: a
 * `cspawn stop`, which unless-stopped remembers across reboots; the host
 * shutting down (SIGTERM, `cspawn boot --shutdown`) is not one. */
static void stop(struct mon *mon, double timeout, bool by_user)
{
	struct ctr_state *st = &mon->c->state;

	mon->stopping = true;
	st->stopped_by_user = st->stopped_by_user || by_user;
	if (ev_is_active(&mon->restart_w)) {
		ev_timer_stop(mon->loop, &mon->restart_w);
		return finish(mon);
	}
	save(mon);
	if (mon->pid > 0 && kill(mon->pid, mon->m->stop_signal) < 0 && errno != ESRCH)
		log_note(&mon->log, "cspawn: stop: %s", strerror(errno));
	ev_timer_set(&mon->kill_w, timeout, 0);
	ev_timer_start(mon->loop, &mon->kill_w);
}

static void on_kill_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mon *mon = ev_userdata(loop);

	(void)w;
	(void)revents;
	if (mon->pid > 0)
		kill(mon->pid, SIGKILL); /* our unreaped child: it cannot be another */
}

static void on_term(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	stop(ev_userdata(loop), 10, false);
}

static void reply(int fd, const char *text)
{
	tell(fd, text);
	close(fd);
}

static void add_waiter(struct mon *mon, int fd)
{
	if (mon->nwaiters == MAX_WAITERS)
		return reply(fd, "error too many waiters\n");
	mon->waiters[mon->nwaiters++] = fd;
}

/* One request, read at once: the asker has written its line before it
 * waits, and a client that sends nothing useful is closed. */
static void serve(struct mon *mon, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct winsize ws = {0};
	char req[128] = "";
	ssize_t n = 0;
	int arg;

	if (poll(&p, 1, 1000) > 0)
		n = read(fd, req, sizeof(req) - 1);
	req[n > 0 ? n : 0] = '\0';
	if (sscanf(req, "stop %d", &arg) == 1) {
		add_waiter(mon, fd);
		stop(mon, arg < 0 ? 0 : arg, true);
	} else if (sscanf(req, "shutdown %d", &arg) == 1) {
		add_waiter(mon, fd);
		stop(mon, arg < 0 ? 0 : arg, false);
	} else if (strncmp(req, "wait", 4) == 0) {
		add_waiter(mon, fd);
	} else if (strncmp(req, "attach", 6) == 0) {
		attachers_add(&mon->att, fd);
	} else if (sscanf(req, "resize %hu %hu", &ws.ws_row, &ws.ws_col) == 2) {
		if (mon->tty && mon->out >= 0 && ioctl(mon->out, TIOCSWINSZ, &ws) == 0)
			reply(fd, "ok\n");
		else
			reply(fd, "error the container has no terminal\n");
	} else if (sscanf(req, "kill %d", &arg) == 1 && arg > 0 && arg < NSIG) {
		if (mon->pid > 0 && mon->c->state.status == CTR_RUNNING && kill(mon->pid, arg) == 0)
			reply(fd, "ok\n");
		else
			reply(fd, "error the container is not running\n");
	} else {
		reply(fd, "error unknown request\n");
	}
}

static void on_ctl(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mon *mon = ev_userdata(loop);
	int fd;

	(void)revents;
	while ((fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		serve(mon, fd);
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
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		close(dir);
		return spawn_fail_errno(e, "socket");
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
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

static void never_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Without a timerfd libev wakes every 60 s to notice clock jumps, and a
 * hundred idle monitors would wake the host almost twice a second; libev
 * opens one for periodic watchers, and then sleeps as long as nothing is
 * due. A periodic that never fires (in the year 5138) buys an idle monitor
 * with no wakeups at all, as in cinit (init/main.c). It holds no reference:
 * the loop still ends when the rest is done. */
static void quiet_idle_loop(struct mon *mon)
{
	ev_periodic_init(&mon->never_w, never_cb, 1e11, 0., 0);
	ev_periodic_start(mon->loop, &mon->never_w);
	ev_unref(mon->loop);
}

static void init_watchers(struct mon *mon)
{
	ev_child_init(&mon->child, on_exit_of, 0, 0);
	ev_timer_init(&mon->restart_w, on_restart, 0, 0);
	ev_timer_init(&mon->kill_w, on_kill_timeout, 0, 0);
	ev_signal_init(&mon->term_w, on_term, SIGTERM);
	ev_signal_init(&mon->int_w, on_term, SIGINT);
	ev_signal_start(mon->loop, &mon->term_w);
	ev_signal_start(mon->loop, &mon->int_w);
	ev_io_init(&mon->ctl_w, on_ctl, mon->ctl, EV_READ);
	ev_io_start(mon->loop, &mon->ctl_w);
	quiet_idle_loop(mon);
}

/* The lowest address of the main thread's stack, from /proc/self/maps;
 * 0 when it cannot be told. */
static uintptr_t stack_low_end(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	uintptr_t lo = 0, hi;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") &&
		    sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2)
			break;
		else
			lo = 0;
	fclose(f);
	return lo;
}

/* The monitor is a fork of the command that started it and sleeps for the
 * container's life: the heap that command freed and the stack its deep
 * calls touched would stay resident in every monitor. Returns both to the
 * kernel once the container runs; what the loop touches later comes back
 * as it is used. Below this frame nothing is live but the madvise call's
 * own few bytes, two pages down at most. */
static __attribute__((noinline)) void give_back_memory(void)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile char here = 0;
	uintptr_t lo = stack_low_end(), top;

	malloc_trim(0);
	if (page <= 0 || lo == 0)
		return;
	top = ((uintptr_t)&here & ~((uintptr_t)page - 1)) - 2 * (uintptr_t)page;
	if (top > lo)
		madvise((void *)lo, top - lo, MADV_DONTNEED);
}

_Noreturn void monitor_main(const struct monitor_cfg *m)
{
	struct mon mon = {
	    .m = m, .c = m->c, .out = -1, .err = -1, .ctl = -1, .ready_fd = m->ready_fd};
	char log_path[PATH_MAX + 80];
	struct spawn_error e;
	int lock;

	sigemptyset(&mon.held);
	for (size_t i = 0; i < sizeof(held_signals) / sizeof(held_signals[0]); i++)
		sigaddset(&mon.held, held_signals[i]);
	snprintf(log_path, sizeof(log_path), "%s/%s-json.log", m->c->dir, m->c->id);
	if ((lock = take_lock(m->c, &e)) < 0) {
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
	if (monitor_cgroup_layout(&mon.layout, &e) < 0 ||
	    log_open(&mon.log, log_path, m->log_max_size, m->log_max_file, &e) < 0 ||
	    (mon.ctl = listen_ctl(m->c, &e)) < 0) {
		tell_ready(&mon, 125, e.msg);
		_exit(125);
	}
	mon.loop = ev_default_loop(EVFLAG_SIGNALFD);
	ev_set_userdata(mon.loop, &mon);
	attachers_init(&mon.att, mon.loop);
	init_watchers(&mon);
	mon.c->state.stopped_by_user = false;
	mon.have_reserve = keep_reserve(mon.c);
	run(&mon);
	give_back_memory();
	if (mon.c->state.status != CTR_EXITED)
		ev_run(mon.loop, 0);
	log_close(&mon.log);
	close(mon.ctl);
	/* the runtime directory goes, lock last */
	remove_tree(m->c->run_dir);
	close(lock);
	_exit(0);
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
