/* What the modules of image/ share among themselves; image.h is the room's
 * public face. */
#ifndef CSPAWN_IMAGE_INTERNAL_H
#define CSPAWN_IMAGE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nettle/sha2.h>

#include "image/image.h"

/* Media types */
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"

/* Manifests, configs and indexes are small; anything larger is refused. */
#define SMALL_BLOB_MAX (4u << 20)

/* --- digest.c: SHA-256 from nettle ---------------------------------- */

struct digester {
	struct sha256_ctx ctx;
	uint64_t size;
};

int digester_init(struct digester *d, struct spawn_error *e);
void digester_update(struct digester *d, const void *p, size_t n);
/* Writes "sha256:HEX" and frees the context. */
void digester_final(struct digester *d, char out[IMAGE_DIGEST_LEN]);
void digester_free(struct digester *d);
int digest_buffer(const void *p, size_t n, char out[IMAGE_DIGEST_LEN], struct spawn_error *e);
/* "sha256:" and 64 lowercase hex digits; anything else is not a digest we
 * may use as a file name. */
bool digest_valid(const char *digest);
const char *digest_hex(const char *digest);

/* --- json.c: jansson, with messages that name the file ----------------- */

/* Parses a buffer; what names it in messages (a path or a digest). */
json_t *json_parse(const char *data, size_t len, const char *what, struct spawn_error *e);
const char *json_str(const json_t *obj, const char *key);
/* A NULL-terminated copy of a JSON array of strings; NULL for null/missing. */
int json_strv(const json_t *arr, char ***out, const char *what, struct spawn_error *e);
/* The keys of an object, NULL-terminated; NULL for null/missing. */
int json_keys(const json_t *obj, char ***out, struct spawn_error *e);
void strv_free(char **v);
/* Compact, sorted-key serialization (malloc'd). */
char *json_compact(const json_t *v, size_t *len, struct spawn_error *e);

/* --- store.c: files of the store --------------------------------------- */

/* openat2 with RESOLVE_BENEATH: no absolute path, "..", or symlink may lead
 * out of root. */
int open_beneath(int root, const char *path, int flags);

/* flock on a file of the store; returns the descriptor (close to unlock). */
int imgstore_lock(struct image_store *s, const char *name, int how, struct spawn_error *e);
/* A per-blob lock; -2 (no error) when busy and !wait. */
int imgstore_blob_lock(struct image_store *s, const char *digest, bool wait, struct spawn_error *e);
/* A fresh name under tmp/ (relative to the store). */
void imgstore_tmp_name(char *out, size_t len, const char *what);
int imgstore_tmp_file(struct image_store *s, char *name, size_t len, struct spawn_error *e);
int imgstore_tmp_dir(struct image_store *s, char *name, size_t len, struct spawn_error *e);
void imgstore_blob_name(const char *digest, char *out, size_t len);   /* blobs/sha256/HEX */
void imgstore_layer_name(const char *diff_id, char *out, size_t len); /* layers/HEX */
bool imgstore_has(struct image_store *s, const char *name);
/* Moves the complete, fsynced tmp file NAME to the blob DIGEST. */
int imgstore_commit_blob(struct image_store *s, const char *tmp, const char *digest,
			 struct spawn_error *e);
/* Writes data as the blob it hashes to; want (or NULL) is the digest it
 * must have. */
int imgstore_put_blob(struct image_store *s, const void *data, size_t len, const char *want,
		      char digest[IMAGE_DIGEST_LEN], struct spawn_error *e);
/* Copies the file PATH (beneath dirfd) in as blob WANT (NULL: whatever it hashes to),
 * verifying its digest (and size when size >= 0) on the way. */
int imgstore_import_file(struct image_store *s, int dirfd, const char *path, const char *want,
			 int64_t size, char digest[IMAGE_DIGEST_LEN], struct spawn_error *e);
/* Reads a small blob, checking it still hashes to its name. */
int imgstore_read_blob(struct image_store *s, const char *digest, char **data, size_t *len,
		       struct spawn_error *e);
json_t *imgstore_read_json(struct image_store *s, const char *digest, struct spawn_error *e);
/* Unpacks blob LAYER into layers/DIFF_ID unless it is there, checking the
 * tar hashes to diff_id. */
/* fsync of the directory that holds name (a rename's parent). */
int imgstore_sync_parent(struct image_store *s, const char *name, struct spawn_error *e);
int imgstore_unpack(struct image_store *s, const char *layer, const char *diff_id,
		    struct spawn_error *e);
/* The same in the temporary directory TMP (a fresh name under tmp/, made
 * here), reading the blob from fd when fd >= 0: a download still being
 * written, followed up to size bytes (see unpack_layer_fd). */
int imgstore_unpack_from(struct image_store *s, const char *layer, const char *diff_id, int fd,
			 int feed, int64_t size, const char *tmp, struct spawn_error *e);
/* image_unpack_layer of fd's bytes; with feed >= 0 a download is writing
 * them: they are followed up to size, waiting on feed (a byte as the file
 * grows, EOF once the download is over). name is for messages. */
int unpack_layer_fd(int fd, int feed, int64_t size, const char *name, const char *dest,
		    char diff_id[IMAGE_DIGEST_LEN], struct spawn_error *e);
/* Blocks until feed says the download is over. */
void unpack_wait_download(int feed);
/* Layers unpacked at once, each by a child process of its own. */
#define UNPACK_PARALLEL 2
struct unpack_job {
	const char *blob;
	const char *diff_id;
};
/* imgstore_unpack of every job, several at a time; done(arg, i) after each
 * (in the order they end). On an error the rest are not started and e
 * says what the first failure was. */
int imgstore_unpack_all(struct image_store *s, const struct unpack_job *jobs, size_t n,
			void (*done)(void *arg, size_t job), void *arg, struct spawn_error *e);
/* The same, driven job by job: a job starts once it is said to be ready
 * (its blob is in the store) and a slot is free. */
struct unpack_child {
	pid_t pid;
	int pipe; /* says the child's error; at its end, EOF */
	size_t job;
	char tmp[128]; /* its directory under tmp/, to remove if it is killed */
};
struct pool_job;
struct unpack_pool {
	struct image_store *s;
	const struct unpack_job *jobs;
	size_t n;
	struct pool_job *pj; /* per job: waiting, ready or started; its source */
	struct unpack_child kids[UNPACK_PARALLEL];
	size_t running;
	void (*done)(void *arg, size_t job);
	void *arg;
	int rc;			  /* -1 once something failed: start no more */
	struct spawn_error *e;	  /* the first failure */
	struct spawn_error later; /* those after it */
};
int unpack_pool_init(struct unpack_pool *u, struct image_store *s, const struct unpack_job *jobs,
		     size_t n, void (*done)(void *arg, size_t job), void *arg,
		     struct spawn_error *e);
/* Job's blob is downloading into fd's file, to be size bytes: starts it,
 * following the download, if a slot is free. */
int unpack_pool_stream(struct unpack_pool *u, size_t job, int fd, int64_t size);
/* Job's download has written more. */
void unpack_pool_fed(struct unpack_pool *u, size_t job);
/* Job's blob is in the store, its download over: starts it if a slot is
 * free (a job that waited for a slot since its download began reads the
 * blob instead). */
int unpack_pool_ready(struct unpack_pool *u, size_t job);
/* The pipes of the running children (at most UNPACK_PARALLEL), to wait on. */
size_t unpack_pool_fds(const struct unpack_pool *u, int *fds);
/* Reaps the children that have ended, waiting up to timeout ms (-1: until
 * one does), and starts ready jobs in their slots. */
int unpack_pool_reap(struct unpack_pool *u, int timeout);
/* Waits for every job (all must be ready by now) unless ok is false, the
 * caller's failure, or a job failed: then the running ones are killed and
 * their directories removed. Frees the pool. */
int unpack_pool_finish(struct unpack_pool *u, bool ok);
/* The store's path joined with a relative name. */
int imgstore_path(struct image_store *s, const char *name, char *out, size_t len,
		  struct spawn_error *e);
/* fsync of a file of the store and of its directory, then rename. */
int imgstore_rename(struct image_store *s, const char *from, const char *to, struct spawn_error *e);

/* --- index.c: index.json ------------------------------------------------ */

/* {"images": {MANIFEST: {"config", "layers", "diff_ids", "created",
 * "size"}}, "refs": {NAME: MANIFEST}} */
json_t *index_read(struct image_store *s, struct spawn_error *e);
/* Read-modify-write under index.lock; fn changes root in place. */
int index_update(struct image_store *s, int (*fn)(json_t *root, void *arg, struct spawn_error *e),
		 void *arg, struct spawn_error *e);
/* Finds NAME (reference or id) in the index; manifest gets the digest. */
int index_find(json_t *root, const char *name, char manifest[IMAGE_DIGEST_LEN],
	       struct spawn_error *e);
/* Records an image (manifest and config already in the store) and tags it
 * with name (NULL: none). */
int index_add_image(struct image_store *s, const char *manifest_digest, const char *name,
		    struct spawn_error *e);
/* The full name of a reference the user typed ("app" -> ".../app:latest"). */
int ref_full_name(const char *text, char *out, size_t len, struct spawn_error *e);

/* --- manifest.c: manifests, indexes, configs ---------------------------- */

struct descriptor {
	const char *media_type;
	const char *digest;
	int64_t size;
};

struct manifest {
	json_t *root;
	struct descriptor config;
	struct descriptor *layers;
	size_t nlayers;
};

bool media_is_index(const char *mt);
bool media_is_manifest(const char *mt);
/* Parses an image manifest (Docker v2 schema 2 or OCI), checking the
 * digests; what names it in messages. */
int manifest_parse(json_t *root, struct manifest *m, const char *what, struct spawn_error *e);
void manifest_free(struct manifest *m);
/* The media type of a manifest or index: its mediaType, or guessed. */
const char *manifest_media_type(const json_t *root);
/* Picks platform ("os/arch[/variant]", NULL: this machine's) from an index. */
int index_pick(const json_t *idx, const char *platform, struct descriptor *out, const char *what,
	       struct spawn_error *e);
void platform_default(char *out, size_t len);
/* diff_ids of a config, NULL-terminated (borrowed from cfg). */
int config_diff_ids(const json_t *cfg, const char ***ids, size_t *n, const char *what,
		    struct spawn_error *e);
int config_parse(const json_t *cfg, struct image_config *c, struct spawn_error *e);
void config_free(struct image_config *c);

/* --- registry.c ---------------------------------------------------------- */

struct registry;
struct http_body {
	char *data;
	size_t len;
	char content_type[128];
	char digest[IMAGE_DIGEST_LEN]; /* Docker-Content-Digest */
	char location[2048];
	char www_authenticate[1024];
	long status;
};

int registry_open(struct registry **r, const struct image_ref *ref, const char *actions,
		  const struct image_registry_opts *o, struct spawn_error *e);
void registry_close(struct registry *r);
/* Credentials to use instead of the auth file's (login). */
void registry_set_basic(struct registry *r, const char *b64);
/* GET of a small document (manifest, config); accept is the Accept header. */
int registry_get(struct registry *r, const char *path, const char *accept, struct http_body *b,
		 struct spawn_error *e);
void http_body_free(struct http_body *b);
/* Fetches the blobs into the store, several at a time, verifying each.
 * With a pool, each blob is its job unpack there, made ready as soon as
 * the blob has its name; the pool's children are reaped while the others
 * download. */
struct blob_job {
	struct descriptor d;
	size_t index;  /* the layer's, for progress */
	size_t unpack; /* its job in the pool */
	char tmp[128];
	int fd;
	struct digester dg;
	uint64_t got;
	int state; /* 0 queued, 1 running, 2 done */
};
int registry_fetch_blobs(struct registry *r, struct image_store *s, struct blob_job *jobs, size_t n,
			 size_t count, const struct image_progress *p, struct unpack_pool *pool,
			 struct spawn_error *e);
bool registry_has_blob(struct registry *r, const char *digest, struct spawn_error *e, int *err);
int registry_put_blob(struct registry *r, struct image_store *s, const char *digest, int64_t size,
		      struct spawn_error *e);
int registry_put_manifest(struct registry *r, const char *tag, const char *media_type,
			  const char *data, size_t len, struct spawn_error *e);
/* GET /v2/ with credentials, for login. */
int registry_check(struct registry *r, struct spawn_error *e);

/* --- auth.c --------------------------------------------------------------- */

struct challenge {
	char scheme[16]; /* "Bearer" or "Basic" */
	char realm[1024];
	char service[256];
	char scope[512];
};

int challenge_parse(const char *header, struct challenge *c);
/* base64 "user:password" for host from a docker-style auth file (empty
 * when none; a broken file is an error naming it). */
int auth_lookup(const char *authfile, const char *host, char *out, size_t len,
		struct spawn_error *e);
int auth_store(const char *authfile, const char *host, const char *user, const char *password,
	       struct spawn_error *e);
int base64_encode(const char *in, size_t n, char *out, size_t len);

#endif
