/* A new image from a base image and an overlay upper directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "image/internal.h"

static void now_rfc3339(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The layer's blob: the uncompressed tar, so its digest is its diff_id. */
static int write_layer(struct image_store *s, const char *upper, char diff_id[IMAGE_DIGEST_LEN],
		       uint64_t *size, struct spawn_error *e)
{
	char tmp[128];
	int fd = imgstore_tmp_file(s, tmp, sizeof(tmp), e);

	if (fd < 0)
		return -1;
	if (image_diff_layer(upper, fd, diff_id, size, e) < 0) {
		close(fd);
		unlinkat(s->dir, tmp, 0);
		return -1;
	}
	if (fsync(fd) < 0) {
		spawn_fail_errno(e, "fsync %s/%s", s->path, tmp);
		close(fd);
		unlinkat(s->dir, tmp, 0);
		return -1;
	}
	close(fd);
	if (imgstore_commit_blob(s, tmp, diff_id, e) < 0) {
		unlinkat(s->dir, tmp, 0);
		return -1;
	}
	return imgstore_unpack(s, diff_id, diff_id, e);
}

static json_t *new_config(const json_t *base, const char *diff_id,
			  const struct image_commit_opts *o)
{
	json_t *cfg = json_deep_copy(base), *rootfs, *diffs, *history, *h;
	char now[64];

	if (!cfg)
		return NULL;
	now_rfc3339(now, sizeof(now));
	rootfs = json_object_get(cfg, "rootfs");
	diffs = json_object_get(rootfs, "diff_ids");
	history = json_object_get(cfg, "history");
	if (!json_is_array(history)) {
		history = json_array();
		json_object_set_new(cfg, "history", history);
	}
	h = json_pack("{s:s,s:s}", "created", now, "created_by", "cspawn commit");
	if (!h || json_array_append_new(diffs, json_string(diff_id)) < 0 ||
	    json_array_append_new(history, h) < 0 ||
	    json_object_set_new(cfg, "created", json_string(now)) < 0) {
		json_decref(cfg);
		return NULL;
	}
	if (o->comment)
		json_object_set_new(h, "comment", json_string(o->comment));
	if (o->author) {
		json_object_set_new(h, "author", json_string(o->author));
		json_object_set_new(cfg, "author", json_string(o->author));
	}
	return cfg;
}

/* Docker's layer types have OCI equivalents of the same bytes. */
static const char *oci_layer_type(const char *mt)
{
	if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar.gzip") == 0)
		return MT_OCI_LAYER_GZIP;
	if (strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0 || !*mt)
		return MT_OCI_LAYER;
	return mt;
}

static json_t *descriptor_json(const char *mt, const char *digest, int64_t size)
{
	return json_pack("{s:s,s:s,s:I}", "mediaType", mt, "digest", digest, "size",
			 (json_int_t)size);
}

static json_t *new_manifest(const struct manifest *base, const char *config, size_t config_size,
			    const char *layer, uint64_t layer_size)
{
	json_t *layers = json_array();

	for (size_t i = 0; i < base->nlayers; i++)
		json_array_append_new(
		    layers, descriptor_json(oci_layer_type(base->layers[i].media_type),
					    base->layers[i].digest, base->layers[i].size));
	json_array_append_new(layers, descriptor_json(MT_OCI_LAYER, layer, (int64_t)layer_size));
	return json_pack("{s:i,s:s,s:o,s:o}", "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
			 "config", descriptor_json(MT_OCI_CONFIG, config, (int64_t)config_size),
			 "layers", layers);
}

/* Stores the JSON value as a blob; digest and size of what was stored. */
static int put_json(struct image_store *s, const json_t *v, char digest[IMAGE_DIGEST_LEN],
		    size_t *size, struct spawn_error *e)
{
	char *text = json_compact(v, size, e);
	int rc;

	if (!text)
		return -1;
	rc = imgstore_put_blob(s, text, *size, NULL, digest, e);
	free(text);
	return rc;
}

static int commit_locked(struct image_store *s, const char *base, const char *upper,
			 const struct image_commit_opts *o, char id[IMAGE_DIGEST_LEN],
			 struct spawn_error *e)
{
	char manifest_digest[IMAGE_DIGEST_LEN], diff_id[IMAGE_DIGEST_LEN], full[700];
	json_t *root = index_read(s, e), *mroot = NULL, *bcfg = NULL, *cfg = NULL, *mj = NULL;
	struct manifest m = {0};
	uint64_t layer_size;
	size_t cfg_size, mj_size;
	int rc = -1;

	if (o->tag && ref_full_name(o->tag, full, sizeof(full), e) < 0)
		goto out;
	if (!root || index_find(root, base, manifest_digest, e) != 0)
		goto out;
	if (!(mroot = imgstore_read_json(s, manifest_digest, e)) ||
	    manifest_parse(mroot, &m, manifest_digest, e) < 0 ||
	    !(bcfg = imgstore_read_json(s, m.config.digest, e)))
		goto out;
	if (write_layer(s, upper, diff_id, &layer_size, e) < 0)
		goto out;
	if (!(cfg = new_config(bcfg, diff_id, o))) {
		spawn_fail(e, "commit: the base config %s has no rootfs.diff_ids", m.config.digest);
		goto out;
	}
	if (put_json(s, cfg, id, &cfg_size, e) < 0)
		goto out;
	if (!(mj = new_manifest(&m, id, cfg_size, diff_id, layer_size))) {
		spawn_fail(e, "commit: out of memory");
		goto out;
	}
	if (put_json(s, mj, manifest_digest, &mj_size, e) < 0)
		goto out;
	rc = index_add_image(s, manifest_digest, o->tag ? full : NULL, e);
out:
	manifest_free(&m);
	json_decref(mj);
	json_decref(cfg);
	json_decref(bcfg);
	json_decref(mroot);
	json_decref(root);
	return rc;
}

int image_commit(struct image_store *s, const char *base, const char *upper,
		 const struct image_commit_opts *o, char id[IMAGE_DIGEST_LEN],
		 struct spawn_error *e)
{
	int lock = imgstore_lock(s, "lock", LOCK_SH, e), rc;

	if (lock < 0)
		return -1;
	rc = commit_locked(s, base, upper, o, id, e);
	close(lock);
	return rc;
}
