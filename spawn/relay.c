#include "spawn/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A stream that must not reach the container as it is: a file (or a
 * directory, or a block device) of the host's. */
static bool needs_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false; /* closed: the container gets it closed too */
	return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode);
}

int relay_open(struct relay *r, struct spawn_error *e)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 3; i++)
		r->child[i] = r->ours[i] = -1;
	for (int i = 0; i < 3; i++) {
		int p[2];

		if (!needs_pipe(i))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0) {
			relay_close(r);
			return spawn_fail_errno(e, "pipe for the container's stdio");
		}
		/* stdin: we write, the container reads; else the reverse */
		r->child[i] = i == 0 ? p[0] : p[1];
		r->ours[i] = i == 0 ? p[1] : p[0];
		if (fcntl(r->ours[i], F_SETFL, O_NONBLOCK) < 0) {
			relay_close(r);
			return spawn_fail_errno(e, "fcntl(O_NONBLOCK)");
		}
	}
	return 0;
}

void relay_close_child_ends(struct relay *r)
{
	for (int i = 0; i < 3; i++) {
		if (r->child[i] >= 0)
			close(r->child[i]);
		r->child[i] = -1;
	}
}

size_t relay_poll_fds(const struct relay *r, struct pollfd *fds)
{
	size_t n = 0;

	if (r->ours[0] >= 0)
		fds[n++] = (struct pollfd){.fd = r->ours[0], .events = POLLOUT};
	for (int i = 1; i < 3; i++)
		if (r->ours[i] >= 0)
			fds[n++] = (struct pollfd){.fd = r->ours[i], .events = POLLIN};
	return n;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* our own stream is gone: the output has nowhere to go */
		buf += w;
		len -= (size_t)w;
	}
}

/* Copies what the container wrote on stream i to ours; false at EOF. */
static bool copy_out(struct relay *r, int i)
{
	char buf[RELAY_BUF];
	ssize_t n = read(r->ours[i], buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0) {
		close(r->ours[i]);
		r->ours[i] = -1;
		return false;
	}
	write_all(i, buf, (size_t)n);
	return true;
}

static void close_stdin_pipe(struct relay *r)
{
	close(r->ours[0]);
	r->ours[0] = -1;
}

/* Feeds our stdin into the container's pipe, a buffer at a time. */
static void copy_in(struct relay *r)
{
	ssize_t n;

	if (r->in_off == r->in_len && !r->in_eof) {
		n = read(0, r->in, sizeof(r->in));
		r->in_off = 0;
		r->in_len = n > 0 ? (size_t)n : 0;
		r->in_eof = n <= 0 && !(n < 0 && errno == EINTR);
	}
	if (r->in_off < r->in_len) {
		n = write(r->ours[0], r->in + r->in_off, r->in_len - r->in_off);
		if (n > 0)
			r->in_off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			r->in_eof = true; /* the container closed its stdin */
	}
	if (r->in_eof && r->in_off == r->in_len)
		close_stdin_pipe(r);
}

void relay_service(struct relay *r, const struct pollfd *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == r->ours[0]) {
			if (fds[k].revents & (POLLERR | POLLHUP))
				close_stdin_pipe(r);
			else
				copy_in(r);
			continue;
		}
		for (int i = 1; i < 3; i++)
			if (fds[k].fd == r->ours[i])
				copy_out(r, i);
	}
}

void relay_drain(struct relay *r)
{
	for (int i = 1; i < 3; i++) {
		while (r->ours[i] >= 0) {
			struct pollfd p = {.fd = r->ours[i], .events = POLLIN};

			/* Every writer died with PID 1, so EOF is near; the
			 * bound only keeps a surprise from stalling cspawn. */
			if (poll(&p, 1, 1000) <= 0 || !copy_out(r, i))
				break;
		}
	}
}

void relay_close(struct relay *r)
{
	relay_close_child_ends(r);
	for (int i = 0; i < 3; i++) {
		if (r->ours[i] >= 0)
			close(r->ours[i]);
		r->ours[i] = -1;
	}
}
