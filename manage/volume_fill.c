/* A new volume filled from the root (manage/volume.h, volume_fill): the
 * root's directory at the volume's path, copied with owners, modes, times
 * and extended attributes, hard links kept as links. A root with layers
 * is copied from its merged view: an overlay of the layers mounted
 * read-only in a mount namespace of a child's own, so nothing is mounted
 * on the host and whiteouts hide what they hide. */
#include "manage/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "manage/spec.h"
#include "spawn/mounts.h"
#include "spawn/resolve.h"

/* A file met under more than one name: where its first copy went. */
struct link {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the volume's _data */
};

/* One copy: the volume's _data, the path of the directory being copied
 * into (relative to it) and the files with more than one link seen so
 * far, looked up in order (a tree holds few). */
struct copier {
	int root;
	char rel[PATH_MAX];
	struct link *links;
	size_t nlinks;
};

static int copy_tree(struct copier *cp, int src, int dst, struct spawn_error *e);

/* Owner, mode and times of st onto name in dst (or dst itself: name ""). */
static int copy_meta(int dst, const char *name, const struct stat *st, struct spawn_error *e)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	int flags = *name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;

	if (fchownat(dst, name, st->st_uid, st->st_gid, flags) < 0)
		return spawn_fail_errno(e, "chown %s", name);
	/* chown cleared the set-id bits; symlinks have no mode of their own */
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, *name ? name : ".", st->st_mode & 07777, 0) < 0)
		return spawn_fail_errno(e, "chmod %s", name);
	if (utimensat(dst, *name ? name : ".", times, *name ? AT_SYMLINK_NOFOLLOW : 0) < 0)
		return spawn_fail_errno(e, "utimensat %s", name);
	return 0;
}

/* Every extended attribute of in onto out (user.*, security.capability,
 * ACLs): after the owner is set, since chown drops a file's capabilities;
 * setting them leaves the times as they are. */
static int copy_xattrs(int in, int out, const char *name, struct spawn_error *e)
{
	char keys[XATTR_LIST_MAX], value[XATTR_SIZE_MAX];
	ssize_t len = flistxattr(in, keys, sizeof(keys));

	if (len < 0)
		return errno == ENOTSUP ? 0 : spawn_fail_errno(e, "listing the xattrs of %s", name);
	for (const char *k = keys; k < keys + len; k += strlen(k) + 1) {
		ssize_t n = fgetxattr(in, k, value, sizeof(value));

		if (n < 0 && errno == ENODATA)
			continue; /* removed since it was listed */
		if (n < 0)
			return spawn_fail_errno(e, "reading xattr %s of %s", k, name);
		if (fsetxattr(out, k, value, (size_t)n, 0) < 0)
			return spawn_fail_errno(e, "setting xattr %s on %s", k, name);
	}
	return 0;
}

/* Those of name in src onto its copy in dst: files and directories only,
 * as the kernel keeps user.* on nothing else. */
static int copy_xattrs_at(int src, int dst, const char *name, struct spawn_error *e)
{
	int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out = openat(dst, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int rc = in < 0 || out < 0 ? spawn_fail_errno(e, "opening %s", name)
				   : copy_xattrs(in, out, name, e);

	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int copy_bytes(int in, int out, const char *name, struct spawn_error *e)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return spawn_fail_errno(e, "reading %s", name);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno != EINTR)
				return spawn_fail_errno(e, "writing %s", name);
			off += w > 0 ? w : 0;
		}
	}
	return 0;
}

static int copy_file(int src, int dst, const char *name, struct spawn_error *e)
{
	int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out, rc;

	if (in < 0)
		return spawn_fail_errno(e, "opening %s", name);
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return spawn_fail_errno(e, "creating %s", name);
	}
	rc = copy_bytes(in, out, name, e);
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = spawn_fail_errno(e, "writing %s", name);
	return rc;
}

/* The directory's path relative to _data is cp->rel while it is copied. */
static int copy_dir(struct copier *cp, int src, int dst, const char *name, struct spawn_error *e)
{
	size_t len = strlen(cp->rel);
	int in, out, rc;

	if (format_path(cp->rel + len, sizeof(cp->rel) - len, "%s%s", len ? "/" : "", name) < 0)
		return spawn_fail_errno(e, "the path of %s", name);
	if (mkdirat(dst, name, 0700) < 0) {
		cp->rel[len] = '\0';
		return spawn_fail_errno(e, "creating %s", name);
	}
	in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc =
	    in < 0 || out < 0 ? spawn_fail_errno(e, "opening %s", name) : copy_tree(cp, in, out, e);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	cp->rel[len] = '\0';
	return rc;
}

static int copy_link(int src, int dst, const char *name, struct spawn_error *e)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

	if (n < 0)
		return spawn_fail_errno(e, "readlink %s", name);
	target[n] = '\0';
	if (symlinkat(target, dst, name) < 0)
		return spawn_fail_errno(e, "symlink %s", name);
	return 0;
}

static const struct link *link_of(const struct copier *cp, const struct stat *st)
{
	for (size_t i = 0; i < cp->nlinks; i++)
		if (cp->links[i].dev == st->st_dev && cp->links[i].ino == st->st_ino)
			return &cp->links[i];
	return NULL;
}

/* The first copy of a file with more links: where the others link to. */
static int note_link(struct copier *cp, const struct stat *st, const char *name,
		     struct spawn_error *e)
{
	struct link *grown = realloc(cp->links, (cp->nlinks + 1) * sizeof(*grown));
	char *path = NULL;

	if (grown)
		cp->links = grown;
	if (!grown || asprintf(&path, "%s%s%s", cp->rel, cp->rel[0] ? "/" : "", name) < 0)
		return spawn_fail_errno(e, "noting the links of %s", name);
	cp->links[cp->nlinks++] = (struct link){st->st_dev, st->st_ino, path};
	return 0;
}

static int copy_node(struct copier *cp, int src, int dst, const char *name, const struct stat *st,
		     struct spawn_error *e)
{
	if (S_ISDIR(st->st_mode))
		return copy_dir(cp, src, dst, name, e);
	if (S_ISREG(st->st_mode))
		return copy_file(src, dst, name, e);
	if (S_ISLNK(st->st_mode))
		return copy_link(src, dst, name, e);
	if (mknodat(dst, name, st->st_mode & ~07777, st->st_rdev) < 0)
		return spawn_fail_errno(e, "mknod %s", name);
	return 0;
}

/* One entry of a directory; sockets are skipped (nothing listens on a
 * copy). A file met again under another name is linked to its copy, as
 * docker's copy keeps hard links. */
static int copy_entry(struct copier *cp, int src, int dst, const char *name, struct spawn_error *e)
{
	const struct link *l;
	struct stat st;
	bool linked;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return spawn_fail_errno(e, "stat %s", name);
	if (S_ISSOCK(st.st_mode))
		return 0;
	linked = !S_ISDIR(st.st_mode) && st.st_nlink > 1;
	if (linked && (l = link_of(cp, &st)))
		return linkat(cp->root, l->path, dst, name, 0) < 0
			   ? spawn_fail_errno(e, "linking %s to %s", name, l->path)
			   : 0;
	if (copy_node(cp, src, dst, name, &st, e) < 0 || copy_meta(dst, name, &st, e) < 0)
		return -1;
	if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) && copy_xattrs_at(src, dst, name, e) < 0)
		return -1;
	return linked ? note_link(cp, &st, name, e) : 0;
}

static int copy_tree(struct copier *cp, int src, int dst, struct spawn_error *e)
{
	int fd = dup(src);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *ent;
	int rc = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return spawn_fail_errno(e, "reading a directory");
	}
	while (rc == 0 && (ent = readdir(d)))
		if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
			rc = copy_entry(cp, src, dst, ent->d_name, e);
	closedir(d);
	return rc;
}

static bool is_empty(int dir)
{
	int fd = dup(dir);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *ent;
	bool empty = true;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (empty && (ent = readdir(d)))
		empty = strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* The root's directory at path into data; none there: nothing to copy. */
static int copy_from(const char *rootfs, const char *path, int data, struct spawn_error *e)
{
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC), src, rc;
	struct copier cp = {.root = data};
	struct stat st;

	if (root < 0)
		return spawn_fail_errno(e, "opening %s", rootfs);
	src = resolve_open(root, path, O_RDONLY | O_DIRECTORY, RESOLVE_AUTO);
	close(root);
	if (src < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : spawn_fail_errno(e, "opening %s", path);
	rc = fstat(src, &st) < 0 ? spawn_fail_errno(e, "stat %s", path)
				 : copy_tree(&cp, src, data, e);
	if (rc == 0)
		rc = copy_meta(data, "", &st, e);
	if (rc == 0)
		rc = copy_xattrs(src, data, path, e);
	close(src);
	for (size_t i = 0; i < cp.nlinks; i++)
		free(cp.links[i].path);
	free(cp.links);
	return rc;
}

static int make_scratch(const char *scratch, const char *leaf, char *out, size_t len,
			struct spawn_error *e)
{
	if (format_path(out, len, "%s/%s", scratch, leaf) < 0 ||
	    (mkdir(out, 0700) < 0 && errno != EEXIST))
		return spawn_fail_errno(e, "creating %s/%s", scratch, leaf);
	return 0;
}

/* In a child of our own: the layers merged, read-only, in a private mount
 * namespace that dies with it. Its error comes back on a pipe. */
static _Noreturn void merged_child(const struct volume_root *root, const char *path, int data,
				   int report)
{
	char upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX], *opts;
	struct spec_overlay ov = {.rootfs = root->rootfs,
				  .layers = root->layers,
				  .nlayers = root->nlayers,
				  .upper = upper,
				  .work = work};
	struct spawn_error e;
	ssize_t n;
	int mnt;

	if (mkdir_p(root->scratch, 0700) < 0) {
		spawn_fail_errno(&e, "creating %s", root->scratch);
		goto fail;
	}
	if (make_scratch(root->scratch, "upper", upper, sizeof(upper), &e) < 0 ||
	    make_scratch(root->scratch, "work", work, sizeof(work), &e) < 0 ||
	    make_scratch(root->scratch, "merged", merged, sizeof(merged), &e) < 0 ||
	    !(opts = spec_overlay_options_new(&ov, &e)))
		goto fail;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		spawn_fail_errno(&e, "a mount namespace for the root's merged view");
		goto fail;
	}
	/* as the container's root is mounted: options past a page, and a
	 * lowerdir past 255 bytes, are the runtime's to pass (spawn/mounts.h) */
	mnt = mounts_new("overlay", opts, MOUNT_ATTR_RDONLY, &e);
	if (mnt < 0)
		goto fail;
	if (move_mount(mnt, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		spawn_fail_errno(&e, "mounting the root's layers on %s", merged);
		goto fail;
	}
	if (copy_from(merged, path, data, &e) == 0)
		_exit(0);
fail:
	n = write(report, e.msg, strlen(e.msg));
	(void)n;
	_exit(1);
}

static int copy_merged(const struct volume_root *root, const char *path, int data,
		       struct spawn_error *e)
{
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return spawn_fail_errno(e, "fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		merged_child(root, path, data, pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], e->msg, sizeof(e->msg) - 1);
	e->msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return spawn_fail_errno(e, "waitpid");
	remove_tree(root->scratch);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!e->msg[0])
		spawn_fail(e, "copying the root's %s: the copying process failed", path);
	return -1;
}

/* What an interrupted fill left in _data, removed; _data itself stays,
 * as a container may have it mounted. */
static int empty_data(const struct volume *v, struct spawn_error *e)
{
	DIR *d = opendir(v->data);
	struct dirent *ent;
	int rc = 0;

	if (!d)
		return spawn_fail_errno(e, "reading %s", v->data);
	while (rc == 0 && (ent = readdir(d))) {
		char path[PATH_MAX + 256];

		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		if (format_path(path, sizeof(path), "%s/%s", v->data, ent->d_name) < 0 ||
		    remove_tree(path) < 0)
			rc = spawn_fail_errno(e, "removing %s/%s", v->data, ent->d_name);
	}
	closedir(d);
	return rc;
}

static int sync_dir(const char *dir, struct spawn_error *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", dir);
	rc = fsync(fd) < 0 ? spawn_fail_errno(e, "fsync %s", dir) : 0;
	close(fd);
	return rc;
}

/* A fill marks the volume (.filling) before it copies anything and
 * unmarks it once all it copied is on disk: a mark found under the .fill
 * lock is that of a fill cut short (killed, failed, or a crash), whose
 * half is removed and filled again, never taken as the volume's content. */
static int fill_wanted(const struct volume *v, const char *mark, int data, bool *fill,
		       struct spawn_error *e)
{
	int fd;

	if (access(mark, F_OK) == 0) {
		if (empty_data(v, e) < 0)
			return -1;
	} else if (errno != ENOENT) {
		return spawn_fail_errno(e, "%s", mark);
	} else if (!is_empty(data)) {
		*fill = false;
		return 0;
	}
	*fill = true;
	fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "creating %s", mark);
	close(fd);
	return sync_dir(v->dir, e);
}

static int fill_done(const struct volume *v, const char *mark, int data, struct spawn_error *e)
{
	if (syncfs(data) < 0)
		return spawn_fail_errno(e, "syncfs %s", v->data);
	if (unlink(mark) < 0)
		return spawn_fail_errno(e, "removing %s", mark);
	return sync_dir(v->dir, e);
}

static int fill_data(const struct volume *v, const struct volume_root *root, const char *path,
		     struct spawn_error *e)
{
	char mark[PATH_MAX + 16];
	int data, rc;
	bool fill = false;

	if (format_path(mark, sizeof(mark), "%s/.filling", v->dir) < 0)
		return spawn_fail_errno(e, "the path of %s/.filling", v->dir);
	data = open(v->data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (data < 0)
		return spawn_fail_errno(e, "opening %s", v->data);
	rc = fill_wanted(v, mark, data, &fill, e);
	if (rc == 0 && fill)
		rc = root->nlayers ? copy_merged(root, path, data, e)
				   : copy_from(root->rootfs, path, data, e);
	if (rc == 0 && fill)
		rc = fill_done(v, mark, data, e);
	close(data);
	return rc;
}

int volume_fill(const struct volume *v, const struct volume_root *root, const char *path,
		struct spawn_error *e)
{
	int lock = volume_lock(v, ".fill", LOCK_EX, e), rc;

	if (lock < 0)
		return -1;
	rc = fill_data(v, root, path, e);
	if (rc < 0)
		snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
			 " (filling volume %s from the root's %s)", v->name, path);
	close(lock);
	return rc;
}
