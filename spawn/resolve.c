#include "spawn/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_PATH 4096
#define MAX_LINKS 40

/* EAGAIN: a ".." met while something anywhere on the host was renamed or
 * mounted (other containers starting, say); the kernel asks for a retry. */
#define OPENAT2_TRIES 32

static int open_in_root_openat2(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned)flags | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	for (int i = 0; i < OPENAT2_TRIES; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/* Drops the last component of a relative path ("a/b" -> "a", "a" -> ""). */
static void pop_component(char *cur)
{
	char *slash = strrchr(cur, '/');

	if (slash)
		*slash = '\0';
	else
		cur[0] = '\0';
}

/* Replaces rest with target + "/" + rest. */
static int splice_link(char *rest, size_t restsize, const char *target)
{
	char tmp[MAX_PATH];
	int n = snprintf(tmp, sizeof(tmp), "%s/%s", target, rest);

	if (n < 0 || (size_t)n >= restsize) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(rest, tmp, (size_t)n + 1);
	return 0;
}

/* Steps into one component: follows it if it is a symlink (by rewriting
 * cur and rest), else appends it to cur. */
static int walk_component(int rootfd, char *cur, const char *comp, char *rest, int *links)
{
	char candidate[MAX_PATH], target[MAX_PATH];
	struct stat st;
	ssize_t n;

	if (snprintf(candidate, sizeof(candidate), "%s%s%s", cur, *cur ? "/" : "", comp) >=
	    (int)sizeof(candidate)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* cur holds only directories already checked not to be symlinks, so
	 * the kernel's walk of candidate cannot leave the root. */
	if (fstatat(rootfd, candidate, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISLNK(st.st_mode)) {
		memcpy(cur, candidate, strlen(candidate) + 1);
		return 0;
	}
	if (++*links > MAX_LINKS) {
		errno = ELOOP;
		return -1;
	}
	n = readlinkat(rootfd, candidate, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	if (target[0] == '/')
		cur[0] = '\0';
	return splice_link(rest, MAX_PATH, target[0] == '/' ? target + 1 : target);
}

/* The walk for kernels without openat2: one component at a time, ".."
 * never above the root, absolute symlinks restarting at the root. */
static int open_in_root_manual(int rootfd, const char *path)
{
	char cur[MAX_PATH] = "", rest[MAX_PATH], comp[256];
	int links = 0;

	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	while (rest[0]) {
		size_t len = strcspn(rest, "/");

		if (len >= sizeof(comp)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, rest, len);
		comp[len] = '\0';
		memmove(rest, rest + len + (rest[len] == '/'), strlen(rest + len) + 1);
		if (len == 0 || strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			pop_component(cur);
			continue;
		}
		if (walk_component(rootfd, cur, comp, rest, &links) < 0)
			return -1;
	}
	return openat(rootfd, cur[0] ? cur : ".", O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

static int open_in_root(int rootfd, const char *path, enum resolve_method method)
{
	if (method == RESOLVE_AUTO) {
		int fd = open_in_root_openat2(rootfd, path, O_PATH);

		if (fd >= 0 || errno != ENOSYS)
			return fd;
	}
	return open_in_root_manual(rootfd, path);
}

int resolve_open(int rootfd, const char *path, int flags, enum resolve_method method)
{
	char proc[64];
	int fd, saved;

	if (method == RESOLVE_AUTO) {
		fd = open_in_root_openat2(rootfd, path, flags);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
	}
	fd = open_in_root_manual(rootfd, path);
	if (fd < 0 || flags == O_PATH)
		return fd;
	/* The walk leaves no symlink at the end: reopening the O_PATH
	 * descriptor opens exactly the file it found. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	saved = open(proc, flags | O_CLOEXEC);
	if (saved < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	return saved;
}

/* Creates name in the directory that prefix resolves to. */
static int create_component(int rootfd, const char *prefix, const char *name, bool as_file,
			    enum resolve_method method)
{
	int dirfd = open_in_root(rootfd, prefix[0] ? prefix : "/", method);
	int rc, saved;

	if (dirfd < 0)
		return -1;
	if (as_file) {
		rc =
		    openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (rc >= 0)
			rc = close(rc);
	} else {
		rc = mkdirat(dirfd, name, 0755);
	}
	saved = errno;
	close(dirfd);
	errno = saved;
	return rc;
}

/* Creates each missing component of path in turn, each one resolved
 * inside the root again, so a symlink met on the way stays confined. */
static int create_missing(int rootfd, const char *path, enum resolve_create create,
			  enum resolve_method method, struct spawn_error *e)
{
	char prefix[MAX_PATH] = "";
	const char *p = path;

	while (*p) {
		size_t len = strcspn(p, "/"), plen = strlen(prefix);
		char name[256];
		bool last;
		int fd;

		if (len == 0 || (len == 1 && p[0] == '.')) {
			p += len + (p[len] == '/');
			continue;
		}
		if (len >= sizeof(name) || plen + len + 2 >= sizeof(prefix))
			return spawn_fail(e, "%s: path too long", path);
		memcpy(name, p, len);
		name[len] = '\0';
		p += len + (p[len] == '/');
		last = *p == '\0';
		snprintf(prefix + plen, sizeof(prefix) - plen, "/%s", name);
		fd = open_in_root(rootfd, prefix, method);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno != ENOENT)
			return spawn_fail_errno(e, "resolving %s inside the root", prefix);
		prefix[plen] = '\0';
		if (create_component(rootfd, prefix, name, last && create == RESOLVE_MKFILE,
				     method) < 0) {
			if (errno == EEXIST)
				return spawn_fail(e,
						  "creating %s%s%s inside the root: a dangling "
						  "symlink is in the way",
						  prefix, "/", name);
			return spawn_fail_errno(e, "creating %s/%s inside the root", prefix, name);
		}
		snprintf(prefix + plen, sizeof(prefix) - plen, "/%s", name);
	}
	return 0;
}

int resolve_in_root(int rootfd, const char *path, enum resolve_create create,
		    enum resolve_method method, struct spawn_error *e)
{
	int fd = open_in_root(rootfd, path, method);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT || create == RESOLVE_EXISTING)
		return spawn_fail_errno(e, "resolving %s inside the root", path);
	if (create_missing(rootfd, path, create, method, e) < 0)
		return -1;
	fd = open_in_root(rootfd, path, method);
	if (fd < 0)
		return spawn_fail_errno(e, "resolving %s inside the root", path);
	return fd;
}
