/* The supervisor: runs the services of a cinit_conf on a libev loop, drives
 * each through its states, restarts it by policy, captures its output, and
 * shuts everything down in order. cinit's tini mode is the one-service case. */
#ifndef CINIT_SUPERVISE_H
#define CINIT_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"

struct ev_loop;
struct supervisor;

struct supervisor_options {
	/* Signals other than the ones the supervisor acts on go to the main
	 * service; with forward_all (tini mode) TERM, INT and HUP go there too. */
	bool forward_all;
	/* Forward signals to the main service's process group, not its pid. */
	bool forward_to_group;
	/* Log every orphan that is reaped. */
	bool warn_orphans;
	/* The main service gets the controlling terminal's foreground. */
	bool give_terminal;
	/* Where the configuration came from, for SIGHUP reloads; NULL = none. */
	const char *config_path;
	/* The signal mask and the ignored signals cinit inherited, one bit per
	 * signal (bit N-1 for signal N): every child starts with them, as under
	 * tini, so `nohup cinit -- cmd` ignores HUP in cmd. */
	uint64_t child_sigmask;
	uint64_t child_sigign;
	/* cinit is PID 1 of its pid namespace (main has asked getpid()). */
	bool is_pid1;
};

/* Takes ownership of conf. */
struct supervisor *supervisor_new(struct ev_loop *loop, struct cinit_conf *conf,
				  const struct supervisor_options *opts);
void supervisor_free(struct supervisor *sup);
/* Starts every autostart service whose dependencies allow it. */
void supervisor_start(struct supervisor *sup);
/* A signal cinit received (other than SIGCHLD). True when it only went on
 * to services: no stop, no reload, no timer started, no message left waiting
 * for the reader of cinit's output, so nothing new for the loop to watch. */
bool supervisor_signal(struct supervisor *sup, int sig);
/* A child of cinit ended (a service, a probe, or a reaped orphan). */
void supervisor_child_exited(struct supervisor *sup, pid_t pid, int status);
/* True once shutdown is complete and cinit should exit. */
bool supervisor_finished(const struct supervisor *sup);
/* The exit status cinit should end with. */
int supervisor_exit_code(const struct supervisor *sup);
/* Replaces the configuration: new services start, removed ones stop, changed
 * ones restart. Takes ownership of conf. */
void supervisor_reload(struct supervisor *sup, struct cinit_conf *conf);

/* The kernel's struct sigaction for rt_sigaction(2) (handler, flags,
 * restorer, mask on x86-64, arm64, arm and riscv). The C library refuses
 * signals 32 and 33, which it keeps for its threads, but a parent may have
 * left them ignored or blocked, and cinit has no threads. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* Verbosity of cinit's own messages: 0 errors, 1 state changes, 2 details,
 * 3 debugging. */
void cinit_log_set_verbosity(int level);
/* Prefix cinit's own lines with the UTC time (log_format = timestamp). */
void cinit_log_set_timestamps(bool on);
void cinit_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
