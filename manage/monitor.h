/* The monitor of a detached container (the role of containerd-shim and
 * conmon, with no daemon behind it): one process per container that
 * starts it, holds its PID 1 as its child, writes its output to the log,
 * keeps state.json true, applies the restart policy with the backoff of
 * spawn/restart.h, and answers the commands on a control socket in the
 * container's runtime directory. Killing it does not kill the container:
 * `ps` then says so, and `stop` and `rm` reach the container directly.
 *
 * One process, two programs: cspawn for each thing to do (the start, the
 * record of an end, a restart, the clean-up), cspawn-monitor, small and
 * static, for the waiting between them (manage/monitor/protocol.h). */
#ifndef CSPAWN_MONITOR_MANAGE_H
#define CSPAWN_MONITOR_MANAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "manage/monitor/protocol.h"
#include "manage/store.h"
#include "oci/oci.h"
#include "spawn/cgroup.h"
#include "spawn/options.h"

struct monitor_cfg {
	struct ctr *c;
	const struct oci_config *spec;
	const char *trampoline; /* the host's static cinit */
	enum spawn_restart restart;
	int max_restarts;
	uint64_t log_max_size;
	unsigned log_max_file;
	int stop_signal;
	bool init; /* cinit is PID 1: the forwarded signals start held */
	bool first_start_reports;
	int ready_fd; /* written once the first start succeeded or failed; -1 */
};

/* What the first start says on ready_fd: "0 PID\n", or "STATUS MESSAGE\n"
 * (125, 126, 127). */
#define MONITOR_READY_MAX 640

/* In a process of its own (setsid, stdio on /dev/null): starts the
 * container, and becomes cspawn-monitor; or reports why it cannot. */
_Noreturn void monitor_main(const struct monitor_cfg *m);

/* What cspawn-monitor hands back when it execs cspawn again. */
enum monitor_event_kind { MONITOR_EXITED, MONITOR_DUE, MONITOR_STOPPED };

struct monitor_event {
	enum monitor_event_kind kind;
	int wstatus; /* MONITOR_EXITED: PID 1's, as waitpid gave it */
	bool stopping, by_user;
	int lock, ctl, self, net_lock;
	int64_t delay, started_mono;
	int waiters[MONITOR_MAX_WAITERS];
	size_t nwaiters;
};

/* The arguments after the container's id; -1 with e when they are not
 * what cspawn-monitor gives. */
int monitor_event_parse(int argc, char **argv, struct monitor_event *ev, struct spawn_error *e);
/* The monitor's next step after ev: it records, restarts, becomes
 * cspawn-monitor again, or ends. */
_Noreturn void monitor_step(const struct monitor_cfg *m, const struct monitor_event *ev);

/* Where containers' cgroups go: the host's layout, or a v2 tree at
 * CSPAWN_CGROUP_ROOT (which tests use). */
int monitor_cgroup_layout(struct cgroup_layout *l, struct spawn_error *e);

/* The control socket's commands, one line each way: "stop SECONDS" and
 * "wait" answer "exited CODE" once the container has ended for good
 * ("shutdown SECONDS" too: a stop the user did not ask for, which
 * unless-stopped does not remember);
 * "kill SIGNAL" answers "ok" or "error ...". Returns the reply, or -1 when
 * no monitor answers (errno ECONNREFUSED or ENOENT). */
/* Connects to the monitor and sends request; the connected socket, or -1
 * with errno. "attach" answers "ok" and then streams (manage/attachers.h);
 * "resize ROWS COLS" sizes the container's terminal. */
int monitor_connect(const struct ctr *c, const char *request);
int monitor_ask(const struct ctr *c, const char *request, char *reply, size_t len, int timeout_ms);

#endif
