/* Unpacking several layers at once, one child process each: unpacking is
 * file creation, bound by the kernel's time per file, and layers are
 * independent directories. No threads: a child that fails says why on a
 * pipe and exits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/internal.h"

struct child {
	pid_t pid;
	int pipe;
	size_t job;
};

static int start_child(struct image_store *s, const struct unpack_job *j, struct child *c,
		       struct spawn_error *e)
{
	pid_t parent = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "pipe2");
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return spawn_fail_errno(e, "fork");
	}
	if (c->pid == 0) {
		struct spawn_error ce = {""};
		int rc;

		/* A pull that was killed takes its unpacking with it, rather
		 * than leave it to finish behind a retry; the next pull sweeps
		 * its temporary directory. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		rc = imgstore_unpack(s, j->blob, j->diff_id, &ce);
		if (rc < 0 && write(p[1], ce.msg, strlen(ce.msg)) < 0)
			rc = -2;
		_exit(rc == 0 ? 0 : 1);
	}
	close(p[1]);
	c->pipe = p[0];
	return 0;
}

/* Waits for one child; its error, if any, into e. */
static int reap(struct child *c, struct spawn_error *e)
{
	char msg[sizeof(e->msg)];
	ssize_t n = read(c->pipe, msg, sizeof(msg) - 1);
	int status;

	close(c->pipe);
	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return spawn_fail_errno(e, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (n > 0) {
		msg[n] = '\0';
		return spawn_fail(e, "%s", msg);
	}
	return spawn_fail(e, "unpacking a layer: its process ended with status %d", status);
}

int imgstore_unpack_all(struct image_store *s, const struct unpack_job *jobs, size_t n,
			void (*done)(void *arg, size_t job), void *arg, struct spawn_error *e)
{
	struct child kids[UNPACK_PARALLEL] = {{0}};
	struct spawn_error later; /* failures after the first one */
	size_t running = 0, next = 0;
	int rc = 0;

	while (next < n || running > 0) {
		while (rc == 0 && next < n && running < UNPACK_PARALLEL) {
			kids[running].job = next;
			if (start_child(s, &jobs[next], &kids[running], e) < 0) {
				rc = -1;
				break;
			}
			running++;
			next++;
		}
		if (running == 0)
			break;
		/* Oldest first: the order of the layers, for the progress lines. */
		if (reap(&kids[0], rc == 0 ? e : &later) < 0)
			rc = -1;
		else if (rc == 0 && done)
			done(arg, kids[0].job);
		memmove(kids, kids + 1, --running * sizeof(kids[0]));
		if (rc < 0)
			next = n; /* start no more; let the running ones finish */
	}
	return rc;
}
