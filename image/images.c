/* Reading the store: resolving a name to layers and config, listing,
 * tagging, inspecting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/internal.h"

static int resolve_layers(struct image_store *s, const json_t *rec, struct image_resolved *out,
			  struct spawn_error *e)
{
	json_t *diffs = json_object_get(rec, "diff_ids"), *d;
	char name[128], path[PATH_MAX];
	size_t i;

	out->layers = calloc(json_array_size(diffs) + 1, sizeof(*out->layers));
	if (!out->layers)
		return spawn_fail_errno(e, "calloc");
	json_array_foreach(diffs, i, d)
	{
		imgstore_layer_name(json_string_value(d), name, sizeof(name));
		if (imgstore_path(s, name, path, sizeof(path), e) < 0)
			return -1;
		if (!imgstore_has(s, name))
			return spawn_fail(e,
					  "image %s: layer directory %s is missing (pull or load "
					  "the image again)",
					  out->id, path);
		if (!(out->layers[i] = strdup(path)))
			return spawn_fail_errno(e, "strdup");
		out->nlayers++;
	}
	return 0;
}

int image_resolve(struct image_store *s, const char *name, struct image_resolved *out,
		  struct spawn_error *e)
{
	json_t *root = index_read(s, e), *rec, *cfg = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!root || index_find(root, name, out->manifest, e) != 0)
		goto out;
	rec = json_object_get(json_object_get(root, "images"), out->manifest);
	snprintf(out->id, sizeof(out->id), "%s", json_str(rec, "config"));
	if (resolve_layers(s, rec, out, e) < 0)
		goto out;
	if (!(cfg = imgstore_read_json(s, out->id, e)) || config_parse(cfg, &out->config, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(cfg);
	json_decref(root);
	if (rc < 0)
		image_resolved_free(out);
	return rc;
}

void image_resolved_free(struct image_resolved *r)
{
	strv_free(r->layers);
	config_free(&r->config);
	r->layers = NULL;
	r->nlayers = 0;
}

static int names_of(json_t *root, const char *manifest, char ***out, struct spawn_error *e)
{
	json_t *refs = json_object_get(root, "refs"), *v;
	const char *key;
	size_t n = 0;

	*out = calloc(json_object_size(refs) + 1, sizeof(**out));
	if (!*out)
		return spawn_fail_errno(e, "calloc");
	json_object_foreach(refs, key, v)
	{
		if (strcmp(json_string_value(v), manifest) != 0)
			continue;
		if (!((*out)[n++] = strdup(key)))
			return spawn_fail_errno(e, "strdup");
	}
	return 0;
}

int image_list(struct image_store *s, struct image_summary **out, size_t *n, struct spawn_error *e)
{
	json_t *root = index_read(s, e), *images, *rec;
	const char *key;

	*out = NULL;
	*n = 0;
	if (!root)
		return -1;
	images = json_object_get(root, "images");
	*out = calloc(json_object_size(images) + 1, sizeof(**out));
	if (!*out) {
		json_decref(root);
		return spawn_fail_errno(e, "calloc");
	}
	json_object_foreach(images, key, rec)
	{
		struct image_summary *i = &(*out)[(*n)++];
		snprintf(i->id, sizeof(i->id), "%s", json_str(rec, "config"));
		snprintf(i->manifest, sizeof(i->manifest), "%s", key);
		i->size = (uint64_t)json_integer_value(json_object_get(rec, "size"));
		if (json_str(rec, "created") && !(i->created = strdup(json_str(rec, "created")))) {
			json_decref(root);
			return spawn_fail_errno(e, "strdup");
		}
		if (names_of(root, key, &i->names, e) < 0) {
			json_decref(root);
			return -1;
		}
	}
	json_decref(root);
	return 0;
}

void image_list_free(struct image_summary *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strv_free(list[i].names);
		free(list[i].created);
	}
	free(list);
}

struct tag_args {
	const char *source;
	char target[700];
};

static int tag_image(json_t *root, void *arg, struct spawn_error *e)
{
	struct tag_args *t = arg;
	char manifest[IMAGE_DIGEST_LEN];

	if (index_find(root, t->source, manifest, e) != 0)
		return -1;
	if (json_object_set_new(json_object_get(root, "refs"), t->target, json_string(manifest)) <
	    0)
		return spawn_fail(e, "index: out of memory");
	return 0;
}

int image_tag(struct image_store *s, const char *source, const char *target, struct spawn_error *e)
{
	struct tag_args t = {source, ""};
	struct image_ref r;

	if (image_ref_parse(target, &r, e) < 0)
		return -1;
	if (r.digest[0])
		return spawn_fail(e, "tag '%s': a tag cannot have a digest", target);
	image_ref_format(&r, t.target, sizeof(t.target));
	return index_update(s, tag_image, &t, e);
}

static json_t *inspect_object(struct image_store *s, json_t *root, const char *manifest,
			      struct spawn_error *e)
{
	json_t *rec = json_object_get(json_object_get(root, "images"), manifest);
	json_t *cfg = imgstore_read_json(s, json_str(rec, "config"), e), *o, *tags, *dirs, *hist,
	       *comment;
	struct image_resolved r = {0};
	char lower[16384] = "";
	char **names = NULL;

	if (!cfg)
		return NULL;
	snprintf(r.id, sizeof(r.id), "%s", json_str(rec, "config"));
	if (resolve_layers(s, rec, &r, e) < 0 || names_of(root, manifest, &names, e) < 0) {
		image_resolved_free(&r);
		strv_free(names);
		json_decref(cfg);
		return NULL;
	}
	tags = json_array();
	for (char **n = names; *n; n++)
		json_array_append_new(tags, json_string(*n));
	dirs = json_array();
	for (size_t i = 0; i < r.nlayers; i++) {
		size_t l = strlen(lower);
		json_array_append_new(dirs, json_string(r.layers[i]));
		/* overlay's order: the highest layer first */
		snprintf(lower + l, sizeof(lower) - l, "%s%s", l ? ":" : "",
			 r.layers[r.nlayers - 1 - i]);
	}
	hist = json_object_get(cfg, "history");
	/* docker's Comment: the message of the newest step (a commit's -m) */
	comment = json_object_get(json_array_get(hist, json_array_size(hist) - 1), "comment");
	o = json_pack("{s:s,s:s,s:o,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O,s:o,s:{s:s,s:{s:s}}}",
		      "Id", r.id, "Manifest", manifest, "RepoTags", tags, "Created",
		      json_object_get(cfg, "created"), "Architecture",
		      json_object_get(cfg, "architecture"), "Os", json_object_get(cfg, "os"),
		      "Author", json_object_get(cfg, "author"), "Comment", comment, "Config",
		      json_object_get(cfg, "config"), "RootFS", json_object_get(cfg, "rootfs"),
		      "Size", json_object_get(rec, "size"), "Layers", dirs, "GraphDriver", "Name",
		      "overlay", "Data", "LowerDir", lower);
	if (!o)
		spawn_fail(e, "inspect: out of memory");
	image_resolved_free(&r);
	strv_free(names);
	json_decref(cfg);
	return o;
}

int image_inspect(struct image_store *s, const char *name, char **json, struct spawn_error *e)
{
	json_t *root = index_read(s, e), *o = NULL;
	char manifest[IMAGE_DIGEST_LEN];

	*json = NULL;
	if (root && index_find(root, name, manifest, e) == 0 &&
	    (o = inspect_object(s, root, manifest, e))) {
		*json = json_dumps(o, JSON_INDENT(4) | JSON_SORT_KEYS);
		if (!*json)
			spawn_fail(e, "inspect: out of memory");
	}
	json_decref(o);
	json_decref(root);
	return *json ? 0 : -1;
}
