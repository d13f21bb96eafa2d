/* Mounts made through descriptors (the kernel's new mount API): a new
 * filesystem or a copy of a host tree is made detached, given its flags,
 * and only then attached on a directory (or file) that a descriptor names,
 * so no name is looked up twice and nothing is visible half-made. */
#ifndef CSPAWN_MOUNTS_H
#define CSPAWN_MOUNTS_H

#include <stdint.h>

#include "spawn/resolve.h"
#include "spawn/util.h"

/* A new, detached mount of fstype with options "key=value,flag,...", and
 * MOUNT_ATTR_* attrs; returns its descriptor (its root) or -1. */
int mounts_new(const char *fstype, const char *data, unsigned attrs, struct spawn_error *e);
/* A detached recursive copy of the tree at dirfd/path (path "" for dirfd
 * itself), with attrs set on every mount of it; returns it or -1. */
int mounts_clone(int dirfd, const char *path, unsigned attrs, struct spawn_error *e);
/* The same, of the one mount at dirfd/path only (a bind, not an rbind). */
int mounts_clone_one(int dirfd, const char *path, unsigned attrs, struct spawn_error *e);
/* mount_setattr on the tree at mnt: attrs set and cleared on every mount
 * of it (rro, rnosuid ...), or its propagation (MS_SHARED, MS_SLAVE,
 * MS_PRIVATE, MS_UNBINDABLE, | MS_REC for all of it). -1 with errno. */
int mounts_set_recursive(int mnt, uint64_t set, uint64_t clr);
int mounts_propagate(int mnt, unsigned long propagation);
/* Attaches the detached mount mnt on target; -1 with errno set. */
int mounts_attach(int mnt, int target);
/* Attaches a copy of the host tree src (with attrs) at path, resolved
 * under base as resolve_in_root does (created as create says). */
int mounts_bind_host(int base, const char *src, const char *path, enum resolve_create create,
		     unsigned attrs, struct spawn_error *e);
/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC and the atime flags as
 * MOUNT_ATTR_* bits. */
unsigned mounts_attrs_of(unsigned long ms_flags);

#endif
