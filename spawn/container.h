/* The runtime's core: one container from an OCI runtime spec. clone()
 * into the spec's new namespaces (joining those it names by path), the
 * parent writes the id maps and moves the child into its cgroup, and the
 * child builds the root (spawn/rootfs.h), becomes the spec's user with its
 * capabilities, rlimits, no_new_privs and seccomp filter, and execs the
 * process. For `cspawn run` and for the OCI runtime alike. */
#ifndef CSPAWN_CONTAINER_H
#define CSPAWN_CONTAINER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/oci.h"
#include "spawn/cgroup.h"
#include "spawn/util.h"

struct container_opts {
	const char *bundle;	/* root.path and relative sources are relative to it */
	const char *trampoline; /* the host's static cinit, bound read-only to exec through */
	/* The one process.args[0] that is exec'd directly: the read-only
	 * bound cinit of `cspawn run` (NULL: none). */
	const char *direct_exec;
	const struct cgroup *cg;
	/* Signals the first process starts with blocked (NULL: none). For
	 * cinit, the ones cspawn forwards: one sent before cinit has its
	 * signalfd then waits for it, where PID 1 of a namespace would
	 * otherwise drop it (no handler yet). */
	const sigset_t *held;
	/* What the container gets as 0, 1, 2 (spawn/relay.h); NULL or -1:
	 * cspawn's own. */
	const int *stdio;
	/* The caller's descriptors 3 .. 3 + pass_fds - 1 pass to the process
	 * as they are (the runtime's --preserve-fds and socket activation);
	 * all must be open, and none of them is one of the fds below. */
	unsigned pass_fds;
	bool die_with_parent; /* SIGKILL when cspawn dies (a monitor's child) */
	bool no_pivot;
	/* With process.terminal: a unix socket that the master of the
	 * container's terminal is sent on (spawn/process.h). */
	int console_sock;
	/* -1: run at once; else the child waits for a byte on it (the OCI
	 * runtime's exec fifo) before it execs */
	int start_fd;
	/* The OCI hooks (NULL: none run). hook_state is the state document a
	 * hook reads on stdin, for the container's pid as the host sees it;
	 * the child calls it for createContainer and startContainer, which
	 * run inside. created runs in the parent once the child is in its
	 * namespaces and cgroup and before it builds its root: prestart and
	 * createRuntime. Both get ctx. */
	char *(*hook_state)(void *ctx, pid_t pid, enum oci_status status);
	int (*created)(void *ctx, pid_t pid, struct spawn_error *e);
	void *ctx;
};

/* Returns the pid (as the host sees it) of the container's first process
 * once it has exec'd (or, with a start_fd, is waiting to). On failure
 * returns -1, with the message in e and the exit status to end with in
 * *status: 125 when the setup failed, 126/127 when the command cannot be
 * run or is not there. */
pid_t container_start(const struct oci_config *c, const struct container_opts *o, int *status,
		      struct spawn_error *e);

/* What the spec asks that this runtime cannot do (joining a user or mount
 * namespace, a time namespace ...): -1 with the reason, before anything is
 * made. A terminal is checked by container_start, which knows whether
 * there is a console socket to send it to. */
int container_check(const struct oci_config *c, struct spawn_error *e);

#endif
