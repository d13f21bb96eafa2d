#include "spawn/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* Descriptors that name overlay layers until the mount is made, and the
 * directory of short names for them (set_lowerdirs). */
#define MAX_LAYER_FDS 500
struct held_fds {
	int fd[MAX_LAYER_FDS];
	size_t n;
	int cwd;       /* where this process was before it entered names */
	int names;     /* the directory of short names; -1: none */
	char path[64]; /* its path, removed once the mount is made */
};

/* A test hook, and nothing else: CSPAWN_TEST_NO_LOWERDIR_PLUS=1 makes
 * set_lowerdirs take the path of kernels before 6.8 on a kernel that has
 * "lowerdir+", so that the system tests (spawn_fs_lowerdir.t) run it. */
static bool lowerdir_plus_allowed(void)
{
	const char *v = getenv("CSPAWN_TEST_NO_LOWERDIR_PLUS");

	return !v || strcmp(v, "1") != 0;
}

/* The short name of layer i: one character, then two, from those that
 * overlayfs reads as nothing but a name (no ':', ',', '\\' or '/'). */
static void short_name(size_t i, char out[3])
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const size_t n = sizeof(set) - 1;

	if (i < n) {
		out[0] = set[i];
		out[1] = '\0';
	} else {
		out[0] = set[(i - n) / n % n];
		out[1] = set[(i - n) % n];
		out[2] = '\0';
	}
}

/* A directory of its own (0700, root's) for the layers' short names, and
 * this process in it: overlayfs resolves a relative lowerdir from the
 * working directory while the mount is made. */
static int enter_names(struct held_fds *h, struct spawn_error *e)
{
	const char *bases[] = {"/run", "/tmp"};

	h->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->cwd < 0)
		return spawn_fail_errno(e, "opening the working directory");
	for (size_t i = 0; i < 2 && h->names < 0; i++) {
		snprintf(h->path, sizeof(h->path), "%s/.cspawn-layers-XXXXXX", bases[i]);
		if (mkdtemp(h->path))
			h->names = open(h->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (h->names < 0)
		return spawn_fail_errno(e, "a directory for the layers' names in /run or /tmp");
	if (fchdir(h->names) < 0)
		return spawn_fail_errno(e, "entering %s", h->path);
	return 0;
}

/* Back where it was, the names gone (after the mount, or a failure). */
static void leave_names(struct held_fds *h)
{
	char name[3];

	if (h->cwd >= 0 && fchdir(h->cwd) < 0)
		fprintf(stderr, "cspawn: back to the working directory: %s\n", strerror(errno));
	if (h->names >= 0) {
		for (size_t i = 0; i < h->n; i++) {
			short_name(i, name);
			unlinkat(h->names, name, 0);
		}
		if (rmdir(h->path) < 0)
			fprintf(stderr, "cspawn: removing %s: %s\n", h->path, strerror(errno));
		close(h->names);
	}
	if (h->cwd >= 0)
		close(h->cwd);
	h->cwd = h->names = -1;
}

/* fsconfig takes a string of at most 255 bytes, and an image's stack of
 * layers under /var/lib is longer. Linux 6.8 takes each layer as a
 * "lowerdir+" of its own. Before, each layer gets a name of one or two
 * characters, a symlink to the /proc/self/fd/N of a descriptor held until
 * the mount is made, in a directory the process works in meanwhile: some
 * 100 layers fit (as docker's overlay2 shortens its paths, there to fit a
 * page). */
static int set_lowerdirs(int fsfd, char *value, struct held_fds *h, struct spawn_error *e)
{
	char names[256] = "", *save = NULL, name[3], target[32];
	size_t len = 0;
	bool first = lowerdir_plus_allowed();

	for (char *dir = strtok_r(value, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (first && fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) == 0) {
			for (dir = strtok_r(NULL, ":", &save); dir;
			     dir = strtok_r(NULL, ":", &save))
				if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0)
					return spawn_fail_errno(e, "mount option lowerdir+=%s",
								dir);
			return 0;
		}
		first = false;
		if (h->names < 0 && enter_names(h, e) < 0)
			return -1;
		if (h->n == MAX_LAYER_FDS)
			return spawn_fail(e, "more than %d layers", MAX_LAYER_FDS);
		h->fd[h->n] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (h->fd[h->n] < 0)
			return spawn_fail_errno(e, "opening the layer %s", dir);
		short_name(h->n, name);
		snprintf(target, sizeof(target), "/proc/self/fd/%d", h->fd[h->n]);
		if (symlinkat(target, h->names, name) < 0)
			return spawn_fail_errno(e, "naming the layer %s in %s", dir, h->path);
		h->n++;
		len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
					"%s%s", len ? ":" : "", name);
		if (len >= sizeof(names))
			return spawn_fail(e,
					  "%zu layers and more: this kernel takes fewer in one "
					  "overlay (Linux 6.8 takes any number)",
					  h->n);
	}
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir", names, 0) < 0)
		return spawn_fail_errno(e, "mount option lowerdir=%s", names);
	return 0;
}

/* Sets "key=value,flag,..." on a filesystem context. */
static int configure(int fsfd, const char *data, struct held_fds *h, struct spawn_error *e)
{
	char *buf, *save = NULL;
	int rc = 0;

	if (!data || !*data)
		return 0;
	if (!(buf = strdup(data)))
		return spawn_fail_errno(e, "mount options");
	for (char *opt = strtok_r(buf, ",", &save); opt && rc == 0;
	     opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');

		if (eq)
			*eq = '\0';
		if (eq && strcmp(opt, "lowerdir") == 0 && strlen(eq + 1) > 255) {
			rc = set_lowerdirs(fsfd, eq + 1, h, e);
			continue;
		}
		rc = fsconfig(fsfd, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opt,
			      eq ? eq + 1 : NULL, 0);
		if (rc < 0)
			spawn_fail_errno(e, "mount option %s%s%.200s", opt, eq ? "=" : "",
					 eq ? eq + 1 : "");
	}
	free(buf);
	return rc;
}

int mounts_new(const char *fstype, const char *data, unsigned attrs, struct spawn_error *e)
{
	int fsfd = fsopen(fstype, FSOPEN_CLOEXEC), mnt = -1;
	struct held_fds held = {.n = 0, .cwd = -1, .names = -1};

	if (fsfd < 0)
		return spawn_fail_errno(e, "fsopen %s", fstype);
	/* The source names the filesystem in /proc/mounts, as mount(8)'s do. */
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
		spawn_fail_errno(e, "fsconfig source %s", fstype);
	else if (configure(fsfd, data, &held, e) < 0)
		;
	else if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		spawn_fail_errno(e, "creating a %s mount", fstype);
	else if ((mnt = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs)) < 0)
		spawn_fail_errno(e, "fsmount %s", fstype);
	/* the layers' short names were resolved by the create, at the latest */
	leave_names(&held);
	close(fsfd);
	for (size_t i = 0; i < held.n; i++)
		close(held.fd[i]);
	return mnt;
}

static int clone_tree(int dirfd, const char *path, unsigned attrs, bool recursive,
		      struct spawn_error *e)
{
	struct mount_attr attr = {.attr_set = attrs};
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int tree = (int)open_tree(dirfd, path, flags | (*path ? 0 : AT_EMPTY_PATH));

	if (tree < 0)
		return spawn_fail_errno(e, "bind mount of %s: open_tree", *path ? path : "a tree");
	/* the atime mode is one field: setting one means clearing the rest */
	if (attrs & MOUNT_ATTR__ATIME)
		attr.attr_clr = MOUNT_ATTR__ATIME;
	if (attrs && mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
				   sizeof(attr)) < 0) {
		spawn_fail_errno(e, "bind mount of %s: mount_setattr", *path ? path : "a tree");
		close(tree);
		return -1;
	}
	return tree;
}

int mounts_clone(int dirfd, const char *path, unsigned attrs, struct spawn_error *e)
{
	return clone_tree(dirfd, path, attrs, true, e);
}

int mounts_clone_one(int dirfd, const char *path, unsigned attrs, struct spawn_error *e)
{
	return clone_tree(dirfd, path, attrs, false, e);
}

int mounts_set_recursive(int mnt, uint64_t set, uint64_t clr)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr};

	if (set & MOUNT_ATTR__ATIME)
		attr.attr_clr |= MOUNT_ATTR__ATIME;
	return mount_setattr(mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr));
}

int mounts_propagate(int mnt, unsigned long propagation)
{
	struct mount_attr attr = {.propagation = propagation & ~(unsigned long)MS_REC};

	return mount_setattr(mnt, "", AT_EMPTY_PATH | (propagation & MS_REC ? AT_RECURSIVE : 0),
			     &attr, sizeof(attr));
}

int mounts_attach(int mnt, int target)
{
	return move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int mounts_bind_host(int base, const char *src, const char *path, enum resolve_create create,
		     unsigned attrs, struct spawn_error *e)
{
	int tree = mounts_clone(AT_FDCWD, src, attrs, e), target, rc = -1;

	if (tree < 0)
		return -1;
	target = resolve_in_root(base, path, create, RESOLVE_AUTO, e);
	if (target >= 0) {
		rc = mounts_attach(tree, target);
		if (rc < 0)
			spawn_fail_errno(e, "bind mount of %s on %s", src, path);
		close(target);
	}
	close(tree);
	return rc;
}

unsigned mounts_attrs_of(unsigned long ms_flags)
{
	unsigned atime = ms_flags & MS_NOATIME	     ? MOUNT_ATTR_NOATIME
			 : ms_flags & MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME
						     : MOUNT_ATTR_RELATIME;

	return (ms_flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
	       (ms_flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
	       (ms_flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
	       (ms_flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0) |
	       (ms_flags & MS_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0) | atime;
}
