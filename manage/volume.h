/* Volumes: directories that outlive containers, as docker's local driver
 * keeps them. Each is <lib>/volumes/NAME with its record (volume.json:
 * name, created, labels, whether it is anonymous), its data (_data, what
 * containers mount) and two lock files: .lock, held shared by whoever is
 * about to mount it (a run being set up, a foreground run), and .fill,
 * held while a first use copies the root's content in. Creation and
 * removal take the store's lock; a volume named by any container's record
 * (running or not) or held by a run is in use and is not removed. */
#ifndef CSPAWN_VOLUME_H
#define CSPAWN_VOLUME_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "manage/store.h"
#include "spawn/options.h"

struct volume {
	char name[SPAWN_MAX_NAME + 1];
	char dir[PATH_MAX];  /* <lib>/volumes/NAME */
	char data[PATH_MAX]; /* <lib>/volumes/NAME/_data */
	int64_t created;     /* unix ms */
	bool anonymous;
	json_t *labels; /* an object; owned */
};

/* Creates NAME (a generated 64-hex name when name is NULL or empty, as
 * docker names anonymous volumes) with labels (an object, or NULL);
 * an existing volume of that name is returned as it is and *made says so.
 * Takes the store's lock unless it is held. */
int volume_create(struct store *s, const char *name, bool anonymous, json_t *labels,
		  struct volume *out, bool *made, struct spawn_error *e);
/* "no such volume: NAME" */
int volume_find(struct store *s, const char *name, struct volume *out, struct spawn_error *e);
void volume_free(struct volume *v);
/* Every volume, by name; a broken record goes to bad, naming its file. */
int volume_list(struct store *s, void (*visit)(struct volume *v, void *ctx),
		void (*bad)(const char *why, void *ctx), void *ctx, struct spawn_error *e);
/* The volumes a container uses, as its record's "volumes" lists them
 * ([{"name", "anonymous", ...}], a new reference); for a broken record,
 * those its spec mounts. */
json_t *volume_list_of(struct store *s, const struct ctr *c);
/* The first container that uses the volume ("NAME (ID12)" into who, or
 * "ID12, whose record is broken"); false when none does. */
bool volume_used_by(struct store *s, const char *name, char *who, size_t len);
/* Removes it unless it is in use ("volume NAME is in use by container
 * web (ID12)"); takes the store's lock unless it is held. */
int volume_remove(struct store *s, const char *name, struct spawn_error *e);
/* The volume as a JSON object, as `volume inspect` shows it. */
json_t *volume_json(const struct volume *v);

/* An anonymous volume a run makes is marked (.run) until the run ends (a
 * foreground run, which removes it) or a container's record names it (a
 * detached one): one marked that no run holds was left by a run that was
 * killed. volume_sweep removes those, under the store's lock, which
 * store_lock takes for it; marking needs the lock too. */
int volume_mark_run(const struct volume *v, bool marked, struct spawn_error *e);
void volume_sweep(struct store *s);

/* A shared hold on the volume for a run that will mount it: volume_remove
 * refuses it while any is held. Returns the descriptor (close to release). */
int volume_hold(const struct volume *v, struct spawn_error *e);

/* One of its lock files (".lock", ".fill") under flock(how); the
 * descriptor, or -1 (EWOULDBLOCK with LOCK_NB: "... is locked"). */
int volume_lock(const struct volume *v, const char *leaf, int how, struct spawn_error *e);

/* The root a container is built from: its directory and the layers above
 * it (lowest first), merged as the container sees them. */
struct volume_root {
	const char *rootfs;
	const char *const *layers;
	size_t nlayers;
	const char *scratch; /* a directory for the merged view's mount point */
};
/* When the volume's _data is empty, copies into it what the root holds at
 * path (resolved inside the root), with owners, modes, times and xattrs,
 * hard links kept as links, as docker fills a new volume from the image;
 * nothing when the root has no directory there. Serialised by the
 * volume's .fill lock; a fill cut short (its .filling mark left) is
 * removed and done again. */
int volume_fill(const struct volume *v, const struct volume_root *root, const char *path,
		struct spawn_error *e);

/* For `cspawn run`: every -v NAME:CTR and -v CTR of o, and every volume of
 * the image's config (image_volumes, NULL-terminated, or NULL) that no -v
 * covers, resolved to its _data (made and filled on first use) and held
 * until volume_run_release. */
struct volume_run {
	int *holds;
	size_t nholds;
	char **anonymous; /* the names of the anonymous volumes made for this run */
	size_t nanonymous;
};
int volume_run_prepare(struct spawn_opts *o, const struct cspawn_roots *r,
		       char *const *image_volumes, struct volume_run *vr, struct spawn_error *e);
/* The record's "volumes": [{"name", "destination", "anonymous"}], or NULL
 * with none. */
json_t *volume_run_record(const struct spawn_opts *o, const struct volume_run *vr);
/* Drops the holds; the run's anonymous volumes go unless a container's
 * record names them (a run -d's): a foreground run is gone for good at its
 * end, as docker's --rm. */
void volume_run_release(struct volume_run *vr, const struct cspawn_roots *r);

#endif
