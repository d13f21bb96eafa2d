/* The container's filesystem, built inside its own mount namespace: the
 * root (a bind of ROOTFS, or an overlay of ROOTFS and layers under a fresh
 * writable layer), a fresh /proc with crun's masks, /sys read-only, a
 * minimal /dev, the user's binds and tmpfs mounts, cinit bind-mounted
 * read-only, then pivot_root. Nothing here is visible on the host, so a
 * container that dies takes all its mounts with it. */
#ifndef CSPAWN_ROOTFS_H
#define CSPAWN_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "spawn/options.h"
#include "spawn/util.h"

/* Where cinit and its config appear inside: on cspawn's own /dev tmpfs,
 * so nothing is ever written into the user's root filesystem for them
 * (and named cinit, so ps shows "cinit" as PID 1). */
#define ROOTFS_INIT_PATH "/dev/.cspawn/cinit"
#define ROOTFS_CONFIG_PATH "/dev/.cspawn/cinit.ini"

struct rootfs_plan {
	const char *rootfs; /* absolute */
	const char *const *layers;
	size_t nlayers;			   /* lowest first, all above rootfs */
	const char *upper, *work, *merged; /* the writable layer, when layers */
	bool read_only;
	const struct spawn_bind *binds;
	size_t nbinds;
	const struct spawn_tmpfs *tmpfs;
	size_t ntmpfs;
	const char *init_path;	 /* host path of cinit; NULL: none */
	const char *config_path; /* host path of a cinit.ini; NULL: none */
	bool userns;		 /* no mknod; overlay with userxattr */
};

/* Builds the tree and pivots into it; on return "/" is the container's
 * root and the host's tree is gone from this mount namespace. Runs in the
 * child, in its new mount namespace, before privileges are dropped. */
int rootfs_enter(const struct rootfs_plan *p, struct spawn_error *e);

/* The mount points a start may create in a plain ROOTFS (no layers):
 * /proc, /sys, /dev, the targets of -v and --tmpfs, -w, and the parents
 * of each, noted on the host before the start where missing, so that a
 * start that fails can remove what it made. */
struct rootfs_created {
	char **paths; /* as seen inside, missing before the start */
	size_t n;
};

/* Notes what is missing; nothing (n == 0) with layers, whose writes go
 * to the writable layer. -1 only when out of memory. */
int rootfs_note_missing(const struct rootfs_plan *p, const char *workdir, struct rootfs_created *c,
			struct spawn_error *e);
/* After a failed start: removes, deepest first, each noted path that now
 * exists as an empty directory or empty file. Frees c. */
void rootfs_remove_created(const struct rootfs_plan *p, struct rootfs_created *c);
void rootfs_created_free(struct rootfs_created *c);

/* The overlay options for a plan: "lowerdir=TOP:...:ROOTFS,upperdir=...".
 * Exposed for tests. */
int rootfs_overlay_options(const struct rootfs_plan *p, char *buf, size_t len,
			   struct spawn_error *e);

#endif
