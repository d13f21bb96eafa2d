#include "spawn/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "spawn/resolve.h"

/* crun's default masks: files are covered by /dev/null, directories by an
 * empty read-only tmpfs. */
static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static const char *const read_only_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static const struct {
	const char *name;
	unsigned major, minor;
} dev_nodes[] = {
    {"null", 1, 3},   {"zero", 1, 5},	 {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct {
	const char *name, *target;
} dev_links[] = {
    {"fd", "/proc/self/fd"},	   {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},	 {"core", "/proc/kcore"},
};

/* mount(2) on a descriptor: /proc/self/fd/N names exactly the directory
 * the resolver found, whatever symlinks lie on the way to it. */
static int mount_on_fd(const char *src, int fd, const char *fstype, unsigned long flags,
		       const char *data)
{
	char target[64];

	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	return mount(src, target, fstype, flags, data);
}

static int mount_fresh(int rootfd, const char *path, const char *fstype, unsigned long flags,
		       const char *data, struct spawn_error *e)
{
	int fd = resolve_in_root(rootfd, path, RESOLVE_MKDIR, RESOLVE_AUTO, e);
	int rc;

	if (fd < 0)
		return -1;
	rc = mount_on_fd(fstype, fd, fstype, flags, data);
	if (rc < 0)
		spawn_fail_errno(e, "mounting %s on %s", fstype, path);
	close(fd);
	return rc;
}

/* Attaches a copy of the host tree src at path, made read-only (and
 * whatever else attrs asks) before anyone inside can see it. */
static int bind_host(int rootfd, const char *src, const char *path, enum resolve_create create,
		     unsigned long long attrs, struct spawn_error *e)
{
	struct mount_attr attr = {.attr_set = attrs};
	int tree, target, rc = -1;

	tree = (int)open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return spawn_fail_errno(e, "bind mount of %s: open_tree", src);
	if (attrs &&
	    mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		spawn_fail_errno(e, "bind mount of %s: mount_setattr", src);
		goto out;
	}
	target = resolve_in_root(rootfd, path, create, RESOLVE_AUTO, e);
	if (target < 0)
		goto out;
	rc = move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	if (rc < 0)
		spawn_fail_errno(e, "bind mount of %s on %s", src, path);
	close(target);
out:
	close(tree);
	return rc;
}

/* Binds a path of the container onto itself, read-only. */
static int make_read_only(int rootfd, const char *path, struct spawn_error *e)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	int fd = resolve_in_root(rootfd, path, RESOLVE_EXISTING, RESOLVE_AUTO, e);
	int tree, rc = -1;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	tree = (int)open_tree(fd, "",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (tree < 0) {
		spawn_fail_errno(e, "making %s read-only: open_tree", path);
		goto out;
	}
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0 ||
	    move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		spawn_fail_errno(e, "making %s read-only", path);
	else
		rc = 0;
	close(tree);
out:
	close(fd);
	return rc;
}

static int mask_path(int rootfd, const char *path, struct spawn_error *e)
{
	int fd = resolve_in_root(rootfd, path, RESOLVE_EXISTING, RESOLVE_AUTO, e);
	struct stat st;
	int rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return spawn_fail_errno(e, "masking %s: fstat", path);
	}
	close(fd);
	if (S_ISDIR(st.st_mode))
		rc =
		    mount_fresh(rootfd, path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				"size=0k,mode=555", e);
	else
		rc = bind_host(rootfd, "/dev/null", path, RESOLVE_EXISTING, MOUNT_ATTR_RDONLY, e);
	return rc;
}

static int mount_proc(int rootfd, struct spawn_error *e)
{
	if (mount_fresh(rootfd, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(read_only_paths) / sizeof(read_only_paths[0]); i++)
		if (make_read_only(rootfd, read_only_paths[i], e) < 0)
			return -1;
	return 0;
}

static int mount_sys(int rootfd, struct spawn_error *e)
{
	const unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (mount_fresh(rootfd, "/sys", "sysfs", flags, NULL, e) == 0)
		return 0;
	/* A user namespace sharing the host's network may not mount sysfs;
	 * a read-only view of the host's is what crun gives it too. */
	if (errno != EPERM)
		return -1;
	return bind_host(
	    rootfd, "/sys", "/sys", RESOLVE_MKDIR,
	    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
}

/* A device node, made with mknod, or (in a user namespace, where mknod is
 * refused) the host's node bound onto an empty file. */
static int make_dev_node(int rootfd, int devfd, const char *name, unsigned major, unsigned minor,
			 struct spawn_error *e)
{
	char path[64], host[64];
	int fd;

	if (mknodat(devfd, name, S_IFCHR | 0666, makedev(major, minor)) == 0)
		return 0;
	if (errno != EPERM)
		return spawn_fail_errno(e, "mknod /dev/%s", name);
	fd = openat(devfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return spawn_fail_errno(e, "creating /dev/%s", name);
	close(fd);
	snprintf(path, sizeof(path), "/dev/%s", name);
	snprintf(host, sizeof(host), "/dev/%s", name);
	return bind_host(rootfd, host, path, RESOLVE_EXISTING,
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
}

static int populate_dev(int rootfd, int devfd, struct spawn_error *e)
{
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++)
		if (make_dev_node(rootfd, devfd, dev_nodes[i].name, dev_nodes[i].major,
				  dev_nodes[i].minor, e) < 0)
			return -1;
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0)
			return spawn_fail_errno(e, "symlink /dev/%s", dev_links[i].name);
	if (mount_fresh(rootfd, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			"newinstance,ptmxmode=0666,mode=0620,gid=5", e) < 0 ||
	    mount_fresh(rootfd, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			"mode=1777,size=65536k", e) < 0 ||
	    mount_fresh(rootfd, "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
			e) < 0)
		return -1;
	return 0;
}

static int mount_dev(int rootfd, struct spawn_error *e)
{
	int devfd, rc;

	/* noexec: nothing on /dev runs, cinit included; its bind mount is a
	 * mount of its own and carries its own flags. */
	if (mount_fresh(rootfd, "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
			"mode=755,size=65536k", e) < 0)
		return -1;
	devfd = resolve_in_root(rootfd, "/dev", RESOLVE_EXISTING, RESOLVE_AUTO, e);
	if (devfd < 0)
		return -1;
	rc = populate_dev(rootfd, devfd, e);
	close(devfd);
	return rc;
}

static int mount_user_tmpfs(int rootfd, const struct spawn_tmpfs *t, struct spawn_error *e)
{
	return mount_fresh(rootfd, t->path, "tmpfs", t->flags, t->data, e);
}

static int mount_user_bind(int rootfd, const struct spawn_bind *b, struct spawn_error *e)
{
	struct stat st;

	if (stat(b->host, &st) < 0)
		return spawn_fail_errno(e, "-v %s", b->host);
	return bind_host(rootfd, b->host, b->ctr,
			 S_ISDIR(st.st_mode) ? RESOLVE_MKDIR : RESOLVE_MKFILE,
			 b->read_only ? MOUNT_ATTR_RDONLY : 0, e);
}

static int bind_cinit(int rootfd, const struct rootfs_plan *p, struct spawn_error *e)
{
	const unsigned long long ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

	/* Read-only, so no process inside can write through /proc/self/exe
	 * into the host's cinit. */
	if (p->init_path &&
	    bind_host(rootfd, p->init_path, ROOTFS_INIT_PATH, RESOLVE_MKFILE, ro, e) < 0)
		return -1;
	if (p->config_path && bind_host(rootfd, p->config_path, ROOTFS_CONFIG_PATH, RESOLVE_MKFILE,
					ro | MOUNT_ATTR_NOEXEC, e) < 0)
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

static int build_tree(int rootfd, const struct rootfs_plan *p, struct spawn_error *e)
{
	if (mount_proc(rootfd, e) < 0 || mount_sys(rootfd, e) < 0 || mount_dev(rootfd, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(masked_paths) / sizeof(masked_paths[0]); i++)
		if (mask_path(rootfd, masked_paths[i], e) < 0)
			return -1;
	for (size_t i = 0; i < p->ntmpfs; i++)
		if (mount_user_tmpfs(rootfd, &p->tmpfs[i], e) < 0)
			return -1;
	for (size_t i = 0; i < p->nbinds; i++)
		if (mount_user_bind(rootfd, &p->binds[i], e) < 0)
			return -1;
	return bind_cinit(rootfd, p, e);
}

int rootfs_enter(const struct rootfs_plan *p, struct spawn_error *e)
{
	int rootfd, rc;

	/* Private, recursively: nothing mounted from here on propagates to the
	 * host, and the host's later mounts do not appear inside. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return spawn_fail_errno(e, "making the mount tree private");
	rootfd = mount_root(p, e);
	if (rootfd < 0)
		return -1;
	rc = build_tree(rootfd, p, e);
	if (rc == 0)
		rc = pivot_into(rootfd, e);
	close(rootfd);
	if (rc == 0 && p->read_only)
		rc = root_read_only(e);
	return rc;
}
