/* A container's logs, as docker's json-file driver keeps them: one JSON
 * object per line, {"log": "the line\n", "stream": "stdout", "time":
 * "2026-12-03T13:15:20.123456789Z"}, in <dir>/<ID>-json.log, rotated to
 * .1 .. .N-1 when it grows past max_size. Written by the monitor (which
 * never blocks on it for long: a full disk drops lines and counts them),
 * read by `cspawn logs`. */
#ifndef CSPAWN_LOGS_H
#define CSPAWN_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spawn/util.h"

#define LOGS_DEFAULT_MAX_SIZE (10u << 20)
#define LOGS_DEFAULT_MAX_FILE 3
#define LOGS_LINE_MAX 16384 /* a longer line is written in pieces, as docker does */

struct log_writer {
	char path[4096];
	int fd;
	uint64_t size, max_size;
	unsigned max_file;
	uint64_t dropped; /* lines that could not be written (ENOSPC ...) */
	int drop_errno;	  /* why the last one could not */
	bool reporting;	  /* writing the note that says so */
	/* a partial line of each stream, until its newline */
	char pending[2][LOGS_LINE_MAX];
	size_t npending[2];
};

int log_open(struct log_writer *w, const char *path, uint64_t max_size, unsigned max_file,
	     struct spawn_error *e);
/* Takes what stream 1 (stdout) or 2 (stderr) gave, in any pieces; writes
 * each whole line. */
void log_feed(struct log_writer *w, int stream, const char *data, size_t len);
/* Writes what is pending of each stream as a line of its own. */
void log_flush(struct log_writer *w);
/* A line of the monitor's own, on stderr's stream. */
void log_note(struct log_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_close(struct log_writer *w);

/* `cspawn logs`: the lines of every file, oldest first; tail: only the
 * last N (-1: all); since_ms: only those at or after (0: all). Each goes
 * to out (stdout's) or err (stderr's), with its time first when
 * timestamps. Returns the number of bytes read of the newest file, to
 * follow from, or -1. */
int64_t log_print(const char *path, unsigned max_file, long tail, int64_t since_ms, bool timestamps,
		  struct spawn_error *e);
/* Prints what the newest file holds after offset; returns the new offset. */
int64_t log_print_from(const char *path, int64_t offset, bool timestamps);
/* "10m", "1h30m", "2026-12-03T13:15:20Z", a unix time: ms, or -1. */
int64_t log_parse_since(const char *s, int64_t now_ms);

#endif
