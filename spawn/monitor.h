/* cspawn's outer process, the container's monitor (what containerd-shim
 * is to docker): it holds the name's lock, starts the container, forwards
 * signals to its PID 1, reports an OOM kill, restarts it as the policy
 * says, and removes its cgroup and writable layer after every run. */
#ifndef CSPAWN_MONITOR_H
#define CSPAWN_MONITOR_H

#include <signal.h>
#include <stdbool.h>

#include "oci/oci.h"
#include "spawn/options.h"

/* o->rootfs and o->layers must be absolute. init_path is the host's cinit
 * (also the trampoline of --no-init). Returns cspawn's exit status: the container's
 * (128+N when signal N killed it), or 125 (126, 127) when cspawn failed. */
int monitor_run(const struct spawn_opts *o, const struct oci_config *cfg, const char *init_path);

/* What a process that waits in the foreground for a child uses (run, and
 * exec): the forwarded signals and SIGCHLD blocked and taken from a
 * signalfd, so no handler and no global state is needed. */
int monitor_block_signals(sigset_t *set, int *sigfd, struct spawn_error *e);
struct relay;
/* Waits for the child pid to end, passing on the forwarded signals and
 * copying its piped stdio meanwhile; returns its exit code (128+N for
 * signal N). stop_requested: SIGTERM or SIGINT came. */
int monitor_supervise(pid_t pid, int sigfd, struct relay *relay, bool *stop_requested);

#endif
