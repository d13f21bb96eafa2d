/* An overlay upper directory as a layer tar: what overlayfs marks as
 * deleted (a 0/0 character device) or opaque (trusted.overlay.opaque=y)
 * goes out as .wh. entries, which every image tool reads. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
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

struct diff {
	struct archive *a;
	struct archive_entry_linkresolver *links;
	const char *upper;
	int out;
	struct digester d;
	uint64_t size;
	struct spawn_error *e;
};

static la_ssize_t diff_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct diff *df = arg;
	const char *p = buf;
	size_t left = len;

	while (left > 0) {
		ssize_t w = write(df->out, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			archive_set_error(a, errno, "write: %s", strerror(errno));
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	digester_update(&df->d, buf, len);
	df->size += len;
	return (la_ssize_t)len;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dir, const char *name)
{
	char path[64 + NAME_MAX], v[2];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir, name);
	n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* Every xattr but overlayfs's own bookkeeping. */
static int copy_xattrs(struct diff *df, struct archive_entry *ent, int dir, const char *name,
		       const char *rel)
{
	char path[64 + NAME_MAX], names[65536], value[65536];
	ssize_t n, vn;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir, name);
	n = llistxattr(path, names, sizeof(names));
	if (n < 0)
		return errno == ENOTSUP
			   ? 0
			   : spawn_fail_errno(df->e, "llistxattr %s/%s", df->upper, rel);
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		if (strncmp(k, "trusted.overlay.", 16) == 0)
			continue;
		vn = lgetxattr(path, k, value, sizeof(value));
		if (vn < 0)
			return spawn_fail_errno(df->e, "lgetxattr %s %s/%s", k, df->upper, rel);
		archive_entry_xattr_add_entry(ent, k, value, (size_t)vn);
	}
	return 0;
}

static int write_entry(struct diff *df, struct archive_entry *ent, int fd, const char *rel)
{
	char buf[1 << 16];
	ssize_t n;

	if (archive_write_header(df->a, ent) != ARCHIVE_OK)
		return spawn_fail(df->e, "layer tar, %s: %s", rel, archive_error_string(df->a));
	if (fd < 0 || archive_entry_size(ent) == 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return spawn_fail_errno(df->e, "read %s/%s", df->upper, rel);
		if (archive_write_data(df->a, buf, (size_t)n) < 0)
			return spawn_fail(df->e, "layer tar, %s: %s", rel,
					  archive_error_string(df->a));
	}
	return 0;
}

/* An empty file entry named rel: how a whiteout travels. */
static int write_marker(struct diff *df, const char *rel, const struct stat *st)
{
	struct archive_entry *ent = archive_entry_new();
	int rc;

	if (!ent)
		return spawn_fail(df->e, "libarchive: out of memory");
	archive_entry_set_pathname(ent, rel);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_mtime(ent, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(ent, 0);
	rc = write_entry(df, ent, -1, rel);
	archive_entry_free(ent);
	return rc;
}

static struct archive_entry *entry_of(struct diff *df, int dir, const char *name, const char *rel,
				      const struct stat *st)
{
	struct archive_entry *ent = archive_entry_new();
	char target[PATH_MAX];
	ssize_t n;

	if (!ent) {
		spawn_fail(df->e, "libarchive: out of memory");
		return NULL;
	}
	archive_entry_set_pathname(ent, rel);
	archive_entry_copy_stat(ent, st);
	if (!S_ISREG(st->st_mode))
		archive_entry_set_size(ent, 0);
	if (S_ISLNK(st->st_mode)) {
		n = readlinkat(dir, name, target, sizeof(target) - 1);
		if (n < 0) {
			spawn_fail_errno(df->e, "readlink %s/%s", df->upper, rel);
			archive_entry_free(ent);
			return NULL;
		}
		target[n] = '\0';
		archive_entry_set_symlink(ent, target);
	}
	if (copy_xattrs(df, ent, dir, name, rel) < 0) {
		archive_entry_free(ent);
		return NULL;
	}
	return ent;
}

static int walk(struct diff *df, int dir, const char *prefix);

static int one(struct diff *df, int dir, const char *name, const char *prefix)
{
	char rel[PATH_MAX], wh[PATH_MAX + 16];
	struct archive_entry *ent, *spare = NULL;
	struct stat st;
	int fd = -1, rc = -1;

	if (format_path(rel, sizeof(rel), "%s%s", prefix, name) < 0)
		return spawn_fail_errno(df->e, "%s/%s%s", df->upper, prefix, name);
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return spawn_fail_errno(df->e, "stat %s/%s", df->upper, rel);
	if (is_whiteout(&st)) {
		snprintf(wh, sizeof(wh), "%s.wh.%s", prefix, name);
		return write_marker(df, wh, &st);
	}
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return spawn_fail_errno(df->e, "open %s/%s", df->upper, rel);
	}
	if (!(ent = entry_of(df, dir, name, rel, &st)))
		goto out;
	/* A second name of a file goes out as a hard link to the first. */
	archive_entry_linkify(df->links, &ent, &spare);
	if (ent && write_entry(df, ent, archive_entry_size(ent) ? fd : -1, rel) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		snprintf(wh, sizeof(wh), "%s/.wh..wh..opq", rel);
		if (is_opaque(dir, name) && write_marker(df, wh, &st) < 0)
			goto out;
		snprintf(wh, sizeof(wh), "%s/", rel);
		if (walk(df, fd, wh) < 0)
			goto out;
		fd = -1; /* walk closed it */
	}
	rc = 0;
out:
	if (ent)
		archive_entry_free(ent);
	if (spare)
		archive_entry_free(spare);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Takes dir; entries in name order, so the same tree makes the same tar. */
static int walk(struct diff *df, int dir, const char *prefix)
{
	struct dirent **list;
	int n = scandirat(dir, ".", &list, skip_dots, by_name), rc = 0;

	if (n < 0) {
		close(dir);
		return spawn_fail_errno(df->e, "read directory %s/%s", df->upper, prefix);
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0)
			rc = one(df, dir, list[i]->d_name, prefix);
		free(list[i]);
	}
	free(list);
	close(dir);
	return rc;
}

int image_diff_layer(const char *upper, int fd, char diff_id[IMAGE_DIGEST_LEN], uint64_t *size,
		     struct spawn_error *e)
{
	struct diff df = {.upper = upper, .out = fd, .e = e};
	int dir, rc = -1;

	if (digester_init(&df.d, e) < 0)
		return -1;
	df.a = archive_write_new();
	df.links = archive_entry_linkresolver_new();
	if (!df.a || !df.links) {
		spawn_fail(e, "libarchive: out of memory");
		goto out;
	}
	archive_write_set_format_pax_restricted(df.a);
	archive_entry_linkresolver_set_strategy(df.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_write_set_bytes_in_last_block(df.a, 1);
	if (archive_write_open(df.a, &df, NULL, diff_write, NULL) != ARCHIVE_OK) {
		spawn_fail(e, "layer tar: %s", archive_error_string(df.a));
		goto out;
	}
	if ((dir = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		spawn_fail_errno(e, "open %s", upper);
		goto out;
	}
	if (walk(&df, dir, "") < 0)
		goto out;
	if (archive_write_close(df.a) != ARCHIVE_OK) {
		spawn_fail(e, "layer tar: %s", archive_error_string(df.a));
		goto out;
	}
	digester_final(&df.d, diff_id);
	*size = df.size;
	rc = 0;
out:
	digester_free(&df.d);
	if (df.a)
		archive_write_free(df.a);
	if (df.links)
		archive_entry_linkresolver_free(df.links);
	return rc;
}
