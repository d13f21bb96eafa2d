/* Inside spawn/'s container module (not a public face): the child's half
 * of a start, between clone and exec. */
#ifndef CSPAWN_CHILD_H
#define CSPAWN_CHILD_H

#include "spawn/container.h"

/* The parent's two go-aheads. The slow one, moving the child into its
 * cgroup (on v1 every move waits for an RCU grace period, ~10 ms), runs
 * while the child builds its root; the child waits for it only before it
 * enters its cgroup namespace and runs anything of the user's. */
#define IDS_READY 'i'	 /* uid and gid maps written (at once without a user ns) */
#define CGROUP_READY 'c' /* the child is in its cgroup */

/* What the child sends back when it cannot exec: the exit status cspawn
 * should use and why. Nothing arrives when exec succeeds (the pipe is
 * close-on-exec); with a start_fd, CHILD_READY says it waits for start. */
struct child_report {
	int status;
	char msg[sizeof(((struct spawn_error *)0)->msg)];
};
#define CHILD_READY (-1)

/* Sends r's status and message on fd and exits with the status. */
_Noreturn void child_report_exit(int fd, int status, const struct spawn_error *e);
/* 1 when a whole report arrived, 0 at end of file (the exec happened). */
int child_report_read(int fd, struct child_report *r);

struct child_pipes {
	int sync_rd;   /* parent -> child: IDS_READY, then CGROUP_READY (and,
			  with hooks, the child's pid as the host sees it) */
	int report_wr; /* child -> parent: failure report; -1 once the OCI
			  runtime's create has gone (after start, a failure
			  is said on the container's stderr) */
	pid_t host_pid;
};

/* Everything between clone and exec. Returns only on failure, with the
 * exit status in *status. */
int child_setup(const struct oci_config *c, const struct container_opts *o, struct child_pipes *p,
		int *status, struct spawn_error *e);

#endif
