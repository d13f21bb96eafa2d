/* cspawn push and login. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "image/internal.h"

static int push_blob(struct registry *r, struct image_store *s, const struct descriptor *d,
		     struct spawn_error *e)
{
	int err;

	if (registry_has_blob(r, d->digest, e, &err))
		return 0;
	if (err < 0)
		return -1;
	return registry_put_blob(r, s, d->digest, d->size, e);
}

static int push_locked(struct image_store *s, const char *name, const char *dest,
		       const struct image_registry_opts *o, struct spawn_error *e)
{
	const struct image_progress *pr = o->progress;
	char manifest[IMAGE_DIGEST_LEN], *data = NULL;
	json_t *idx = index_read(s, e), *root = NULL;
	struct registry *r = NULL;
	struct manifest m = {0};
	struct image_ref ref;
	size_t len;
	int rc = -1;

	if (!idx || index_find(idx, name, manifest, e) != 0)
		goto out;
	if (image_ref_parse(dest ? dest : name, &ref, e) < 0)
		goto out;
	if (imgstore_read_blob(s, manifest, &data, &len, e) < 0 ||
	    !(root = json_parse(data, len, manifest, e)) ||
	    manifest_parse(root, &m, manifest, e) < 0)
		goto out;
	if (registry_open(&r, &ref, "pull,push", o, e) < 0)
		goto out;
	for (size_t i = 0; i < m.nlayers; i++) {
		if (push_blob(r, s, &m.layers[i], e) < 0)
			goto out;
		if (pr && pr->layer)
			pr->layer(pr->arg, i, m.nlayers, m.layers[i].digest, IMAGE_LAYER_PUSHED,
				  (uint64_t)m.layers[i].size, (uint64_t)m.layers[i].size);
	}
	if (push_blob(r, s, &m.config, e) < 0)
		goto out;
	rc = registry_put_manifest(r, ref.tag[0] ? ref.tag : manifest, manifest_media_type(root),
				   data, len, e);
out:
	registry_close(r);
	manifest_free(&m);
	json_decref(root);
	json_decref(idx);
	free(data);
	return rc;
}

int image_push(struct image_store *s, const char *name, const char *dest,
	       const struct image_registry_opts *o, struct spawn_error *e)
{
	int lock = imgstore_lock(s, "lock", LOCK_SH, e), rc;

	if (lock < 0)
		return -1;
	rc = push_locked(s, name, dest, o, e);
	close(lock);
	return rc;
}

int image_login(const char *registry, const char *user, const char *password,
		const struct image_registry_opts *o, const char *authfile, struct spawn_error *e)
{
	struct image_ref ref = {0};
	struct registry *r;
	char plain[1024], b64[1500];
	const char *host = registry;
	size_t n;

	if (strncmp(host, "https://", 8) == 0)
		host += 8;
	else if (strncmp(host, "http://", 7) == 0)
		host += 7;
	n = strcspn(host, "/");
	if (n == 0 || n >= sizeof(ref.registry))
		return spawn_fail(e, "login: bad registry '%s'", registry);
	memcpy(ref.registry, host, n);
	if (strcmp(ref.registry, "index.docker.io") == 0)
		snprintf(ref.registry, sizeof(ref.registry), "docker.io");
	if (snprintf(plain, sizeof(plain), "%s:%s", user, password) >= (int)sizeof(plain) ||
	    base64_encode(plain, strlen(plain), b64, sizeof(b64)) < 0)
		return spawn_fail(e, "login: credentials too long");
	if (registry_open(&r, &ref, "pull", o, e) < 0)
		return -1;
	registry_set_basic(r, b64);
	if (registry_check(r, e) < 0) {
		registry_close(r);
		return -1;
	}
	registry_close(r);
	return auth_store(authfile, ref.registry, user, password, e);
}
