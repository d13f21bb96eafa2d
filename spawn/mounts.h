/* Mounts made through descriptors (the kernel's new mount API): a new
 * filesystem or a copy of a host tree is made detached, given its flags,
 * and only then attached on a directory (or file) that a descriptor names,
 * so no name is looked up twice and nothing is visible half-made. */
#ifndef CSPAWN_MOUNTS_H
#define CSPAWN_MOUNTS_H

#include "spawn/resolve.h"
#include "spawn/util.h"

/* A new, detached mount of fstype with options "key=value,flag,...", and
 * MOUNT_ATTR_* attrs; returns its descriptor (its root) or -1. */
int mounts_new(const char *fstype, const char *data, unsigned attrs, struct spawn_error *e);
/* A detached recursive copy of the tree at dirfd/path (path "" for dirfd
 * itself), with attrs set on every mount of it; returns it or -1. */
int mounts_clone(int dirfd, const char *path, unsigned attrs, struct spawn_error *e);
/* Attaches the detached mount mnt on target; -1 with errno set. */
int mounts_attach(int mnt, int target);
/* Attaches a copy of the host tree src (with attrs) at path, resolved
 * under base as resolve_in_root does (created as create says). */
int mounts_bind_host(int base, const char *src, const char *path, enum resolve_create create,
		     unsigned attrs, struct spawn_error *e);
/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC as MOUNT_ATTR_* bits. */
unsigned mounts_attrs_of(unsigned long ms_flags);

#endif
