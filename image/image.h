/* Images: a store of content-addressed blobs and unpacked layers, a
 * registry client (OCI distribution / Docker Registry HTTP API v2), docker
 * and OCI archives, and commit of an overlay's upper directory.
 *
 * The library takes explicit directories and knows nothing of containers or
 * commands. Every fallible call fills a struct spawn_error (spawn/util.h)
 * and returns -1.
 *
 * Store layout (one directory, by convention <lib>/images):
 *   blobs/sha256/HEX   manifests, configs and layer blobs, verified on arrival
 *   layers/HEX         one unpacked layer per diff_id (an overlay lower dir)
 *   index.json         the images (by manifest digest) and references to them
 *   tmp/               temporary names of what is being written
 *   lock, index.lock, locks/HEX   flock(2) files
 * Writers that add (pull, load, commit) hold `lock` shared; removers (rmi,
 * prune) hold it exclusive, so nothing half-written is collected and nothing
 * being collected is used. */
#ifndef CSPAWN_IMAGE_H
#define CSPAWN_IMAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spawn/util.h"

/* "sha256:" and 64 hex digits, with its NUL. */
#define IMAGE_DIGEST_LEN 72

struct image_store {
	int dir; /* the store's directory, O_DIRECTORY */
	char path[PATH_MAX];
};

/* Opens (creating it and its subdirectories when missing) the store in dir. */
int image_store_open(struct image_store *s, const char *dir, struct spawn_error *e);
void image_store_close(struct image_store *s);

/* A reference, normalized the way docker does: "busybox" is
 * docker.io/library/busybox:latest, "127.0.0.1:5000/app" is
 * 127.0.0.1:5000/app:latest. tag is empty when only a digest was given. */
struct image_ref {
	char registry[256];
	char repository[256];
	char tag[129];
	char digest[IMAGE_DIGEST_LEN];
};

int image_ref_parse(const char *text, struct image_ref *r, struct spawn_error *e);
/* The full name, "registry/repository:tag" (or "@digest"). */
void image_ref_format(const struct image_ref *r, char *out, size_t len);
/* The short name docker shows: "busybox:latest" for docker.io/library. */
void image_ref_familiar(const struct image_ref *r, char *out, size_t len);

/* --- What `run IMAGE` needs ------------------------------------------------ */

/* An image's runtime config (the "config" object of the OCI image config).
 * String arrays are NULL-terminated and NULL when the image has none
 * (entrypoint and cmd are NULL for JSON null or missing, docker's "unset").
 * Strings are NULL when unset. */
struct image_label {
	char *key;
	char *value;
};

struct image_config {
	char **entrypoint;
	char **cmd;
	char **env; /* "KEY=VALUE" */
	char *user; /* "name", "uid", "uid:gid" ... as written */
	char *working_dir;
	char **exposed_ports; /* "80/tcp", "53/udp" */
	char **volumes;	      /* "/data" */
	char *stop_signal;    /* "SIGQUIT", "3" ... as written */
	struct image_label *labels;
	size_t nlabels;
	char *os;
	char *architecture;
};

/* An image as a container is built from it. */
struct image_resolved {
	char id[IMAGE_DIGEST_LEN];	 /* the config digest: docker's image id */
	char manifest[IMAGE_DIGEST_LEN]; /* the manifest digest in the store */
	char **layers; /* absolute layer directories, lowest first, NULL-terminated */
	size_t nlayers;
	struct image_config config;
};

/* Resolves NAME (a reference such as "app:1" or "127.0.0.1:5000/app@sha256:..",
 * a full "sha256:ID", or an unambiguous prefix of an id) to its layer
 * directories and parsed config. The directories are complete (renamed into
 * place only once unpacked and synced) and shared: mount them read-only, as
 * lower dirs (overlay wants the highest first: walk the array backwards).
 * They stay while any image of the store refers to them; to keep an image
 * from rmi and prune while a container uses it, pass image_users there. */
int image_resolve(struct image_store *s, const char *name, struct image_resolved *out,
		  struct spawn_error *e);
void image_resolved_free(struct image_resolved *r);

/* --- Registries ------------------------------------------------------------ */

enum image_event {
	IMAGE_LAYER_EXISTS,	 /* already in the store */
	IMAGE_LAYER_WAITING,	 /* another process is fetching it */
	IMAGE_LAYER_DOWNLOADING, /* done/total bytes so far */
	IMAGE_LAYER_VERIFIED,	 /* downloaded, digest checked */
	IMAGE_LAYER_UNPACKED,
	IMAGE_LAYER_PUSHED,
};

/* Called as layers move on; index counts from 0 in the manifest's order. */
struct image_progress {
	void (*layer)(void *arg, size_t index, size_t count, const char *digest,
		      enum image_event ev, uint64_t done, uint64_t total);
	void *arg;
};

struct image_registry_opts {
	const char *platform;	   /* "os/arch[/variant]"; NULL: linux and this machine's */
	const char *authfile;	   /* docker-style auth file; NULL: see image_authfile_default */
	const char *certs_dir;	   /* DIR/HOST[:PORT]/ca.crt replaces the system CAs for HOST */
	const char *insecure_file; /* lines of HOST[:PORT] spoken to over plain HTTP */
	bool insecure;		   /* plain HTTP for this command's registry */
	const struct image_progress *progress;
};

/* The auth file read when none is given: $REGISTRY_AUTH_FILE, else
 * lib_auth (the one `cspawn login` writes) when it exists, else
 * $HOME/.docker/config.json. */
const char *image_authfile_default(const char *lib_auth, char *buf, size_t len);

/* Pulls REF into the store and tags it; id gets the image id. */
int image_pull(struct image_store *s, const char *ref, const struct image_registry_opts *o,
	       char id[IMAGE_DIGEST_LEN], struct spawn_error *e);
/* Pushes the store's image NAME to DEST (NULL: NAME itself). */
int image_push(struct image_store *s, const char *name, const char *dest,
	       const struct image_registry_opts *o, struct spawn_error *e);
/* Checks user:password against REGISTRY's /v2/ and records them in
 * authfile (created 0600, other registries' entries kept). */
int image_login(const char *registry, const char *user, const char *password,
		const struct image_registry_opts *o, const char *authfile, struct spawn_error *e);

/* --- Archives -------------------------------------------------------------- */

/* Called once per image loaded, with its id and full name (NULL: none). */
struct image_loaded {
	void (*image)(void *arg, const char *id, const char *name);
	void *arg;
};

/* Loads a `docker save` / `podman save` tar (legacy manifest.json or OCI
 * layout form); file "-" is standard input. */
int image_load_archive(struct image_store *s, const char *file, const struct image_loaded *cb,
		       struct spawn_error *e);
/* Loads DIR[:TAG] of an OCI image layout; the image is named by its
 * io.containerd.image.name annotation, else localhost/BASENAME(DIR):TAG. */
int image_load_oci(struct image_store *s, const char *dir_tag, const struct image_loaded *cb,
		   struct spawn_error *e);
/* Writes the images NAMES as a tar that docker load, podman load and skopeo
 * (docker-archive: and oci-archive:) read: manifest.json and an OCI layout
 * in one, with uncompressed layers. Written to a temporary name first. */
int image_save(struct image_store *s, char *const *names, size_t nnames, const char *file,
	       struct spawn_error *e);

/* --- The store's contents -------------------------------------------------- */

struct image_summary {
	char id[IMAGE_DIGEST_LEN];
	char manifest[IMAGE_DIGEST_LEN];
	char **names;  /* full references, NULL-terminated; empty for a dangling image */
	char *created; /* as in the config, or NULL */
	uint64_t size; /* bytes of the layer blobs */
};

int image_list(struct image_store *s, struct image_summary **out, size_t *n, struct spawn_error *e);
void image_list_free(struct image_summary *list, size_t n);

/* Adds the reference TARGET to the image SOURCE names. */
int image_tag(struct image_store *s, const char *source, const char *target, struct spawn_error *e);

/* The caller's knowledge of containers: uses() says whether a container is
 * built from the image with this id (config digest). NULL: none is. */
struct image_users {
	bool (*uses)(void *arg, const char *image_id);
	void *arg;
};

/* Called for what a removal did: "untagged" with a name, "deleted" with an
 * image id. */
struct image_removed {
	void (*removed)(void *arg, const char *what, const char *name);
	void *arg;
};

/* rmi: NAME as a reference untags it, and deletes the image once no name
 * is left; NAME as an id deletes the image (refused when it has several
 * names, unless force). Refused when a container uses an image that would
 * be deleted; with force its names go and its data stays until prune finds
 * it unused. Layers shared with other images stay. */
int image_remove(struct image_store *s, const char *name, bool force,
		 const struct image_users *users, const struct image_removed *cb,
		 struct spawn_error *e);
/* Deletes images without names (all unused images with all), then every
 * blob, layer and temporary file that no image refers to. */
int image_prune(struct image_store *s, bool all, const struct image_users *users,
		const struct image_removed *cb, struct spawn_error *e);
/* docker-inspect-like JSON of the image (malloc'd, with a newline). */
int image_inspect(struct image_store *s, const char *name, char **json, struct spawn_error *e);

/* --- Commit ---------------------------------------------------------------- */

struct image_commit_opts {
	const char *tag;     /* the new image's reference, or NULL for none */
	const char *author;  /* NULL: none */
	const char *comment; /* NULL: none */
};

/* Makes UPPER (an overlay upper directory: 0/0 character devices are
 * whiteouts, trusted.overlay.opaque=y marks opaque directories) a new layer
 * on top of the image BASE, with a new config and manifest, and tags it.
 * id gets the new image's id. */
int image_commit(struct image_store *s, const char *base, const char *upper,
		 const struct image_commit_opts *o, char id[IMAGE_DIGEST_LEN],
		 struct spawn_error *e);

/* --- Layers by themselves -------------------------------------------------- */

/* Unpacks the layer blob PATH (a tar, gzip or zstd compressed or not) into
 * the existing empty directory DEST, safely: see README, Images. diff_id
 * gets the digest of the uncompressed tar. */
int image_unpack_layer(const char *path, const char *dest, char diff_id[IMAGE_DIGEST_LEN],
		       struct spawn_error *e);
/* Writes the upper directory UPPER as an uncompressed layer tar to fd
 * (whiteouts and opaque directories as .wh. entries); diff_id gets its
 * digest and *size its length. */
int image_diff_layer(const char *upper, int fd, char diff_id[IMAGE_DIGEST_LEN], uint64_t *size,
		     struct spawn_error *e);

#endif
