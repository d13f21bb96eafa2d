#include "spawn/state.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths under the state directory; the name's length is bounded, so
 * they always fit (a failure leaves an empty path that no call accepts). */
static void state_path(const struct spawn_state *s, const char *leaf, char *out, size_t len)
{
	if (format_path(out, len, "%s/%s", s->dir, leaf) < 0)
		out[0] = '\0';
}

static pid_t read_pid(const struct spawn_state *s)
{
	char path[PATH_MAX + 8], buf[32];

	state_path(s, "pid", path, sizeof(path));
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return (pid_t)atoi(buf);
}

static int write_pid(const struct spawn_state *s, struct spawn_error *e)
{
	char path[PATH_MAX + 8], buf[32];
	int fd;

	state_path(s, "pid", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return spawn_fail_errno(e, "creating %s", path);
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		spawn_fail_errno(e, "writing %s", path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return spawn_fail_errno(e, "writing %s", path);
	return 0;
}

/* True when the lock we hold is still the file at path: a cspawn that
 * released the name between our open and our flock unlinked it. */
static bool lock_is_current(int fd, const char *path)
{
	struct stat held, named;

	return fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_ino == named.st_ino &&
	       held.st_dev == named.st_dev;
}

/* mkdir, then the mode set explicitly (a umask of 077 would otherwise
 * decide it); an existing directory gets the mode too. */
static int make_dir(const char *path, mode_t mode, struct spawn_error *e)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return spawn_fail_errno(e, "creating %s", path);
	if (chmod(path, mode) < 0)
		return spawn_fail_errno(e, "chmod %s", path);
	return 0;
}

/* The base 0711: with --userns the overlay is mounted by the container's
 * root, an unprivileged host uid that must pass through it. The name's
 * directory 0700, so that no host user can reach the writable layer, where
 * the container's root may leave setuid files and device nodes (with
 * --userns it belongs to the container's root, see state_fresh_layer). */
static int make_state_dirs(const struct spawn_state *s, struct spawn_error *e)
{
	char base[PATH_MAX];

	snprintf(base, sizeof(base), "%s", s->dir);
	*strrchr(base, '/') = '\0';
	if (mkdir_p(base, 0711) < 0)
		return spawn_fail_errno(e, "creating %s", base);
	if (chmod(base, 0711) < 0)
		return spawn_fail_errno(e, "chmod %s", base);
	return make_dir(s->dir, 0700, e);
}

/* The pid file names no live process (ESRCH; or there is none yet). */
static bool holder_is_gone(const struct spawn_state *s)
{
	pid_t pid = read_pid(s);

	return pid <= 0 || (kill(pid, 0) < 0 && errno == ESRCH);
}

static int open_lock(struct spawn_state *s, const char *lock, struct spawn_error *e)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		int fd;

		/* The base may vanish when another cspawn releases the last
		 * name in it. */
		if (make_state_dirs(s, e) < 0)
			return -1;
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 && errno == ENOENT)
			continue; /* the directory went away under us */
		if (fd < 0)
			return spawn_fail_errno(e, "opening %s", lock);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			/* A sweep (state_sweep) holds the lock of a dead cspawn
			 * for a moment: wait for it rather than call the name
			 * taken. */
			if (errno == EWOULDBLOCK && holder_is_gone(s)) {
				sleep_ms(10);
				continue;
			}
			if (errno == EWOULDBLOCK)
				return spawn_fail(e,
						  "a container named '%s' is already running "
						  "(cspawn pid %d)",
						  strrchr(s->dir, '/') + 1, (int)read_pid(s));
			return spawn_fail_errno(e, "locking %s", lock);
		}
		if (lock_is_current(fd, lock))
			return fd;
		close(fd);
	}
	return spawn_fail(e, "could not lock %s: it keeps being removed", lock);
}

int state_acquire(const char *base, const char *name, struct spawn_state *s, struct spawn_error *e)
{
	char lock[PATH_MAX + 8];

	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s/%s", base, name);
	state_path(s, "rw/upper", s->upper, sizeof(s->upper));
	state_path(s, "rw/work", s->work, sizeof(s->work));
	state_path(s, "merged", s->merged, sizeof(s->merged));
	state_path(s, "lock", lock, sizeof(lock));
	s->lockfd = open_lock(s, lock, e);
	if (s->lockfd < 0)
		return -1;
	s->stale_pid = read_pid(s);
	return write_pid(s, e);
}

int state_fresh_layer(const struct spawn_state *s, uid_t uid, gid_t gid, struct spawn_error *e)
{
	char rw[PATH_MAX + 8];
	const char *dirs[] = {rw, s->upper, s->work, s->merged};

	state_path(s, "rw", rw, sizeof(rw));
	if (state_remove_layer(s, e) < 0)
		return -1;
	/* The container's root (a host uid with --userns) mounts the overlay
	 * and must reach its layer through the name's 0700 directory. */
	if (chown(s->dir, uid, gid) < 0)
		return spawn_fail_errno(e, "chown %s", s->dir);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (make_dir(dirs[i], 0755, e) < 0)
			return -1;
		if (chown(dirs[i], uid, gid) < 0)
			return spawn_fail_errno(e, "chown %s", dirs[i]);
	}
	return 0;
}

int state_remove_layer(const struct spawn_state *s, struct spawn_error *e)
{
	char rw[PATH_MAX + 8];

	state_path(s, "rw", rw, sizeof(rw));
	if (remove_tree(rw) < 0)
		return spawn_fail_errno(e, "removing the writable layer %s", rw);
	return 0;
}

void state_release(struct spawn_state *s)
{
	char path[PATH_MAX + 8];
	struct spawn_error e;

	if (s->lockfd < 0)
		return;
	if (state_remove_layer(s, &e) < 0)
		fprintf(stderr, "cspawn: %s\n", e.msg);
	if (rmdir(s->merged) < 0 && errno != ENOENT)
		fprintf(stderr, "cspawn: removing %s: %s\n", s->merged, strerror(errno));
	for (size_t i = 0; i < 3; i++) {
		state_path(s, i == 0 ? "cgroup" : i == 1 ? "pid" : "lock", path, sizeof(path));
		if (unlink(path) < 0 && errno != ENOENT)
			fprintf(stderr, "cspawn: removing %s: %s\n", path, strerror(errno));
	}
	if (rmdir(s->dir) < 0 && errno != ENOENT)
		fprintf(stderr, "cspawn: removing %s: %s\n", s->dir, strerror(errno));
	/* The lock goes last: whoever waits for it then finds its file gone
	 * and starts over with a new one. */
	close(s->lockfd);
	s->lockfd = -1;
	snprintf(path, sizeof(path), "%s", s->dir);
	*strrchr(path, '/') = '\0';
	/* Other containers may still use the base directory. */
	if (rmdir(path) < 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT &&
	    errno != EBUSY)
		fprintf(stderr, "cspawn: removing %s: %s\n", path, strerror(errno));
}

int state_save(const struct spawn_state *s, const char *leaf, const char *text,
	       struct spawn_error *e)
{
	char path[PATH_MAX + 8], tmp[PATH_MAX + 16];
	int fd;

	state_path(s, leaf, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "creating %s", tmp);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		spawn_fail_errno(e, "writing %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		spawn_fail_errno(e, "writing %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

ssize_t state_load(const struct spawn_state *s, const char *leaf, char *buf, size_t len)
{
	char path[PATH_MAX + 8];

	state_path(s, leaf, path, sizeof(path));
	return read_file(path, buf, len);
}

/* Takes the lock of base/name when its holder died: 1 with s filled and
 * the lock held, 0 when it is in use (or was never held). */
static int take_stale(const char *base, const char *name, struct spawn_state *s)
{
	char lock[PATH_MAX + 8];
	int fd;

	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
	if (format_path(s->dir, sizeof(s->dir), "%s/%s", base, name) < 0)
		return 0;
	state_path(s, "rw/upper", s->upper, sizeof(s->upper));
	state_path(s, "rw/work", s->work, sizeof(s->work));
	state_path(s, "merged", s->merged, sizeof(s->merged));
	state_path(s, "lock", lock, sizeof(lock));
	/* A free lock is a dead holder's, even before it wrote its pid; and
	 * a directory without one was left between mkdir and open. A cspawn
	 * that is starting there finds its directory or lock gone and starts
	 * over (open_lock), so neither is taken from a live one. */
	fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			(void)rmdir(s->dir); /* only when empty */
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !lock_is_current(fd, lock)) {
		close(fd);
		return 0;
	}
	s->lockfd = fd;
	s->stale_pid = read_pid(s);
	return 1;
}

void state_sweep(const char *base, const char *skip,
		 void (*clean)(const struct spawn_state *s, const char *name, void *ctx), void *ctx)
{
	DIR *d = opendir(base);
	struct dirent *ent;

	if (!d)
		return;
	while ((ent = readdir(d))) {
		struct spawn_state s;

		if (ent->d_name[0] == '.' || strcmp(ent->d_name, skip) == 0 ||
		    ent->d_type != DT_DIR || !take_stale(base, ent->d_name, &s))
			continue;
		if (s.stale_pid > 0)
			fprintf(stderr, "cspawn: %s: removing what a killed cspawn (pid %d) left\n",
				ent->d_name, (int)s.stale_pid);
		else
			fprintf(stderr, "cspawn: %s: removing what a killed cspawn left\n",
				ent->d_name);
		clean(&s, ent->d_name, ctx);
		state_release(&s);
	}
	closedir(d);
}