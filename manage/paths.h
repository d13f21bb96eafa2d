/* Where cspawn keeps its state. Persistent records (containers' configs,
 * volumes, images, networks and leases) live under `lib`, by default
 * /var/lib/cspawn; what a reboot must forget (pids, sockets, network
 * namespaces, writable layers of running containers) under `run`, by
 * default /run/cspawn. `cspawn --root DIR COMMAND` or CSPAWN_ROOT=DIR moves
 * both, to DIR/lib and DIR/run, which tests use to stay apart. */
#ifndef CSPAWN_PATHS_H
#define CSPAWN_PATHS_H

#include <limits.h>

#include "spawn/util.h"

#define PATHS_DEFAULT_LIB "/var/lib/cspawn"
#define PATHS_DEFAULT_RUN "/run/cspawn"

struct cspawn_roots {
	char lib[PATH_MAX];
	char run[PATH_MAX];
};

/* Fills r from CSPAWN_ROOT (set by `--root`), or the defaults. A relative
 * or overlong CSPAWN_ROOT is an error. Nothing is created. */
int paths_roots(struct cspawn_roots *r, struct spawn_error *e);

#endif
