/* cspawn save: one tar that is both a docker archive (manifest.json) and an
 * OCI layout (oci-layout, index.json), as docker 25 writes, with the layers
 * uncompressed, as docker load and skopeo's docker-archive expect. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"

struct save {
	struct image_store *s;
	struct archive *a;
	json_t *written; /* blob hexes already in the tar */
	json_t *index;	 /* index.json's manifests */
	json_t *docker;	 /* manifest.json */
	const char *file;
	struct spawn_error *e;
};

static int add_entry(struct save *sv, const char *name, int fd, const char *data, uint64_t size)
{
	struct archive_entry *ent = archive_entry_new();
	char buf[1 << 16];
	ssize_t n;
	int rc = -1;

	if (!ent)
		return spawn_fail(sv->e, "libarchive: out of memory");
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, (la_int64_t)size);
	if (archive_write_header(sv->a, ent) != ARCHIVE_OK) {
		spawn_fail(sv->e, "%s: %s", sv->file, archive_error_string(sv->a));
		goto out;
	}
	if (data && archive_write_data(sv->a, data, size) < 0)
		goto fail;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			spawn_fail_errno(sv->e, "read blob for %s", name);
			goto out;
		}
		if (archive_write_data(sv->a, buf, (size_t)n) < 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	spawn_fail(sv->e, "%s: %s", sv->file, archive_error_string(sv->a));
out:
	archive_entry_free(ent);
	return rc;
}

static int add_blob_fd(struct save *sv, const char *digest, int fd)
{
	char name[128];
	struct stat st;

	if (json_object_get(sv->written, digest_hex(digest)))
		return 0;
	if (fstat(fd, &st) < 0)
		return spawn_fail_errno(sv->e, "stat blob %s", digest);
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest_hex(digest));
	json_object_set_new(sv->written, digest_hex(digest), json_integer((json_int_t)st.st_size));
	return add_entry(sv, name, fd, NULL, (uint64_t)st.st_size);
}

static int add_blob_data(struct save *sv, const char *digest, const char *data, size_t len)
{
	char name[128];

	if (json_object_get(sv->written, digest_hex(digest)))
		return 0;
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest_hex(digest));
	json_object_set_new(sv->written, digest_hex(digest), json_integer((json_int_t)len));
	return add_entry(sv, name, -1, data, len);
}

/* The layer as an uncompressed tar, in a tmp file of the store; checked
 * against its diff_id on the way. */
static int uncompressed(struct save *sv, const char *blob, const char *diff_id, char *tmp,
			size_t tmplen)
{
	char name[128], path[PATH_MAX], got[IMAGE_DIGEST_LEN], buf[1 << 16];
	struct archive *a = archive_read_new();
	struct archive_entry *ent;
	struct digester d = {0};
	la_ssize_t n;
	int fd = imgstore_tmp_file(sv->s, tmp, tmplen, sv->e), rc = -1;

	imgstore_blob_name(blob, name, sizeof(name));
	if (fd < 0 || !a || imgstore_path(sv->s, name, path, sizeof(path), sv->e) < 0 ||
	    digester_init(&d, sv->e) < 0)
		goto out;
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 1 << 17) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		spawn_fail(sv->e, "layer %s: %s", path, archive_error_string(a));
		goto out;
	}
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		digester_update(&d, buf, (size_t)n);
		if (write(fd, buf, (size_t)n) != n) {
			spawn_fail_errno(sv->e, "write %s/%s", sv->s->path, tmp);
			goto out;
		}
	}
	if (n < 0) {
		spawn_fail(sv->e, "layer %s: %s", path, archive_error_string(a));
		goto out;
	}
	digester_final(&d, got);
	if (strcmp(got, diff_id) != 0) {
		spawn_fail(sv->e, "layer %s: its tar hashes to %s, not %s", blob, got, diff_id);
		goto out;
	}
	rc = lseek(fd, 0, SEEK_SET) < 0 ? spawn_fail_errno(sv->e, "lseek") : fd;
out:
	digester_free(&d);
	if (a)
		archive_read_free(a);
	if (rc < 0 && fd >= 0)
		close(fd);
	return rc;
}

static int add_layer(struct save *sv, const char *blob, const char *diff_id)
{
	char tmp[128] = "", name[128];
	int fd, rc;

	if (json_object_get(sv->written, digest_hex(diff_id)))
		return 0;
	if (strcmp(blob, diff_id) == 0) {
		imgstore_blob_name(blob, name, sizeof(name));
		fd = openat(sv->s->dir, name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return spawn_fail_errno(sv->e, "open %s/%s", sv->s->path, name);
	} else if ((fd = uncompressed(sv, blob, diff_id, tmp, sizeof(tmp))) < 0) {
		if (tmp[0])
			unlinkat(sv->s->dir, tmp, 0);
		return -1;
	}
	rc = add_blob_fd(sv, diff_id, fd);
	close(fd);
	if (tmp[0])
		unlinkat(sv->s->dir, tmp, 0);
	return rc;
}

static json_int_t written_size(struct save *sv, const char *digest)
{
	return json_integer_value(json_object_get(sv->written, digest_hex(digest)));
}

/* The image's manifest as saved: the same config, uncompressed layers. */
static int add_manifest(struct save *sv, const json_t *rec, const char *full, const char *tag,
			json_t *paths)
{
	json_t *layers = json_array(), *d, *mj;
	char digest[IMAGE_DIGEST_LEN], *text;
	const char *cfg = json_str(rec, "config");
	size_t i, len;
	int rc = -1;

	json_array_foreach(json_object_get(rec, "diff_ids"), i, d)
	{
		char path[128];
		snprintf(path, sizeof(path), "blobs/sha256/%s", digest_hex(json_string_value(d)));
		json_array_append_new(paths, json_string(path));
		json_array_append_new(layers, json_pack("{s:s,s:s,s:I}", "mediaType", MT_OCI_LAYER,
							"digest", json_string_value(d), "size",
							written_size(sv, json_string_value(d))));
	}
	mj = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType",
		       MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest", cfg, "size",
		       written_size(sv, cfg), "layers", layers);
	if (!mj || !(text = json_compact(mj, &len, sv->e))) {
		json_decref(mj);
		return spawn_fail(sv->e, "save: out of memory");
	}
	if (digest_buffer(text, len, digest, sv->e) == 0 &&
	    add_blob_data(sv, digest, text, len) == 0) {
		json_t *ent = json_pack("{s:s,s:s,s:I}", "mediaType", MT_OCI_MANIFEST, "digest",
					digest, "size", (json_int_t)len);
		if (full)
			json_object_set_new(ent, "annotations",
					    json_pack("{s:s,s:s}", "io.containerd.image.name", full,
						      "org.opencontainers.image.ref.name", tag));
		json_array_append_new(sv->index, ent);
		rc = 0;
	}
	free(text);
	json_decref(mj);
	return rc;
}

static int save_image(struct save *sv, json_t *root, const char *name)
{
	char manifest[IMAGE_DIGEST_LEN], full[700], familiar[700], *cfg = NULL;
	json_t *rec, *paths = json_array(), *tags = json_array(), *d;
	struct spawn_error ignored;
	struct image_ref ref;
	bool named;
	size_t i, cfg_len;
	int rc = -1;

	if (index_find(root, name, manifest, sv->e) != 0)
		goto out;
	rec = json_object_get(json_object_get(root, "images"), manifest);
	/* Saved by a name: the tar carries that name, as docker save does. */
	named = image_ref_parse(name, &ref, &ignored) == 0 && ref.tag[0];
	if (named) {
		image_ref_format(&ref, full, sizeof(full));
		named = json_object_get(json_object_get(root, "refs"), full) != NULL;
	}
	if (named) {
		image_ref_familiar(&ref, familiar, sizeof(familiar));
		json_array_append_new(tags, json_string(familiar));
	}
	if (imgstore_read_blob(sv->s, json_str(rec, "config"), &cfg, &cfg_len, sv->e) < 0 ||
	    add_blob_data(sv, json_str(rec, "config"), cfg, cfg_len) < 0)
		goto out;
	json_array_foreach(json_object_get(rec, "diff_ids"), i, d)
	{
		const char *blob =
		    json_string_value(json_array_get(json_object_get(rec, "layers"), i));
		if (add_layer(sv, blob, json_string_value(d)) < 0)
			goto out;
	}
	if (add_manifest(sv, rec, named ? full : NULL, named ? ref.tag : NULL, paths) < 0)
		goto out;
	json_array_append_new(sv->docker, json_pack("{s:s+,s:O,s:O}", "Config", "blobs/sha256/",
						    digest_hex(json_str(rec, "config")), "RepoTags",
						    tags, "Layers", paths));
	rc = 0;
out:
	free(cfg);
	json_decref(paths);
	json_decref(tags);
	return rc;
}

static int add_json(struct save *sv, const char *name, const json_t *v)
{
	char *text = json_compact(v, NULL, sv->e);
	int rc;

	if (!text)
		return -1;
	rc = add_entry(sv, name, -1, text, strlen(text));
	free(text);
	return rc;
}

static int write_all_images(struct save *sv, char *const *names, size_t n)
{
	json_t *root = index_read(sv->s, sv->e), *layout;
	int rc = -1;

	if (!root)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (save_image(sv, root, names[i]) < 0)
			goto out;
	layout = json_pack("{s:s}", "imageLayoutVersion", "1.0.0");
	rc = add_json(sv, "oci-layout", layout);
	json_decref(layout);
	if (rc == 0) {
		json_t *idx = json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType",
					MT_OCI_INDEX, "manifests", sv->index);
		rc = add_json(sv, "index.json", idx);
		json_decref(idx);
	}
	if (rc == 0)
		rc = add_json(sv, "manifest.json", sv->docker);
out:
	json_decref(root);
	return rc;
}

int image_save(struct image_store *s, char *const *names, size_t nnames, const char *file,
	       struct spawn_error *e)
{
	struct save sv = {.s = s, .file = file, .e = e};
	char tmp[PATH_MAX];
	int lock, fd = -1, rc = -1;

	if (format_path(tmp, sizeof(tmp), "%s.tmp-%d", file, (int)getpid()) < 0)
		return spawn_fail_errno(e, "save %s", file);
	if ((lock = imgstore_lock(s, "lock", LOCK_SH, e)) < 0)
		return -1;
	sv.written = json_object();
	sv.index = json_array();
	sv.docker = json_array();
	sv.a = archive_write_new();
	if (!sv.a || (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		spawn_fail_errno(e, "create %s", tmp);
		goto out;
	}
	archive_write_set_format_pax_restricted(sv.a);
	if (archive_write_open_fd(sv.a, fd) != ARCHIVE_OK) {
		spawn_fail(e, "%s: %s", tmp, archive_error_string(sv.a));
		goto out;
	}
	if (write_all_images(&sv, names, nnames) < 0)
		goto out;
	if (archive_write_close(sv.a) != ARCHIVE_OK) {
		spawn_fail(e, "%s: %s", tmp, archive_error_string(sv.a));
		goto out;
	}
	if (fsync(fd) < 0) {
		spawn_fail_errno(e, "fsync %s", tmp);
		goto out;
	}
	if (rename(tmp, file) < 0) {
		spawn_fail_errno(e, "rename %s to %s", tmp, file);
		goto out;
	}
	rc = 0;
out:
	if (sv.a)
		archive_write_free(sv.a);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	json_decref(sv.written);
	json_decref(sv.index);
	json_decref(sv.docker);
	close(lock);
	return rc;
}
