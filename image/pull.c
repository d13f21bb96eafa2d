/* cspawn pull: the manifest (through an index when there is one), the
 * config, then every layer not yet in the store, fetched in parallel and
 * unpacked. A layer another process is fetching is waited for, not
 * fetched twice: each blob has a lock of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "image/internal.h"

#define ACCEPT_MANIFESTS                                                                           \
	MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST

struct pull {
	struct image_store *s;
	struct registry *r;
	const struct image_registry_opts *o;
	struct manifest m;
	const char **diff_ids;
	int *locks; /* per layer: its blob lock while this pull owns it, or -1 */
	struct spawn_error *e;
};

static void event(const struct pull *p, size_t i, enum image_event ev)
{
	const struct image_progress *pr = p->o->progress;

	if (pr && pr->layer)
		pr->layer(pr->arg, i, p->m.nlayers, p->m.layers[i].digest, ev, 0,
			  (uint64_t)p->m.layers[i].size);
}

/* GETs a manifest or index, checks it against want (a digest or NULL),
 * and stores it. */
static json_t *fetch_manifest(struct pull *p, const char *reference, const char *want,
			      char digest[IMAGE_DIGEST_LEN])
{
	struct http_body b = {0};
	char path[512];
	json_t *root = NULL;

	snprintf(path, sizeof(path), "manifests/%s", reference);
	if (registry_get(p->r, path, ACCEPT_MANIFESTS, &b, p->e) < 0)
		goto out;
	if (!b.data || imgstore_put_blob(p->s, b.data, b.len, want, digest, p->e) < 0) {
		if (!b.data)
			spawn_fail(p->e, "manifest %s: empty answer", reference);
		goto out;
	}
	if (b.digest[0] && strcmp(b.digest, digest) != 0) {
		spawn_fail(p->e, "manifest %s: the registry says %s, its content hashes to %s",
			   reference, b.digest, digest);
		goto out;
	}
	root = json_parse(b.data, b.len, digest, p->e);
out:
	http_body_free(&b);
	return root;
}

static int fetch_config(struct pull *p)
{
	char name[128], path[128], digest[IMAGE_DIGEST_LEN];
	struct http_body b = {0};
	int rc;

	imgstore_blob_name(p->m.config.digest, name, sizeof(name));
	if (imgstore_has(p->s, name))
		return 0;
	snprintf(path, sizeof(path), "blobs/%s", p->m.config.digest);
	if (registry_get(p->r, path, "*/*", &b, p->e) < 0) {
		http_body_free(&b);
		return -1;
	}
	rc = imgstore_put_blob(p->s, b.data ? b.data : "", b.len, p->m.config.digest, digest, p->e);
	http_body_free(&b);
	return rc;
}

static bool layer_complete(struct pull *p, size_t i)
{
	char blob[128], layer[128];

	imgstore_blob_name(p->m.layers[i].digest, blob, sizeof(blob));
	imgstore_layer_name(p->diff_ids[i], layer, sizeof(layer));
	return imgstore_has(p->s, blob) && imgstore_has(p->s, layer);
}

static bool blob_present(struct pull *p, size_t i)
{
	char blob[128];

	imgstore_blob_name(p->m.layers[i].digest, blob, sizeof(blob));
	return imgstore_has(p->s, blob);
}

struct unpacked {
	struct pull *p;
	const size_t *idx;
};

static void unpacked(void *arg, size_t job)
{
	struct unpacked *u = arg;

	event(u->p, u->idx[job], IMAGE_LAYER_UNPACKED);
}

/* Starts the layers whose blobs are here; the others are to fetch. */
static int start_present(struct pull *p, const size_t *idx, size_t n, struct unpack_pool *pool,
			 struct blob_job *jobs, size_t *nj)
{
	*nj = 0;
	for (size_t k = 0; k < n; k++) {
		if (!blob_present(p, idx[k])) {
			jobs[*nj].d = p->m.layers[idx[k]];
			jobs[*nj].index = idx[k];
			jobs[(*nj)++].unpack = k;
		} else if (unpack_pool_ready(pool, k) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Fetches the blobs of the layers in idx that are missing and unpacks
 * each layer as soon as its blob is verified, while the rest download:
 * a pull takes about as long as its largest layer, not the sum of all
 * downloads and then of the unpacking. */
static int fetch_unpack(struct pull *p, const size_t *idx, size_t n)
{
	struct blob_job *jobs = calloc(n + 1, sizeof(*jobs));
	struct unpack_job *uj = calloc(n + 1, sizeof(*uj));
	struct unpacked u = {p, idx};
	struct unpack_pool pool;
	size_t nj;
	int rc = -1;

	if (!jobs || !uj) {
		spawn_fail_errno(p->e, "calloc");
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		uj[k].blob = p->m.layers[idx[k]].digest;
		uj[k].diff_id = p->diff_ids[idx[k]];
	}
	if (unpack_pool_init(&pool, p->s, uj, n, unpacked, &u, p->e) < 0)
		goto out;
	rc = start_present(p, idx, n, &pool, jobs, &nj);
	if (rc == 0)
		rc = registry_fetch_blobs(p->r, p->s, jobs, nj, p->m.nlayers, p->o->progress, &pool,
					  p->e);
	rc = unpack_pool_finish(&pool, rc == 0);
out:
	free(jobs);
	free(uj);
	return rc;
}

static void unlock_layer(struct pull *p, size_t i)
{
	if (p->locks[i] >= 0)
		close(p->locks[i]);
	p->locks[i] = -1;
}

static int pull_layers(struct pull *p)
{
	size_t n = p->m.nlayers, nmine = 0, nwait = 0;
	size_t *mine = calloc(n + 1, sizeof(*mine)), *wait = calloc(n + 1, sizeof(*wait));
	int rc = -1;

	if (!mine || !wait) {
		spawn_fail_errno(p->e, "calloc");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (layer_complete(p, i)) {
			event(p, i, IMAGE_LAYER_EXISTS);
			continue;
		}
		p->locks[i] = imgstore_blob_lock(p->s, p->m.layers[i].digest, false, p->e);
		if (p->locks[i] == -1)
			goto out;
		if (p->locks[i] == -2) {
			p->locks[i] = -1;
			event(p, i, IMAGE_LAYER_WAITING);
			wait[nwait++] = i;
		} else {
			mine[nmine++] = i;
		}
	}
	if (fetch_unpack(p, mine, nmine) < 0)
		goto out;
	for (size_t k = 0; k < nmine; k++)
		unlock_layer(p, mine[k]);
	/* Whoever held these is done with them, or died: then they are ours. */
	for (size_t k = 0; k < nwait; k++) {
		size_t i = wait[k];
		if ((p->locks[i] = imgstore_blob_lock(p->s, p->m.layers[i].digest, true, p->e)) < 0)
			goto out;
		if (layer_complete(p, i))
			event(p, i, IMAGE_LAYER_EXISTS);
		else if (fetch_unpack(p, &i, 1) < 0)
			goto out;
		unlock_layer(p, i);
	}
	rc = 0;
out:
	free(mine);
	free(wait);
	return rc;
}

static int pull_locked(struct pull *p, const struct image_ref *ref, char id[IMAGE_DIGEST_LEN])
{
	char digest[IMAGE_DIGEST_LEN], full[700], what[800];
	struct descriptor d;
	json_t *root;
	size_t nids = 0;
	int rc = -1;

	if (registry_open(&p->r, ref, "pull", p->o, p->e) < 0)
		return -1;
	root = fetch_manifest(p, ref->digest[0] ? ref->digest : ref->tag,
			      ref->digest[0] ? ref->digest : NULL, digest);
	if (!root)
		return -1;
	if (media_is_index(manifest_media_type(root))) {
		snprintf(what, sizeof(what), "index %s", digest);
		rc = index_pick(root, p->o->platform, &d, what, p->e);
		if (rc == 0) {
			snprintf(what, sizeof(what), "%s", d.digest);
			json_decref(root);
			root = fetch_manifest(p, what, what, digest);
		}
		if (rc < 0 || !root) {
			json_decref(root);
			return -1;
		}
	}
	rc = manifest_parse(root, &p->m, digest, p->e);
	json_decref(root);
	if (rc < 0 || fetch_config(p) < 0)
		return -1;
	if (!(root = imgstore_read_json(p->s, p->m.config.digest, p->e)))
		return -1;
	rc = config_diff_ids(root, &p->diff_ids, &nids, p->m.config.digest, p->e);
	if (rc == 0 && nids != p->m.nlayers)
		rc = spawn_fail(p->e, "image %s: %zu layers but %zu diff_ids in its config", digest,
				p->m.nlayers, nids);
	if (rc == 0 && !(p->locks = malloc((p->m.nlayers + 1) * sizeof(int))))
		rc = spawn_fail_errno(p->e, "malloc");
	for (size_t i = 0; rc == 0 && i < p->m.nlayers; i++)
		p->locks[i] = -1;
	if (rc == 0)
		rc = pull_layers(p);
	if (rc == 0) {
		image_ref_format(ref, full, sizeof(full));
		rc = index_add_image(p->s, digest, full, p->e);
	}
	if (rc == 0)
		snprintf(id, IMAGE_DIGEST_LEN, "%s", p->m.config.digest);
	json_decref(root); /* after the last use of diff_ids, which it owns */
	return rc;
}

int image_pull(struct image_store *s, const char *text, const struct image_registry_opts *o,
	       char id[IMAGE_DIGEST_LEN], struct spawn_error *e)
{
	struct pull p = {.s = s, .o = o, .e = e};
	struct image_ref ref;
	int lock, rc;

	if (image_ref_parse(text, &ref, e) < 0)
		return -1;
	if ((lock = imgstore_lock(s, "lock", LOCK_SH, e)) < 0)
		return -1;
	rc = pull_locked(&p, &ref, id);
	for (size_t i = 0; p.locks && i < p.m.nlayers; i++)
		unlock_layer(&p, i);
	free(p.locks);
	free(p.diff_ids);
	manifest_free(&p.m);
	registry_close(p.r);
	close(lock);
	return rc;
}
