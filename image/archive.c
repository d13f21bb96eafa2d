/* docker save / podman save tars and OCI image layouts, in and out. An
 * archive is unpacked into a temporary directory of the store (by the same
 * safe unpacker as layers); every file it names is then opened beneath that
 * directory and verified before the store takes it. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"

struct load {
	struct image_store *s;
	int dir;	  /* the archive's files, or the layout */
	const char *what; /* the archive or layout, for messages */
	const struct image_loaded *cb;
	struct spawn_error *e;
};

static json_t *read_json_file(struct load *l, const char *name)
{
	char what[PATH_MAX + 300];
	char *buf = malloc(SMALL_BLOB_MAX + 1);
	int fd = open_beneath(l->dir, name, O_RDONLY);
	ssize_t n = -1;
	json_t *v = NULL;

	snprintf(what, sizeof(what), "%s: %s", l->what, name);
	if (fd < 0 || !buf) {
		spawn_fail_errno(l->e, "%s", what);
	} else if ((n = read(fd, buf, SMALL_BLOB_MAX + 1)) < 0 || n > SMALL_BLOB_MAX) {
		spawn_fail(l->e, "%s: unreadable or larger than 4 MiB", what);
	} else {
		v = json_parse(buf, (size_t)n, what, l->e);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return v;
}

/* Layers of a docker archive carry no media type: the first bytes tell. */
static const char *sniff_layer_type(struct image_store *s, const char *digest)
{
	unsigned char b[4] = {0};
	char name[128];
	int fd;

	imgstore_blob_name(digest, name, sizeof(name));
	if ((fd = openat(s->dir, name, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (read(fd, b, sizeof(b)) < 0)
			b[0] = 0;
		close(fd);
	}
	if (b[0] == 0x1f && b[1] == 0x8b)
		return MT_OCI_LAYER_GZIP;
	if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return MT_OCI_LAYER;
}

static void loaded(struct load *l, const char *id, const char *name)
{
	if (l->cb && l->cb->image)
		l->cb->image(l->cb->arg, id, name);
}

/* Records the image and its names (full references). */
static int add_named(struct load *l, const char *manifest, const char *id, char **names, size_t n)
{
	if (index_add_image(l->s, manifest, n ? names[0] : NULL, l->e) < 0)
		return -1;
	for (size_t i = 1; i < n; i++)
		if (image_tag(l->s, manifest, names[i], l->e) < 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		loaded(l, id, names[i]);
	if (n == 0)
		loaded(l, id, NULL);
	return 0;
}

static int blob_size(struct load *l, const char *digest, json_int_t *size)
{
	char name[128];
	struct stat st;

	imgstore_blob_name(digest, name, sizeof(name));
	if (fstatat(l->s->dir, name, &st, 0) < 0)
		return spawn_fail_errno(l->e, "stat %s/%s", l->s->path, name);
	*size = (json_int_t)st.st_size;
	return 0;
}

/* Imports the layer files of a docker archive entry and unpacks them;
 * descs gets their descriptors. */
static int import_layers(struct load *l, const json_t *layers, const char **ids, json_t *descs)
{
	char digest[IMAGE_DIGEST_LEN];
	json_int_t size;
	json_t *t;
	size_t i;

	json_array_foreach(layers, i, t)
	{
		if (!json_is_string(t))
			return spawn_fail(l->e, "%s: manifest.json: a layer that is not a path",
					  l->what);
		if (imgstore_import_file(l->s, l->dir, json_string_value(t), NULL, -1, digest,
					 l->e) < 0 ||
		    imgstore_unpack(l->s, digest, ids[i], l->e) < 0 ||
		    blob_size(l, digest, &size) < 0)
			return -1;
		json_array_append_new(descs, json_pack("{s:s,s:s,s:I}", "mediaType",
						       sniff_layer_type(l->s, digest), "digest",
						       digest, "size", size));
	}
	return 0;
}

/* RepoTags as full names. */
static int repo_tags(struct load *l, const json_t *tags, char ***names, size_t *n)
{
	char full[700];
	json_t *t;
	size_t i;

	*n = 0;
	if (!(*names = calloc(json_array_size(tags) + 1, sizeof(**names))))
		return spawn_fail_errno(l->e, "calloc");
	json_array_foreach(tags, i, t)
	{
		if (!json_is_string(t) ||
		    ref_full_name(json_string_value(t), full, sizeof(full), l->e) < 0)
			return -1;
		if (!((*names)[(*n)++] = strdup(full)))
			return spawn_fail_errno(l->e, "strdup");
	}
	return 0;
}

/* One entry of a docker manifest.json: {Config, RepoTags, Layers}. The
 * store gets an OCI manifest for it. */
static int load_docker_image(struct load *l, const json_t *ent)
{
	char cfg_digest[IMAGE_DIGEST_LEN], mdigest[IMAGE_DIGEST_LEN];
	json_t *cfg = NULL, *layers = json_object_get(ent, "Layers"), *mj = NULL;
	json_t *descs = json_array();
	const char **ids = NULL;
	char **names = NULL, *text = NULL;
	size_t nids, ntags = 0, len;
	json_int_t cfg_size;
	int rc = -1;

	if (!json_str(ent, "Config") || !json_is_array(layers)) {
		spawn_fail(l->e, "%s: manifest.json: an entry without Config or Layers", l->what);
		goto out;
	}
	if (imgstore_import_file(l->s, l->dir, json_str(ent, "Config"), NULL, -1, cfg_digest,
				 l->e) < 0 ||
	    !(cfg = imgstore_read_json(l->s, cfg_digest, l->e)) ||
	    config_diff_ids(cfg, &ids, &nids, json_str(ent, "Config"), l->e) < 0 ||
	    blob_size(l, cfg_digest, &cfg_size) < 0)
		goto out;
	if (nids != json_array_size(layers)) {
		spawn_fail(l->e, "%s: %zu layers but %zu diff_ids in %s", l->what,
			   json_array_size(layers), nids, json_str(ent, "Config"));
		goto out;
	}
	if (import_layers(l, layers, ids, descs) < 0)
		goto out;
	mj = json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:O}", "schemaVersion", 2, "mediaType",
		       MT_OCI_MANIFEST, "config", "mediaType", MT_OCI_CONFIG, "digest", cfg_digest,
		       "size", cfg_size, "layers", descs);
	if (!mj) {
		spawn_fail(l->e, "%s: out of memory", l->what);
		goto out;
	}
	if (!(text = json_compact(mj, &len, l->e)) ||
	    imgstore_put_blob(l->s, text, len, NULL, mdigest, l->e) < 0 ||
	    repo_tags(l, json_object_get(ent, "RepoTags"), &names, &ntags) < 0)
		goto out;
	rc = add_named(l, mdigest, cfg_digest, names, ntags);
out:
	strv_free(names);
	free(text);
	free(ids);
	json_decref(mj);
	json_decref(descs);
	json_decref(cfg);
	return rc;
}

/* An OCI layout's blob, by descriptor, into the store. */
static int import_blob(struct load *l, const struct descriptor *d)
{
	char path[128], got[IMAGE_DIGEST_LEN];

	snprintf(path, sizeof(path), "blobs/sha256/%s", digest_hex(d->digest));
	return imgstore_import_file(l->s, l->dir, path, d->digest, d->size, got, l->e);
}

static int load_oci_manifest(struct load *l, const struct descriptor *d, const char *name)
{
	struct descriptor picked = *d;
	struct manifest m = {0};
	json_t *root = NULL, *cfg = NULL;
	const char **ids = NULL;
	struct unpack_job *jobs = NULL;
	char *names[2] = {(char *)name, NULL};
	size_t nids;
	int rc = -1;

	if (import_blob(l, &picked) < 0 || !(root = imgstore_read_json(l->s, picked.digest, l->e)))
		goto out;
	if (media_is_index(manifest_media_type(root))) {
		if (index_pick(root, NULL, &picked, picked.digest, l->e) < 0)
			goto out;
		json_t *idx = root;
		root = NULL;
		rc = load_oci_manifest(l, &picked, name);
		json_decref(idx);
		return rc;
	}
	if (manifest_parse(root, &m, picked.digest, l->e) < 0 || import_blob(l, &m.config) < 0 ||
	    !(cfg = imgstore_read_json(l->s, m.config.digest, l->e)) ||
	    config_diff_ids(cfg, &ids, &nids, m.config.digest, l->e) < 0)
		goto out;
	if (nids != m.nlayers) {
		spawn_fail(l->e, "%s: image %s: %zu layers but %zu diff_ids", l->what,
			   picked.digest, m.nlayers, nids);
		goto out;
	}
	if (!(jobs = calloc(m.nlayers + 1, sizeof(*jobs)))) {
		spawn_fail_errno(l->e, "calloc");
		goto out;
	}
	for (size_t i = 0; i < m.nlayers; i++) {
		if (import_blob(l, &m.layers[i]) < 0)
			goto out;
		jobs[i] = (struct unpack_job){m.layers[i].digest, ids[i]};
	}
	if (imgstore_unpack_all(l->s, jobs, m.nlayers, NULL, NULL, l->e) < 0)
		goto out;
	rc = add_named(l, picked.digest, m.config.digest, names, name ? 1 : 0);
out:
	free(jobs);
	free(ids);
	json_decref(cfg);
	manifest_free(&m);
	json_decref(root);
	return rc;
}

/* The name of an index.json entry: containerd's full-name annotation, or
 * a ref.name that is a reference, or the ref.name tag under localhost/BASE
 * (BASE NULL: nameless). */
static int layout_name(struct load *l, const json_t *m, const char *base, char *out, size_t len)
{
	const json_t *ann = json_object_get(m, "annotations");
	const char *full = json_str(ann, "io.containerd.image.name");
	const char *tag = json_str(ann, "org.opencontainers.image.ref.name");
	char text[700];

	if (full)
		return ref_full_name(full, out, len, l->e);
	if (tag && strpbrk(tag, ":/"))
		return ref_full_name(tag, out, len, l->e);
	if (!base)
		return 1;
	snprintf(text, sizeof(text), "localhost/%s:%s", base, tag ? tag : "latest");
	return ref_full_name(text, out, len, l->e);
}

static int load_layout(struct load *l, const char *tag, const char *base)
{
	json_t *idx = read_json_file(l, "index.json"), *list, *m;
	char name[700];
	size_t i, done = 0;
	int rc = 0, named;

	if (!idx)
		return -1;
	list = json_object_get(idx, "manifests");
	if (!json_is_array(list))
		rc = spawn_fail(l->e, "%s: index.json: no manifests array", l->what);
	json_array_foreach(list, i, m)
	{
		struct descriptor d = {json_str(m, "mediaType"), json_str(m, "digest"),
				       json_integer_value(json_object_get(m, "size"))};
		const char *ref = json_str(json_object_get(m, "annotations"),
					   "org.opencontainers.image.ref.name");
		if (rc < 0 || (tag && (!ref || strcmp(ref, tag) != 0)))
			continue;
		if (!digest_valid(d.digest)) {
			rc = spawn_fail(l->e, "%s: index.json: entry %zu has no sha256 digest",
					l->what, i);
			break;
		}
		if ((named = layout_name(l, m, base, name, sizeof(name))) < 0 ||
		    load_oci_manifest(l, &d, named == 0 ? name : NULL) < 0)
			rc = -1;
		done++;
	}
	if (rc == 0 && done == 0)
		rc = spawn_fail(l->e, "%s: no image%s%s in index.json", l->what,
				tag ? " tagged " : "", tag ? tag : "");
	json_decref(idx);
	return rc;
}

static int load_manifest_json(struct load *l)
{
	json_t *list = read_json_file(l, "manifest.json"), *ent;
	size_t i;
	int rc = 0;

	if (!list)
		return -1;
	if (!json_is_array(list) || json_array_size(list) == 0)
		rc = spawn_fail(l->e, "%s: manifest.json: expected a non-empty array", l->what);
	json_array_foreach(list, i, ent) if (rc == 0) rc = load_docker_image(l, ent);
	json_decref(list);
	return rc;
}

static bool has_file(int dir, const char *name)
{
	return faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int image_load_archive(struct image_store *s, const char *file, const struct image_loaded *cb,
		       struct spawn_error *e)
{
	struct load l = {.s = s, .dir = -1, .what = file, .cb = cb, .e = e};
	char tmp[128], path[PATH_MAX], ignored[IMAGE_DIGEST_LEN];
	int lock = imgstore_lock(s, "lock", LOCK_SH, e), rc = -1;

	if (lock < 0)
		return -1;
	if (imgstore_tmp_dir(s, tmp, sizeof(tmp), e) < 0 ||
	    imgstore_path(s, tmp, path, sizeof(path), e) < 0) {
		close(lock);
		return -1;
	}
	if (image_unpack_layer(strcmp(file, "-") == 0 ? "/dev/stdin" : file, path, ignored, e) < 0)
		goto out;
	if ((l.dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		spawn_fail_errno(e, "open %s", path);
		goto out;
	}
	/* docker 25 writes both forms; manifest.json has the names. */
	if (has_file(l.dir, "manifest.json"))
		rc = load_manifest_json(&l);
	else if (has_file(l.dir, "index.json"))
		rc = load_layout(&l, NULL, NULL);
	else
		spawn_fail(e, "%s: neither manifest.json nor index.json: not an image archive",
			   file);
out:
	if (l.dir >= 0)
		close(l.dir);
	remove_tree(path);
	close(lock);
	return rc;
}

int image_load_oci(struct image_store *s, const char *dir_tag, const struct image_loaded *cb,
		   struct spawn_error *e)
{
	char dir[PATH_MAX], base[PATH_MAX];
	const char *tag = NULL;
	char *colon;
	struct load l = {.s = s, .dir = -1, .what = dir, .cb = cb, .e = e};
	int lock, rc;

	if (format_path(dir, sizeof(dir), "%s", dir_tag) < 0)
		return spawn_fail_errno(e, "--oci %s", dir_tag);
	/* DIR:TAG unless what follows the colon is a path */
	colon = strrchr(dir, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		tag = colon + 1;
	}
	if ((l.dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return spawn_fail_errno(e, "OCI layout %s", dir);
	snprintf(base, sizeof(base), "%s", dir);
	if ((lock = imgstore_lock(s, "lock", LOCK_SH, e)) < 0) {
		close(l.dir);
		return -1;
	}
	rc = load_layout(&l, tag, basename(base));
	close(lock);
	close(l.dir);
	return rc;
}
