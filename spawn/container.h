/* One start of a container: clone() into new namespaces, let the parent
 * place the child in its cgroup and write its id maps, then (in the child)
 * hostname, loopback, root filesystem, user, capabilities, no_new_privs,
 * seccomp, and exec of cinit or the command. */
#ifndef CSPAWN_CONTAINER_H
#define CSPAWN_CONTAINER_H

#include <signal.h>
#include <sys/types.h>

#include "spawn/cgroup.h"
#include "spawn/options.h"
#include "spawn/rootfs.h"
#include "spawn/userns.h"
#include "spawn/util.h"

struct container_spec {
	const struct spawn_opts *o;
	const struct rootfs_plan *plan;
	const struct cgroup *cg;
	const struct userns_map *map; /* NULL without --userns */
	/* Signals the first process starts with blocked (NULL: none). For
	 * cinit, the ones cspawn forwards: one sent before cinit has its
	 * signalfd then waits for it, where PID 1 of a namespace would
	 * otherwise drop it (no handler yet). */
	const sigset_t *held;
	/* What the container gets as 0, 1, 2 (spawn/relay.h); -1 or NULL:
	 * cspawn's own. */
	const int *stdio;
};

/* Returns the pid (as the host sees it) of the container's first process
 * once it has exec'd. On failure returns -1, with the message in e and the
 * exit status cspawn should end with in *status: 125 when the setup
 * failed, 126/127 when --no-init's command could not be run. */
pid_t container_start(const struct container_spec *s, int *status, struct spawn_error *e);

#endif
