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
#include "init/options.h"
#include "supervise/supervise.h"

#define EXIT_USAGE 2
#define EXIT_SETUP 1

/* The signals cinit receives and handles: everything that can be caught
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
	ev_io signals;		/* the signalfd */
	ev_periodic no_wakeups; /* see quiet_idle_loop */
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

/* One signalfd carries every signal cinit handles, SIGCHLD included: a
 * single descriptor, a single mask, and no handler that could interrupt. */
static void signals_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cinit *ci = w->data;
	struct signalfd_siginfo si[32];
	bool child = (revents & EV_CUSTOM) != 0;

	(void)loop;
	for (int round = 0; round < 8 && !supervisor_finished(ci->sup); round++) {
		ssize_t r = read(w->fd, si, sizeof(si));
		if (r <= 0) {
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				cinit_log(0, "read(signalfd): %s", strerror(errno));
			break;
		}
		for (size_t i = 0; i < (size_t)r / sizeof(si[0]); i++) {
			if (si[i].ssi_signo == SIGCHLD) {
				child = true;
				continue;
			}
			cinit_log(3, "received signal %u", si[i].ssi_signo);
			supervisor_signal(ci->sup, (int)si[i].ssi_signo);
		}
		/* a short read emptied the queue; another would only say EAGAIN */
		if ((size_t)r < sizeof(si))
			break;
	}
	if (child && !supervisor_finished(ci->sup))
		reap_children(ci);
}

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

static uint64_t handled_signals(void)
{
	uint64_t set = 0;

	for (int sig = 1; sig < _NSIG; sig++)
		if (is_forwarded(sig) || sig == SIGCHLD)
			set |= UINT64_C(1) << (sig - 1);
	return set;
}

/* The kernel's struct sigaction for rt_sigaction(2) (handler, flags,
 * restorer, mask on x86-64, arm64, arm and riscv). The C library refuses
 * signals 32 and 33, which it keeps for its threads, but a parent may have
 * left them ignored, and cinit's children must not inherit that. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* Resets every signal the process was left ignoring to its default. A
 * query per signal is cheaper than formatting /proc/self/status. */
static void reset_ignored_signals(void)
{
	struct kernel_sigaction old, dfl = {.handler = SIG_DFL};

	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(old.mask)) < 0)
			continue;
		if (old.handler == SIG_IGN &&
		    syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask)) < 0)
			fprintf(stderr, "cinit: rt_sigaction(%d): %s\n", sig, strerror(errno));
	}
}

/* Dispositions inherited through exec (a parent that ignored SIGTERM, say)
 * must decide neither what cinit hears nor what its children start with.
 * Signals are blocked first, so nothing is lost or acted on by default
 * before the signalfd exists. Returns the signalfd. */
static int prepare_signals(void)
{
	uint64_t handled = handled_signals();
	struct sigaction ign = {.sa_handler = SIG_IGN};
	int fd;

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &handled, NULL, sizeof(handled)) < 0) {
		fprintf(stderr, "cinit: rt_sigprocmask: %s\n", strerror(errno));
		return -1;
	}
	reset_ignored_signals();
	if (sigaction(SIGTTIN, &ign, NULL) < 0 || sigaction(SIGTTOU, &ign, NULL) < 0) {
		fprintf(stderr, "cinit: sigaction: %s\n", strerror(errno));
		return -1;
	}
	fd = (int)syscall(SYS_signalfd4, -1, &handled, sizeof(handled), SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "cinit: signalfd4: %s\n", strerror(errno));
	return fd;
}

static int become_reaper(const struct cinit_options *o, pid_t parent)
{
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		fprintf(stderr, "cinit: prctl(PR_SET_CHILD_SUBREAPER): %s\n", strerror(errno));
		return -1;
	}
	if (o->pdeathsig) {
		if (prctl(PR_SET_PDEATHSIG, o->pdeathsig) < 0) {
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
	s->kill_group = o->group;
	s->out.kind = LOG_INHERIT;
	s->err.kind = LOG_INHERIT;
	for (int i = 0; i < o->n_expect; i++)
		conf_set_exit_expected(s, o->expect[i], true);
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
	if (command_config(o, c) < 0) {
		fprintf(stderr, "cinit: out of memory\n");
		return -1;
	}
	return conf_validate(c, stderr) == 0 ? 0 : -1;
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
	if (c->control_socket)
		cinit_log(1, "control_socket %s: not served by this version, ignored",
			  c->control_socket);
}

static int run(struct cinit_options *o, struct cinit_conf *conf, const char *config_path, int sigfd)
{
	static struct cinit ci; /* the one instance; lives as long as cinit */
	struct supervisor_options so = {
	    .forward_all = config_path == NULL,
	    .forward_to_group = o->group,
	    .warn_orphans = o->warn_orphans,
	    .give_terminal = true,
	    .config_path = config_path,
	};
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
	ci.sup = supervisor_new(ci.loop, conf, &so);
	if (!ci.sup) {
		fprintf(stderr, "cinit: out of memory\n");
		return EXIT_SETUP;
	}
	ev_io_init(&ci.signals, signals_cb, sigfd, EV_READ);
	ci.signals.data = &ci;
	ev_io_start(ci.loop, &ci.signals);
	quiet_idle_loop(&ci);
	supervisor_start(ci.sup);
	/* zombies inherited from whoever exec'd cinit sent their SIGCHLD before
	 * cinit listened; reap them on the first iteration */
	ev_feed_event(ci.loop, &ci.signals, EV_CUSTOM);
	if (!supervisor_finished(ci.sup))
		ev_run(ci.loop, 0);
	code = supervisor_exit_code(ci.sup);
	supervisor_free(ci.sup);
	ev_loop_destroy(ci.loop);
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
	pid_t parent = getppid();
	const char *path;
	int sigfd;

	if (argc >= 4 && strcmp(argv[1], "--exec") == 0)
		return exec_trampoline(argv);
	if (ensure_stdio() < 0)
		return EXIT_SETUP;
	switch (options_parse(&o, argc, argv, stderr)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_USAGE:
		options_usage(stderr);
		return EXIT_USAGE;
	case OPTIONS_RUN:
		break;
	}
	if (o.check)
		return check_config(o.config);
	path = default_config(&o);
	cinit_log_set_verbosity((o.verbosity >= 0 ? o.verbosity : path ? 1 : 0) + o.verbose);
	sigfd = prepare_signals();
	if (sigfd < 0 || become_reaper(&o, parent) < 0)
		return EXIT_SETUP;
	if (load_config(&o, path, &conf) < 0)
		return EXIT_USAGE;
	apply_log_settings(&o, path, &conf);
	return run(&o, &conf, path, sigfd);
}
