/* Entering a running container (`cspawn exec`, the OCI runtime's exec): a
 * new process in each namespace where the container's PID 1 differs from
 * cspawn, and in its cgroup, that becomes the process's user with its
 * capabilities, rlimits and no_new_privs under the container's seccomp
 * filter, in a working directory resolved inside the root, with no
 * descriptor of cspawn's but its stdio (and those it is asked to pass),
 * and that execs its command through the read-only trampoline, so that
 * /proc/PID/exe never leads to a host binary that could be written (the
 * CVE-2019-5736 and CVE-2024-21626 classes). */
#ifndef CSPAWN_EXEC_H
#define CSPAWN_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/oci.h"
#include "spawn/cgroup.h"
#include "spawn/util.h"

struct exec_opts {
	pid_t target;		 /* the container's PID 1, as the host sees it */
	int target_pidfd;	 /* a pidfd of it, taken before its identity was checked */
	const struct cgroup *cg; /* its cgroup; NULL: none */
	const struct oci_process *process; /* what to run, and as whom */
	const char *user;		   /* -u USER[:GROUP] names; NULL: process->user */
	const struct oci_seccomp *seccomp; /* the container's filter */
	const char *trampoline;		   /* the host's static cinit */
	const int *stdio;		   /* its 0, 1, 2; NULL or -1: cspawn's own */
	/* The caller's descriptors 3 .. 3 + pass_fds - 1 pass to the process
	 * as they are (the runtime's --preserve-fds); all must be open. */
	unsigned pass_fds;
};

/* Starts the process. With process->terminal, it gets a new pseudo-terminal
 * of the container's own devpts as its controlling terminal and stdio, and
 * the master comes back in *console (else *console is -1). Returns its pid
 * (the host's view; a child of the caller) once it has exec'd; or -1 with
 * the reason in e and *status 125 (setup), 126 or 127 (the command cannot
 * be run, or is not there). */
pid_t exec_start(const struct exec_opts *o, int *console, int *status, struct spawn_error *e);

#endif
