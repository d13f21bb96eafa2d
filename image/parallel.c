/* Unpacking several layers at once, one child process each: unpacking is
 * file creation, bound by the kernel's time per file, and layers are
 * independent directories. No threads: a child that fails says why on a
 * pipe and exits. The pool is driven from outside, so that a pull can
 * start a layer the moment its blob is verified while others download:
 * the children's pipes are what its wait watches besides its sockets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/internal.h"

enum { JOB_WAITING, JOB_READY, JOB_STARTED };

static int start_child(struct unpack_pool *u, size_t job, struct unpack_child *c)
{
	pid_t parent = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return spawn_fail_errno(u->e, "pipe2");
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return spawn_fail_errno(u->e, "fork");
	}
	if (c->pid == 0) {
		struct spawn_error ce = {""};
		int rc;

		/* A pull that was killed takes its unpacking with it, rather
		 * than leave it to finish behind a retry; the next pull sweeps
		 * its temporary directory. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(1);
		rc = imgstore_unpack(u->s, u->jobs[job].blob, u->jobs[job].diff_id, &ce);
		if (rc < 0 && write(p[1], ce.msg, strlen(ce.msg)) < 0)
			rc = -2;
		_exit(rc == 0 ? 0 : 1);
	}
	close(p[1]);
	c->pipe = p[0];
	c->job = job;
	return 0;
}

/* Waits for one child, whose pipe has said all it will; its error, if
 * any, into e. */
static int reap(struct unpack_child *c, struct spawn_error *e)
{
	char msg[sizeof(e->msg)];
	ssize_t n;
	int status;

	while ((n = read(c->pipe, msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
		;
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

int unpack_pool_init(struct unpack_pool *u, struct image_store *s, const struct unpack_job *jobs,
		     size_t n, void (*done)(void *arg, size_t job), void *arg,
		     struct spawn_error *e)
{
	memset(u, 0, sizeof(*u));
	u->s = s;
	u->jobs = jobs;
	u->n = n;
	u->done = done;
	u->arg = arg;
	u->e = e;
	if (!(u->state = calloc(n + 1, sizeof(*u->state))))
		return spawn_fail_errno(e, "calloc");
	return 0;
}

/* Starts ready jobs in free slots, in the jobs' order; none after a
 * failure. */
static int fill(struct unpack_pool *u)
{
	for (size_t j = 0; u->rc == 0 && j < u->n && u->running < UNPACK_PARALLEL; j++) {
		if (u->state[j] != JOB_READY)
			continue;
		if (start_child(u, j, &u->kids[u->running]) < 0)
			return u->rc = -1;
		u->state[j] = JOB_STARTED;
		u->running++;
	}
	return u->rc;
}

int unpack_pool_ready(struct unpack_pool *u, size_t job)
{
	if (u->state[job] == JOB_WAITING)
		u->state[job] = JOB_READY;
	return fill(u);
}

/* Reaps the child in slot k and moves the last one into its place. */
static void reap_slot(struct unpack_pool *u, size_t k)
{
	size_t job = u->kids[k].job;

	if (reap(&u->kids[k], u->rc == 0 ? u->e : &u->later) < 0)
		u->rc = -1;
	else if (u->rc == 0 && u->done)
		u->done(u->arg, job);
	u->kids[k] = u->kids[--u->running];
}

size_t unpack_pool_fds(const struct unpack_pool *u, int *fds)
{
	for (size_t k = 0; k < u->running; k++)
		fds[k] = u->kids[k].pipe;
	return u->running;
}

int unpack_pool_reap(struct unpack_pool *u, int timeout)
{
	struct pollfd pf[UNPACK_PARALLEL];
	int r;

	for (size_t k = 0; k < u->running; k++)
		pf[k] = (struct pollfd){.fd = u->kids[k].pipe, .events = POLLIN};
	while ((r = poll(pf, u->running, timeout)) < 0)
		if (errno != EINTR)
			return u->rc = spawn_fail_errno(u->e, "poll");
	/* From the last slot down: reap_slot moves the last into the gap. */
	for (size_t k = u->running; r > 0 && k-- > 0;)
		if (pf[k].revents)
			reap_slot(u, k);
	return fill(u);
}

int unpack_pool_finish(struct unpack_pool *u, bool ok)
{
	if (!ok && u->rc == 0)
		u->rc = -1; /* the caller's failure: start no more */
	while (fill(u) == 0 && u->running > 0)
		unpack_pool_reap(u, -1);
	while (u->running > 0) /* after a failure: let the running ones finish */
		reap_slot(u, 0);
	for (size_t j = 0; u->rc == 0 && j < u->n; j++)
		if (u->state[j] != JOB_STARTED)
			u->rc = spawn_fail(u->e, "unpacking: layer %zu of %zu was never ready",
					   j + 1, u->n);
	free(u->state);
	u->state = NULL;
	return u->rc;
}

int imgstore_unpack_all(struct image_store *s, const struct unpack_job *jobs, size_t n,
			void (*done)(void *arg, size_t job), void *arg, struct spawn_error *e)
{
	struct unpack_pool u;

	if (unpack_pool_init(&u, s, jobs, n, done, arg, e) < 0)
		return -1;
	for (size_t j = 0; j < n; j++)
		u.state[j] = JOB_READY;
	return unpack_pool_finish(&u, true);
}
