#include "spawn/kernfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spawn/mounts.h"

static const struct {
	const char *name;
	unsigned major, minor;
} default_nodes[] = {
    {"null", 1, 3},   {"zero", 1, 5},	 {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name, *target;
} default_links[] = {
    {"fd", "/proc/self/fd"},	   {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},	 {"core", "/proc/kcore"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define KERNFS_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

void kernfs_init(struct kernfs *k, int rootfd)
{
	memset(k, 0, sizeof(*k));
	k->rootfd = rootfd;
}

static long magic_of(int fd)
{
	struct statfs s;

	return fstatfs(fd, &s) == 0 ? (long)s.f_type : 0;
}

int kernfs_add(struct kernfs *k, const char *dest, int mnt, struct spawn_error *e)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		struct kernfs_mount *v = realloc(k->v, cap * sizeof(*v));

		if (!v) {
			close(mnt);
			return spawn_fail_errno(e, "keeping the mounts");
		}
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] =
	    (struct kernfs_mount){.dest = (char *)dest, .fd = mnt, .magic = magic_of(mnt)};
	return 0;
}

/* The length of dest when it is a leading part of path (component-wise),
 * else 0. "/" holds everything but is the root, not a fresh mount. */
static size_t holds(const char *dest, const char *path)
{
	size_t len = strlen(dest);

	while (len > 1 && dest[len - 1] == '/')
		len--;
	if (len <= 1 || strncmp(dest, path, len) != 0 || (path[len] && path[len] != '/'))
		return 0;
	return len;
}

/* The deepest fresh mount that holds path; its index, or -1. */
static ssize_t holder_of(const struct kernfs *k, const char *path, size_t *len)
{
	ssize_t best = -1;

	*len = 0;
	/* the later of two mounts at one place is the one on top */
	for (size_t i = 0; i < k->n; i++) {
		size_t l = holds(k->v[i].dest, path);

		if (l && l >= *len) {
			best = (ssize_t)i;
			*len = l;
		}
	}
	return best;
}

int kernfs_resolve(const struct kernfs *k, const char *path, enum resolve_create create,
		   struct spawn_error *e)
{
	size_t len;
	ssize_t i = holder_of(k, path, &len);

	if (i < 0)
		return resolve_in_root(k->rootfd, path, create, RESOLVE_AUTO, e);
	return resolve_in_root(k->v[i].fd, path[len] ? path + len : "/", create, RESOLVE_AUTO, e);
}

const struct kernfs_mount *kernfs_at(const struct kernfs *k, const char *dest)
{
	for (size_t i = k->n; i-- > 0;)
		if (strcmp(k->v[i].dest, dest) == 0)
			return &k->v[i];
	return NULL;
}

/* Opens name beneath the mount at mnt, never leaving it: no "..", no
 * symlink, no other mount on the way. */
static int open_beneath(int mnt, const char *name)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, mnt, name, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd;
}

/* A node of the host's bound onto an empty file: what a user namespace,
 * where mknod is refused, gets instead. */
static int bind_host_node(int dirfd, const char *name, const char *host, struct spawn_error *e)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd < 0 && errno != EEXIST)
		return spawn_fail_errno(e, "creating %s", host);
	if (fd >= 0)
		close(fd);
	return mounts_bind_host(dirfd, host, name, RESOLVE_EXISTING,
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
}

static int make_node(int dirfd, const char *name, const char *path, mode_t mode, dev_t dev,
		     struct spawn_error *e)
{
	if (mknodat(dirfd, name, mode, dev) == 0 || errno == EEXIST)
		return 0;
	if (errno != EPERM)
		return spawn_fail_errno(e, "mknod %s", path);
	return bind_host_node(dirfd, name, path, e);
}

static int default_devices(int devfd, struct spawn_error *e)
{
	for (size_t i = 0; i < N(default_nodes); i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/%s", default_nodes[i].name);
		if (make_node(devfd, default_nodes[i].name, path, S_IFCHR | 0666,
			      makedev(default_nodes[i].major, default_nodes[i].minor), e) < 0)
			return -1;
	}
	for (size_t i = 0; i < N(default_links); i++)
		if (symlinkat(default_links[i].target, devfd, default_links[i].name) < 0 &&
		    errno != EEXIST)
			return spawn_fail_errno(e, "symlink /dev/%s", default_links[i].name);
	return 0;
}

/* One device of linux.devices: made in its directory (created when
 * missing), with the mode, owner and group asked for. */
static int spec_device(const struct kernfs *k, const struct oci_device *d, struct spawn_error *e)
{
	char dir[PATH_MAX];
	const char *base = strrchr(d->path, '/') + 1;
	mode_t perm = d->file_mode.set ? (mode_t)d->file_mode.v : 0666;
	int dirfd, rc;

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - d->path), d->path);
	dirfd = kernfs_resolve(k, dir, RESOLVE_MKDIR, e);
	if (dirfd < 0)
		return -1;
	rc = make_node(dirfd, base, d->path, d->kind | perm, makedev(d->major, d->minor), e);
	if (rc == 0 && (d->uid.set || d->gid.set) &&
	    fchownat(dirfd, base, d->uid.set ? (uid_t)d->uid.v : (uid_t)-1,
		     d->gid.set ? (gid_t)d->gid.v : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
		rc = spawn_fail_errno(e, "chown %s", d->path);
	close(dirfd);
	return rc;
}

int kernfs_devices(const struct kernfs *k, const struct oci_linux *l, struct spawn_error *e)
{
	const struct kernfs_mount *dev = kernfs_at(k, "/dev");

	if (dev && default_devices(dev->fd, e) < 0)
		return -1;
	for (size_t i = 0; i < l->n_devices; i++)
		if (spec_device(k, &l->devices[i], e) < 0)
			return -1;
	return 0;
}

/* path's target: beneath the fresh mount that holds it, where the
 * filesystem is checked too (proc and sysfs), else under the root. -1
 * with errno ENOENT when it is not there. */
static int protect_target(const struct kernfs *k, const char *path, struct spawn_error *e)
{
	size_t len;
	ssize_t i = holder_of(k, path, &len);
	int fd;

	if (i < 0) {
		fd = resolve_open(k->rootfd, path, O_PATH, RESOLVE_AUTO);
		if (fd < 0 && errno != ENOENT)
			spawn_fail_errno(e, "%s: resolving inside the root", path);
		return fd;
	}
	fd = open_beneath(k->v[i].fd, path[len] ? path + len + 1 : ".");
	if (fd < 0) {
		if (errno != ENOENT)
			spawn_fail_errno(e, "%s: opening beneath the mount %s", path, k->v[i].dest);
		return -1;
	}
	if (magic_of(fd) != k->v[i].magic) {
		close(fd);
		errno = EXDEV;
		return spawn_fail(e, "%s: not on the %s just mounted", path, k->v[i].dest);
	}
	return fd;
}

/* Covers path: a file by /dev/null, a directory by an empty read-only
 * tmpfs, or (read_only) the entry itself bound again read-only. */
static int protect(const struct kernfs *k, const char *path, bool read_only, struct spawn_error *e)
{
	int fd = protect_target(k, path, e), cover = -1, rc = -1;
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1; /* this kernel has no such entry */
	if (fstat(fd, &st) < 0) {
		spawn_fail_errno(e, "%s: fstat", path);
		goto out;
	}
	if (read_only)
		cover = mounts_clone(fd, "", MOUNT_ATTR_RDONLY | KERNFS_ATTRS, e);
	else if (S_ISDIR(st.st_mode))
		cover =
		    mounts_new("tmpfs", "size=0k,mode=555", MOUNT_ATTR_RDONLY | KERNFS_ATTRS, e);
	else /* not nodev: /dev/null must still open as the device it is */
		cover = mounts_clone(AT_FDCWD, "/dev/null",
				     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
	if (cover >= 0 && mounts_attach(cover, fd) < 0)
		spawn_fail_errno(e, "masking %s", path);
	else if (cover >= 0)
		rc = 0;
out:
	if (cover >= 0)
		close(cover);
	close(fd);
	return rc;
}

int kernfs_protect(const struct kernfs *k, const struct oci_linux *l, struct spawn_error *e)
{
	for (size_t i = 0; i < l->readonly_paths.n; i++)
		if (protect(k, l->readonly_paths.v[i], true, e) < 0)
			return -1;
	for (size_t i = 0; i < l->masked_paths.n; i++)
		if (protect(k, l->masked_paths.v[i], false, e) < 0)
			return -1;
	return 0;
}

static int mount_id(int dirfd, const char *path, uint64_t *id)
{
	struct statx stx;

	if (statx(dirfd, path, AT_SYMLINK_NOFOLLOW | (*path ? 0 : AT_EMPTY_PATH), STATX_MNT_ID,
		  &stx) < 0)
		return -1;
	if (!(stx.stx_mask & STATX_MNT_ID)) {
		errno = ENOSYS;
		return -1;
	}
	*id = stx.stx_mnt_id;
	return 0;
}

static int verify_one(const struct kernfs_mount *m, struct spawn_error *e)
{
	uint64_t want, got;

	if (mount_id(m->fd, "", &want) < 0 || mount_id(AT_FDCWD, m->dest, &got) < 0)
		return spawn_fail_errno(e, "checking %s after pivot_root", m->dest);
	if (want != got)
		return spawn_fail(e,
				  "%s is not the mount cspawn made (was the root renamed under it "
				  "during the start?)",
				  m->dest);
	return 0;
}

int kernfs_verify(const struct kernfs *k, struct spawn_error *e)
{
	static const char *const checked[] = {"/proc", "/sys", "/dev"};

	for (size_t i = 0; i < N(checked); i++) {
		const struct kernfs_mount *m = kernfs_at(k, checked[i]);

		if (m && verify_one(m, e) < 0)
			return -1;
	}
	return 0;
}

void kernfs_close(struct kernfs *k)
{
	for (size_t i = 0; i < k->n; i++)
		close(k->v[i].fd);
	free(k->v);
	k->v = NULL;
	k->n = k->cap = 0;
}
