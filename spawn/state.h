/* A container's state on the host: /run/cspawn/NAME holds a lock (held by
 * the running cspawn), its pid, and the writable layer of an overlay root.
 * A cspawn killed with SIGKILL leaves the directory behind; the next start
 * of the same name sees the pid file and cleans up after it. */
#ifndef CSPAWN_STATE_H
#define CSPAWN_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "spawn/util.h"

#define STATE_BASE "/run/cspawn"

struct spawn_state {
	char dir[PATH_MAX];
	char upper[PATH_MAX], work[PATH_MAX], merged[PATH_MAX];
	int lockfd;
	pid_t stale_pid; /* a previous cspawn that died without cleaning up; 0: none */
};

/* Creates base/name and takes its lock. Fails, naming the holder, when
 * another cspawn runs a container of that name. */
int state_acquire(const char *base, const char *name, struct spawn_state *s, struct spawn_error *e);
/* A fresh, empty writable layer (upper, work) and the overlay's mount
 * point, owned by uid:gid (the container's root as the host sees it). */
int state_fresh_layer(const struct spawn_state *s, uid_t uid, gid_t gid, struct spawn_error *e);
/* Removes the writable layer. */
int state_remove_layer(const struct spawn_state *s, struct spawn_error *e);
/* Removes everything, lock last, and the base directory when empty. */
void state_release(struct spawn_state *s);

/* A small file of the state directory (such as "cgroup"), written to a
 * temporary name and renamed, so a reader never sees half of it. */
int state_save(const struct spawn_state *s, const char *leaf, const char *text,
	       struct spawn_error *e);
/* Reads it; the length, or -1 (missing or unreadable). */
ssize_t state_load(const struct spawn_state *s, const char *leaf, char *buf, size_t len);

/* Calls clean(name, ctx) for every other name under base whose cspawn
 * died without cleaning up (its pid file is there and its lock is free),
 * holding that name's lock, then releases it with state_release: what a
 * killed cspawn of a generated name left would otherwise stay forever, as
 * no later start reuses the name. */
void state_sweep(const char *base, const char *skip,
		 void (*clean)(const struct spawn_state *s, const char *name, void *ctx),
		 void *ctx);

#endif
