#include "spawn/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int spawn_fail(struct spawn_error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int spawn_fail_errno(struct spawn_error *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int format_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int write_all_close(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;
	int saved;

	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

int write_file(const char *path, const char *text)
{
	return write_file_at(AT_FDCWD, path, text);
}

int write_file_at(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return write_all_close(fd, text);
}

ssize_t read_file(const char *path, char *buf, size_t len)
{
	return read_file_at(AT_FDCWD, path, buf, len);
}

ssize_t read_file_at(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t off = 0;
	int saved;

	if (fd < 0)
		return -1;
	while (off + 1 < len) {
		ssize_t r = read(fd, buf + off, len - 1 - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	buf[off] = '\0';
	close(fd);
	return (ssize_t)off;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path)
{
	struct stat st;

	/* Another remover (a container's monitor clearing its own runtime
	 * directory) may take entries away under the walk, which then fails
	 * with ENOENT: walk again what is left, a bounded number of times. */
	for (int tries = 0; tries < 3; tries++) {
		if (lstat(path, &st) < 0)
			return errno == ENOENT ? 0 : -1;
		/* FTW_MOUNT: a mount left inside the tree must never let rm -rf
		 * reach the files of whatever is mounted there. */
		if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
	}
	return -1;
}

int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int unit = -1;

	while (bytes >= 1024 && bytes % 1024 == 0 && unit < 3) {
		bytes /= 1024;
		unit++;
	}
	if (unit < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[unit]);
	return buf;
}

/* close_range(2) by its syscall: musl, which the small monitor is built
 * with, has no wrapper for it. */
static int close_fds(unsigned first, unsigned last)
{
	return (int)syscall(SYS_close_range, first, last, 0);
}

int close_all_but(int *keep, size_t n)
{
	unsigned from = 3;

	/* ascending, so that the ranges between them can be closed */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];

				keep[i] = keep[j];
				keep[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue; /* -1, stdio, or a repeat */
		if ((unsigned)keep[i] > from && close_fds(from, (unsigned)keep[i] - 1) < 0)
			return -1;
		from = (unsigned)keep[i] + 1;
	}
	return close_fds(from, ~0U);
}
