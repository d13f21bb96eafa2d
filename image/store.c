/* The store's files: temporary names, blobs that are verified before they
 * get their names, unpacked layers renamed into place once synced, locks. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image/internal.h"

static const char *const store_dirs[] = {"blobs", "blobs/sha256", "layers", "tmp", "locks"};

int image_store_open(struct image_store *s, const char *dir, struct spawn_error *e)
{
	s->dir = -1;
	if (format_path(s->path, sizeof(s->path), "%s", dir) < 0)
		return spawn_fail_errno(e, "image store %s", dir);
	if (mkdir_p(dir, 0711) < 0)
		return spawn_fail_errno(e, "create image store %s", dir);
	s->dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir < 0)
		return spawn_fail_errno(e, "open image store %s", dir);
	for (size_t i = 0; i < sizeof(store_dirs) / sizeof(store_dirs[0]); i++)
		if (mkdirat(s->dir, store_dirs[i], 0711) < 0 && errno != EEXIST) {
			spawn_fail_errno(e, "create %s/%s", dir, store_dirs[i]);
			image_store_close(s);
			return -1;
		}
	return 0;
}

void image_store_close(struct image_store *s)
{
	if (s->dir >= 0)
		close(s->dir);
	s->dir = -1;
}

int open_beneath(int root, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (uint64_t)flags | O_CLOEXEC,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

int imgstore_path(struct image_store *s, const char *name, char *out, size_t len,
		  struct spawn_error *e)
{
	if (format_path(out, len, "%s/%s", s->path, name) < 0)
		return spawn_fail_errno(e, "%s/%s", s->path, name);
	return 0;
}

int imgstore_lock(struct image_store *s, const char *name, int how, struct spawn_error *e)
{
	int fd = openat(s->dir, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return spawn_fail_errno(e, "open lock %s/%s", s->path, name);
	while (flock(fd, how) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			close(fd);
			return -2;
		}
		spawn_fail_errno(e, "flock %s/%s", s->path, name);
		close(fd);
		return -1;
	}
	return fd;
}

int imgstore_blob_lock(struct image_store *s, const char *digest, bool wait, struct spawn_error *e)
{
	char name[128];

	snprintf(name, sizeof(name), "locks/%s", digest_hex(digest));
	return imgstore_lock(s, name, LOCK_EX | (wait ? 0 : LOCK_NB), e);
}

void imgstore_tmp_name(char *out, size_t len, const char *what)
{
	static unsigned counter;
	unsigned r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	/* The pid and a counter make the name unique among live processes; the
	 * random part keeps a recycled pid from meeting a dead one's leftover. */
	if (fd >= 0) {
		if (read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
			r = 0;
		close(fd);
	}
	snprintf(out, len, "tmp/%s-%d-%u-%08x", what, (int)getpid(), counter++, r);
}

int imgstore_tmp_file(struct image_store *s, char *name, size_t len, struct spawn_error *e)
{
	int fd;

	imgstore_tmp_name(name, len, "blob");
	fd = openat(s->dir, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "create %s/%s", s->path, name);
	return fd;
}

int imgstore_tmp_dir(struct image_store *s, char *name, size_t len, struct spawn_error *e)
{
	imgstore_tmp_name(name, len, "dir");
	if (mkdirat(s->dir, name, 0755) < 0)
		return spawn_fail_errno(e, "create %s/%s", s->path, name);
	return 0;
}

void imgstore_blob_name(const char *digest, char *out, size_t len)
{
	snprintf(out, len, "blobs/sha256/%s", digest_hex(digest));
}

void imgstore_layer_name(const char *diff_id, char *out, size_t len)
{
	snprintf(out, len, "layers/%s", digest_hex(diff_id));
}

bool imgstore_has(struct image_store *s, const char *name)
{
	return faccessat(s->dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int imgstore_sync_parent(struct image_store *s, const char *name, struct spawn_error *e)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", name);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = openat(s->dir, slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		spawn_fail_errno(e, "fsync %s/%s", s->path, slash ? dir : ".");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int imgstore_rename(struct image_store *s, const char *from, const char *to, struct spawn_error *e)
{
	if (renameat(s->dir, from, s->dir, to) < 0)
		return spawn_fail_errno(e, "rename %s/%s to %s", s->path, from, to);
	return imgstore_sync_parent(s, to, e);
}

int imgstore_commit_blob(struct image_store *s, const char *tmp, const char *digest,
			 struct spawn_error *e)
{
	char name[128];

	imgstore_blob_name(digest, name, sizeof(name));
	return imgstore_rename(s, tmp, name, e);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Syncs and closes fd, then gives the tmp file its blob name. */
static int finish_blob(struct image_store *s, int fd, const char *tmp, const char *digest,
		       struct spawn_error *e)
{
	if (fsync(fd) < 0) {
		spawn_fail_errno(e, "fsync %s/%s", s->path, tmp);
		close(fd);
		return -1;
	}
	close(fd);
	return imgstore_commit_blob(s, tmp, digest, e);
}

int imgstore_put_blob(struct image_store *s, const void *data, size_t len, const char *want,
		      char digest[IMAGE_DIGEST_LEN], struct spawn_error *e)
{
	char tmp[128], name[128];
	int fd;

	if (digest_buffer(data, len, digest, e) < 0)
		return -1;
	if (want && strcmp(want, digest) != 0)
		return spawn_fail(e, "blob %s: content hashes to %s", want, digest);
	imgstore_blob_name(digest, name, sizeof(name));
	if (imgstore_has(s, name))
		return 0;
	if ((fd = imgstore_tmp_file(s, tmp, sizeof(tmp), e)) < 0)
		return -1;
	if (write_all(fd, data, len) < 0) {
		spawn_fail_errno(e, "write %s/%s", s->path, tmp);
		close(fd);
		unlinkat(s->dir, tmp, 0);
		return -1;
	}
	if (finish_blob(s, fd, tmp, digest, e) < 0) {
		unlinkat(s->dir, tmp, 0);
		return -1;
	}
	return 0;
}

/* Copies in to out, hashing what passes. */
static int copy_hashing(int in, int out, struct digester *d, const char *path,
			struct spawn_error *e)
{
	char buf[1 << 16];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return spawn_fail_errno(e, "read %s", path);
		digester_update(d, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) < 0)
			return spawn_fail_errno(e, "write blob copy of %s", path);
	}
	return 0;
}

int imgstore_import_file(struct image_store *s, int dirfd, const char *path, const char *want,
			 int64_t size, char digest[IMAGE_DIGEST_LEN], struct spawn_error *e)
{
	char tmp[128], name[128];
	struct digester d;
	int in, out, rc = -1;

	if (want) {
		imgstore_blob_name(want, name, sizeof(name));
		if (imgstore_has(s, name)) {
			snprintf(digest, IMAGE_DIGEST_LEN, "%s", want);
			return 0;
		}
	}
	if ((in = open_beneath(dirfd, path, O_RDONLY)) < 0)
		return spawn_fail_errno(e, "open %s", path);
	if ((out = imgstore_tmp_file(s, tmp, sizeof(tmp), e)) < 0) {
		close(in);
		return -1;
	}
	if (digester_init(&d, e) < 0)
		goto out;
	if (copy_hashing(in, out, &d, path, e) < 0) {
		digester_free(&d);
		goto out;
	}
	if (size >= 0 && d.size != (uint64_t)size) {
		spawn_fail(e, "%s: %llu bytes, its descriptor says %lld", path,
			   (unsigned long long)d.size, (long long)size);
		digester_free(&d);
		goto out;
	}
	digester_final(&d, digest);
	if (want && strcmp(want, digest) != 0) {
		spawn_fail(e, "%s: content hashes to %s, not %s", path, digest, want);
		goto out;
	}
	rc = finish_blob(s, out, tmp, digest, e);
	out = -1;
out:
	close(in);
	if (out >= 0)
		close(out);
	if (rc < 0)
		unlinkat(s->dir, tmp, 0);
	return rc;
}

int imgstore_read_blob(struct image_store *s, const char *digest, char **data, size_t *len,
		       struct spawn_error *e)
{
	char name[128], got[IMAGE_DIGEST_LEN];
	struct stat st;
	ssize_t n;
	int fd;

	*data = NULL;
	if (!digest_valid(digest))
		return spawn_fail(e, "'%s' is not a sha256 digest", digest);
	imgstore_blob_name(digest, name, sizeof(name));
	if ((fd = openat(s->dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return spawn_fail_errno(e, "%s/%s", s->path, name);
	if (fstat(fd, &st) < 0 || st.st_size > SMALL_BLOB_MAX) {
		spawn_fail(e, "%s/%s: not a small blob", s->path, name);
		close(fd);
		return -1;
	}
	*data = malloc((size_t)st.st_size + 1);
	if (!*data) {
		close(fd);
		return spawn_fail_errno(e, "malloc");
	}
	n = pread(fd, *data, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(*data);
		*data = NULL;
		return spawn_fail_errno(e, "read %s/%s", s->path, name);
	}
	(*data)[n] = '\0';
	*len = (size_t)n;
	if (digest_buffer(*data, *len, got, e) < 0 || strcmp(got, digest) != 0) {
		free(*data);
		*data = NULL;
		return spawn_fail(e, "%s/%s: corrupt: content hashes to %s", s->path, name, got);
	}
	return 0;
}

json_t *imgstore_read_json(struct image_store *s, const char *digest, struct spawn_error *e)
{
	char *data, what[PATH_MAX + 64];
	size_t len;
	json_t *v;

	if (imgstore_read_blob(s, digest, &data, &len, e) < 0)
		return NULL;
	snprintf(what, sizeof(what), "%s/blobs/sha256/%s", s->path, digest_hex(digest));
	v = json_parse(data, len, what, e);
	free(data);
	return v;
}
