#include "spawn/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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

static void relay_init(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 3; i++)
		r->child[i] = r->ours[i] = -1;
	r->console = -1;
}

int relay_open(struct relay *r, struct spawn_error *e)
{
	relay_init(r);
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

int relay_attach_console(struct relay *r, int master, bool interactive, struct spawn_error *e)
{
	struct termios raw;

	relay_init(r);
	r->console = master;
	r->console_in = interactive;
	r->in_eof = !interactive;
	if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
		return spawn_fail_errno(e, "fcntl(O_NONBLOCK) on the terminal");
	relay_resize(r);
	if (!interactive || !isatty(0))
		return 0;
	if (tcgetattr(0, &r->saved) < 0)
		return spawn_fail_errno(e, "tcgetattr");
	raw = r->saved;
	cfmakeraw(&raw);
	if (tcsetattr(0, TCSANOW, &raw) < 0)
		return spawn_fail_errno(e, "tcsetattr (raw mode)");
	r->raw = true;
	return 0;
}

void relay_resize(const struct relay *r)
{
	struct winsize ws;

	/* a size is a nicety: without a terminal here there is none to copy */
	if (r->console >= 0 && ioctl(1, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(r->console, TIOCSWINSZ, &ws);
}

static size_t console_poll_fds(const struct relay *r, struct pollfd *fds)
{
	size_t n = 0;

	if (r->console < 0)
		return 0;
	fds[n++] = (struct pollfd){.fd = r->console,
				   .events = POLLIN | (r->in_off < r->in_len ? POLLOUT : 0)};
	if (!r->in_eof && r->in_off == r->in_len)
		fds[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
	return n;
}

size_t relay_poll_fds(const struct relay *r, struct pollfd *fds)
{
	size_t n = 0;

	if (r->console >= 0)
		return console_poll_fds(r, fds);

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

/* The terminal's output to our stdout; false once it has no more (EIO:
 * every process holding its other end is gone). */
static bool console_out(struct relay *r)
{
	ssize_t n = read(r->console, r->out, sizeof(r->out));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		close(r->console);
		r->console = -1;
		return false;
	}
	write_all(1, r->out, (size_t)n);
	return true;
}

/* Our stdin to the terminal. At its end, the terminal's end-of-file
 * character, as a user typing Ctrl-D would send. */
static void console_in(struct relay *r, short revents)
{
	ssize_t n;

	if ((revents & (POLLIN | POLLHUP)) && r->in_off == r->in_len && !r->in_eof) {
		n = read(0, r->in, sizeof(r->in));
		r->in_off = 0;
		r->in_len = n > 0 ? (size_t)n : 0;
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
			r->in_eof = true;
			r->in[0] = 4;
			r->in_len = 1;
		}
	}
}

static void console_service(struct relay *r, const struct pollfd *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		ssize_t w;

		if (fds[k].fd == 0 && fds[k].revents)
			console_in(r, fds[k].revents);
		if (fds[k].fd != r->console || r->console < 0)
			continue;
		if (fds[k].revents & POLLOUT && r->in_off < r->in_len) {
			w = write(r->console, r->in + r->in_off, r->in_len - r->in_off);
			if (w > 0)
				r->in_off += (size_t)w;
		}
		if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
			console_out(r);
	}
}

void relay_service(struct relay *r, const struct pollfd *fds, size_t n)
{
	if (r->console >= 0) {
		console_service(r, fds, n);
		return;
	}
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
	while (r->console >= 0) {
		struct pollfd p = {.fd = r->console, .events = POLLIN};

		/* a process that left the terminal open behind it (a daemon
		 * started from the shell) must not keep cspawn here */
		if (poll(&p, 1, 100) <= 0 || !console_out(r))
			break;
	}
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
	if (r->raw && tcsetattr(0, TCSANOW, &r->saved) == 0)
		r->raw = false;
	if (r->console >= 0)
		close(r->console);
	r->console = -1;
	relay_close_child_ends(r);
	for (int i = 0; i < 3; i++) {
		if (r->ours[i] >= 0)
			close(r->ours[i]);
		r->ours[i] = -1;
	}
}
