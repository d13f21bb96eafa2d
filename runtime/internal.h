/* Inside the runtime room (not a public face): the context every verb
 * gets, the records of containers, and the verbs. */
#ifndef CSPAWN_RUNTIME_INTERNAL_H
#define CSPAWN_RUNTIME_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>

#include "oci/oci.h"
#include "spawn/cgroup.h"
#include "spawn/util.h"

#define RT_DEFAULT_ROOT "/run/cspawn-runtime"
#define RT_VERSION "0.1.0"

/* The global flags, and where errors go. */
struct rt {
	const char *root;
	FILE *log; /* --log; NULL: stderr only */
	bool log_json;
	bool systemd_cgroup;
};

/* An error: on stderr, and in the log file as runc writes it there
 * ({"level":"error","msg":...,"time":...} with --log-format json).
 * Returns 1, the exit status of a failed verb. */
int rt_error(const struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_warn(const struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the record of one container: ROOT/ID/state.json ---- */

struct rt_record {
	char id[256];
	char dir[PATH_MAX];	       /* ROOT/ID */
	char bundle[PATH_MAX];	       /* absolute */
	pid_t pid;		       /* 0: create has not got it yet */
	unsigned long long start_time; /* of pid, /proc/PID/stat field 22: tells a reused pid */
	char created[64];	       /* RFC 3339 */
	struct cgroup cg;
	bool has_cgroup;
	bool hooks; /* poststart or poststop hooks (in ROOT/ID/config.json, which
		       holds the config as create read it) */
	struct oci_map annotations;
	int lockfd; /* the directory, flock'ed; -1: not held */
};

/* ID as runc takes it: letters, digits, _ + - . and not "." or "..". */
bool rt_valid_id(const char *id);
/* Loads ROOT/ID, taking its lock when lock is set. -1 (and the error
 * said) when there is no such container. */
int rt_record_load(const struct rt *rt, const char *id, bool lock, struct rt_record *r);
/* Writes the record atomically (temporary file, rename). */
int rt_record_save(const struct rt_record *r, struct spawn_error *e);
void rt_record_free(struct rt_record *r);
/* The status of the container now: from its process and the exec fifo
 * (with "paused" for a frozen cgroup, as runc says, which podman knows). */
enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_PAUSED, RT_STOPPED };
enum rt_status rt_status_of(const struct rt_record *r);
const char *rt_status_name(enum rt_status s);
/* The spec's state document (paused is "running" there, as the spec has
 * no paused), malloc'd. */
char *rt_state_json(const struct rt_record *r, enum oci_status st);
/* Start time of pid (field 22 of /proc/PID/stat); 0 when it is gone or
 * a zombie. */
unsigned long long rt_start_time(pid_t pid);
/* Names the files of the record's directory. */
int rt_path(const struct rt_record *r, const char *leaf, char *buf, size_t len);

/* ---- verbs: each takes argv from the verb's name on ---- */
int rt_create(const struct rt *rt, int argc, char **argv);
int rt_run(const struct rt *rt, int argc, char **argv);
int rt_start(const struct rt *rt, int argc, char **argv);
int rt_state(const struct rt *rt, int argc, char **argv);
int rt_kill(const struct rt *rt, int argc, char **argv);
int rt_delete(const struct rt *rt, int argc, char **argv);
int rt_list(const struct rt *rt, int argc, char **argv);
int rt_ps(const struct rt *rt, int argc, char **argv);
int rt_pause(const struct rt *rt, int argc, char **argv);
int rt_resume(const struct rt *rt, int argc, char **argv);
int rt_update(const struct rt *rt, int argc, char **argv);
int rt_exec(const struct rt *rt, int argc, char **argv);

/* The config that create kept in ROOT/ID/config.json; 1 (said) when it
 * cannot be read. */
int rt_kept_config(const struct rt *rt, const struct rt_record *r, struct oci_config *c);
/* The container's first process by a pidfd, checked to be the one create
 * made (a pid is reused once reaped); -1 when it is gone. */
int rt_open_process(const struct rt_record *r);
/* The signals run and exec forward to their child, and SIGCHLD. */
void rt_forwarded(sigset_t *fwd);
/* Waits for our child pid, forwarding the signals of fwd (blocked by the
 * caller, SIGCHLD among them) to it; its exit status, 128+N for signal N. */
int rt_wait_child(pid_t pid, const sigset_t *fwd);
/* The static cinit processes are exec'd through (spawn/command.h):
 * $CSPAWN_INIT, or the one installed beside this program; 1 (said) when
 * there is none. */
int rt_find_trampoline(const struct rt *rt, char *out, size_t len);
/* A connected SOCK_STREAM socket to the engine's console socket at path
 * (close-on-exec), or -1 with e. */
int rt_console_connect(const char *path, struct spawn_error *e);
/* Sends the pty master fd over sock, with the pty's name as the data. */
int rt_console_send(int sock, int fd, const char *name, struct spawn_error *e);
/* --preserve-fds N: 1 (said) when N is no count. */
int rt_parse_preserve_fds(const struct rt *rt, const char *arg, unsigned *n);
/* How many descriptors systemd's socket activation passed to this
 * process (LISTEN_FDS, when LISTEN_PID is ours): create and run pass them
 * on, as runc does. */
unsigned rt_listen_fds(void);
/* Checks that the caller's descriptors 3 .. 3 + nlisten + npreserve - 1
 * are open; 1 (said) when one is not. */
int rt_check_pass_fds(const struct rt *rt, unsigned nlisten, unsigned npreserve);
/* Writes the pid file atomically, as engines read it. */
int rt_write_pid_file(const char *path, pid_t pid, struct spawn_error *e);

/* Runs the hooks of kind k from the kept config (poststart, poststop);
 * a failure is warned about, as the spec says for these. */
void rt_run_hooks(const struct rt *rt, const struct rt_record *r, enum oci_hook_kind k,
		  enum oci_status st);

/* Removes what the container left: kills its process (and what its cgroup
 * holds), the cgroup, the poststop hooks, the directory. */
int rt_destroy(const struct rt *rt, struct rt_record *r);

#endif
