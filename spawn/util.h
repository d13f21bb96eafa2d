/* Small helpers shared by the cspawn modules: error messages that name the
 * step and the reason, whole-file reads and writes, directory trees, clocks. */
#ifndef CSPAWN_UTIL_H
#define CSPAWN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Every fallible step fills one of these and returns -1, so the message that
 * reaches the user says what cspawn was doing and why it failed. */
struct spawn_error {
	char msg[512];
};

/* Sets the message and returns -1. */
int spawn_fail(struct spawn_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with ": strerror(errno)" appended (errno as it was on entry). */
int spawn_fail_errno(struct spawn_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* snprintf for paths: 0, or -1 with errno ENAMETOOLONG when out is too
 * small, so a truncated path is never used. */
int format_path(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes all of text to an existing file (no O_CREAT: a missing cgroup or
 * proc file is an error, not something to create). -1 with errno set. */
int write_file(const char *path, const char *text);
int write_file_at(int dirfd, const char *name, const char *text);
/* Reads up to len-1 bytes and NUL-terminates; returns the length or -1. */
ssize_t read_file(const char *path, char *buf, size_t len);
ssize_t read_file_at(int dirfd, const char *name, char *buf, size_t len);

/* mkdir -p; existing directories are fine. -1 with errno set. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf that never crosses into another mount. -1 with errno set; a
 * missing path is success. */
int remove_tree(const char *path);

/* Closes every descriptor from 3 up but the n in keep (entries below 3
 * are skipped; keep is sorted in place). -1 with errno when close_range fails. */
int close_all_but(int *keep, size_t n);
/* The same from descriptor from up (3 or more): those below stay open. */
int close_all_from_but(unsigned from, int *keep, size_t n);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t monotonic_ms(void);
/* Sleeps for ms milliseconds, restarting after signal handlers. */
void sleep_ms(int64_t ms);

/* "64M", "1G", "1536K" or "100" (bytes): the shortest exact form. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
