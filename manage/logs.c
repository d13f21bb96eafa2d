#include "manage/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int log_open(struct log_writer *w, const char *path, uint64_t max_size, unsigned max_file,
	     struct spawn_error *e)
{
	struct stat st;

	/* field by field: a memset would touch the line buffers' pages,
	 * which stay out of a small monitor's memory until they are used */
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->size = w->dropped = 0;
	w->drop_errno = 0;
	w->reporting = false;
	w->npending[0] = w->npending[1] = 0;
	w->max_size = max_size;
	w->max_file = max_file ? max_file : 1;
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return spawn_fail_errno(e, "opening the log %s", path);
	if (fstat(w->fd, &st) == 0)
		w->size = (uint64_t)st.st_size;
	return 0;
}

/* The length of a valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] < 0xf5 ? 4 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* JSON's escapes; a byte that is not UTF-8 becomes U+FFFD, as docker does. */
static size_t escape(char *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c == '\n') {
			o += (size_t)sprintf(out + o, "\\n");
			i++;
		} else if (c < 0x20) {
			o += (size_t)sprintf(out + o, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			out[o++] = (char)c;
			i++;
		} else {
			size_t len = utf8_len(p + i, n - i);

			if (len) {
				memcpy(out + o, p + i, len);
				o += len;
				i += len;
			} else {
				o += (size_t)sprintf(out + o, "\\ufffd");
				i++;
			}
		}
	}
	return o;
}

static void format_time(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* log -> log.1 -> ... -> log.(max_file-1), the oldest dropped. */
static void rotate(struct log_writer *w)
{
	char from[4200], to[4200];

	if (w->max_file <= 1) {
		if (ftruncate(w->fd, 0) == 0)
			w->size = 0;
		return;
	}
	for (unsigned i = w->max_file - 1; i > 0; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", w->path);
		else
			snprintf(from, sizeof(from), "%s.%u", w->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", w->path, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			w->dropped++;
	}
	close(w->fd);
	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	w->size = 0;
}

/* One record, whole or not at all: a short write (the disk filled up in
 * the middle of it) is cut off again, so the next record does not join a
 * torn one. True when it was written. */
static bool write_record(struct log_writer *w, const char *line, size_t n)
{
	ssize_t done = write(w->fd, line, n);

	if (done == (ssize_t)n) {
		w->size += n;
		return true;
	}
	w->drop_errno = done < 0 ? errno : ENOSPC;
	if (done > 0 && ftruncate(w->fd, (off_t)w->size) < 0)
		w->drop_errno = errno;
	return false;
}

static void write_line(struct log_writer *w, int stream, const char *data, size_t len);

/* After lines were lost, the first one written says how many, and why. */
static void report_dropped(struct log_writer *w)
{
	char note[160];
	uint64_t lost = w->dropped;
	int n;

	if (!lost || w->reporting)
		return;
	n = snprintf(note, sizeof(note), "cspawn: %llu lines of output could not be written: %s\n",
		     (unsigned long long)lost, strerror(w->drop_errno ? w->drop_errno : EIO));
	w->reporting = true;
	w->dropped = 0;
	write_line(w, 2, note, (size_t)n);
	w->reporting = false;
	if (w->dropped) /* the note itself did not fit: they stay counted */
		w->dropped = lost;
}

static void write_line(struct log_writer *w, int stream, const char *data, size_t len)
{
	char *line = malloc(len * 6 + 128);
	char when[96];
	size_t n;

	if (!line || w->fd < 0) {
		free(line);
		w->dropped++;
		return;
	}
	format_time(when, sizeof(when));
	n = (size_t)sprintf(line, "{\"log\":\"");
	n += escape(line + n, data, len);
	n += (size_t)sprintf(line + n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
			     stream == 2 ? "stderr" : "stdout", when);
	if (w->max_size && w->size + n > w->max_size && w->size > 0)
		rotate(w);
	report_dropped(w);
	/* ENOSPC: counted, and the monitor goes on */
	if (w->fd < 0 || w->dropped || !write_record(w, line, n))
		w->dropped++;
	free(line);
}

void log_feed(struct log_writer *w, int stream, const char *data, size_t len)
{
	int s = stream == 2 ? 1 : 0;

	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;
		size_t room = LOGS_LINE_MAX - w->npending[s];

		if (take > room)
			take = room;
		memcpy(w->pending[s] + w->npending[s], data, take);
		w->npending[s] += take;
		data += take;
		len -= take;
		if (w->pending[s][w->npending[s] - 1] == '\n' || w->npending[s] == LOGS_LINE_MAX) {
			write_line(w, stream, w->pending[s], w->npending[s]);
			w->npending[s] = 0;
		}
	}
}

void log_flush(struct log_writer *w)
{
	for (int s = 0; s < 2; s++) {
		if (w->npending[s])
			write_line(w, s + 1, w->pending[s], w->npending[s]);
		w->npending[s] = 0;
	}
}

void log_note(struct log_writer *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	write_line(w, 2, buf, (size_t)n);
}

void log_close(struct log_writer *w)
{
	log_flush(w);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
