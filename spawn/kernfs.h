/* The filesystems a start makes fresh (proc, sysfs, tmpfs, devpts, mqueue
 * ... from the spec's mounts), kept by descriptor: whatever lies beneath
 * one of them (a masked path, a device, a later mount) is reached through
 * that descriptor, never by a name looked up from the root again. Whoever
 * can rename entries of ROOTFS during the start (a host user who owns it, a
 * container with it as a volume) could otherwise swap ROOT/proc with an
 * empty directory and have the masks land beside it, or be skipped as
 * "absent" (the CVE-2025-31133 class). After pivot_root each of /proc,
 * /sys and /dev must still be the mount made there. */
#ifndef CSPAWN_KERNFS_H
#define CSPAWN_KERNFS_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/oci.h"
#include "spawn/resolve.h"
#include "spawn/util.h"

struct kernfs_mount {
	char *dest; /* as seen inside; points into the spec */
	int fd;	    /* the mount's root */
	long magic; /* its filesystem (PROC_SUPER_MAGIC ...) */
};

struct kernfs {
	int rootfd;
	struct kernfs_mount *v;
	size_t n, cap;
};

void kernfs_init(struct kernfs *k, int rootfd);
/* Keeps mnt (taken) as the fresh mount at dest. */
int kernfs_add(struct kernfs *k, const char *dest, int mnt, struct spawn_error *e);
/* Resolves path as seen inside: beneath the deepest fresh mount that holds
 * it (confined to it), else under the root; created as create says. */
int kernfs_resolve(const struct kernfs *k, const char *path, enum resolve_create create,
		   struct spawn_error *e);
/* The fresh mount at dest exactly, or NULL. */
const struct kernfs_mount *kernfs_at(const struct kernfs *k, const char *dest);

/* The devices every container has on a fresh /dev (null, zero, full,
 * random, urandom, tty, and the fd, stdin, stdout, stderr, ptmx, core
 * links), then the spec's own. A node that cannot be made (mknod refused in
 * a user namespace) is the host's, bound onto an empty file. */
int kernfs_devices(const struct kernfs *k, const struct oci_linux *l, struct spawn_error *e);
/* linux.maskedPaths (a file by /dev/null, a directory by an empty read-only
 * tmpfs) and linux.readonlyPaths, each beneath the fresh mount that holds
 * it when there is one: no "..", symlink or other mount on the way, and
 * the filesystem checked. A path this kernel lacks is skipped. */
int kernfs_protect(const struct kernfs *k, const struct oci_linux *l, struct spawn_error *e);
/* After pivot_root: /proc, /sys and /dev, when fresh, are still those
 * mounts. */
int kernfs_verify(const struct kernfs *k, struct spawn_error *e);
void kernfs_close(struct kernfs *k);

#endif
