/* Unpacking one layer into its own directory, safe against hostile tars:
 * every path is resolved with openat2(RESOLVE_BENEATH), so no absolute
 * path, no "..", and no symlink (of this layer or planted by it) can make a
 * write land outside the directory. Whiteouts become what overlayfs reads:
 * .wh.NAME a 0/0 character device, .wh..wh..opq the opaque xattr. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/internal.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpack {
	int root;
	const char *layer; /* for messages */
	const char *entry;
	char parent[PATH_MAX]; /* the parent of the last entry, and its descriptor */
	int parent_fd;
	struct dir_time *dirs;
	size_t ndirs, cap;
	struct spawn_error *e;
};

/* The compressed bytes: a file read to its end or, while a download is
 * still writing it, followed up to the size its descriptor gives: the
 * downloader writes a byte to feed as the file grows and closes it when
 * the download is over. Following reads with pread: the descriptor is
 * the downloader's own, its offset shared. */
struct layer_file {
	int fd;
	int feed;  /* or -1: read to the end */
	bool over; /* feed said the download is over */
	int64_t size, off;
	char buf[1 << 17];
};

/* The stream of decompressed bytes, hashed as the inner tar reader pulls it. */
struct raw_stream {
	struct archive *outer;
	struct digester d;
	struct layer_file f;
	char buf[1 << 16];
};

static int refuse(struct unpack *u, const char *why)
{
	return spawn_fail(u->e, "layer %s: entry '%s': %s", u->layer, u->entry, why);
}

static int refuse_errno(struct unpack *u, const char *what)
{
	if (errno == EXDEV)
		return refuse(u, "refused: its path leads out of the layer through a symlink");
	return spawn_fail_errno(u->e, "layer %s: entry '%s': %s", u->layer, u->entry, what);
}

/* A relative path without "." parts; absolute paths and ".." are refused,
 * not rewritten, since no honest layer has them. The one exception is "/"
 * alone, the layer's own root directory, which umoci insert writes as an
 * entry of its own: it means what "./" does. */
static int clean_path(struct unpack *u, const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	if (!in)
		return refuse(u, "no path");
	if (*in == '/' && in[strspn(in, "/")] != '\0')
		return refuse(u, "refused: absolute path");
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return refuse(u, "refused: '..' in the path");
		if (n && !(n == 1 && p[0] == '.')) {
			if (o + n + 2 > len)
				return refuse(u, "path too long");
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	return 0;
}

/* Opens the directory DIR of the layer, creating what is missing. */
static int open_dir(struct unpack *u, const char *dir)
{
	char prefix[PATH_MAX];
	int fd;

	if (!*dir)
		return dup(u->root);
	fd = open_beneath(u->root, dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	for (const char *p = dir;; p++) {
		if (*p != '/' && *p)
			continue;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - dir), dir);
		fd = open_beneath(u->root, prefix, O_RDONLY | O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			char *slash = strrchr(prefix, '/');
			int pfd = slash ? (*slash = '\0',
					   open_beneath(u->root, prefix, O_RDONLY | O_DIRECTORY))
					: dup(u->root);
			if (pfd < 0)
				return -1;
			if (mkdirat(pfd, slash ? slash + 1 : prefix, 0755) < 0 && errno != EEXIST) {
				close(pfd);
				return -1;
			}
			close(pfd);
			if (slash)
				*slash = '/';
			fd = open_beneath(u->root, prefix, O_RDONLY | O_DIRECTORY);
		}
		if (fd < 0 || !*p)
			return fd;
		close(fd);
	}
}

/* The parent directory's descriptor, kept while entries stay in it. */
static int parent_of(struct unpack *u, const char *dir)
{
	if (u->parent_fd >= 0 && strcmp(u->parent, dir) == 0)
		return u->parent_fd;
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	u->parent_fd = open_dir(u, dir);
	snprintf(u->parent, sizeof(u->parent), "%s", dir);
	return u->parent_fd;
}

/* Makes room for a new NAME in dir: an existing non-directory goes; an
 * existing directory stays only when the entry is a directory too. */
static int clear_name(struct unpack *u, int dir, const char *name, bool keep_dir)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : refuse_errno(u, "fstatat");
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 1;
		if (unlinkat(dir, name, AT_REMOVEDIR) < 0)
			return refuse_errno(u, "replace a directory");
		/* It may have been the cached parent: open it afresh next time. */
		snprintf(u->parent, sizeof(u->parent), "\x01");
		return 0;
	}
	if (unlinkat(dir, name, 0) < 0)
		return refuse_errno(u, "replace an earlier entry");
	return 0;
}

static int whiteout(struct unpack *u, int dir, const char *base)
{
	const char *name = base + strlen(WHITEOUT);

	if (strcmp(base, OPAQUE) == 0) {
		if (fsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return refuse_errno(u, "set trusted.overlay.opaque");
		return 0;
	}
	/* Other .wh..wh. names are aufs bookkeeping, meaningless here. */
	if (strncmp(name, WHITEOUT, strlen(WHITEOUT)) == 0)
		return 0;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return refuse(u, "refused: a whiteout of nothing");
	if (clear_name(u, dir, name, false) < 0)
		return -1;
	if (mknodat(dir, name, S_IFCHR | 0, makedev(0, 0)) < 0)
		return refuse_errno(u, "mknod whiteout");
	return 0;
}

/* Writes the entry's data blocks; *end gets where the last one ended. */
static int copy_data(struct unpack *u, struct archive *a, int fd, la_int64_t *end)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	*end = 0;
	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		*end = off + (la_int64_t)len;
		const char *p = buf;
		while (len > 0) {
			ssize_t w = pwrite(fd, p, len, off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return refuse_errno(u, "write");
			p += w;
			off += w;
			len -= (size_t)w;
		}
	}
	if (r != ARCHIVE_EOF)
		return spawn_fail(u->e, "layer %s: entry '%s': %s", u->layer, u->entry,
				  archive_error_string(a));
	return 0;
}

static int set_xattrs(struct unpack *u, struct archive_entry *ent, int fd, int dir,
		      const char *base)
{
	const char *name;
	const void *value;
	size_t size;
	char path[64 + NAME_MAX];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir, base);
	archive_entry_xattr_reset(ent);
	while (archive_entry_xattr_next(ent, &name, &value, &size) == ARCHIVE_OK) {
		/* overlayfs reads its own xattrs off lower layers (redirects,
		 * metacopy, opaque): a layer may not forge them. */
		if (strncmp(name, "trusted.overlay.", 16) == 0 ||
		    strncmp(name, "user.overlay.", 13) == 0)
			return refuse(u, "refused: an overlay xattr");
		if ((fd >= 0 ? fsetxattr(fd, name, value, size, 0)
			     : lsetxattr(path, name, value, size, 0)) < 0) {
			if (fd < 0 && (errno == EPERM || errno == ENOTSUP))
				continue; /* user.* on a symlink or device: no such thing */
			return refuse_errno(u, "set xattr");
		}
	}
	return 0;
}

static void entry_times(struct archive_entry *ent, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(ent);
	ts[1].tv_nsec = archive_entry_mtime_nsec(ent);
	if (archive_entry_atime_is_set(ent)) {
		ts[0].tv_sec = archive_entry_atime(ent);
		ts[0].tv_nsec = archive_entry_atime_nsec(ent);
	} else {
		ts[0] = ts[1];
	}
}

/* Owner, then mode (chown clears setuid bits), then xattrs (chown clears
 * security.capability), then times. */
static int set_meta(struct unpack *u, struct archive_entry *ent, int fd, int dir, const char *base,
		    const char *path)
{
	mode_t type = archive_entry_filetype(ent);
	mode_t mode = archive_entry_perm(ent) & 07777;
	struct timespec ts[2];
	int r;

	r = fd >= 0 ? fchown(fd, (uid_t)archive_entry_uid(ent), (gid_t)archive_entry_gid(ent))
		    : fchownat(dir, base, (uid_t)archive_entry_uid(ent),
			       (gid_t)archive_entry_gid(ent), AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return refuse_errno(u, "chown");
	if (type != AE_IFLNK && (fd >= 0 ? fchmod(fd, archive_entry_perm(ent) & 07777)
					 : fchmodat(dir, base, mode, 0)) < 0)
		return refuse_errno(u, "chmod");
	if (set_xattrs(u, ent, fd, dir, base) < 0)
		return -1;
	entry_times(ent, ts);
	if (type == AE_IFDIR) {
		/* Entries written into it later would change its mtime. */
		if (u->ndirs == u->cap) {
			size_t cap = u->cap ? u->cap * 2 : 64;
			struct dir_time *d = realloc(u->dirs, cap * sizeof(*d));
			if (!d)
				return spawn_fail_errno(u->e, "realloc");
			u->dirs = d;
			u->cap = cap;
		}
		if (!(u->dirs[u->ndirs].path = strdup(path)))
			return spawn_fail_errno(u->e, "strdup");
		memcpy(u->dirs[u->ndirs++].ts, ts, sizeof(ts));
		return 0;
	}
	r = fd >= 0 ? futimens(fd, ts) : utimensat(dir, base, ts, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return refuse_errno(u, "set times");
	return 0;
}

static int hard_link(struct unpack *u, int dir, const char *base, const char *target)
{
	char t[PATH_MAX], *slash;
	int tdir, r;

	if (clean_path(u, target, t, sizeof(t)) < 0)
		return -1;
	if (!*t)
		return refuse(u, "refused: a hard link to the layer's root");
	slash = strrchr(t, '/');
	if (slash)
		*slash = '\0';
	tdir = slash ? open_beneath(u->root, t, O_RDONLY | O_DIRECTORY) : dup(u->root);
	if (tdir < 0)
		return refuse_errno(u, "open the hard link's target directory");
	if (clear_name(u, dir, base, false) < 0) {
		close(tdir);
		return -1;
	}
	r = linkat(tdir, slash ? slash + 1 : t, dir, base, 0);
	close(tdir);
	if (r < 0)
		return refuse_errno(u, "hard link");
	return 0;
}

/* Creates the node of a new entry (a regular file's descriptor into
 * *fd). Fails with EEXIST when the name is taken, and only then: nothing
 * is followed, a symlink in its place included. */
static int create_node(struct archive_entry *ent, int dir, const char *base, int *fd)
{
	mode_t type = archive_entry_filetype(ent);
	const char *target = archive_entry_symlink(ent);

	switch (type) {
	case AE_IFREG:
		*fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		return *fd < 0 ? -1 : 0;
	case AE_IFDIR:
		return mkdirat(dir, base, 0700);
	case AE_IFLNK:
		/* The target is data: nothing here ever follows it. */
		return symlinkat(target ? target : "", dir, base);
	default: /* character and block devices, fifos */
		return mknodat(dir, base, type | 0600,
			       makedev(archive_entry_rdevmajor(ent), archive_entry_rdevminor(ent)));
	}
}

/* Creates the node; an earlier entry of the same name makes way (asked
 * only when the name is taken, as few are). 1: an existing directory
 * stays, for a directory entry. */
static int create_or_replace(struct unpack *u, struct archive_entry *ent, int dir, const char *base,
			     int *fd)
{
	static const char *const what[] = {"create", "mkdir", "symlink", "mknod"};
	mode_t type = archive_entry_filetype(ent);
	int w = type == AE_IFREG ? 0 : type == AE_IFDIR ? 1 : type == AE_IFLNK ? 2 : 3;
	int r = create_node(ent, dir, base, fd);

	if (r < 0 && errno == EEXIST) {
		if ((r = clear_name(u, dir, base, type == AE_IFDIR)) != 0)
			return r;
		r = create_node(ent, dir, base, fd);
	}
	if (r < 0)
		return refuse_errno(u, what[w]);
	return 0;
}

static int make_node(struct unpack *u, struct archive *a, struct archive_entry *ent, int dir,
		     const char *base, const char *path)
{
	mode_t type = archive_entry_filetype(ent);
	la_int64_t end;
	int fd = -1, r;

	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR &&
	    type != AE_IFBLK && type != AE_IFIFO)
		return 0; /* sockets: a tar cannot bring one to life */
	if (create_or_replace(u, ent, dir, base, &fd) < 0)
		return -1;
	if (type == AE_IFREG) {
		/* Only a sparse file's hole at its end is left to truncate. */
		if (copy_data(u, a, fd, &end) < 0 ||
		    (end < archive_entry_size(ent) && ftruncate(fd, archive_entry_size(ent)) < 0)) {
			if (!u->e->msg[0])
				refuse_errno(u, "truncate");
			close(fd);
			return -1;
		}
	} else if (type == AE_IFDIR) {
		fd = openat(dir, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return refuse_errno(u, "open directory");
	}
	r = set_meta(u, ent, fd, dir, base, path);
	if (fd >= 0)
		close(fd);
	return r;
}

static int apply_entry(struct unpack *u, struct archive *a, struct archive_entry *ent)
{
	char path[PATH_MAX], *slash;
	const char *base, *dirname;
	int dir;

	u->entry = archive_entry_pathname(ent);
	if (clean_path(u, u->entry, path, sizeof(path)) < 0)
		return -1;
	if (!*path) { /* "./": the layer's root itself */
		if (archive_entry_filetype(ent) != AE_IFDIR)
			return refuse(u, "refused: the root is not a directory");
		return set_meta(u, ent, u->root, u->root, ".", "");
	}
	slash = strrchr(path, '/');
	if (slash)
		*slash = '\0';
	dirname = slash ? path : "";
	base = slash ? slash + 1 : path;
	if ((dir = parent_of(u, dirname)) < 0)
		return refuse_errno(u, "open its directory");
	if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0)
		return whiteout(u, dir, base);
	if (slash)
		*slash = '/';
	if (archive_entry_hardlink(ent))
		return hard_link(u, dir, base, archive_entry_hardlink(ent));
	return make_node(u, a, ent, dir, base, path);
}

/* Directory times last, deepest first, once nothing more is written. */
static int set_dir_times(struct unpack *u)
{
	for (size_t i = u->ndirs; i-- > 0;) {
		int fd = *u->dirs[i].path
			     ? open_beneath(u->root, u->dirs[i].path, O_RDONLY | O_DIRECTORY)
			     : dup(u->root);
		u->entry = u->dirs[i].path;
		if (fd < 0 || futimens(fd, u->dirs[i].ts) < 0) {
			refuse_errno(u, "set directory times");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static la_ssize_t raw_read(struct archive *a, void *arg, const void **buf)
{
	struct raw_stream *r = arg;
	la_ssize_t n = archive_read_data(r->outer, r->buf, sizeof(r->buf));

	if (n < 0) {
		archive_set_error(a, archive_errno(r->outer), "%s", archive_error_string(r->outer));
		return -1;
	}
	digester_update(&r->d, r->buf, (size_t)n);
	*buf = r->buf;
	return n;
}

/* Blocks until the file being followed has grown, or its download is
 * over. */
static int wait_write(struct archive *a, struct layer_file *f)
{
	char buf[4096];
	ssize_t n;

	if (f->over) {
		archive_set_error(a, EIO, "the download ended at %lld of its %lld bytes",
				  (long long)f->off, (long long)f->size);
		return -1;
	}
	while ((n = read(f->feed, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0) {
		archive_set_error(a, errno, "waiting for the download: %s", strerror(errno));
		return -1;
	}
	f->over = n == 0;
	return 0;
}

void unpack_wait_download(int feed)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(feed, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		;
}

static la_ssize_t file_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_file *f = arg;

	for (;;) {
		size_t want = sizeof(f->buf);
		ssize_t n;

		if (f->feed >= 0 && (uint64_t)(f->size - f->off) < want)
			want = (size_t)(f->size - f->off);
		if (want == 0)
			return 0;
		n = f->feed >= 0 ? pread(f->fd, f->buf, want, f->off) : read(f->fd, f->buf, want);
		if (n > 0 || (n == 0 && f->feed < 0)) {
			f->off += n;
			*buf = f->buf;
			return n;
		}
		if (n < 0 && errno != EINTR) {
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0 && wait_write(a, f) < 0)
			return -1;
	}
}

/* The outer reader undoes the compression (any libarchive knows); the
 * inner one reads the tar from it, so the bytes can be hashed between. */
static int open_layer(const char *path, struct raw_stream *r, struct archive **inner,
		      struct spawn_error *e)
{
	struct archive_entry *ent;

	r->outer = archive_read_new();
	*inner = archive_read_new();
	if (!r->outer || !*inner)
		return spawn_fail(e, "libarchive: out of memory");
	archive_read_support_filter_all(r->outer);
	archive_read_support_format_raw(r->outer);
	if (archive_read_open(r->outer, &r->f, NULL, file_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(r->outer, &ent) != ARCHIVE_OK)
		return spawn_fail(e, "layer %s: %s", path, archive_error_string(r->outer));
	if (digester_init(&r->d, e) < 0)
		return -1;
	archive_read_support_format_tar(*inner);
	if (archive_read_open(*inner, r, NULL, raw_read, NULL) != ARCHIVE_OK)
		return spawn_fail(e, "layer %s: not a tar: %s", path, archive_error_string(*inner));
	return 0;
}

/* The tar's end-of-archive blocks and any padding count in the diff_id. */
static int drain(struct raw_stream *r, const char *path, struct spawn_error *e)
{
	la_ssize_t n;

	while ((n = archive_read_data(r->outer, r->buf, sizeof(r->buf))) > 0)
		digester_update(&r->d, r->buf, (size_t)n);
	if (n < 0)
		return spawn_fail(e, "layer %s: %s", path, archive_error_string(r->outer));
	return 0;
}

int unpack_layer_fd(int fd, int feed, int64_t size, const char *name, const char *dest,
		    char diff_id[IMAGE_DIGEST_LEN], struct spawn_error *e)
{
	struct unpack u = {.layer = name, .entry = "", .parent_fd = -1, .e = e};
	struct raw_stream *r = calloc(1, sizeof(*r));
	struct archive *inner = NULL;
	struct archive_entry *ent;
	int rc = -1, st;

	e->msg[0] = '\0';
	if (!r)
		return spawn_fail_errno(e, "calloc");
	r->f = (struct layer_file){.fd = fd, .feed = feed, .size = size};
	u.root = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.root < 0) {
		spawn_fail_errno(e, "open %s", dest);
		goto out;
	}
	if (open_layer(name, r, &inner, e) < 0)
		goto out;
	while ((st = archive_read_next_header(inner, &ent)) == ARCHIVE_OK || st == ARCHIVE_WARN)
		if (apply_entry(&u, inner, ent) < 0)
			goto out;
	if (st != ARCHIVE_EOF) {
		spawn_fail(e, "layer %s: %s", name, archive_error_string(inner));
		goto out;
	}
	if (drain(r, name, e) < 0 || set_dir_times(&u) < 0)
		goto out;
	digester_final(&r->d, diff_id);
	rc = 0;
out:
	digester_free(&r->d);
	if (inner)
		archive_read_free(inner);
	if (r->outer)
		archive_read_free(r->outer);
	if (u.parent_fd >= 0)
		close(u.parent_fd);
	if (u.root >= 0)
		close(u.root);
	for (size_t i = 0; i < u.ndirs; i++)
		free(u.dirs[i].path);
	free(u.dirs);
	free(r);
	return rc;
}

int image_unpack_layer(const char *path, const char *dest, char diff_id[IMAGE_DIGEST_LEN],
		       struct spawn_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return spawn_fail_errno(e, "layer %s: open", path);
	rc = unpack_layer_fd(fd, -1, -1, path, dest, diff_id, e);
	close(fd);
	return rc;
}
