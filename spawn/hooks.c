#include "spawn/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes all of the state; a hook that does not read it (EPIPE) is fine. */
static void feed(int fd, const char *state)
{
	size_t len = strlen(state), off = 0;

	while (off < len) {
		ssize_t n = write(fd, state + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

static _Noreturn void exec_hook(const struct oci_hook *h, int in)
{
	char *argv0[] = {h->path, NULL};

	if (dup2(in, 0) < 0)
		_exit(127);
	/* args[0] is the program's name, as execve takes it */
	execve(h->path, h->args.n ? h->args.v : argv0, h->env.v ? h->env.v : (char *[]){NULL});
	dprintf(2, "cspawn-runtime: exec %s: %s\n", h->path, strerror(errno));
	_exit(127);
}

/* Waits for the hook, killing it at its deadline; its wait status, or -1
 * when it timed out (then killed and reaped). */
static int await_hook(pid_t pid, const struct oci_hook *h, struct spawn_error *e)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), st = 0, timed_out = 0;

	if (pidfd < 0) {
		spawn_fail_errno(e, "pidfd_open");
		kill(pid, SIGKILL);
	} else if (h->timeout.set) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int n;

		do
			n = poll(&p, 1, (int)(h->timeout.v * 1000));
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return timed_out ? -1 : st;
}

static int run_one(const struct oci_hook *h, const char *what, const char *state,
		   struct spawn_error *e)
{
	int in[2], st;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "%s: pipe", what);
	pid = fork();
	if (pid < 0) {
		spawn_fail_errno(e, "%s: fork", what);
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if (pid == 0) {
		close(in[1]);
		exec_hook(h, in[0]);
	}
	close(in[0]);
	/* SIGPIPE would end the runtime when a hook exits without reading */
	{
		sigset_t pipe_set, old;

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		sigprocmask(SIG_BLOCK, &pipe_set, &old);
		feed(in[1], state);
		close(in[1]);
		sigtimedwait(&pipe_set, NULL, &(struct timespec){0});
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	st = await_hook(pid, h, e);
	if (st == -1)
		return spawn_fail(e, "%s %s: timed out after %llds", what, h->path,
				  (long long)h->timeout.v);
	if (WIFSIGNALED(st))
		return spawn_fail(e, "%s %s: killed by signal %d", what, h->path, WTERMSIG(st));
	if (WEXITSTATUS(st) != 0)
		return spawn_fail(e, "%s %s: exited with %d", what, h->path, WEXITSTATUS(st));
	return 0;
}

int hooks_run(const struct oci_hook_list *l, enum oci_hook_kind k, const char *state,
	      struct spawn_error *e)
{
	for (size_t i = 0; i < l->n; i++) {
		char what[64];

		snprintf(what, sizeof(what), "hooks.%s[%zu]", oci_hook_name(k), i);
		if (run_one(&l->v[i], what, state, e) < 0)
			return -1;
	}
	return 0;
}
