/* cspawn-monitor: what a detached container's monitor is while it only
 * waits (manage/monitor/protocol.h). Static against musl with libev
 * compiled in, as cinit is, so that a hundred idle monitors cost the host
 * little: none of cspawn's fourteen shared libraries is mapped, relocated
 * and dirtied in each. It watches PID 1 through a pidfd, logs the output,
 * answers the control socket, and hands every decision (the exit's record,
 * a restart, the end) back to cspawn by exec. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manage/attachers.h"
#include "manage/logs.h"
#include "manage/monitor/protocol.h"

extern char **environ;

/* A connection whose request has not come yet: each waits on its own,
 * so a caller that sends nothing holds up no one. */
#define MAX_CALLERS 128	    /* more than the listen backlog (64) */
#define CALLER_DEADLINE 1.0 /* seconds to send the request line */

struct caller {
	int fd; /* -1: a free slot */
	ev_io io;
	ev_timer deadline;
	struct watch *w;
};

struct watch {
	struct ev_loop *loop;
	struct log_writer log;
	struct attachers att;
	int exe;       /* cspawn */
	char **resume; /* cspawn's argv, the event still to add */
	int nresume;
	int ctl, sigfd;
	pid_t pid; /* the container's PID 1; 0 while a restart is due */
	int pidfd;
	int out, err; /* its stdout and stderr (out: the terminal with tty) */
	bool tty;
	int stop_signal;
	double delay; /* seconds until the restart */
	bool stopping, by_user;
	int waiters[MONITOR_MAX_WAITERS];
	size_t nwaiters;
	ev_io ctl_w, sig_w, pid_w, out_w, err_w;
	ev_timer kill_w, due_w, accept_w;
	struct caller callers[MAX_CALLERS];
#if EV_PERIODIC_ENABLE
	ev_periodic never_w; /* see quiet_idle_loop */
#endif
};

static void tell(int fd, const char *text)
{
	ssize_t n = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)n; /* a caller that left is nothing to report */
}

static void reply(int fd, const char *text)
{
	tell(fd, text);
	close(fd);
}

static void add_arg(char **argv, int *n, const char *fmt, long value)
{
	char buf[64];

	snprintf(buf, sizeof(buf), fmt, value);
	argv[(*n)++] = strdup(buf);
}

/* A descriptor cspawn must find open after the exec. */
static void keep_open(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFD, 0);
}

/* The event to cspawn, which takes over this process. When even that
 * fails (no memory), the callers hear the end and the monitor is gone:
 * `ps` tells a container with no monitor as it is. */
static _Noreturn void hand_back(struct watch *w, const char *event, long value)
{
	char **argv = calloc((size_t)w->nresume + MONITOR_MAX_WAITERS + 8, sizeof(*argv));
	char path[sizeof(w->log.path)];
	struct spawn_error e;
	int n = 0, err;

	log_close(&w->log);
	if (argv) {
		for (int i = 0; i < w->nresume; i++)
			argv[n++] = w->resume[i];
		add_arg(argv, &n, event, value);
		if (w->stopping)
			argv[n++] = "--stopping";
		if (w->by_user)
			argv[n++] = "--by-user";
		for (size_t i = 0; i < w->nwaiters; i++) {
			keep_open(w->waiters[i]);
			add_arg(argv, &n, "--waiter=%ld", w->waiters[i]);
		}
		syscall(SYS_execveat, w->exe, "", argv, environ, AT_EMPTY_PATH);
	}
	err = errno;
	snprintf(path, sizeof(path), "%s", w->log.path);
	if (log_open(&w->log, path, w->log.max_size, w->log.max_file, &e) == 0)
		log_note(&w->log, "cspawn-monitor: exec of cspawn: %s", strerror(err));
	for (size_t i = 0; i < w->nwaiters; i++)
		reply(w->waiters[i], "error the container's monitor failed\n");
	_exit(125);
}

static void read_output(struct watch *w, int *fd, ev_io *io, int stream)
{
	char buf[16384];
	ssize_t n;

	while (*fd >= 0) {
		n = read(*fd, buf, sizeof(buf));
		if (n > 0) {
			log_feed(&w->log, stream, buf, (size_t)n);
			attachers_send(&w->att, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EIO: a terminal whose other side is gone */
		ev_io_stop(w->loop, io);
		close(*fd);
		*fd = -1;
	}
}

static void on_out(struct ev_loop *loop, ev_io *io, int revents)
{
	struct watch *w = io->data;

	(void)loop;
	(void)revents;
	read_output(w, &w->out, io, 1);
}

static void on_err(struct ev_loop *loop, ev_io *io, int revents)
{
	struct watch *w = io->data;

	(void)loop;
	(void)revents;
	read_output(w, &w->err, io, 2);
}

/* PID 1 is gone: what it wrote last is in the pipes (the namespace took
 * every other writer with it), then cspawn records the end. */
static void on_exit_of_pid1(struct ev_loop *loop, ev_io *io, int revents)
{
	struct watch *w = io->data;
	int status;
	pid_t got = waitpid(w->pid, &status, WNOHANG);

	(void)loop;
	(void)revents;
	if (got == 0 || (got < 0 && errno == EINTR))
		return;
	if (got < 0) {
		log_note(&w->log, "cspawn-monitor: waitpid %d: %s", (int)w->pid, strerror(errno));
		status = 125 << 8;
	}
	read_output(w, &w->out, &w->out_w, 1);
	read_output(w, &w->err, &w->err_w, 2);
	attachers_close_all(&w->att);
	if (w->out >= 0)
		close(w->out);
	if (w->err >= 0)
		close(w->err);
	hand_back(w, "--exited=%ld", status);
}

static void stop(struct watch *w, int timeout, bool by_user)
{
	w->by_user = w->by_user || by_user;
	if (w->pid == 0)
		hand_back(w, "--stopped", 0);
	w->stopping = true;
	if (kill(w->pid, w->stop_signal) < 0 && errno != ESRCH)
		log_note(&w->log, "cspawn: stop: kill: %s", strerror(errno));
	ev_timer_stop(w->loop, &w->kill_w);
	ev_timer_set(&w->kill_w, timeout, 0);
	ev_timer_start(w->loop, &w->kill_w);
}

static void on_kill_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct watch *w = t->data;

	(void)loop;
	(void)revents;
	kill(w->pid, SIGKILL); /* our unreaped child: it cannot be another */
}

static void on_due(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	hand_back(t->data, "--due", 0);
}

/* SIGTERM or SIGINT to the monitor: the host shuts down, a stop the user
 * did not ask for. */
static void on_signal(struct ev_loop *loop, ev_io *io, int revents)
{
	struct watch *w = io->data;
	struct signalfd_siginfo si;

	(void)loop;
	(void)revents;
	if (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		stop(w, 10, false);
}

static void add_waiter(struct watch *w, int fd)
{
	if (w->nwaiters == MONITOR_MAX_WAITERS)
		return reply(fd, "error too many waiters\n");
	w->waiters[w->nwaiters++] = fd;
}

static void resize(struct watch *w, int fd, unsigned short rows, unsigned short cols)
{
	struct winsize ws = {.ws_row = rows, .ws_col = cols};

	if (w->tty && w->out >= 0 && ioctl(w->out, TIOCSWINSZ, &ws) == 0)
		reply(fd, "ok\n");
	else
		reply(fd, "error the container has no terminal\n");
}

/* One request: the asker writes its line before it waits for the answer. */
static void serve(struct watch *w, int fd, const char *req)
{
	unsigned short rows, cols;
	int arg;

	if (sscanf(req, "stop %d", &arg) == 1 || sscanf(req, "shutdown %d", &arg) == 1) {
		add_waiter(w, fd);
		/* unless-stopped remembers only the user's stop */
		stop(w, arg < 0 ? 0 : arg, strncmp(req, "stop", 4) == 0);
	} else if (strncmp(req, "wait", 4) == 0) {
		add_waiter(w, fd);
	} else if (strncmp(req, "attach", 6) == 0) {
		if (w->pid)
			attachers_add(&w->att, fd);
		else
			reply(fd, "error the container is restarting: attach once it runs\n");
	} else if (sscanf(req, "resize %hu %hu", &rows, &cols) == 2) {
		resize(w, fd, rows, cols);
	} else if (sscanf(req, "kill %d", &arg) == 1 && arg > 0 && arg < NSIG) {
		if (w->pid && kill(w->pid, arg) == 0)
			reply(fd, "ok\n");
		else
			reply(fd, "error the container is not running\n");
	} else {
		reply(fd, "error unknown request\n");
	}
}

static int release_caller(struct caller *c)
{
	int fd = c->fd;

	ev_io_stop(c->w->loop, &c->io);
	ev_timer_stop(c->w->loop, &c->deadline);
	c->fd = -1;
	return fd;
}

static void on_request(struct ev_loop *loop, ev_io *io, int revents)
{
	struct caller *c = io->data;
	char req[128];
	ssize_t n = read(c->fd, req, sizeof(req) - 1);

	(void)loop;
	(void)revents;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	req[n > 0 ? n : 0] = '\0';
	serve(c->w, release_caller(c), req);
}

static void on_caller_deadline(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct caller *c = t->data;

	(void)loop;
	(void)revents;
	close(release_caller(c));
}

static void take_caller(struct watch *w, int fd)
{
	struct caller *c = NULL;

	for (size_t i = 0; i < MAX_CALLERS && !c; i++)
		if (w->callers[i].fd < 0)
			c = &w->callers[i];
	if (!c || fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return reply(fd, "error the monitor is busy: try again\n");
	c->fd = fd;
	c->w = w;
	ev_io_init(&c->io, on_request, fd, EV_READ);
	c->io.data = c;
	ev_io_start(w->loop, &c->io);
	ev_timer_init(&c->deadline, on_caller_deadline, CALLER_DEADLINE, 0);
	c->deadline.data = c;
	ev_timer_start(w->loop, &c->deadline);
}

static void on_accept_again(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct watch *w = t->data;

	(void)revents;
	ev_io_start(loop, &w->ctl_w);
}

static void on_ctl(struct ev_loop *loop, ev_io *io, int revents)
{
	struct watch *w = io->data;
	int fd;

	(void)revents;
	while ((fd = accept4(w->ctl, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		take_caller(w, fd);
	/* out of descriptors: the socket stays readable, and the loop would
	 * spin on it; it is looked at again in a second */
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
		ev_io_stop(loop, io);
		ev_timer_set(&w->accept_w, 1.0, 0);
		ev_timer_start(loop, &w->accept_w);
	}
}

static void start_io(struct watch *w, ev_io *io, int fd, void (*cb)(struct ev_loop *, ev_io *, int))
{
	ev_io_init(io, cb, fd, EV_READ);
	io->data = w;
	ev_io_start(w->loop, io);
}

static int watch_pid1(struct watch *w)
{
	w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	if (w->pidfd < 0) {
		log_note(&w->log, "cspawn-monitor: pidfd_open %d: %s", (int)w->pid,
			 strerror(errno));
		return -1;
	}
	fcntl(w->pidfd, F_SETFD, FD_CLOEXEC);
	start_io(w, &w->pid_w, w->pidfd, on_exit_of_pid1);
	fcntl(w->out, F_SETFL, O_NONBLOCK);
	fcntl(w->out, F_SETFD, FD_CLOEXEC);
	start_io(w, &w->out_w, w->out, on_out);
	if (w->err >= 0) {
		fcntl(w->err, F_SETFL, O_NONBLOCK);
		fcntl(w->err, F_SETFD, FD_CLOEXEC);
		start_io(w, &w->err_w, w->err, on_err);
	}
	if (w->tty)
		w->att.input = w->out;
	return 0;
}

static int watch_signals(struct watch *w)
{
	sigset_t set;

	/* blocked already by cspawn, and pending ones wait here */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	w->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w->sigfd < 0)
		return -1;
	start_io(w, &w->sig_w, w->sigfd, on_signal);
	return 0;
}

enum {
	OPT_EXE = 1,
	OPT_CTL,
	OPT_LOG,
	OPT_LOG_SIZE,
	OPT_LOG_FILE,
	OPT_STOP_SIGNAL,
	OPT_PID,
	OPT_OUT,
	OPT_ERR,
	OPT_TTY,
	OPT_DELAY,
	OPT_WAITER
};

static const struct option options[] = {
    {"exe", required_argument, NULL, OPT_EXE},
    {"ctl", required_argument, NULL, OPT_CTL},
    {"log", required_argument, NULL, OPT_LOG},
    {"log-max-size", required_argument, NULL, OPT_LOG_SIZE},
    {"log-max-file", required_argument, NULL, OPT_LOG_FILE},
    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
    {"pid", required_argument, NULL, OPT_PID},
    {"out", required_argument, NULL, OPT_OUT},
    {"err", required_argument, NULL, OPT_ERR},
    {"tty", no_argument, NULL, OPT_TTY},
    {"delay", required_argument, NULL, OPT_DELAY},
    {"waiter", required_argument, NULL, OPT_WAITER},
    {0},
};

struct args {
	const char *log;
	unsigned long long log_size;
	unsigned log_file;
	long delay_ms;
};

static void take_option(struct watch *w, struct args *a, int opt, const char *v)
{
	long n = v ? strtol(v, NULL, 10) : 0;

	switch (opt) {
	case OPT_EXE:
		w->exe = (int)n;
		break;
	case OPT_CTL:
		w->ctl = (int)n;
		break;
	case OPT_LOG:
		a->log = v;
		break;
	case OPT_LOG_SIZE:
		a->log_size = (unsigned long long)n;
		break;
	case OPT_LOG_FILE:
		a->log_file = (unsigned)n;
		break;
	case OPT_STOP_SIGNAL:
		w->stop_signal = (int)n;
		break;
	case OPT_PID:
		w->pid = (pid_t)n;
		break;
	case OPT_OUT:
		w->out = (int)n;
		break;
	case OPT_ERR:
		w->err = (int)n;
		break;
	case OPT_TTY:
		w->tty = true;
		break;
	case OPT_DELAY:
		a->delay_ms = n;
		break;
	case OPT_WAITER:
		if (w->nwaiters < MONITOR_MAX_WAITERS)
			w->waiters[w->nwaiters++] = (int)n;
		break;
	}
}

static int parse(struct watch *w, struct args *a, int argc, char **argv)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == '?')
			return -1;
		take_option(w, a, opt, optarg);
	}
	w->resume = argv + optind;
	w->nresume = argc - optind;
	if (w->exe < 0 || w->ctl < 0 || !a->log || w->nresume < 1 || w->stop_signal <= 0 ||
	    (w->pid > 0) == (a->delay_ms >= 0) || (w->pid > 0 && w->out < 0))
		return -1;
	return 0;
}

#if EV_PERIODIC_ENABLE
static void never_cb(struct ev_loop *loop, ev_periodic *p, int revents)
{
	(void)loop;
	(void)p;
	(void)revents;
}

/* A libev with periodic watchers (Debian's, in the sanitizer build) wakes
 * every 60 s to notice clock jumps unless it keeps a timerfd, which it opens
 * for a periodic: one that never fires buys an idle monitor no wakeups, as
 * in cinit. The musl build's libev has none and sleeps as long as no timer
 * is due. */
static void quiet_idle_loop(struct watch *w)
{
	ev_periodic_init(&w->never_w, never_cb, 1e11, 0., 0);
	ev_periodic_start(w->loop, &w->never_w);
	ev_unref(w->loop);
}
#else
static void quiet_idle_loop(struct watch *w)
{
	(void)w;
}
#endif

static int set_up_loop(struct watch *w, const struct args *a)
{
	/* not the default loop: where libev has child watchers (Debian's, in
	 * the sanitizer build), that one reaps every child on SIGCHLD and
	 * would take PID 1's status from the pidfd's waitpid */
	w->loop = ev_loop_new(EVFLAG_AUTO);
	if (!w->loop)
		return -1;
	attachers_init(&w->att, w->loop);
	fcntl(w->ctl, F_SETFL, O_NONBLOCK);
	start_io(w, &w->ctl_w, w->ctl, on_ctl);
	for (size_t i = 0; i < MAX_CALLERS; i++)
		w->callers[i].fd = -1;
	ev_timer_init(&w->accept_w, on_accept_again, 0, 0);
	w->accept_w.data = w;
	ev_timer_init(&w->kill_w, on_kill_timeout, 0, 0);
	w->kill_w.data = w;
	ev_timer_init(&w->due_w, on_due, (double)a->delay_ms / 1000.0, 0);
	w->due_w.data = w;
	quiet_idle_loop(w);
	return 0;
}

/* The monitor's one state, static: its log's line buffers (32 KiB) then
 * stay pages the process never touched, out of its memory, until a
 * container writes a partial line. */
static struct watch the_watch;

/* What cannot be watched must not run on unreaped: PID 1 ends now, and
 * cspawn records it (the note says why, when the log could be opened). */
static _Noreturn void end_unwatched(struct watch *w, const char *why)
{
	if (why)
		log_note(&w->log, "cspawn-monitor: %s", why);
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
	}
	hand_back(w, "--exited=%ld", 125 << 8);
}

int main(int argc, char **argv)
{
	struct watch *w = &the_watch;
	struct args a = {.delay_ms = -1};
	struct spawn_error e;

	w->exe = w->ctl = w->out = w->err = w->pidfd = w->sigfd = w->log.fd = -1;
	/* an ignored SIGCHLD, kept across exec from whoever ran cspawn, would
	 * have the kernel reap PID 1 before waitpid could read its status */
	signal(SIGCHLD, SIG_DFL);
	if (parse(w, &a, argc, argv) < 0) {
		fprintf(stderr, "cspawn-monitor: cspawn runs this program for a detached container "
				"(manage/monitor/protocol.h says how)\n");
		return 2;
	}
	if (log_open(&w->log, a.log, a.log_size, a.log_file, &e) < 0)
		end_unwatched(w, NULL);
	if (set_up_loop(w, &a) < 0)
		end_unwatched(w, "creating its event loop failed");
	if (watch_signals(w) < 0)
		log_note(&w->log, "cspawn-monitor: signalfd: %s", strerror(errno));
	if (w->pid > 0 && watch_pid1(w) < 0)
		end_unwatched(w, NULL);
	if (w->pid == 0)
		ev_timer_start(w->loop, &w->due_w);
	ev_run(w->loop, 0);
	/* the control socket's watcher never stops: not reached */
	end_unwatched(w, "its event loop ended");
}
