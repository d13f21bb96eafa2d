/* The kernel's filesystems inside the container: a fresh /proc, a
 * read-only /sys, both with crun's masks and read-only paths, and a
 * minimal /dev (tmpfs with the usual nodes, devpts, shm, mqueue).
 * Everything is done through descriptors of the new mounts, never by
 * names under the root: whoever can rename entries of ROOTFS during the
 * start (a host user who owns it, a container with it as a volume) could
 * otherwise swap ROOT/proc with an empty directory and have the masks land
 * beside it, or be skipped as "absent" (the CVE-2025-31133 class). */
#ifndef CSPAWN_KERNFS_H
#define CSPAWN_KERNFS_H

#include "spawn/util.h"

/* Descriptors of the three mounts (their roots), kept for the check after
 * pivot_root and for what is put on /dev later. -1: not made. */
struct kernfs {
	int proc, sys, dev;
};

#define KERNFS_INIT                                                                                \
	{                                                                                          \
		-1, -1, -1                                                                         \
	}

/* Mounts them on ROOT/proc, ROOT/sys and ROOT/dev (made when missing).
 * A masked path this kernel lacks is skipped; anything else that fails,
 * fails the start. */
int kernfs_mount(int rootfd, struct kernfs *k, struct spawn_error *e);
/* After pivot_root: /proc, /sys and /dev must still be those mounts (a
 * rename during the start would leave an unprotected view there). */
int kernfs_verify(const struct kernfs *k, struct spawn_error *e);
void kernfs_close(struct kernfs *k);

#endif
