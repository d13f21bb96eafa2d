/* The container's filesystem from its spec, built inside its own mount
 * namespace: the root (root.path, or a mount of the spec whose destination
 * is "/", such as cspawn's overlay of layers under a writable layer), then
 * linux.rootfsPropagation, the spec's mounts in order, the devices, the
 * masked and read-only paths, pivot_root (or, with no_pivot, a move and
 * chroot), and root.readonly. Nothing here is visible on the host, so a
 * container that dies takes all its mounts with it. */
#ifndef CSPAWN_ROOTFS_H
#define CSPAWN_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/oci.h"
#include "spawn/util.h"

/* Where cinit and its config appear inside for `cspawn run`: on cspawn's
 * own /dev tmpfs, so nothing is ever written into the user's root
 * filesystem for them. */
#define ROOTFS_INIT_PATH "/dev/.cspawn/cinit"
#define ROOTFS_CONFIG_PATH "/dev/.cspawn/cinit.ini"

struct rootfs_params {
	const struct oci_config *c;
	const char *bundle; /* root.path and relative sources are relative to it */
	bool userns;	    /* in a new user namespace: no mknod, sysfs may be refused */
	bool no_pivot;	    /* MS_MOVE and chroot instead of pivot_root */
	/* Called with the tree built, just before pivot_root, while the
	 * host's files are still in reach (the createContainer hooks); NULL:
	 * nothing. */
	int (*before_pivot)(void *ctx, struct spawn_error *e);
	void *ctx;
};

/* Builds the tree and enters it; on return "/" is the container's root
 * and the host's tree is gone from this mount namespace. Mounts of type
 * cgroup wait for rootfs_mount_cgroups. */
int rootfs_enter(const struct rootfs_params *p, struct spawn_error *e);
/* The spec's mounts of type cgroup, once the cgroup namespace is made:
 * cgroup2 on a v2 host; on v1 a tmpfs with each hierarchy mounted in it
 * (as the namespace shows it), read-only as the options say. */
int rootfs_mount_cgroups(const struct rootfs_params *p, struct spawn_error *e);

/* The mount points a start may create in a plain root (one whose spec
 * has no mount on "/"): each mount's destination, process.cwd, and their
 * parents, noted on the host before the start where missing, so that a
 * start that fails can remove what it made. */
struct rootfs_created {
	char **paths; /* as seen inside, missing before the start */
	size_t n;
};

/* Notes what is missing. -1 only when out of memory. */
int rootfs_note_missing(const struct rootfs_params *p, struct rootfs_created *c,
			struct spawn_error *e);
/* After a failed start: removes, deepest first, each noted path that now
 * exists as an empty directory or empty file. Frees c. */
void rootfs_remove_created(const struct rootfs_params *p, struct rootfs_created *c);
void rootfs_created_free(struct rootfs_created *c);
/* root.path, made absolute against the bundle, in buf. */
const char *rootfs_root_path(const struct rootfs_params *p, char *buf, size_t len);

#endif
