#include "spawn/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spawn/kernfs.h"
#include "spawn/mounts.h"
#include "spawn/options.h"
#include "spawn/resolve.h"

const char *rootfs_root_path(const struct rootfs_params *p, char *buf, size_t len)
{
	const char *path = p->c->root.path;

	if (path[0] == '/' || !p->bundle)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%s/%s", p->bundle, path);
	return buf;
}

/* A mount's source, relative ones against the bundle. */
static const char *source_of(const struct rootfs_params *p, const struct oci_mount *m, char *buf,
			     size_t len)
{
	const char *src = m->source ? m->source : "";

	if (src[0] == '/' || !p->bundle)
		snprintf(buf, len, "%s", src);
	else
		snprintf(buf, len, "%s/%s", p->bundle, src);
	return buf;
}

static bool is_bind(const struct oci_mount *m)
{
	return (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

static bool is_cgroup(const struct oci_mount *m)
{
	return m->type && (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0);
}

/* The first mount whose destination is "/": it takes the root's place. */
static const struct oci_mount *root_mount(const struct oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (spawn_path_is_root(c->mounts[i].destination))
			return &c->mounts[i];
	return NULL;
}

/* In a user namespace the mounts are made by the container's root, an
 * unprivileged uid on the host: the usual reason for EACCES. */
static const char *userns_hint(const struct rootfs_params *p)
{
	return p->userns && errno == EACCES ? " (in a user namespace, the container's root must be "
					      "able to reach every directory on the way)"
					    : "";
}

/* A new filesystem for mount m, detached, with its flags. */
static int new_fs(const struct rootfs_params *p, const struct oci_mount *m, struct spawn_error *e)
{
	unsigned attrs = mounts_attrs_of(m->flags);
	int mnt = mounts_new(m->type, m->data, attrs, e);

	/* A user namespace sharing the host's network may not mount sysfs;
	 * a read-only view of the host's is what crun gives it too. */
	if (mnt < 0 && errno == EPERM && p->userns && strcmp(m->type, "sysfs") == 0)
		mnt = mounts_clone(AT_FDCWD, "/sys", attrs | MOUNT_ATTR_RDONLY, e);
	return mnt;
}

/* Mounts the root onto itself (or the spec's mount on "/" onto it), so
 * that it is a mount point pivot_root accepts; returns that mount. */
static int mount_root(const struct rootfs_params *p, struct spawn_error *e)
{
	const struct oci_mount *top = root_mount(p->c);
	char root[PATH_MAX];
	int dir, mnt;

	rootfs_root_path(p, root, sizeof(root));
	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return spawn_fail_errno(e, "opening the root %s", root);
	mnt = top ? new_fs(p, top, e) : mounts_clone(dir, "", 0, e);
	if (mnt >= 0 && mounts_attach(mnt, dir) < 0) {
		spawn_fail_errno(e, "mounting %s on the root %s%s", top ? top->type : "the root",
				 root, userns_hint(p));
		close(mnt);
		mnt = -1;
	} else if (mnt < 0 && top) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		spawn_fail(e, "mounting %s on the root %s: %s%s", top->type, root, why,
			   userns_hint(p));
	}
	close(dir);
	return mnt;
}

/* The target of a mount, resolved (and made) inside the root, which it
 * must not be: a mount over the container's / (through "..", or a symlink
 * to /) would hide everything put there. */
static int mount_target(const struct kernfs *k, const char *path, enum resolve_create create,
			struct spawn_error *e)
{
	int fd = kernfs_resolve(k, path, create, e);
	struct stat root, target;

	if (fd < 0)
		return -1;
	if (fstat(k->rootfd, &root) < 0 || fstat(fd, &target) < 0) {
		spawn_fail_errno(e, "mount on %s: fstat", path);
	} else if (root.st_dev == target.st_dev && root.st_ino == target.st_ino) {
		spawn_fail(e, "mount on %s: the target resolves to the container's /", path);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

/* A bind mount's detached tree, and whether its target is a directory. */
static int bind_tree(const struct rootfs_params *p, const struct oci_mount *m, bool *dir,
		     struct spawn_error *e)
{
	char src[PATH_MAX];
	struct stat st;

	source_of(p, m, src, sizeof(src));
	if (stat(src, &st) < 0)
		return spawn_fail_errno(e, "bind mount of %s on %s", src, m->destination);
	*dir = S_ISDIR(st.st_mode);
	if (m->flags & MS_REC)
		return mounts_clone(AT_FDCWD, src, mounts_attrs_of(m->flags), e);
	return mounts_clone_one(AT_FDCWD, src, mounts_attrs_of(m->flags), e);
}

/* The spec's recursive attributes and propagation, once attached. */
static int finish_mount(int mnt, const struct oci_mount *m, struct spawn_error *e)
{
	if ((m->recursive.set || m->recursive.clr) &&
	    mounts_set_recursive(mnt, m->recursive.set, m->recursive.clr) < 0)
		return spawn_fail_errno(e, "mount on %s: recursive attributes", m->destination);
	for (size_t i = 0; i < m->n_propagation; i++)
		if (mounts_propagate(mnt, m->propagation[i]) < 0)
			return spawn_fail_errno(e, "mount on %s: propagation", m->destination);
	return 0;
}

/* One mount of the spec. A new filesystem is kept (kernfs) so that what
 * lies beneath it is reached through it. */
static int mount_one(struct kernfs *k, const struct rootfs_params *p, const struct oci_mount *m,
		     struct spawn_error *e)
{
	bool bind = is_bind(m), dir = true;
	int mnt = bind ? bind_tree(p, m, &dir, e) : new_fs(p, m, e), target;

	if (mnt < 0) {
		char why[sizeof(e->msg)];

		if (bind)
			return -1;
		snprintf(why, sizeof(why), "%s", e->msg);
		return spawn_fail(e, "mounting %s on %s: %s", m->type, m->destination, why);
	}
	target = mount_target(k, m->destination, dir ? RESOLVE_MKDIR : RESOLVE_MKFILE, e);
	if (target < 0) {
		close(mnt);
		return -1;
	}
	if (mounts_attach(mnt, target) < 0) {
		spawn_fail_errno(e, "mounting %s on %s%s", bind ? m->source : m->type,
				 m->destination, userns_hint(p));
		close(target);
		close(mnt);
		return -1;
	}
	close(target);
	if (finish_mount(mnt, m, e) < 0) {
		close(mnt);
		return -1;
	}
	if (bind) {
		close(mnt);
		return 0;
	}
	return kernfs_add(k, m->destination, mnt, e);
}

static int mount_all(struct kernfs *k, const struct rootfs_params *p, struct spawn_error *e)
{
	const struct oci_mount *top = root_mount(p->c);

	for (size_t i = 0; i < p->c->n_mounts; i++) {
		const struct oci_mount *m = &p->c->mounts[i];

		if (m == top || is_cgroup(m))
			continue;
		if (mount_one(k, p, m, e) < 0)
			return -1;
	}
	return 0;
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

/* --no-pivot (runc's): the root moved over "/", then chroot; for a root
 * on a ramfs, where pivot_root cannot work. The old root stays beneath. */
static int move_into(int rootfd, struct spawn_error *e)
{
	if (fchdir(rootfd) < 0)
		return spawn_fail_errno(e, "chdir to the new root");
	if (move_mount(rootfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return spawn_fail_errno(e, "moving the root onto /");
	if (chroot(".") < 0 || chdir("/") < 0)
		return spawn_fail_errno(e, "chroot");
	return 0;
}

static int finish_root(const struct oci_config *c, struct spawn_error *e)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	int root;

	if (c->lnx.rootfs_propagation) {
		root = open("/", O_PATH | O_CLOEXEC);
		if (root < 0 || mounts_propagate(root, c->lnx.rootfs_propagation) < 0) {
			spawn_fail_errno(e, "linux.rootfsPropagation");
			if (root >= 0)
				close(root);
			return -1;
		}
		close(root);
	}
	/* Not recursive: /proc, /dev, tmpfs mounts and binds keep their own. */
	if (c->root.readonly && mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
		return spawn_fail_errno(e, "making the root read-only");
	return 0;
}

int rootfs_enter(const struct rootfs_params *p, struct spawn_error *e)
{
	struct kernfs k;
	int rootfd, rc;

	/* Private, recursively: nothing mounted from here on propagates to the
	 * host, and the host's later mounts do not appear inside. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return spawn_fail_errno(e, "making the mount tree private");
	rootfd = mount_root(p, e);
	if (rootfd < 0)
		return -1;
	kernfs_init(&k, rootfd);
	rc = mount_all(&k, p, e);
	if (rc == 0)
		rc = kernfs_devices(&k, &p->c->lnx, e);
	if (rc == 0)
		rc = kernfs_protect(&k, &p->c->lnx, e);
	if (rc == 0 && p->before_pivot)
		rc = p->before_pivot(p->ctx, e);
	if (rc == 0)
		rc = p->no_pivot ? move_into(rootfd, e) : pivot_into(rootfd, e);
	if (rc == 0)
		rc = kernfs_verify(&k, e);
	kernfs_close(&k);
	close(rootfd);
	if (rc == 0)
		rc = finish_root(p->c, e);
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

int rootfs_note_missing(const struct rootfs_params *p, struct rootfs_created *c,
			struct spawn_error *e)
{
	const struct oci_config *cfg = p->c;
	char root[PATH_MAX];
	int rootfd, rc = 0;

	c->paths = NULL;
	c->n = 0;
	if (root_mount(cfg))
		return 0; /* writes go to the mount on "/" (a writable layer) */
	rootfd = open(rootfs_root_path(p, root, sizeof(root)), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return 0; /* the start will report it */
	for (size_t i = 0; rc == 0 && i < cfg->n_mounts; i++)
		rc = note_path(rootfd, cfg->mounts[i].destination, c, e);
	if (rc == 0 && cfg->process.present)
		rc = note_path(rootfd, cfg->process.cwd, c, e);
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

void rootfs_remove_created(const struct rootfs_params *p, struct rootfs_created *c)
{
	char root[PATH_MAX];
	int rootfd =
	    c->n ? open(rootfs_root_path(p, root, sizeof(root)), O_PATH | O_DIRECTORY | O_CLOEXEC)
		 : -1;
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

/* One v1 hierarchy ("cpu,cpuacct", "name=systemd") mounted at dir of the
 * tmpfs at parent, as the cgroup namespace shows it. */
static int mount_v1_hierarchy(int parent, const char *controllers, unsigned attrs,
			      struct spawn_error *e)
{
	char opts[256], dir[256], *save = NULL;
	int fsfd, mnt, target, rc = -1;

	snprintf(opts, sizeof(opts), "%s", controllers);
	snprintf(dir, sizeof(dir), "%s", strncmp(opts, "name=", 5) == 0 ? opts + 5 : opts);
	if (mkdirat(parent, dir, 0755) < 0 && errno != EEXIST)
		return spawn_fail_errno(e, "mkdir /sys/fs/cgroup/%s", dir);
	fsfd = fsopen("cgroup", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return spawn_fail_errno(e, "fsopen cgroup");
	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		bool named = strncmp(o, "name=", 5) == 0;

		if (fsconfig(fsfd, named ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
			     named ? "name" : o, named ? o + 5 : NULL, 0) < 0) {
			spawn_fail_errno(e, "cgroup option %s", o);
			close(fsfd);
			return -1;
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs)) < 0) {
		spawn_fail_errno(e, "mounting the cgroup hierarchy %s", controllers);
		close(fsfd);
		return -1;
	}
	close(fsfd);
	target = openat(parent, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 || mounts_attach(mnt, target) < 0)
		spawn_fail_errno(e, "mounting the cgroup hierarchy %s", controllers);
	else
		rc = 0;
	if (target >= 0)
		close(target);
	close(mnt);
	return rc;
}

/* Links "cpu" and "cpuacct" to "cpu,cpuacct", as hosts have them. */
static void link_parts(int parent, const char *controllers)
{
	char buf[256], *save = NULL;

	if (!strchr(controllers, ',') || strncmp(controllers, "name=", 5) == 0)
		return;
	snprintf(buf, sizeof(buf), "%s", controllers);
	for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
		(void)symlinkat(controllers, parent, c); /* EEXIST: a hierarchy of its own */
}

/* The v1 hierarchies the container's /proc/self/cgroup lists. */
static int mount_v1(int parent, unsigned attrs, const char *self, struct spawn_error *e)
{
	for (const char *line = self; *line;) {
		const char *end = strchrnul(line, '\n'), *c1 = strchr(line, ':'), *c2;
		char controllers[256];

		c2 = c1 && c1 < end ? strchr(c1 + 1, ':') : NULL;
		if (c2 && c2 < end && c2 > c1 + 1) {
			snprintf(controllers, sizeof(controllers), "%.*s", (int)(c2 - c1 - 1),
				 c1 + 1);
			if (mount_v1_hierarchy(parent, controllers, attrs, e) < 0)
				return -1;
			link_parts(parent, controllers);
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

static int mount_cgroup(const struct oci_mount *m, const char *self, struct spawn_error *e)
{
	unsigned attrs = mounts_attrs_of(m->flags);
	/* a v2 host lists one line, "0::/..."; anything else has v1 trees */
	const char *nl = strchr(self, '\n');
	bool v1 = strncmp(self, "0::", 3) != 0 || (nl && nl[1]);
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), target, mnt = -1, rc = -1;

	if (root < 0)
		return spawn_fail_errno(e, "opening /");
	target = resolve_in_root(root, m->destination, RESOLVE_MKDIR, RESOLVE_AUTO, e);
	close(root);
	if (target < 0)
		return -1;
	/* on v1 the hierarchies go into a tmpfs, made read-only once filled */
	mnt = v1 ? mounts_new("tmpfs", "mode=755", attrs & ~MOUNT_ATTR_RDONLY, e)
		 : mounts_new("cgroup2", NULL, attrs, e);
	if (mnt >= 0 && mounts_attach(mnt, target) < 0)
		spawn_fail_errno(e, "mounting cgroup on %s", m->destination);
	else if (mnt >= 0 && (!v1 || mount_v1(mnt, attrs, self, e) == 0))
		rc = 0;
	if (rc == 0 && v1 && (attrs & MOUNT_ATTR_RDONLY)) {
		struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};

		if (mount_setattr(mnt, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
			rc = spawn_fail_errno(e, "making %s read-only", m->destination);
	}
	if (mnt >= 0)
		close(mnt);
	close(target);
	return rc;
}

int rootfs_mount_cgroups(const struct rootfs_params *p, struct spawn_error *e)
{
	char self[4096];

	for (size_t i = 0; i < p->c->n_mounts; i++) {
		if (!is_cgroup(&p->c->mounts[i]))
			continue;
		if (read_file("/proc/self/cgroup", self, sizeof(self)) <= 0)
			return spawn_fail_errno(e,
						"mounting cgroup on %s: reading /proc/self/cgroup",
						p->c->mounts[i].destination);
		if (mount_cgroup(&p->c->mounts[i], self, e) < 0)
			return -1;
	}
	return 0;
}
