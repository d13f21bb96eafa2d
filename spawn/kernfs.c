#include "spawn/kernfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spawn/mounts.h"

/* crun's masks, beneath each mount: files are covered by /dev/null,
 * directories by an empty read-only tmpfs. */
static const char *const proc_masked[] = {
    "acpi",	  "asound",	 "kcore",	"keys", "latency_stats",
    "timer_list", "timer_stats", "sched_debug", "scsi",
};
static const char *const proc_read_only[] = {"bus", "fs", "irq", "sys", "sysrq-trigger"};
static const char *const sys_masked[] = {"firmware", "devices/virtual/powercap"};

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

static const struct {
	const char *name, *fstype, *data;
	unsigned attrs;
} dev_mounts[] = {
    {"pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5",
     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC},
    {"shm", "tmpfs", "mode=1777,size=65536k",
     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC},
    {"mqueue", "mqueue", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define KERNFS_ATTRS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

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

static bool fs_is(int fd, long magic)
{
	struct statfs s;

	return fstatfs(fd, &s) == 0 && s.f_type == magic;
}

/* Covers mnt/name: a file by /dev/null, a directory by an empty read-only
 * tmpfs, or (read_only) the entry itself bound again read-only. */
static int protect(int mnt, const char *root, const char *name, bool read_only, long magic,
		   struct spawn_error *e)
{
	int fd = open_beneath(mnt, name), cover = -1, rc = -1;
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return 0; /* this kernel has no such entry */
	if (fd < 0)
		return spawn_fail_errno(e, "%s/%s: opening beneath the mount", root, name);
	if (fstat(fd, &st) < 0 || !fs_is(fd, magic)) {
		spawn_fail(e, "%s/%s: not on the %s just mounted", root, name, root);
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
		spawn_fail_errno(e, "masking %s/%s", root, name);
	else if (cover >= 0)
		rc = 0;
out:
	if (cover >= 0)
		close(cover);
	close(fd);
	return rc;
}

/* Puts mnt on ROOT/path (made when missing) and checks its type. */
static int attach_at(int rootfd, int mnt, const char *path, long magic, struct spawn_error *e)
{
	int target = resolve_in_root(rootfd, path, RESOLVE_MKDIR, RESOLVE_AUTO, e), rc;

	if (target < 0)
		return -1;
	rc = mounts_attach(mnt, target);
	if (rc < 0)
		spawn_fail_errno(e, "mounting %s", path);
	close(target);
	if (rc == 0 && !fs_is(mnt, magic))
		rc = spawn_fail(e, "%s: the new mount is not of the expected type", path);
	return rc;
}

static int mount_proc(int rootfd, struct kernfs *k, struct spawn_error *e)
{
	k->proc = mounts_new("proc", NULL, KERNFS_ATTRS, e);
	if (k->proc < 0 || attach_at(rootfd, k->proc, "/proc", PROC_SUPER_MAGIC, e) < 0)
		return -1;
	for (size_t i = 0; i < N(proc_read_only); i++)
		if (protect(k->proc, "/proc", proc_read_only[i], true, PROC_SUPER_MAGIC, e) < 0)
			return -1;
	for (size_t i = 0; i < N(proc_masked); i++)
		if (protect(k->proc, "/proc", proc_masked[i], false, PROC_SUPER_MAGIC, e) < 0)
			return -1;
	return 0;
}

static int mount_sys(int rootfd, struct kernfs *k, struct spawn_error *e)
{
	k->sys = mounts_new("sysfs", NULL, MOUNT_ATTR_RDONLY | KERNFS_ATTRS, e);
	/* A user namespace sharing the host's network may not mount sysfs;
	 * a read-only view of the host's is what crun gives it too. */
	if (k->sys < 0 && errno == EPERM)
		k->sys = mounts_clone(AT_FDCWD, "/sys", MOUNT_ATTR_RDONLY | KERNFS_ATTRS, e);
	if (k->sys < 0 || attach_at(rootfd, k->sys, "/sys", SYSFS_MAGIC, e) < 0)
		return -1;
	for (size_t i = 0; i < N(sys_masked); i++)
		if (protect(k->sys, "/sys", sys_masked[i], false, SYSFS_MAGIC, e) < 0)
			return -1;
	return 0;
}

/* A device node, made with mknod, or (in a user namespace, where mknod is
 * refused) the host's node bound onto an empty file. */
static int make_dev_node(int devfd, const char *name, unsigned major, unsigned minor,
			 struct spawn_error *e)
{
	char host[64];
	int fd;

	if (mknodat(devfd, name, S_IFCHR | 0666, makedev(major, minor)) == 0)
		return 0;
	if (errno != EPERM)
		return spawn_fail_errno(e, "mknod /dev/%s", name);
	fd = openat(devfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return spawn_fail_errno(e, "creating /dev/%s", name);
	close(fd);
	snprintf(host, sizeof(host), "/dev/%s", name);
	return mounts_bind_host(devfd, host, name, RESOLVE_EXISTING,
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, e);
}

static int mount_in_dev(int devfd, const char *name, const char *fstype, const char *data,
			unsigned attrs, struct spawn_error *e)
{
	int mnt, target, rc = -1;

	if (mkdirat(devfd, name, 0755) < 0)
		return spawn_fail_errno(e, "mkdir /dev/%s", name);
	target = open_beneath(devfd, name);
	if (target < 0)
		return spawn_fail_errno(e, "opening /dev/%s", name);
	mnt = mounts_new(fstype, data, attrs, e);
	if (mnt >= 0 && mounts_attach(mnt, target) < 0)
		spawn_fail_errno(e, "mounting %s on /dev/%s", fstype, name);
	else if (mnt >= 0)
		rc = 0;
	if (mnt >= 0)
		close(mnt);
	close(target);
	return rc;
}

static int populate_dev(int devfd, struct spawn_error *e)
{
	for (size_t i = 0; i < N(dev_nodes); i++)
		if (make_dev_node(devfd, dev_nodes[i].name, dev_nodes[i].major, dev_nodes[i].minor,
				  e) < 0)
			return -1;
	for (size_t i = 0; i < N(dev_links); i++)
		if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0)
			return spawn_fail_errno(e, "symlink /dev/%s", dev_links[i].name);
	for (size_t i = 0; i < N(dev_mounts); i++)
		if (mount_in_dev(devfd, dev_mounts[i].name, dev_mounts[i].fstype,
				 dev_mounts[i].data, dev_mounts[i].attrs, e) < 0)
			return -1;
	return 0;
}

static int mount_dev(int rootfd, struct kernfs *k, struct spawn_error *e)
{
	/* noexec: nothing on /dev runs, cinit included; its bind mount is a
	 * mount of its own and carries its own flags. Attached first: mounts
	 * go only on trees of this namespace; filled through its descriptor. */
	k->dev = mounts_new("tmpfs", "mode=755,size=65536k",
			    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_STRICTATIME, e);
	if (k->dev < 0 || attach_at(rootfd, k->dev, "/dev", TMPFS_MAGIC, e) < 0)
		return -1;
	return populate_dev(k->dev, e);
}

int kernfs_mount(int rootfd, struct kernfs *k, struct spawn_error *e)
{
	if (mount_proc(rootfd, k, e) < 0 || mount_sys(rootfd, k, e) < 0 ||
	    mount_dev(rootfd, k, e) < 0)
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

static int verify_one(int mnt, const char *path, struct spawn_error *e)
{
	uint64_t want, got;

	if (mount_id(mnt, "", &want) < 0 || mount_id(AT_FDCWD, path, &got) < 0)
		return spawn_fail_errno(e, "checking %s after pivot_root", path);
	if (want != got)
		return spawn_fail(e,
				  "%s is not the mount cspawn made (was the root renamed under it "
				  "during the start?)",
				  path);
	return 0;
}

int kernfs_verify(const struct kernfs *k, struct spawn_error *e)
{
	if (verify_one(k->proc, "/proc", e) < 0 || verify_one(k->sys, "/sys", e) < 0 ||
	    verify_one(k->dev, "/dev", e) < 0)
		return -1;
	return 0;
}

void kernfs_close(struct kernfs *k)
{
	int *fds[] = {&k->proc, &k->sys, &k->dev};

	for (size_t i = 0; i < N(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
