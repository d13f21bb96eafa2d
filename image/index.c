/* index.json: the images of the store (by manifest digest, with what
 * collection and listing need) and the references that name them. It is
 * rewritten whole, atomically, under index.lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "image/internal.h"

#define INDEX_FILE "index.json"

static json_t *index_new(void)
{
	return json_pack("{s:{},s:{}}", "images", "refs");
}

static int index_check(json_t *root, const char *path, struct spawn_error *e)
{
	json_t *images = json_object_get(root, "images"), *refs = json_object_get(root, "refs");
	const char *key;
	json_t *v;

	if (!json_is_object(images) || !json_is_object(refs))
		return spawn_fail(e, "%s: corrupt: expected objects \"images\" and \"refs\"", path);
	json_object_foreach(images, key, v)
	{
		if (!digest_valid(key) || !digest_valid(json_str(v, "config")) ||
		    !json_is_array(json_object_get(v, "layers")) ||
		    !json_is_array(json_object_get(v, "diff_ids")))
			return spawn_fail(e, "%s: corrupt: image record '%s'", path, key);
	}
	json_object_foreach(refs, key, v)
	{
		if (!json_is_string(v) || !json_object_get(images, json_string_value(v)))
			return spawn_fail(e, "%s: corrupt: reference '%s' names no image", path,
					  key);
	}
	return 0;
}

json_t *index_read(struct image_store *s, struct spawn_error *e)
{
	char path[PATH_MAX + 16];
	json_error_t err;
	json_t *root;
	int fd;

	snprintf(path, sizeof(path), "%s/" INDEX_FILE, s->path);
	fd = openat(s->dir, INDEX_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return index_new();
	if (fd < 0) {
		spawn_fail_errno(e, "open %s", path);
		return NULL;
	}
	root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &err);
	close(fd);
	if (!root) {
		spawn_fail(e, "%s: corrupt: invalid JSON at line %d, column %d: %s", path, err.line,
			   err.column, err.text);
		return NULL;
	}
	if (index_check(root, path, e) < 0) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static int index_write(struct image_store *s, json_t *root, struct spawn_error *e)
{
	char tmp[128];
	size_t len;
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	int fd, rc = -1;

	if (!text)
		return spawn_fail(e, "cannot serialize %s/" INDEX_FILE, s->path);
	len = strlen(text);
	if ((fd = imgstore_tmp_file(s, tmp, sizeof(tmp), e)) < 0) {
		free(text);
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
		spawn_fail_errno(e, "write %s/%s", s->path, tmp);
	else
		rc = 0;
	close(fd);
	free(text);
	if (rc == 0)
		rc = imgstore_rename(s, tmp, INDEX_FILE, e);
	if (rc < 0)
		unlinkat(s->dir, tmp, 0);
	return rc;
}

int index_update(struct image_store *s, int (*fn)(json_t *root, void *arg, struct spawn_error *e),
		 void *arg, struct spawn_error *e)
{
	int lock = imgstore_lock(s, "index.lock", LOCK_EX, e), rc = -1;
	json_t *root;

	if (lock < 0)
		return -1;
	root = index_read(s, e);
	if (root && fn(root, arg, e) == 0)
		rc = index_write(s, root, e);
	json_decref(root);
	close(lock);
	return rc;
}

static bool hex_prefix(const char *p)
{
	if (strncmp(p, "sha256:", 7) == 0)
		p += 7;
	if (strlen(p) < 3 || strlen(p) > 64)
		return false;
	for (; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Image ids (config digests) and manifest digests starting with name. */
static int find_by_id(json_t *root, const char *name, char manifest[IMAGE_DIGEST_LEN],
		      struct spawn_error *e)
{
	char want[IMAGE_DIGEST_LEN];
	json_t *images = json_object_get(root, "images"), *v;
	const char *key, *found = NULL;
	size_t n;

	snprintf(want, sizeof(want), "%s%s", strncmp(name, "sha256:", 7) ? "sha256:" : "", name);
	n = strlen(want);
	json_object_foreach(images, key, v)
	{
		if (strncmp(json_str(v, "config"), want, n) != 0 && strcmp(key, want) != 0)
			continue;
		if (found && strcmp(json_str(json_object_get(images, found), "config"),
				    json_str(v, "config")) != 0)
			return spawn_fail(e, "image id '%s' is ambiguous", name);
		found = key;
	}
	if (!found)
		return 1;
	snprintf(manifest, IMAGE_DIGEST_LEN, "%s", found);
	return 0;
}

int index_find(json_t *root, const char *name, char manifest[IMAGE_DIGEST_LEN],
	       struct spawn_error *e)
{
	struct spawn_error ignored;
	char full[700];
	const char *m = NULL;
	int rc;

	if (ref_full_name(name, full, sizeof(full), &ignored) == 0)
		m = json_string_value(json_object_get(json_object_get(root, "refs"), full));
	if (m) {
		snprintf(manifest, IMAGE_DIGEST_LEN, "%s", m);
		return 0;
	}
	if (hex_prefix(name)) {
		rc = find_by_id(root, name, manifest, e);
		if (rc <= 0)
			return rc;
		if (strncmp(name, "sha256:", 7) == 0) {
			spawn_fail(e, "image '%s' not found", name);
			errno = ENOENT; /* callers tell "no such image" from failures */
			return -1;
		}
	}
	if (ref_full_name(name, full, sizeof(full), e) < 0)
		return -1;
	spawn_fail(e, "image '%s' not found (as %s)", name, full);
	errno = ENOENT;
	return -1;
}

struct add_args {
	const char *manifest;
	const char *name;
	json_t *record;
};

static int add_image(json_t *root, void *arg, struct spawn_error *e)
{
	struct add_args *a = arg;

	if (json_object_set(json_object_get(root, "images"), a->manifest, a->record) < 0 ||
	    (a->name && json_object_set_new(json_object_get(root, "refs"), a->name,
					    json_string(a->manifest)) < 0))
		return spawn_fail(e, "index: out of memory");
	return 0;
}

/* What collection and listing need, so that they read no blob. */
static json_t *image_record(struct image_store *s, const char *manifest_digest,
			    struct spawn_error *e)
{
	json_t *root = imgstore_read_json(s, manifest_digest, e), *cfg = NULL, *rec = NULL;
	json_t *layers, *diffs;
	struct manifest m;
	const char **ids = NULL;
	size_t n = 0;
	json_int_t size = 0;

	if (!root)
		return NULL;
	if (manifest_parse(root, &m, manifest_digest, e) < 0) {
		json_decref(root);
		return NULL;
	}
	cfg = imgstore_read_json(s, m.config.digest, e);
	if (!cfg || config_diff_ids(cfg, &ids, &n, m.config.digest, e) < 0)
		goto out;
	if (n != m.nlayers) {
		spawn_fail(e, "image %s: %zu layers but %zu diff_ids in its config",
			   manifest_digest, m.nlayers, n);
		goto out;
	}
	layers = json_array();
	diffs = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(layers, json_string(m.layers[i].digest));
		json_array_append_new(diffs, json_string(ids[i]));
		size += m.layers[i].size;
	}
	rec = json_pack("{s:s,s:o,s:o,s:I}", "config", m.config.digest, "layers", layers,
			"diff_ids", diffs, "size", size);
	if (rec && json_str(cfg, "created"))
		json_object_set(rec, "created", json_object_get(cfg, "created"));
	if (!rec)
		spawn_fail(e, "index: out of memory");
out:
	free(ids);
	json_decref(cfg);
	manifest_free(&m);
	json_decref(root);
	return rec;
}

int index_add_image(struct image_store *s, const char *manifest_digest, const char *name,
		    struct spawn_error *e)
{
	struct add_args a = {manifest_digest, name, image_record(s, manifest_digest, e)};
	int rc;

	if (!a.record)
		return -1;
	rc = index_update(s, add_image, &a, e);
	json_decref(a.record);
	return rc;
}
