/* A new volume filled from the root (manage/volume.h, volume_fill): the
 * root's directory at the volume's path, copied with owners, modes and
 * times. A root with layers is copied from its merged view: an overlay of
 * the layers mounted read-only in a mount namespace of a child's own, so
 * nothing is mounted on the host and whiteouts hide what they hide. */
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
#include <unistd.h>

#include "manage/spec.h"
#include "spawn/resolve.h"

static int copy_tree(int src, int dst, struct spawn_error *e);

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

static int copy_dir(int src, int dst, const char *name, struct spawn_error *e)
{
	int in, out, rc;

	if (mkdirat(dst, name, 0700) < 0)
		return spawn_fail_errno(e, "creating %s", name);
	in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = in < 0 || out < 0 ? spawn_fail_errno(e, "opening %s", name) : copy_tree(in, out, e);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
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

/* One entry of a directory; sockets are skipped (nothing listens on a
 * copy). Hard links become separate copies. */
static int copy_entry(int src, int dst, const char *name, struct spawn_error *e)
{
	struct stat st;
	int rc = 0;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return spawn_fail_errno(e, "stat %s", name);
	if (S_ISDIR(st.st_mode))
		rc = copy_dir(src, dst, name, e);
	else if (S_ISREG(st.st_mode))
		rc = copy_file(src, dst, name, e);
	else if (S_ISLNK(st.st_mode))
		rc = copy_link(src, dst, name, e);
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode))
		rc = mknodat(dst, name, st.st_mode & ~07777, st.st_rdev) < 0
			 ? spawn_fail_errno(e, "mknod %s", name)
			 : 0;
	else
		return 0;
	return rc < 0 ? -1 : copy_meta(dst, name, &st, e);
}

static int copy_tree(int src, int dst, struct spawn_error *e)
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
			rc = copy_entry(src, dst, ent->d_name, e);
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
	struct stat st;

	if (root < 0)
		return spawn_fail_errno(e, "opening %s", rootfs);
	src = resolve_open(root, path, O_RDONLY | O_DIRECTORY, RESOLVE_AUTO);
	close(root);
	if (src < 0)
		return errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : spawn_fail_errno(e, "opening %s", path);
	rc = fstat(src, &st) < 0 ? spawn_fail_errno(e, "stat %s", path) : copy_tree(src, data, e);
	if (rc == 0)
		rc = copy_meta(data, "", &st, e);
	close(src);
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
	char upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX], opts[4000];
	struct spec_overlay ov = {.rootfs = root->rootfs,
				  .layers = root->layers,
				  .nlayers = root->nlayers,
				  .upper = upper,
				  .work = work};
	struct spawn_error e;
	ssize_t n;

	if (mkdir_p(root->scratch, 0700) < 0) {
		spawn_fail_errno(&e, "creating %s", root->scratch);
		goto fail;
	}
	if (make_scratch(root->scratch, "upper", upper, sizeof(upper), &e) < 0 ||
	    make_scratch(root->scratch, "work", work, sizeof(work), &e) < 0 ||
	    make_scratch(root->scratch, "merged", merged, sizeof(merged), &e) < 0 ||
	    spec_overlay_options(&ov, opts, sizeof(opts), &e) < 0)
		goto fail;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		spawn_fail_errno(&e, "a mount namespace for the root's merged view");
		goto fail;
	}
	if (mount("overlay", merged, "overlay", MS_RDONLY, opts) < 0) {
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

int volume_fill(const struct volume *v, const struct volume_root *root, const char *path,
		struct spawn_error *e)
{
	int lock = volume_lock(v, ".fill", LOCK_EX, e), data, rc = 0;

	if (lock < 0)
		return -1;
	data = open(v->data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (data < 0)
		rc = spawn_fail_errno(e, "opening %s", v->data);
	else if (is_empty(data))
		rc = root->nlayers ? copy_merged(root, path, data, e)
				   : copy_from(root->rootfs, path, data, e);
	if (rc < 0)
		snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
			 " (filling volume %s from the root's %s)", v->name, path);
	if (data >= 0)
		close(data);
	close(lock);
	return rc;
}
