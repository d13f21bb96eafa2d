/* Inside spawn/ (not a public face): the last steps of a process that
 * enters a container, shared by its first process (child.c) and by every
 * process exec'd into it later (exec.c). All run inside the container's
 * namespaces and root, after which the process execs its command through
 * the read-only trampoline. */
#ifndef CSPAWN_PROCESS_H
#define CSPAWN_PROCESS_H

#include <signal.h>

#include "oci/oci.h"
#include "spawn/command.h"
#include "spawn/users.h"
#include "spawn/util.h"

/* Until it execs, the process runs the host's cspawn: nothing that shares
 * its namespaces may open its /proc/PID/exe (or ptrace it), which a
 * non-dumpable process refuses to all but CAP_SYS_PTRACE of the host. */
int process_not_dumpable(struct spawn_error *e);

/* process.rlimits and process.oomScoreAdj. */
int process_set_limits(const struct oci_process *p, struct spawn_error *e);

/* The user, by names ("web", "1000:www" as -u gives them) read in the
 * root's own files, or by the process's ids when names is NULL; HOME from
 * the passwd entry. */
int process_resolve_user(const char *names, const struct oci_user *su, struct spawn_user *u,
			 struct spawn_error *e);

/* Resolves dir inside the root (no magic link, no symlink out), creates it
 * when missing, enters it by descriptor and checks that it lies under the
 * root: a cwd reached any other way could be a directory of the host's. */
int process_enter_workdir(const char *dir, struct spawn_error *e);

/* Every signal at its default, none blocked but held (NULL: none):
 * whatever cspawn inherited (a shell ignores SIGINT in background jobs)
 * stays outside. */
int process_reset_signals(const sigset_t *held, struct spawn_error *e);

/* The user and capability sets, and the seccomp filter when no_new_privs
 * is not asked (it must then be loaded while CAP_SYS_ADMIN is held). The
 * process is left non-dumpable: the user switch resets that. */
int process_become(const struct oci_process *p, const struct oci_seccomp *s,
		   const struct spawn_user *u, struct spawn_error *e);
/* no_new_privs, then the seccomp filter when it waited for it. */
int process_lock_down(const struct oci_process *p, const struct oci_seccomp *s,
		      struct spawn_error *e);

/* A terminal of the container's own devpts instance (never the host's),
 * made the controlling terminal and stdio of this process, which leads a
 * session of its own; the master goes out on the unix socket sock
 * (SCM_RIGHTS) for cspawn or an engine's console socket to relay. */
int process_take_terminal(const struct oci_process *p, int sock, struct spawn_error *e);
/* The other end: the master, close-on-exec, or -1. */
int process_receive_terminal(int sock, struct spawn_error *e);

/* The last step before the exec: every descriptor from 3 + npass up is
 * closed on exec (whatever was opened on the way, by a library or a
 * sanitizer's runtime, stays outside), and 3 .. 3 + npass - 1, the
 * caller's own that it asked to pass (runc's --preserve-fds and
 * socket activation), are kept across it. */
int process_pass_fds(unsigned npass, struct spawn_error *e);

/* Execs the command: the bound cinit directly, or through the trampoline
 * descriptor. Returns only on failure. */
int process_exec(const struct spawn_command *cmd, int trampoline, struct spawn_error *e);

#endif
