#include "spawn/rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn/kernfs.h"
#include "spawn/mounts.h"
#include "spawn/resolve.h"

/* The target of a -v or --tmpfs, resolved (and made) inside the root,
 * which it must not be: a mount over the container's / (through "..",
 * or a symlink to /) would hide everything cspawn put there. */
static int user_target(int rootfd, const char *flag, const char *path, enum resolve_create create,
		       struct spawn_error *e)
{
	int fd = resolve_in_root(rootfd, path, create, RESOLVE_AUTO, e);
	struct stat root, target;

	if (fd < 0)
		return -1;
	if (fstat(rootfd, &root) < 0 || fstat(fd, &target) < 0) {
		spawn_fail_errno(e, "%s %s: fstat", flag, path);
	} else if (root.st_dev == target.st_dev && root.st_ino == target.st_ino) {
		spawn_fail(e, "%s %s: the target resolves to the container's /", flag, path);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* Attaches the detached mount mnt on the user's target; closes mnt. */
static int attach_user(int rootfd, int mnt, const char *flag, const char *path,
		       enum resolve_create create, struct spawn_error *e)
{
	int target, rc = -1;

	if (mnt < 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		return spawn_fail(e, "%s %s: %s", flag, path, why);
	}
	target = user_target(rootfd, flag, path, create, e);
	if (target >= 0) {
		rc = mounts_attach(mnt, target);
		if (rc < 0)
			spawn_fail_errno(e, "%s: mounting on %s", flag, path);
		close(target);
	}
	close(mnt);
	return rc;
}

static int mount_user_tmpfs(int rootfd, const struct spawn_tmpfs *t, struct spawn_error *e)
{
	int mnt = mounts_new("tmpfs", t->data, mounts_attrs_of(t->flags), e);

	return attach_user(rootfd, mnt, "--tmpfs", t->path, RESOLVE_MKDIR, e);
}

static int mount_user_bind(int rootfd, const struct spawn_bind *b, struct spawn_error *e)
{
	struct stat st;
	int tree;

	if (stat(b->host, &st) < 0)
		return spawn_fail_errno(e, "-v %s", b->host);
	tree = mounts_clone(AT_FDCWD, b->host, b->read_only ? MOUNT_ATTR_RDONLY : 0, e);
	return attach_user(rootfd, tree, "-v", b->ctr,
			   S_ISDIR(st.st_mode) ? RESOLVE_MKDIR : RESOLVE_MKFILE, e);
}

/* On cspawn's own /dev, through its descriptor: a name looked up from the
 * root again could lead into a directory of ROOTFS renamed into place. */
static int bind_cinit(int devfd, const struct rootfs_plan *p, struct spawn_error *e)
{
	const unsigned ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	const size_t dev = strlen("/dev");

	/* Read-only, so no process inside can write through /proc/self/exe
	 * into the host's cinit. */
	if (p->init_path && mounts_bind_host(devfd, p->init_path, ROOTFS_INIT_PATH + dev,
					     RESOLVE_MKFILE, ro, e) < 0)
		return -1;
	if (p->config_path && mounts_bind_host(devfd, p->config_path, ROOTFS_CONFIG_PATH + dev,
					       RESOLVE_MKFILE, ro | MOUNT_ATTR_NOEXEC, e) < 0)
		return -1;
	return 0;
}

/* overlayfs splits its options at ',' and lowerdir at ':' (and takes '\\'
 * as an escape): a path holding one, such as a ROOTFS or a --layer symlink
 * that resolved to "/img,upperdir=/etc", would be read as other options. */
static int check_overlay_paths(const struct rootfs_plan *p, struct spawn_error *e)
{
	const char *paths[] = {p->rootfs, p->upper, p->work};

	for (size_t i = 0; i < p->nlayers + 3; i++) {
		const char *path = i < p->nlayers ? p->layers[i] : paths[i - p->nlayers];

		if (strpbrk(path, ":,\\"))
			return spawn_fail(e, "overlayfs cannot take ':', ',' or '\\' in a path: %s",
					  path);
	}
	return 0;
}

int rootfs_overlay_options(const struct rootfs_plan *p, char *buf, size_t len,
			   struct spawn_error *e)
{
	size_t off = 0;
	int n;

	if (check_overlay_paths(p, e) < 0)
		return -1;
	n = snprintf(buf, len, "lowerdir=");
	off = (size_t)n;
	/* overlayfs lists lower layers top first; the rootfs is the bottom. */
	for (size_t i = p->nlayers; i-- > 0 && off < len;)
		off += (size_t)snprintf(buf + off, len - off, "%s:", p->layers[i]);
	if (off < len)
		off +=
		    (size_t)snprintf(buf + off, len - off, "%s,upperdir=%s,workdir=%s%s", p->rootfs,
				     p->upper, p->work, p->userns ? ",userxattr" : "");
	if (off >= len)
		return spawn_fail(e, "overlay options are longer than %zu bytes", len - 1);
	return 0;
}

/* In a user namespace the mounts are made by the container's root, an
 * unprivileged uid on the host: the usual reason for EACCES. */
static const char *userns_hint(const struct rootfs_plan *p)
{
	return p->userns && errno == EACCES ? " (with --userns, the container's root must be able "
					      "to reach every directory on the way)"
					    : "";
}

/* Mounts the root onto itself (or the overlay onto merged) so that it is
 * a mount point pivot_root accepts, and returns a descriptor for it. */
static int mount_root(const struct rootfs_plan *p, struct spawn_error *e)
{
	const char *root = p->rootfs;
	int fd;

	if (p->nlayers) {
		char data[4000];

		if (rootfs_overlay_options(p, data, sizeof(data), e) < 0)
			return -1;
		if (mount("overlay", p->merged, "overlay", 0, data) < 0)
			return spawn_fail_errno(e, "mounting the overlay (%s) on %s%s", data,
						p->merged, userns_hint(p));
		root = p->merged;
	} else if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return spawn_fail_errno(e, "bind mount of the root %s%s", p->rootfs,
					userns_hint(p));
	}
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return spawn_fail_errno(e, "opening the root %s", root);
	return fd;
}

/* pivot_root(".", ".") stacks the old root on top of the new one; it can
 * then be unmounted from under us without a directory to park it in, so
 * nothing is created in the user's root. */
static int pivot_into(int rootfd, struct spawn_error *e)
{
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int rc = -1;

	if (oldroot < 0)
		return spawn_fail_errno(e, "opening the old root");
	if (fchdir(rootfd) < 0)
		spawn_fail_errno(e, "chdir to the new root");
	else if (syscall(SYS_pivot_root, ".", ".") < 0)
		spawn_fail_errno(e, "pivot_root");
	else if (fchdir(oldroot) < 0)
		spawn_fail_errno(e, "chdir to the old root");
	else if (umount2(".", MNT_DETACH) < 0)
		spawn_fail_errno(e, "detaching the old root");
	else if (chdir("/") < 0)
		spawn_fail_errno(e, "chdir /");
	else
		rc = 0;
	close(oldroot);
	return rc;
}

static int root_read_only(struct spawn_error *e)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};

	/* Not recursive: /proc, /dev, tmpfs mounts and binds keep their own. */
	if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
		return spawn_fail_errno(e, "making the root read-only");
	return 0;
}

static int build_tree(int rootfd, const struct rootfs_plan *p, struct kernfs *k,
		      struct spawn_error *e)
{
	if (kernfs_mount(rootfd, k, e) < 0)
		return -1;
	for (size_t i = 0; i < p->ntmpfs; i++)
		if (mount_user_tmpfs(rootfd, &p->tmpfs[i], e) < 0)
			return -1;
	for (size_t i = 0; i < p->nbinds; i++)
		if (mount_user_bind(rootfd, &p->binds[i], e) < 0)
			return -1;
	return bind_cinit(k->dev, p, e);
}

int rootfs_enter(const struct rootfs_plan *p, struct spawn_error *e)
{
	struct kernfs k = KERNFS_INIT;
	int rootfd, rc;

	/* Private, recursively: nothing mounted from here on propagates to the
	 * host, and the host's later mounts do not appear inside. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return spawn_fail_errno(e, "making the mount tree private");
	rootfd = mount_root(p, e);
	if (rootfd < 0)
		return -1;
	rc = build_tree(rootfd, p, &k, e);
	if (rc == 0)
		rc = pivot_into(rootfd, e);
	if (rc == 0)
		rc = kernfs_verify(&k, e);
	kernfs_close(&k);
	close(rootfd);
	if (rc == 0 && p->read_only)
		rc = root_read_only(e);
	return rc;
}

static bool noted(const struct rootfs_created *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->paths[i], path) == 0)
			return true;
	return false;
}

static int add_note(struct rootfs_created *c, const char *path, struct spawn_error *e)
{
	char **grown = realloc(c->paths, (c->n + 1) * sizeof(*grown));

	if (!grown)
		return spawn_fail_errno(e, "noting mount points");
	c->paths = grown;
	c->paths[c->n] = strdup(path);
	if (!c->paths[c->n])
		return spawn_fail_errno(e, "noting mount points");
	c->n++;
	return 0;
}

/* Notes path and each of its parents that the root lacks. */
static int note_path(int rootfd, const char *path, struct rootfs_created *c, struct spawn_error *e)
{
	char prefix[PATH_MAX];
	size_t len = 0;

	if (!path || strlen(path) >= sizeof(prefix))
		return 0;
	while (path[len]) {
		int fd;

		len += strspn(path + len, "/");
		len += strcspn(path + len, "/");
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		fd = resolve_open(rootfd, prefix, O_PATH, RESOLVE_AUTO);
		if (fd >= 0)
			close(fd);
		else if (errno != ENOENT)
			return 0; /* not something a start creates: it will say why */
		else if (!noted(c, prefix) && add_note(c, prefix, e) < 0)
			return -1;
	}
	return 0;
}

int rootfs_note_missing(const struct rootfs_plan *p, const char *workdir, struct rootfs_created *c,
			struct spawn_error *e)
{
	static const char *const kernel[] = {"/proc", "/sys", "/dev"};
	int rootfd, rc = 0;

	c->paths = NULL;
	c->n = 0;
	if (p->nlayers)
		return 0;
	rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return 0; /* the start will report it */
	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = note_path(rootfd, kernel[i], c, e);
	for (size_t i = 0; rc == 0 && i < p->nbinds; i++)
		rc = note_path(rootfd, p->binds[i].ctr, c, e);
	for (size_t i = 0; rc == 0 && i < p->ntmpfs; i++)
		rc = note_path(rootfd, p->tmpfs[i].path, c, e);
	if (rc == 0)
		rc = note_path(rootfd, workdir, c, e);
	close(rootfd);
	return rc;
}

/* Removes path if it is an empty directory or an empty file. */
static void remove_if_empty(int rootfd, const char *path)
{
	char parent[PATH_MAX];
	const char *base = strrchr(path, '/') + 1;
	struct stat st;
	int dirfd;

	snprintf(parent, sizeof(parent), "%.*s", (int)(base - path), path);
	dirfd = resolve_open(rootfd, parent, O_PATH | O_DIRECTORY, RESOLVE_AUTO);
	if (dirfd < 0)
		return;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* rmdir refuses a directory that is not empty: left alone */
		if (S_ISDIR(st.st_mode))
			(void)unlinkat(dirfd, base, AT_REMOVEDIR);
		else if (S_ISREG(st.st_mode) && st.st_size == 0)
			(void)unlinkat(dirfd, base, 0);
	}
	close(dirfd);
}

static size_t depth_of(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

void rootfs_remove_created(const struct rootfs_plan *p, struct rootfs_created *c)
{
	int rootfd = c->n ? open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	size_t deepest = 0;

	for (size_t i = 0; i < c->n; i++)
		if (depth_of(c->paths[i]) > deepest)
			deepest = depth_of(c->paths[i]);
	for (size_t d = deepest; rootfd >= 0 && d > 0; d--)
		for (size_t i = 0; i < c->n; i++)
			if (depth_of(c->paths[i]) == d)
				remove_if_empty(rootfd, c->paths[i]);
	if (rootfd >= 0)
		close(rootfd);
	rootfs_created_free(c);
}

void rootfs_created_free(struct rootfs_created *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->paths[i]);
	free(c->paths);
	c->paths = NULL;
	c->n = 0;
}
