/* Service output. A service's stdout and stderr reach cinit through pipes;
 * cinit cuts them into whole lines and writes them, prefixed with the
 * service name, to its own stdout or stderr, or to a size-rotated file.
 * PID 1 must never block on a slow reader: every sink has a bounded buffer,
 * writes are non-blocking, and what does not fit is dropped and counted. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SINK_BUFFER (256 * 1024)
#define MAX_LINE 16384	 /* a longer line is cut into pieces */
#define READ_CHUNK 65536 /* bounded work per wakeup */

enum sink_mode {
	SINK_NONBLOCK, /* a private O_NONBLOCK description of a pipe or tty */
	SINK_SOCKET,   /* send(MSG_DONTWAIT) */
	SINK_FILE,     /* regular file: writes do not wait on a reader */
	SINK_POLLED,   /* blocking pipe: write at most PIPE_BUF when poll says so */
};

struct log_sink {
	struct ev_loop *loop;
	ev_io io;
	int fd;
	enum sink_mode mode;
	char *buf;
	size_t len;
	unsigned long dropped;
	int lost_errno; /* why the last lines were lost; 0: a reader too slow */
	/* rotated file */
	char *path;
	uint64_t size, max_bytes;
	unsigned backups;
	char *svc_name;
};

static ssize_t sink_try_write(struct log_sink *s, const char *p, size_t n)
{
	ssize_t w;

	switch (s->mode) {
	case SINK_SOCKET:
		w = send(s->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case SINK_POLLED: {
		struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLOUT)) {
			errno = EAGAIN;
			return -1;
		}
		w = write(s->fd, p, n > PIPE_BUF ? PIPE_BUF : n);
		break;
	}
	default:
		w = write(s->fd, p, n);
	}
	if (w < 0 && errno == EINTR)
		errno = EAGAIN;
	return w;
}

static void rotate_file(struct log_sink *s);

/* A file that takes no more (ENOSPC, EDQUOT, EIO): what is left of the
 * buffer is lost and counted in lines, and the record that was cut in the
 * middle is cut off the file again, so that the next one does not join
 * it. A file sink's buffer starts at a record: files never say EAGAIN. */
static void sink_lose(struct log_sink *s, size_t off)
{
	size_t partial = 0;
	struct stat st;

	s->lost_errno = errno;
	for (size_t i = off; i < s->len; i++)
		if (s->buf[i] == '\n')
			s->dropped++;
	while (partial < off && s->buf[off - partial - 1] != '\n')
		partial++;
	if (s->mode == SINK_FILE && partial && fstat(s->fd, &st) == 0 &&
	    st.st_size >= (off_t)partial && ftruncate(s->fd, st.st_size - (off_t)partial) < 0)
		s->lost_errno = errno;
}

/* Writes what the reader takes now; true when output was lost. */
static bool sink_write_buffer(struct log_sink *s)
{
	size_t off = 0;
	bool lost = false;

	while (off < s->len) {
		ssize_t w = sink_try_write(s, s->buf + off, s->len - off);
		if (w < 0) {
			if (errno != EAGAIN) {
				/* a full disk, or a reader that went away */
				if (s->mode == SINK_FILE)
					sink_lose(s, off);
				off = s->len;
				lost = true;
			}
			break;
		}
		off += (size_t)w;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	return lost;
}

/* Drains the buffer; once it is empty after drops, says how many were lost,
 * and why, in one line, and drains that too. */
static void sink_drain(struct log_sink *s)
{
	char msg[160];
	unsigned long dropped = s->dropped;
	int n;

	if (!s->len)
		return;
	if (sink_write_buffer(s) || s->len || !s->dropped)
		return;
	n = snprintf(msg, sizeof(msg), "cinit: dropped %lu lines of output: %s\n", dropped,
		     s->lost_errno ? strerror(s->lost_errno) : "reader too slow");
	s->dropped = 0;
	if (n > 0 && (size_t)n < SINK_BUFFER) {
		memcpy(s->buf, msg, (size_t)n);
		s->len = (size_t)n;
		if (sink_write_buffer(s)) {
			s->dropped = dropped; /* still to be said */
			return;
		}
	}
	s->lost_errno = 0;
}

static void sink_update_watcher(struct log_sink *s)
{
	if (s->mode == SINK_FILE)
		return;
	if (s->len && !ev_is_active(&s->io))
		ev_io_start(s->loop, &s->io);
	else if (!s->len && ev_is_active(&s->io))
		ev_io_stop(s->loop, &s->io);
}

static void sink_writable_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct log_sink *s = w->data;

	(void)loop;
	(void)revents;
	sink_drain(s);
	sink_update_watcher(s);
}

/* Queues one whole record (a line with its prefix), or drops it whole. */
static void sink_write_record(struct log_sink *s, const char *const *parts, const size_t *lens,
			      int n_parts)
{
	/* while waiting for the reader, writing again would only fail again */
	bool reader_busy = ev_is_active(&s->io);
	size_t total = 0;

	for (int i = 0; i < n_parts; i++)
		total += lens[i];
	if (s->mode == SINK_FILE && s->max_bytes && s->size + total > s->max_bytes && s->size)
		rotate_file(s);
	if (!s->buf && !(s->buf = malloc(SINK_BUFFER))) {
		s->dropped++;
		return;
	}
	if (s->len + total > SINK_BUFFER && !reader_busy)
		sink_drain(s);
	if (s->len + total > SINK_BUFFER) {
		s->dropped++;
		sink_update_watcher(s);
		return;
	}
	for (int i = 0; i < n_parts; i++) {
		memcpy(s->buf + s->len, parts[i], lens[i]);
		s->len += lens[i];
	}
	s->size += total;
	if (!reader_busy)
		sink_drain(s);
	sink_update_watcher(s);
}

static struct log_sink *sink_new(struct ev_loop *loop, int fd, enum sink_mode mode)
{
	struct log_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	s->fd = fd;
	s->mode = mode;
	ev_io_init(&s->io, sink_writable_cb, fd, EV_WRITE);
	s->io.data = s;
	return s;
}

/* A private handle on cinit's stdout or stderr. O_NONBLOCK is set on a new
 * open file description, never on the one the services share. */
/* cinit's own messages share the stderr sink with the services' stderr, so
 * they keep their order and never block either. */
void log_sink_write_message(struct log_sink *s, const char *msg, size_t len)
{
	const char *parts[1] = {msg};
	size_t lens[1] = {len};

	sink_write_record(s, parts, lens, 1);
}

bool log_sink_waiting(const struct log_sink *s)
{
	return ev_is_active(&s->io);
}

struct log_sink *log_sink_for_fd(struct ev_loop *loop, int fd)
{
	struct stat st;
	char path[64];
	int own;
	enum sink_mode mode;

	if (fstat(fd, &st) < 0)
		return NULL;
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		mode = SINK_FILE;
	} else if (S_ISSOCK(st.st_mode)) {
		own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		mode = SINK_SOCKET;
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		own = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		mode = SINK_NONBLOCK;
		if (own < 0) {
			own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
			mode = SINK_POLLED;
		}
	}
	if (own < 0) {
		cinit_log(0, "cannot duplicate descriptor %d: %s", fd, strerror(errno));
		return NULL;
	}
	struct log_sink *s = sink_new(loop, own, mode);
	if (!s)
		close(own);
	return s;
}

static int open_log_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
}

static void rotate_file(struct log_sink *s)
{
	size_t len = strlen(s->path) + 16;
	char *from = malloc(len), *to = malloc(len);
	int fd;

	sink_drain(s);
	if (!from || !to)
		goto out;
	for (unsigned i = s->backups; i >= 1; i--) {
		snprintf(to, len, "%s.%u", s->path, i);
		if (i == 1)
			snprintf(from, len, "%s", s->path);
		else
			snprintf(from, len, "%s.%u", s->path, i - 1);
		if (rename(from, to) < 0 && errno != ENOENT)
			cinit_log(0, "%s: rename %s: %s", s->svc_name, from, strerror(errno));
	}
	if (!s->backups && truncate(s->path, 0) < 0)
		cinit_log(0, "%s: truncate %s: %s", s->svc_name, s->path, strerror(errno));
	fd = open_log_file(s->path);
	if (fd < 0) {
		cinit_log(0, "%s: open %s: %s", s->svc_name, s->path, strerror(errno));
		goto out;
	}
	close(s->fd);
	s->fd = fd;
	s->size = 0;
out:
	free(from);
	free(to);
}

struct log_sink *log_sink_for_file(struct ev_loop *loop, const struct log_conf *lc,
				   const char *svc_name)
{
	struct stat st;
	/* O_NONBLOCK: the path may name a pipe or a terminal (a supervisord
	 * file's /dev/stdout), and PID 1 must not wait on its reader */
	int fd =
	    open(lc->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
	struct log_sink *s;

	if (fd < 0 || fstat(fd, &st) < 0) {
		cinit_log(0, "%s: cannot open log file %s: %s", svc_name, lc->path,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	s = sink_new(loop, fd, S_ISREG(st.st_mode) ? SINK_FILE : SINK_NONBLOCK);
	if (!s) {
		close(fd);
		return NULL;
	}
	s->path = strdup(lc->path);
	s->svc_name = strdup(svc_name);
	/* only a regular file can be rotated */
	s->max_bytes = S_ISREG(st.st_mode) ? lc->max_bytes : 0;
	s->backups = lc->backups;
	s->size = (uint64_t)st.st_size;
	return s;
}

void log_sink_free(struct log_sink *s)
{
	if (!s)
		return;
	ev_io_stop(s->loop, &s->io);
	if (s->mode == SINK_FILE || s->mode == SINK_NONBLOCK)
		sink_drain(s);
	close(s->fd);
	free(s->buf);
	free(s->path);
	free(s->svc_name);
	free(s);
}

/* One record: the prefix, the line, and a newline when the line lacks one. */
static void emit_line(struct log_stream *ls, const char *line, size_t n)
{
	const struct service *svc = ls->svc;
	const struct log_conf *lc =
	    ls->is_err && !svc->conf.redirect_stderr ? &svc->conf.err : &svc->conf.out;
	const char *parts[4];
	size_t lens[4];
	int k = 0;

	if (lc->kind == LOG_PREFIX) {
		parts[k] = svc->conf.name;
		lens[k++] = strlen(svc->conf.name);
		parts[k] = " | ";
		lens[k++] = 3;
	}
	parts[k] = line;
	lens[k++] = n;
	if (!n || line[n - 1] != '\n') {
		parts[k] = "\n";
		lens[k++] = 1;
	}
	sink_write_record(ls->sink, parts, lens, k);
	if (svc->sup->ctl)
		control_output(svc->sup->ctl, (struct service *)svc,
			       ls->is_err && !svc->conf.redirect_stderr, line, n);
}

/* Emits every whole line in data; keeps the rest as the partial line. A
 * line longer than MAX_LINE goes out in pieces, each ended. */
static void consume(struct log_stream *ls, const char *data, size_t n)
{
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) + 1 : n;
		bool whole = nl != NULL;

		if (!ls->partial_len && whole && take <= MAX_LINE) {
			emit_line(ls, data, take); /* the common case: no copy */
			data += take;
			n -= take;
			continue;
		}
		/* the partial-line buffer is made only when a line is split */
		if (!ls->partial && !(ls->partial = malloc(MAX_LINE + 1))) {
			emit_line(ls, data, take);
			data += take;
			n -= take;
			continue;
		}
		size_t room = MAX_LINE - ls->partial_len;
		if (take > room) {
			take = room;
			whole = false;
		}
		memcpy(ls->partial + ls->partial_len, data, take);
		ls->partial_len += take;
		data += take;
		n -= take;
		if (whole || ls->partial_len == MAX_LINE) {
			emit_line(ls, ls->partial, ls->partial_len);
			ls->partial_len = 0;
		}
	}
}

static void stream_readable_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct log_stream *ls = (struct log_stream *)w;
	char buf[READ_CHUNK];
	ssize_t r;

	(void)loop;
	(void)revents;
	r = read(w->fd, buf, sizeof(buf));
	if (r > 0) {
		consume(ls, buf, (size_t)r);
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* end of file: every writer, the service and its children, is gone */
	log_stream_close(ls);
}

int log_stream_open(struct service *svc, struct log_stream *ls, bool is_err)
{
	const struct log_conf *lc = is_err ? &svc->conf.err : &svc->conf.out;
	struct supervisor *sup = svc->sup;
	int p[2];

	log_stream_close(ls);
	ls->svc = svc;
	ls->is_err = is_err;
	if (lc->kind == LOG_FILE)
		ls->sink = log_sink_for_file(sup->loop, lc, svc->conf.name);
	else
		ls->sink = supervisor_sink(sup, is_err);
	if (!ls->sink)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		cinit_log(0, "%s: pipe: %s", svc->conf.name, strerror(errno));
		log_stream_close(ls);
		return -1;
	}
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
		cinit_log(0, "%s: fcntl(O_NONBLOCK): %s", svc->conf.name, strerror(errno));
	ev_io_init(&ls->io, stream_readable_cb, p[0], EV_READ);
	ev_io_start(sup->loop, &ls->io);
	return p[1];
}

/* Reads what the pipe holds now and writes out a partial last line. */
void log_stream_flush(struct log_stream *ls)
{
	char buf[READ_CHUNK];
	ssize_t r;
	int rounds = 16; /* bounded: a child that keeps writing waits for the loop */

	if (ls->io.fd < 0)
		return;
	while (rounds-- > 0 && (r = read(ls->io.fd, buf, sizeof(buf))) > 0)
		consume(ls, buf, (size_t)r);
	if (ls->partial_len) {
		emit_line(ls, ls->partial, ls->partial_len);
		ls->partial_len = 0;
	}
}

void log_stream_close(struct log_stream *ls)
{
	struct supervisor *sup = ls->svc ? ls->svc->sup : NULL;

	if (ls->io.fd >= 0) {
		log_stream_flush(ls);
		if (sup)
			ev_io_stop(sup->loop, &ls->io);
		close(ls->io.fd);
		ls->io.fd = -1;
	}
	if (ls->sink && sup && ls->sink != sup->stdout_sink && ls->sink != sup->stderr_sink)
		log_sink_free(ls->sink);
	ls->sink = NULL;
	free(ls->partial);
	ls->partial = NULL;
	ls->partial_len = 0;
}
