/* Unpacking several layers at once, one child process each: unpacking is
 * file creation, bound by the kernel's time per file, and layers are
 * independent directories. No threads: a child that fails says why on a
 * pipe and exits. The pool is driven from outside, so that a pull can
 * start a layer while its blob downloads (the child follows the file the
 * download writes) or once it is in the store; the children's pipes are
 * what the pull's wait watches besides its sockets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/internal.h"

enum { JOB_WAITING, JOB_READY, JOB_STARTED };

struct pool_job {
	unsigned char state;
	int fd;	      /* the download's file while it is written, or -1 */
	int feed[2];  /* the child's wake-ups: its end (until it starts), ours */
	int64_t size; /* what the file will hold */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The parent's copies of the descriptors that let a child follow a
 * download, but for the write end of its feed. */
static void drop_source(struct pool_job *pj)
{
	close_fd(&pj->fd);
	close_fd(&pj->feed[0]);
}

static void child_main(struct unpack_pool *u, const struct unpack_child *c, int out, pid_t parent)
{
	const struct unpack_job *j = &u->jobs[c->job];
	struct spawn_error ce = {""};
	int rc;

	/* A pull that was killed takes its unpacking with it, rather than
	 * leave it to finish behind a retry; its temporary directory is the
	 * store's collection's to sweep. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	/* A feed's end is its download's end only once no process holds its
	 * write end but the parent. */
	for (size_t k = 0; k < u->n; k++)
		close_fd(&u->pj[k].feed[1]);
	rc = imgstore_unpack_from(u->s, j->blob, j->diff_id, u->pj[c->job].fd,
				  u->pj[c->job].feed[0], u->pj[c->job].size, c->tmp, &ce);
	if (rc < 0 && write(out, ce.msg, strlen(ce.msg)) < 0)
		rc = -2;
	_exit(rc == 0 ? 0 : 1);
}

static int start_child(struct unpack_pool *u, size_t job, struct unpack_child *c)
{
	pid_t parent = getpid();
	int p[2];

	c->job = job;
	imgstore_tmp_name(c->tmp, sizeof(c->tmp), "dir");
	if (pipe2(p, O_CLOEXEC) < 0)
		return spawn_fail_errno(u->e, "pipe2");
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return spawn_fail_errno(u->e, "fork");
	}
	if (c->pid == 0)
		child_main(u, c, p[1], parent);
	close(p[1]);
	c->pipe = p[0];
	/* The child has the download's file and its feed. */
	drop_source(&u->pj[job]);
	return 0;
}

/* Waits for one child, whose pipe has said all it will; its error, if
 * any, into e. A child that was killed leaves its directory to remove. */
static int reap(struct image_store *s, struct unpack_child *c, struct spawn_error *e)
{
	char msg[sizeof(e->msg)], path[PATH_MAX];
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
	if (WIFSIGNALED(status) && imgstore_path(s, c->tmp, path, sizeof(path), e) == 0 &&
	    remove_tree(path) < 0)
		return spawn_fail_errno(e, "remove %s", path);
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
	if (!(u->pj = calloc(n + 1, sizeof(*u->pj))))
		return spawn_fail_errno(e, "calloc");
	for (size_t j = 0; j < n; j++)
		u->pj[j].fd = u->pj[j].feed[0] = u->pj[j].feed[1] = -1;
	return 0;
}

/* Starts ready jobs in free slots, in the jobs' order; none after a
 * failure. */
static int fill(struct unpack_pool *u)
{
	for (size_t j = 0; u->rc == 0 && j < u->n && u->running < UNPACK_PARALLEL; j++) {
		if (u->pj[j].state != JOB_READY)
			continue;
		if (start_child(u, j, &u->kids[u->running]) < 0)
			return u->rc = -1;
		u->pj[j].state = JOB_STARTED;
		u->running++;
	}
	return u->rc;
}

int unpack_pool_stream(struct unpack_pool *u, size_t job, int fd, int64_t size)
{
	struct pool_job *pj = &u->pj[job];

	if (pj->state != JOB_WAITING)
		return u->rc;
	/* A socket, not a pipe: the wake-ups are sent without blocking the
	 * download and without SIGPIPE once the child is gone. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pj->feed) < 0) {
		pj->feed[0] = pj->feed[1] = -1;
		return u->rc = spawn_fail_errno(u->e, "socketpair");
	}
	if ((pj->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		spawn_fail_errno(u->e, "fcntl F_DUPFD_CLOEXEC");
		drop_source(pj);
		close_fd(&pj->feed[1]);
		return u->rc = -1;
	}
	pj->size = size;
	pj->state = JOB_READY;
	return fill(u);
}

void unpack_pool_fed(struct unpack_pool *u, size_t job)
{
	int fd = u->pj[job].feed[1];

	/* A full buffer has told the child enough already; a child that is
	 * gone needs no more. */
	if (fd >= 0 && send(fd, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
	    errno != EINTR)
		close_fd(&u->pj[job].feed[1]);
}

int unpack_pool_ready(struct unpack_pool *u, size_t job)
{
	/* The download is over; one that waited for a slot reads the blob. */
	close_fd(&u->pj[job].feed[1]);
	drop_source(&u->pj[job]);
	if (u->pj[job].state == JOB_WAITING)
		u->pj[job].state = JOB_READY;
	return fill(u);
}

/* Reaps the child in slot k and moves the last one into its place. */
static void reap_slot(struct unpack_pool *u, size_t k)
{
	size_t job = u->kids[k].job;

	if (reap(u->s, &u->kids[k], u->rc == 0 ? u->e : &u->later) < 0)
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
	/* After a failure the running ones are stopped: one following a
	 * download that failed would unpack what it got for nothing. */
	for (size_t k = 0; k < u->running; k++)
		if (kill(u->kids[k].pid, SIGKILL) < 0)
			spawn_fail_errno(&u->later, "kill %d", (int)u->kids[k].pid);
	while (u->running > 0)
		reap_slot(u, 0);
	for (size_t j = 0; j < u->n; j++) {
		if (u->rc == 0 && u->pj[j].state != JOB_STARTED)
			u->rc = spawn_fail(u->e, "unpacking: layer %zu of %zu was never ready",
					   j + 1, u->n);
		drop_source(&u->pj[j]);
		close_fd(&u->pj[j].feed[1]);
	}
	free(u->pj);
	u->pj = NULL;
	return u->rc;
}

int imgstore_unpack_all(struct image_store *s, const struct unpack_job *jobs, size_t n,
			void (*done)(void *arg, size_t job), void *arg, struct spawn_error *e)
{
	struct unpack_pool u;

	if (unpack_pool_init(&u, s, jobs, n, done, arg, e) < 0)
		return -1;
	for (size_t j = 0; j < n; j++)
		u.pj[j].state = JOB_READY;
	return unpack_pool_finish(&u, true);
}
