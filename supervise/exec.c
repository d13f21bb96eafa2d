/* Fork and exec of a service. Between the two the child gets its own process
 * group (and the terminal's foreground when it is the main service), default
 * signal dispositions and the mask, except what cinit's own parent left
 * ignored or blocked, its descriptors, limits,
 * credentials and environment. cinit's own descriptors are all O_CLOEXEC.
 *
 * _Fork, not fork: cinit has no threads and no atfork handlers, and musl's
 * fork() blocks and restores every signal around _Fork, two system calls
 * per start that buy a threaded program a safe child and cinit nothing. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

extern char **environ;

/* The child reports set-up failures on cinit's stderr, through a private
 * duplicate, so a message is never lost in a log pipe nobody reads yet. */
static void __attribute__((noreturn, format(printf, 3, 4)))
child_fail(int report_fd, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	if (write(report_fd, msg, (size_t)n) < 0) {
		/* nowhere left to report to; the exit code still tells */
	}
	_exit(code);
}

/* cinit installs no handlers (it reads signals from a signalfd) and ignores
 * none of its own (it blocks SIGTTIN and SIGTTOU), so the child has default
 * dispositions already; it gets back the signals cinit's parent left
 * ignored, as tini does, usually none. Raw rt_sigaction, since the C library
 * refuses 32 and 33. */
static void reset_signals(const struct service *svc, int report_fd)
{
	uint64_t ign = svc->sup->opts.child_sigign;
	struct kernel_sigaction ignore = {.handler = SIG_IGN};

	for (int sig = 1; ign && sig < 65; sig++)
		if (((ign >> (sig - 1)) & 1) &&
		    syscall(SYS_rt_sigaction, sig, &ignore, NULL, sizeof(ignore.mask)) < 0)
			child_fail(report_fd, 126, "cinit: rt_sigaction(%d): %s", sig,
				   strerror(errno));
}

static void take_terminal(int report_fd)
{
	sigset_t ttou;

	if (!isatty(STDIN_FILENO))
		return;
	/* tcsetpgrp from a background group raises SIGTTOU unless blocked;
	 * the mask is cleared just before exec */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	if (sigprocmask(SIG_BLOCK, &ttou, NULL) < 0)
		child_fail(report_fd, 126, "cinit: sigprocmask: %s", strerror(errno));
	if (tcsetpgrp(STDIN_FILENO, getpid()) < 0 && errno != ENOTTY && errno != ENXIO &&
	    errno != EPERM)
		cinit_log(1, "tcsetpgrp: %s", strerror(errno));
}

static int open_null(int report_fd, int flags)
{
	int fd = open("/dev/null", flags | O_CLOEXEC);

	if (fd < 0)
		child_fail(report_fd, 126, "cinit: open /dev/null: %s", strerror(errno));
	return fd;
}

static void place_fd(int report_fd, int fd, int target)
{
	if (fd == target) {
		/* dup2 onto itself keeps O_CLOEXEC; clear it so exec keeps it */
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			child_fail(report_fd, 126, "cinit: fcntl: %s", strerror(errno));
		return;
	}
	if (dup2(fd, target) < 0)
		child_fail(report_fd, 126, "cinit: dup2: %s", strerror(errno));
}

static void setup_stdio(const struct service *svc, int report_fd, int out_fd, int err_fd)
{
	if (!svc->conf.main)
		place_fd(report_fd, open_null(report_fd, O_RDONLY), STDIN_FILENO);
	if (out_fd == -2)
		out_fd = open_null(report_fd, O_WRONLY);
	if (err_fd == -2)
		err_fd = open_null(report_fd, O_WRONLY);
	if (out_fd != -3)
		place_fd(report_fd, out_fd, STDOUT_FILENO);
	if (err_fd != -3)
		place_fd(report_fd, err_fd, STDERR_FILENO);
}

static void apply_limits(const struct service *svc, int report_fd)
{
	for (int i = 0; i < svc->conf.n_rlimits; i++)
		if (setrlimit(svc->conf.rlimits[i].resource, &svc->conf.rlimits[i].value) < 0)
			child_fail(report_fd, 126, "cinit: %s: setrlimit(%d): %s", svc->conf.name,
				   svc->conf.rlimits[i].resource, strerror(errno));
	if (svc->conf.umask >= 0)
		umask((mode_t)svc->conf.umask);
	if (svc->sup->reset_service_oom && oom_set_own(svc->sup->service_oom_adj) < 0)
		child_fail(report_fd, 126, "cinit: %s: oom_score_adj %d: %s", svc->conf.name,
			   svc->sup->service_oom_adj, strerror(errno));
}

static void set_account_env(const char *user, uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		char *fld[7] = {0};
		int n = 0;
		line[strcspn(line, "\n")] = '\0';
		for (char *p = line, *tok; n < 7 && (tok = strsep(&p, ":")); n++)
			fld[n] = tok;
		if (n >= 6 && strtoul(fld[2], NULL, 10) == uid) {
			setenv("USER", fld[0], 1);
			setenv("LOGNAME", fld[0], 1);
			setenv("HOME", fld[5], 1);
			fclose(f);
			return;
		}
	}
	if (f)
		fclose(f);
	setenv("USER", user, 1);
}

static void drop_privileges(const struct service *svc, int report_fd)
{
	uid_t uid;
	gid_t gid, *groups = NULL;
	int n_groups = 0;
	char err[256];

	if (!svc->conf.user && !svc->conf.group)
		return;
	if (!svc->conf.user) {
		uid = getuid();
		if (creds_resolve("0", svc->conf.group, &uid, &gid, &groups, &n_groups, err,
				  sizeof(err)) < 0)
			child_fail(report_fd, 126, "cinit: %s: %s", svc->conf.name, err);
		if (setgid(gid) < 0)
			child_fail(report_fd, 126, "cinit: %s: setgid(%d): %s", svc->conf.name,
				   (int)gid, strerror(errno));
		free(groups);
		return;
	}
	if (creds_resolve(svc->conf.user, svc->conf.group, &uid, &gid, &groups, &n_groups, err,
			  sizeof(err)) < 0)
		child_fail(report_fd, 126, "cinit: %s: %s", svc->conf.name, err);
	if (setgroups((size_t)n_groups, groups) < 0)
		child_fail(report_fd, 126, "cinit: %s: setgroups: %s", svc->conf.name,
			   strerror(errno));
	if (setgid(gid) < 0)
		child_fail(report_fd, 126, "cinit: %s: setgid(%d): %s", svc->conf.name, (int)gid,
			   strerror(errno));
	if (setuid(uid) < 0)
		child_fail(report_fd, 126, "cinit: %s: setuid(%d): %s", svc->conf.name, (int)uid,
			   strerror(errno));
	free(groups);
	set_account_env(svc->conf.user, uid);
}

static void setup_environment(const struct service *svc)
{
	char pid[24];

	for (char **e = svc->conf.env; e && *e; e++)
		if (putenv(*e) < 0)
			continue;
	/* socket activation: the descriptors are meant for this process */
	if (getenv("LISTEN_FDS")) {
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		setenv("LISTEN_PID", pid, 1);
	} else {
		unsetenv("LISTEN_PID");
	}
	if (svc->probe.notify_path)
		setenv("NOTIFY_SOCKET", svc->probe.notify_path, 1);
	else
		unsetenv("NOTIFY_SOCKET");
}

/* The mask cinit was started with, which the child inherits as under tini;
 * cinit's own blocking of the signals it handles ends here. */
static void __attribute__((noreturn))
exec_command(const struct service *svc, char **argv, int report_fd)
{
	uint64_t mask = svc->sup->opts.child_sigmask;

	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(mask)) < 0)
		child_fail(report_fd, 126, "cinit: rt_sigprocmask: %s", strerror(errno));
	execvp(argv[0], argv);
	int err = errno;
	if (err == ENOENT)
		child_fail(report_fd, 127, "cinit: %s: cannot run '%s': command not found",
			   svc->conf.name, argv[0]);
	child_fail(report_fd, 126, "cinit: %s: cannot run '%s': %s", svc->conf.name, argv[0],
		   strerror(err));
}

pid_t exec_service(struct service *svc, int out_fd, int err_fd)
{
	/* a private copy of stderr is needed only when the child's stderr
	 * will be something else by the time it could fail */
	bool own_stderr = err_fd == -3;
	int report_fd = own_stderr ? STDERR_FILENO : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	pid_t pid;

	if (report_fd < 0) {
		cinit_log(0, "%s: fcntl(F_DUPFD_CLOEXEC): %s", svc->conf.name, strerror(errno));
		return -1;
	}
	pid = _Fork();
	if (pid < 0) {
		cinit_log(0, "%s: fork: %s", svc->conf.name, strerror(errno));
		if (!own_stderr)
			close(report_fd);
		return -1;
	}
	if (pid > 0) {
		if (!own_stderr)
			close(report_fd);
		return pid;
	}
	if (setpgid(0, 0) < 0)
		child_fail(report_fd, 126, "cinit: setpgid: %s", strerror(errno));
	if (svc->conf.main && svc->sup->opts.give_terminal)
		take_terminal(report_fd);
	reset_signals(svc, report_fd);
	setup_stdio(svc, report_fd, out_fd, err_fd);
	apply_limits(svc, report_fd);
	drop_privileges(svc, report_fd);
	if (svc->conf.directory && chdir(svc->conf.directory) < 0)
		child_fail(report_fd, 126, "cinit: %s: chdir %s: %s", svc->conf.name,
			   svc->conf.directory, strerror(errno));
	setup_environment(svc);
	exec_command(svc, svc->conf.argv, report_fd);
}

pid_t exec_probe(struct service *svc, char **argv)
{
	int report_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	pid_t pid;

	if (report_fd < 0)
		return -1;
	pid = _Fork();
	if (pid != 0) {
		if (pid < 0)
			cinit_log(0, "%s: fork for readiness check: %s", svc->conf.name,
				  strerror(errno));
		close(report_fd);
		return pid;
	}
	if (setpgid(0, 0) < 0)
		child_fail(report_fd, 126, "cinit: setpgid: %s", strerror(errno));
	reset_signals(svc, report_fd);
	place_fd(report_fd, open_null(report_fd, O_RDONLY), STDIN_FILENO);
	place_fd(report_fd, open_null(report_fd, O_WRONLY), STDOUT_FILENO);
	exec_command(svc, argv, report_fd);
}
