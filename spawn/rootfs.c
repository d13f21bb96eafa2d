#include "spawn/rootfs.h"

#include <errno.h>
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

static int mount_user_tmpfs(int rootfd, const struct spawn_tmpfs *t, struct spawn_error *e)
{
	int mnt = mounts_new("tmpfs", t->data, mounts_attrs_of(t->flags), e), target, rc = -1;

	if (mnt < 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		return spawn_fail(e, "--tmpfs %s: %s", t->path, why);
	}
	target = resolve_in_root(rootfd, t->path, RESOLVE_MKDIR, RESOLVE_AUTO, e);
	if (target >= 0) {
		rc = mounts_attach(mnt, target);
		if (rc < 0)
			spawn_fail_errno(e, "mounting tmpfs on %s", t->path);
		close(target);
	}
	close(mnt);
	return rc;
}

static int mount_user_bind(int rootfd, const struct spawn_bind *b, struct spawn_error *e)
{
	struct stat st;

	if (stat(b->host, &st) < 0)
		return spawn_fail_errno(e, "-v %s", b->host);
	return mounts_bind_host(rootfd, b->host, b->ctr,
				S_ISDIR(st.st_mode) ? RESOLVE_MKDIR : RESOLVE_MKFILE,
				b->read_only ? MOUNT_ATTR_RDONLY : 0, e);
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
