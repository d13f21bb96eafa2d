/* cspawn's outer process, the container's monitor (what containerd-shim
 * is to docker): it holds the name's lock, starts the container, forwards
 * signals to its PID 1, reports an OOM kill, restarts it as the policy
 * says, and removes its cgroup and writable layer after every run. */
#ifndef CSPAWN_MONITOR_H
#define CSPAWN_MONITOR_H

#include "spawn/options.h"

/* o->rootfs and o->layers must be absolute. init_path is the host's cinit
 * (also the trampoline of --no-init). Returns cspawn's exit status: the container's
 * (128+N when signal N killed it), or 125 (126, 127) when cspawn failed. */
int monitor_run(const struct spawn_opts *o, const char *init_path);

#endif
