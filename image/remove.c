/* rmi and prune, and the collection that follows them: whatever no image
 * of the index refers to goes, under the exclusive store lock, so that no
 * pull or load is halfway through adding it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "image/internal.h"

static bool in_use(const struct image_users *u, const char *id)
{
	return u && u->uses && u->uses(u->arg, id);
}

static void report(const struct image_removed *cb, const char *what, const char *name)
{
	if (cb && cb->removed)
		cb->removed(cb->arg, what, name);
}

/* Deletes the refs naming manifest; how many there were. */
static size_t untag_all(json_t *root, const char *manifest, const struct image_removed *cb,
			bool dry)
{
	json_t *refs = json_object_get(root, "refs"), *v;
	const char *key;
	void *tmp;
	size_t n = 0;

	json_object_foreach_safe(refs, tmp, key, v)
	{
		if (strcmp(json_string_value(v), manifest) != 0)
			continue;
		n++;
		if (dry)
			continue;
		report(cb, "untagged", key);
		json_object_del(refs, key);
	}
	return n;
}

struct rm_args {
	const char *name;
	bool force;
	const struct image_users *users;
	const struct image_removed *cb;
};

static int remove_image(json_t *root, void *arg, struct spawn_error *e)
{
	struct rm_args *a = arg;
	json_t *refs = json_object_get(root, "refs"), *images = json_object_get(root, "images");
	char manifest[IMAGE_DIGEST_LEN], full[700], id[IMAGE_DIGEST_LEN];
	struct spawn_error ignored;
	bool by_ref;

	if (index_find(root, a->name, manifest, e) != 0)
		return -1;
	snprintf(id, sizeof(id), "%s", json_str(json_object_get(images, manifest), "config"));
	by_ref = ref_full_name(a->name, full, sizeof(full), &ignored) == 0 &&
		 json_object_get(refs, full);
	if (by_ref && untag_all(root, manifest, NULL, true) > 1) {
		report(a->cb, "untagged", full);
		json_object_del(refs, full);
		return 0;
	}
	if (!by_ref && untag_all(root, manifest, NULL, true) > 1 && !a->force)
		return spawn_fail(e, "image %.19s has %zu names: remove them one by one, or use -f",
				  digest_hex(id), untag_all(root, manifest, NULL, true));
	if (in_use(a->users, id) && !a->force)
		return spawn_fail(
		    e, "image %s (%.12s) is used by a container: use -f to untag it anyway",
		    a->name, digest_hex(id));
	untag_all(root, manifest, a->cb, false);
	/* A forced removal of an image in use keeps its layers for the
	 * container; prune takes them once it is gone. */
	if (in_use(a->users, id))
		return 0;
	json_object_del(images, manifest);
	report(a->cb, "deleted", id);
	return 0;
}

static void mark(json_t *set, const char *digest)
{
	if (digest && digest_valid(digest))
		json_object_set_new(set, digest_hex(digest), json_true());
}

/* Removes every entry of dir (relative to the store) not in keep (NULL:
 * all of them). */
static int sweep(struct image_store *s, const char *dir, const json_t *keep, struct spawn_error *e)
{
	char name[PATH_MAX], path[PATH_MAX];
	struct dirent *d;
	int fd = openat(s->dir, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	DIR *dp;

	if (fd < 0)
		return spawn_fail_errno(e, "open %s/%s", s->path, dir);
	if (!(dp = fdopendir(fd))) {
		close(fd);
		return spawn_fail_errno(e, "open %s/%s", s->path, dir);
	}
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (keep && json_object_get(keep, d->d_name))
			continue;
		snprintf(name, sizeof(name), "%s/%s", dir, d->d_name);
		if (imgstore_path(s, name, path, sizeof(path), e) < 0 || remove_tree(path) < 0) {
			rc = spawn_fail_errno(e, "remove %s", path);
			break;
		}
	}
	closedir(dp);
	return rc;
}

static int collect(struct image_store *s, struct spawn_error *e)
{
	json_t *root = index_read(s, e), *blobs = json_object(), *layers = json_object(), *rec, *v;
	const char *key;
	size_t i;
	int rc = -1;

	if (!root)
		goto out;
	json_object_foreach(json_object_get(root, "images"), key, rec)
	{
		mark(blobs, key);
		mark(blobs, json_str(rec, "config"));
		json_array_foreach(json_object_get(rec, "layers"), i, v)
		    mark(blobs, json_string_value(v));
		json_array_foreach(json_object_get(rec, "diff_ids"), i, v)
		    mark(layers, json_string_value(v));
	}
	if (sweep(s, "blobs/sha256", blobs, e) < 0 || sweep(s, "layers", layers, e) < 0 ||
	    sweep(s, "tmp", NULL, e) < 0 || sweep(s, "locks", NULL, e) < 0)
		goto out;
	rc = 0;
out:
	json_decref(blobs);
	json_decref(layers);
	json_decref(root);
	return rc;
}

static int exclusively(struct image_store *s, int (*fn)(json_t *, void *, struct spawn_error *),
		       void *arg, struct spawn_error *e)
{
	int lock = imgstore_lock(s, "lock", LOCK_EX, e), rc;

	if (lock < 0)
		return -1;
	rc = index_update(s, fn, arg, e);
	if (rc == 0)
		rc = collect(s, e);
	close(lock);
	return rc;
}

int image_remove(struct image_store *s, const char *name, bool force,
		 const struct image_users *users, const struct image_removed *cb,
		 struct spawn_error *e)
{
	struct rm_args a = {name, force, users, cb};

	return exclusively(s, remove_image, &a, e);
}

struct prune_args {
	bool all;
	const struct image_users *users;
	const struct image_removed *cb;
};

static int prune_images(json_t *root, void *arg, struct spawn_error *e)
{
	struct prune_args *a = arg;
	json_t *images = json_object_get(root, "images"), *rec;
	char id[IMAGE_DIGEST_LEN];
	const char *key;
	void *tmp;

	(void)e;
	json_object_foreach_safe(images, tmp, key, rec)
	{
		snprintf(id, sizeof(id), "%s", json_str(rec, "config"));
		if (in_use(a->users, id) || (!a->all && untag_all(root, key, NULL, true) > 0))
			continue;
		untag_all(root, key, a->cb, false);
		report(a->cb, "deleted", id);
		json_object_del(images, key);
	}
	return 0;
}

int image_prune(struct image_store *s, bool all, const struct image_users *users,
		const struct image_removed *cb, struct spawn_error *e)
{
	struct prune_args a = {all, users, cb};

	return exclusively(s, prune_images, &a, e);
}
