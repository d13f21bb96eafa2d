/* cinit: PID 1 for containers. One libev loop: a signalfd watcher forwards
 * or acts on signals and reaps every child on SIGCHLD, and the supervisor
 * runs the services. `cinit -- cmd` is the supervisor with one main service. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "init/ctl.h"
#include "init/options.h"
#include "supervise/supervise.h"

#define EXIT_USAGE 2
#define EXIT_SETUP 1

/* The signals cinit receives and acts on: everything that can be caught
 * except SIGCHLD (reaping), the synchronous fault signals (a fault in cinit
 * must not be turned into a message to the child), and SIGTTIN/SIGTTOU
 * (raised by the terminal against cinit itself, not meant for the child). */
static bool is_forwarded(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
	case SIGCHLD:
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGSYS:
	case SIGTTIN:
	case SIGTTOU:
		return false;
	}
	/* 32 and 33 too: the C library keeps them for its threads, which
	 * cinit has none of, and a child may still be sent them */
	return sig >= 1 && sig < _NSIG;
}

/* Children reaped per loop iteration at most, so that a storm of exits
 * cannot starve timers and signals; the rest are reaped on the next one. */
#define REAP_BATCH 1024

struct cinit {
	struct ev_loop *loop;
	struct supervisor *sup;
	ev_io signals;	  /* the signalfd */
	uint64_t handled; /* its signals, a kernel signal set */
#if EV_PERIODIC_ENABLE
	ev_periodic no_wakeups; /* see quiet_idle_loop */
#endif
};

static void reap_children(struct cinit *ci)
{
	for (int n = 0; n < REAP_BATCH; n++) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			if (pid < 0 && errno != ECHILD && errno != EINTR)
				cinit_log(0, "waitpid: %s", strerror(errno));
			return;
		}
		supervisor_child_exited(ci->sup, pid, status);
		if (supervisor_finished(ci->sup))
			return;
	}
	/* more may be waiting: come back after the loop has looked around */
	ev_feed_event(ci->loop, &ci->signals, EV_CUSTOM);
}

/* A signal cinit took: SIGCHLD reaps, SIGTTIN and SIGTTOU are dropped (see
 * prepare_signals), the others go to the supervisor. False when the loop
 * may have something new to watch. */
static bool take_signal(struct cinit *ci, int sig)
{
	if (supervisor_finished(ci->sup))
		return true;
	if (sig == SIGCHLD) {
		reap_children(ci);
		return false;
	}
	if (!is_forwarded(sig))
		return true;
	cinit_log(3, "received signal %d", sig);
	return supervisor_signal(ci->sup, sig);
}

/* One signalfd carries every signal cinit handles, SIGCHLD included: a
 * single descriptor, a single mask, and no handler that could interrupt.
 * One signal per call: while more are queued the signalfd stays readable
 * and the loop comes straight back. EV_CUSTOM: reap_children stopped at its
 * batch and comes back for the rest. */
static void signals_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cinit *ci = w->data;
	struct signalfd_siginfo si;
	ssize_t r = (revents & EV_READ) ? read(w->fd, &si, sizeof(si)) : 0;

	(void)loop;
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		cinit_log(0, "read(signalfd): %s", strerror(errno));
	if (r == (ssize_t)sizeof(si))
		take_signal(ci, (int)si.ssi_signo);
	if (revents & EV_CUSTOM)
		take_signal(ci, SIGCHLD);
}

/* When nothing but a signal can wake cinit, it waits the way tini does: the
 * kernel hands the signal to rt_sigtimedwait directly, where epoll would be
 * woken through the signalfd first, and libev would arm a kernel timer for
 * its epoll timeout, which is never infinite. Together they cost more than
 * all the rest of forwarding a signal (bench/README-init.md). */
/* Returns false when the loop may have something new to watch. */
static bool wait_for_signal(struct cinit *ci)
{
	siginfo_t info;
	int sig = (int)syscall(SYS_rt_sigtimedwait, &ci->handled, &info, NULL, sizeof(ci->handled));

	/* EINTR: stopped and continued (a debugger's attach, say), no signal */
	if (sig < 0) {
		if (errno != EINTR)
			cinit_log(0, "rt_sigtimedwait: %s", strerror(errno));
		return true;
	}
	/* the loop's clock stood still while cinit slept, and timeouts and
	 * uptimes are measured on it */
	ev_now_update(ci->loop);
	return take_signal(ci, sig);
}

/* libev's ev_run() says whether watchers other than the signalfd's, which
 * counts for nothing (ev_unref), are active: a timer, a log pipe, a probe.
 * Only then does cinit wait in the loop's epoll_wait; otherwise it waits for
 * a signal, and after one that may have started something (a reap, a stop,
 * a message waiting for its reader) lets the loop look round once without
 * waiting. A signal only passed on goes straight back to waiting: the look
 * round (an epoll_wait) would stand between the kill and the child. */
static void serve(struct cinit *ci)
{
	int busy = 1;

	ev_unref(ci->loop);
	while (!supervisor_finished(ci->sup)) {
		if (!busy && (wait_for_signal(ci) || supervisor_finished(ci->sup)))
			continue;
		busy = ev_run(ci->loop, busy ? EVRUN_ONCE : EVRUN_NOWAIT);
	}
}

#if EV_PERIODIC_ENABLE
static void never_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Without a timerfd libev wakes every 60 s to notice clock jumps; it opens
 * one for periodic watchers, and then sleeps as long as nothing is due. A
 * periodic that never fires buys an idle loop with no wakeups at all. */
static void quiet_idle_loop(struct cinit *ci)
{
	ev_periodic_init(&ci->no_wakeups, never_cb, 1e11, 0., 0);
	ev_periodic_start(ci->loop, &ci->no_wakeups);
	ev_unref(ci->loop);
}
#else
/* A libev built without periodic watchers (the musl build's, see the
 * Makefile) has no clock jumps to watch for: on the monotonic clock it sleeps
 * as long as no timer is due, with no timerfd to open. */
static void quiet_idle_loop(struct cinit *ci)
{
	(void)ci;
}
#endif

/* A closed 0, 1 or 2 would be taken by the next descriptor cinit opens and
 * handed to services as their stdio. */
static int ensure_stdio(void)
{
	struct pollfd fds[3] = {{.fd = 0}, {.fd = 1}, {.fd = 2}};

	/* one poll tells which of the three are closed (POLLNVAL) */
	if (poll(fds, 3, 0) < 0) {
		fprintf(stderr, "cinit: poll: %s\n", strerror(errno));
		return -1;
	}
	for (int fd = 0; fd <= 2; fd++) {
		if (!(fds[fd].revents & POLLNVAL))
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n != fd) {
			if (n >= 0)
				close(n);
			return -1;
		}
	}
	return 0;
}

/* The kernel's signal set, one bit per signal, as rt_sigprocmask(2) and
 * signalfd4(2) take it: glibc's sigaddset refuses 32 and 33. */
_Static_assert(_NSIG - 1 <= 64, "a 64-bit kernel signal set");
#define SIG_BIT(sig) (UINT64_C(1) << ((sig)-1))

static uint64_t handled_signals(void)
{
	uint64_t set = 0;

	for (int sig = 1; sig < _NSIG; sig++)
		if (is_forwarded(sig) || sig == SIGCHLD || sig == SIGTTIN || sig == SIGTTOU)
			set |= SIG_BIT(sig);
	return set;
}

/* What cinit learns about itself from one read of /proc/self/status: the
 * signals it was left ignoring (SigIgn), where asking the kernel signal by
 * signal takes 62 system calls and longer (bench/README-init.md), and its pid
 * in its own pid namespace (the last of NStgid), which saves a getpid().
 * known is false when /proc cannot say (not mounted, say). */
struct self_status {
	bool known;
	uint64_t ignored;
	pid_t pid;
};

/* The text after "\nNAME:\t" (the field as a needle), or NULL. */
static const char *status_field(const char *buf, const char *field)
{
	const char *p = strstr(buf, field);

	return p ? p + strlen(field) : NULL;
}

static void read_self_status(struct self_status *st)
{
	char buf[4096], *end;
	const char *ign, *tgid;
	/* no O_CLOEXEC: it is closed before anything forks, and musl makes a
	 * second system call of it for kernels that predate it */
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n;

	memset(st, 0, sizeof(*st));
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	ign = status_field(buf, "\nSigIgn:\t");
	if (!ign)
		return;
	st->ignored = strtoull(ign, &end, 16);
	st->known = end > ign && *end == '\n';
	tgid = status_field(buf, "\nNStgid:\t");
	for (const char *p = tgid; p && *p != '\n'; p++)
		if (p == tgid || p[-1] == '\t')
			st->pid = (pid_t)strtol(p, NULL, 10);
}

/* Without /proc, the kernel is asked about the one signal. */
static bool was_ignored(int sig, const struct self_status *self)
{
	struct kernel_sigaction old;

	if (self->known)
		return (self->ignored & SIG_BIT(sig)) != 0;
	return syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(old.mask)) == 0 &&
	       old.handler == SIG_IGN;
}

/* Resets every signal the process was left ignoring to its default, so
 * that the signalfd hears it; returns the set, which the children get
 * back. */
static uint64_t reset_ignored_signals(const struct self_status *self)
{
	struct kernel_sigaction dfl = {.handler = SIG_DFL};
	uint64_t ignored = 0;

	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || !was_ignored(sig, self))
			continue;
		ignored |= SIG_BIT(sig);
		if (syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask)) < 0)
			fprintf(stderr, "cinit: rt_sigaction(%d): %s\n", sig, strerror(errno));
	}
	return ignored;
}

/* Dispositions inherited through exec (a parent that ignored SIGTERM, say)
 * must not decide what cinit hears; the children get them back, as under
 * tini (see supervisor_options). Signals are blocked first, so nothing is
 * lost or acted on by default before the signalfd exists. SIGTTIN and
 * SIGTTOU stay blocked and are read and dropped: to the terminal, blocked
 * is as good as ignored, and no SIG_IGN of cinit's own is left for children
 * to undo. Returns the signalfd. */
static int prepare_signals(struct self_status *self, uint64_t *inherited_mask,
			   uint64_t *inherited_ign)
{
	uint64_t handled = handled_signals();
	int fd;

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &handled, inherited_mask, sizeof(handled)) < 0) {
		fprintf(stderr, "cinit: rt_sigprocmask: %s\n", strerror(errno));
		return -1;
	}
	read_self_status(self);
	*inherited_ign = reset_ignored_signals(self);
	fd = (int)syscall(SYS_signalfd4, -1, &handled, sizeof(handled), SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "cinit: signalfd4: %s\n", strerror(errno));
	return fd;
}

/* Descriptors are handed out lowest first, and the signalfd is the first
 * that cinit keeps open: it lands above 2 unless 0, 1 or 2 is closed, and
 * only then does cinit look which. Returns the signalfd, out of their way. */
static int keep_stdio(int sigfd)
{
	int fd;

	if (sigfd > STDERR_FILENO)
		return sigfd;
	fd = fcntl(sigfd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(sigfd);
	if (fd < 0 || ensure_stdio() < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int become_reaper(const struct cinit_options *o, pid_t parent, bool pid1)
{
	/* all five arguments: prctl(2) is variadic, and the kernel reads
	 * whatever the registers hold (valgrind calls them uninitialised) */
	if (!pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) < 0) {
		fprintf(stderr, "cinit: prctl(PR_SET_CHILD_SUBREAPER): %s\n", strerror(errno));
		return -1;
	}
	if (o->pdeathsig) {
		if (prctl(PR_SET_PDEATHSIG, (unsigned long)o->pdeathsig, 0UL, 0UL, 0UL) < 0) {
			fprintf(stderr, "cinit: prctl(PR_SET_PDEATHSIG): %s\n", strerror(errno));
			return -1;
		}
		/* the parent may have died before the request took effect */
		if (getppid() != parent && kill(getpid(), o->pdeathsig) < 0) {
			fprintf(stderr, "cinit: kill(self): %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* tini mode: the command is the one service, and its exit ends cinit. */
static int command_config(const struct cinit_options *o, struct cinit_conf *c)
{
	struct service_conf *s;
	char *base;

	conf_defaults(c);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	conf_service_defaults(s);
	c->services = s;
	c->n_services = 1;
	s->argv = calloc(1, sizeof(char *));
	if (!s->argv)
		return -1;
	for (int n = 0; o->command[n]; n++) {
		char **a = realloc(s->argv, (size_t)(n + 2) * sizeof(char *));
		if (!a)
			return -1;
		s->argv = a;
		s->argv[n] = strdup(o->command[n]);
		s->argv[n + 1] = NULL;
		if (!s->argv[n])
			return -1;
	}
	base = strdup(o->command[0]);
	s->name = base ? strdup(basename(base)) : NULL;
	free(base);
	s->command = strdup(o->command[0]);
	if (!s->name || !s->command)
		return -1;
	s->main = true;
	s->restart = RESTART_NO;
	/* running as soon as it runs: start_secs tells whether a start was
	 * good enough to reset the backoff of restarts and to let dependents
	 * start; the command has neither, and the timer would hold cinit in the
	 * loop's epoll_wait for a second (see serve) */
	s->start_secs_ms = 0;
	s->kill_group = o->group;
	s->out.kind = LOG_INHERIT;
	s->err.kind = LOG_INHERIT;
	for (int code = 0; code < 256; code++)
		if (options_expects(o, code))
			conf_set_exit_expected(s, code, true);
	return 0;
}

static const char *default_config(const struct cinit_options *o)
{
	if (o->config)
		return o->config;
	if (!o->command && access("/etc/cinit.ini", R_OK) == 0)
		return "/etc/cinit.ini";
	return NULL;
}

static int load_config(const struct cinit_options *o, const char *path, struct cinit_conf *c)
{
	if (path) {
		if (o->command) {
			fprintf(stderr, "cinit: give either -c FILE or a command, not both\n");
			return -1;
		}
		return conf_load(path, c, stderr) == 0 ? 0 : -1;
	}
	if (!o->command) {
		fprintf(stderr, "cinit: no command given and no /etc/cinit.ini\n");
		options_usage(stderr);
		return -1;
	}
	/* one service with a command, main and no dependencies: valid as
	 * built, so conf_validate has nothing to say */
	if (command_config(o, c) < 0) {
		fprintf(stderr, "cinit: out of memory\n");
		return -1;
	}
	return 0;
}

static int check_config(const char *path)
{
	struct cinit_conf c;

	if (conf_load(path, &c, stderr) != 0)
		return EXIT_USAGE;
	conf_print(stdout, &c);
	conf_free(&c);
	return fflush(stdout) == 0 ? 0 : EXIT_SETUP;
}

/* The file's verbosity and log format apply unless the command line or the
 * environment said otherwise. */
static void apply_log_settings(const struct cinit_options *o, const char *path,
			       const struct cinit_conf *c)
{
	if (path && o->verbosity < 0)
		cinit_log_set_verbosity(c->verbosity + o->verbose);
	cinit_log_set_timestamps(c->log_format == LOGFMT_TIMESTAMP);
}

/* --control-socket and CINIT_CONTROL_SOCKET win over the file; a file
 * that declares services gets the default; `cinit -- cmd` gets none. */
static int choose_control_socket(const struct cinit_options *o, const char *path,
				 struct cinit_conf *c)
{
	const char *want = o->control_socket;

	if (!want && !c->control_socket && path && c->n_services)
		want = CTL_DEFAULT_SOCKET;
	if (!want)
		return 0;
	free(c->control_socket);
	c->control_socket = strdup(want);
	return c->control_socket ? 0 : -1;
}

static int run(struct cinit_options *o, struct cinit_conf *conf, const char *config_path, int sigfd,
	       struct supervisor_options *so)
{
	static struct cinit ci; /* the one instance; lives as long as cinit */
	int code;

	if (o->grace_ms >= 0)
		conf->grace_ms = o->grace_ms;
	/* a loop of our own: the default loop would install a SIGCHLD watcher,
	 * and cinit reaps through its signalfd */
	ci.loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
	if (!ci.loop) {
		fprintf(stderr, "cinit: cannot create the event loop\n");
		return EXIT_SETUP;
	}
	so->forward_all = config_path == NULL;
	so->forward_to_group = o->group;
	so->warn_orphans = o->warn_orphans;
	so->give_terminal = true;
	so->config_path = config_path;
	ci.sup = supervisor_new(ci.loop, conf, so);
	if (!ci.sup) {
		fprintf(stderr, "cinit: out of memory\n");
		return EXIT_SETUP;
	}
	ci.handled = handled_signals();
	ev_io_init(&ci.signals, signals_cb, sigfd, EV_READ);
	ci.signals.data = &ci;
	ev_io_start(ci.loop, &ci.signals);
	quiet_idle_loop(&ci);
	/* zombies inherited from whoever exec'd cinit sent their SIGCHLD
	 * before cinit listened, and the signalfd holds nothing for them */
	reap_children(&ci);
	supervisor_start(ci.sup);
	serve(&ci);
	code = supervisor_exit_code(ci.sup);
	supervisor_free(ci.sup);
	/* the loop goes with the process: no need to close its epoll fd and
	 * unmap its memory, 3 system calls at exit (ci keeps it reachable, so
	 * LeakSanitizer agrees) */
	return code;
}

/* `cinit --exec PATH ARGV0 [ARG...]` replaces cinit with PATH at once,
 * touching nothing else. cspawn --no-init runs the user's command through
 * it, so that the exe of every process inside is this static, read-only
 * bound cinit or the command itself, never the host's cspawn (whose
 * /proc/self/exe a script's "#!/proc/self/exe" could reopen for writing:
 * the CVE-2019-5736 class). */
static int exec_trampoline(char **argv)
{
	execv(argv[2], argv + 3);
	dprintf(2, "cinit: exec %s: %s\n", argv[2], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv)
{
	struct cinit_options o;
	struct cinit_conf conf;
	struct supervisor_options so = {0};
	struct self_status self = {0};
	pid_t parent;
	const char *path;
	int sigfd;

	if (argc >= 4 && strcmp(argv[1], "--exec") == 0)
		return exec_trampoline(argv);
	if (ctl_wanted(argc, argv))
		return ensure_stdio() < 0 ? EXIT_SETUP : ctl_main(argc, argv);
	switch (options_parse(&o, argc, argv, stderr)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_USAGE:
		options_usage(stderr);
		return EXIT_USAGE;
	case OPTIONS_RUN:
		break;
	}
	/* asked only when it is needed: whether the parent died in between */
	parent = o.pdeathsig ? getppid() : 0;
	if (o.check)
		return ensure_stdio() < 0 ? EXIT_SETUP : check_config(o.config);
	path = default_config(&o);
	cinit_log_set_verbosity((o.verbosity >= 0 ? o.verbosity : path ? 1 : 0) + o.verbose);
	sigfd = prepare_signals(&self, &so.child_sigmask, &so.child_sigign);
	so.is_pid1 = (self.pid > 0 ? self.pid : getpid()) == 1;
	/* As PID 1 the mask is the launcher's business, not the children's:
	 * container runtimes start PID 1 with none blocked, and cspawn holds
	 * the signals cinit forwards only until the signalfd takes them. */
	if (so.is_pid1)
		so.child_sigmask = 0;
	if (sigfd < 0 || (sigfd = keep_stdio(sigfd)) < 0 ||
	    become_reaper(&o, parent, so.is_pid1) < 0)
		return EXIT_SETUP;
	if (load_config(&o, path, &conf) < 0)
		return EXIT_USAGE;
	apply_log_settings(&o, path, &conf);
	if (choose_control_socket(&o, path, &conf) < 0) {
		fprintf(stderr, "cinit: out of memory\n");
		return EXIT_SETUP;
	}
	return run(&o, &conf, path, sigfd, &so);
}
