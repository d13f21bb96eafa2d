/* cinit: PID 1 for containers. One libev loop: signal watchers forward or
 * act on signals, one child watcher reaps every child, and the supervisor
 * runs the services. `cinit -- cmd` is the supervisor with one main service. */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
	/* 32 and 33 belong to the C library's threads */
	return sig < 32 || (sig >= SIGRTMIN && sig <= SIGRTMAX);
}

struct cinit {
	struct ev_loop *loop;
	struct supervisor *sup;
	ev_signal signals[_NSIG];
	ev_child child;
};

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct cinit *ci = w->data;

	(void)loop;
	(void)revents;
	cinit_log(3, "received signal %d", w->signum);
	supervisor_signal(ci->sup, w->signum);
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct cinit *ci = w->data;

	(void)loop;
	(void)revents;
	if (WIFEXITED(w->rstatus) || WIFSIGNALED(w->rstatus))
		supervisor_child_exited(ci->sup, w->rpid, w->rstatus);
}

/* A closed 0, 1 or 2 would be taken by the next descriptor cinit opens and
 * handed to services as their stdio. */
static int ensure_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n < 0) {
			fprintf(stderr, "cinit: open /dev/null: %s\n", strerror(errno));
			return -1;
		}
		if (n != fd) {
			close(n);
			return -1;
		}
	}
	return 0;
}

/* Dispositions inherited through exec (a parent that ignored SIGTERM, say)
 * must not decide what cinit hears. Blocked first, so nothing is lost or
 * acted on by default between here and the loop. */
static int prepare_signals(void)
{
	sigset_t all;
	struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};

	sigemptyset(&all);
	for (int sig = 1; sig < _NSIG; sig++)
		if (is_forwarded(sig) || sig == SIGCHLD)
			sigaddset(&all, sig);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) {
		fprintf(stderr, "cinit: sigprocmask: %s\n", strerror(errno));
		return -1;
	}
	for (int sig = 1; sig < _NSIG; sig++)
		if (is_forwarded(sig) || sig == SIGCHLD)
			sigaction(sig, &dfl, NULL);
	if (sigaction(SIGTTIN, &ign, NULL) < 0 || sigaction(SIGTTOU, &ign, NULL) < 0) {
		fprintf(stderr, "cinit: sigaction: %s\n", strerror(errno));
		return -1;
	}
	return 0;
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

static int start_watchers(struct cinit *ci)
{
	for (int sig = 1; sig < _NSIG; sig++) {
		if (!is_forwarded(sig))
			continue;
		ev_signal_init(&ci->signals[sig], signal_cb, sig);
		ci->signals[sig].data = ci;
		ev_signal_start(ci->loop, &ci->signals[sig]);
	}
	ev_child_init(&ci->child, child_cb, 0, 0);
	ci->child.data = ci;
	ev_child_start(ci->loop, &ci->child);
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

static int run(struct cinit_options *o, struct cinit_conf *conf, const char *config_path)
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
	/* signalfd: signals are taken from a descriptor, so a blocked signal is
	 * queued even for PID 1, whose default dispositions the kernel drops */
	ci.loop = ev_default_loop(EVFLAG_SIGNALFD | EVFLAG_NOENV);
	if (!ci.loop) {
		fprintf(stderr, "cinit: cannot create the event loop\n");
		return EXIT_SETUP;
	}
	ci.sup = supervisor_new(ci.loop, conf, &so);
	if (!ci.sup) {
		fprintf(stderr, "cinit: out of memory\n");
		return EXIT_SETUP;
	}
	start_watchers(&ci);
	supervisor_start(ci.sup);
	/* zombies inherited from whoever exec'd cinit sent their SIGCHLD before
	 * cinit listened; reap them now */
	ev_feed_signal_event(ci.loop, SIGCHLD);
	if (!supervisor_finished(ci.sup))
		ev_run(ci.loop, 0);
	code = supervisor_exit_code(ci.sup);
	supervisor_free(ci.sup);
	return code;
}

int main(int argc, char **argv)
{
	struct cinit_options o;
	struct cinit_conf conf;
	pid_t parent = getppid();
	const char *path;

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
	if (prepare_signals() < 0 || become_reaper(&o, parent) < 0)
		return EXIT_SETUP;
	if (load_config(&o, path, &conf) < 0)
		return EXIT_USAGE;
	return run(&o, &conf, path);
}
