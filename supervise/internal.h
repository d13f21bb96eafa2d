/* Private to supervise/: the runtime state of services and the supervisor.
 * Nothing outside this folder includes it. */
#ifndef CINIT_SUPERVISE_INTERNAL_H
#define CINIT_SUPERVISE_INTERNAL_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervise.h"

enum svc_state {
	SVC_STOPPED,  /* not running; waits for start (autostart, deps) */
	SVC_STARTING, /* running for less than start_secs */
	SVC_RUNNING,  /* running for start_secs or more */
	SVC_BACKOFF,  /* ended; a restart is scheduled */
	SVC_STOPPING, /* stop signal sent; waits for the exit */
	SVC_EXITED,   /* ended and will not be restarted */
	SVC_FATAL,    /* could not be kept running */
};

enum svc_event {
	SVE_START,	  /* dependencies allow a start */
	SVE_EXIT,	  /* the process ended; status in svc->last_status */
	SVE_TIMER,	  /* the state's timer fired */
	SVE_STOP,	  /* asked to stop (shutdown, reload, removal) */
	SVE_READY,	  /* readiness probe succeeded */
	SVE_READY_FAILED, /* readiness timed out */
	SVE_REDEFINE,	  /* a reload's definition replaces the old; idle only */
};

/* Bounded output from a service on its way to cinit's stdout or stderr, or
 * to a rotated file. */
struct log_sink;

struct log_stream {
	ev_io io;
	struct service *svc;
	struct log_sink *sink;
	char *partial; /* bytes after the last newline */
	size_t partial_len;
	bool is_err;
};

struct ready_probe {
	ev_timer poll;	   /* next probe attempt */
	ev_timer deadline; /* ready_timeout */
	pid_t exec_pid;	   /* running exec: probe, or 0 */
	int notify_fd;	   /* datagram socket for sd_notify, or -1 */
	ev_io notify_io;
	char *notify_path;
};

struct service {
	struct service_conf conf;
	struct supervisor *sup;
	enum svc_state state;
	pid_t pid;
	int last_status;   /* wait status of the last exit */
	bool ready;	   /* dependents may start */
	bool stop_wanted;  /* stop requested; do not restart */
	bool removed;	   /* dropped by a reload; free once stopped */
	int failed_starts; /* consecutive exits before start_secs */
	int restarts;	   /* restarts since the last stable run */
	ev_tstamp started_at;
	ev_timer timer; /* start_secs, backoff, stop timeout */
	struct log_stream out, err;
	struct ready_probe probe;
	/* a reloaded definition waits here while the old process stops */
	struct service_conf *pending_conf;
	unsigned total_restarts; /* automatic restarts since cinit started */
	bool has_exited;	 /* last_status holds an exit */
	/* the last output lines for `cinit ctl tail`, made on first output
	 * and only while the control socket is served: stdout, stderr */
	struct tail_ring *tail[2];
};

enum sup_phase {
	PHASE_RUNNING,
	PHASE_STOPPING_SERVICES, /* services stop in reverse dependency order */
	PHASE_LEFTOVERS,	 /* other processes get TERM, then KILL */
	PHASE_DONE,
};

struct supervisor {
	struct ev_loop *loop;
	struct cinit_conf conf; /* global settings; services moved out */
	struct supervisor_options opts;
	struct service **svcs;
	int n_svcs;
	enum sup_phase phase;
	int exit_code;
	bool exit_code_set;
	ev_timer shutdown_timer; /* bounds PHASE_STOPPING_SERVICES */
	ev_timer grace_timer;	 /* TERM..KILL in PHASE_LEFTOVERS */
	ev_timer sweep_timer;	 /* applies reloads once old processes are gone */
	bool sweeping;		 /* sweep_cb is redefining services: start none */
	bool killed_leftovers;
	struct log_sink *stdout_sink, *stderr_sink;
	char *notify_dir; /* holds the sd_notify sockets */
	bool is_pid1;
	struct control *ctl; /* the control socket, or NULL */
	/* cinit moved itself out of the OOM killer's reach (oom.c): each
	 * service gets service_oom_adj back */
	bool reset_service_oom;
	int service_oom_adj;
};

/* oom.c: cinit's own oom_score_adj to -1000 when it may; true when its
 * services must then be given *services back */
bool oom_protect_self(int *services);
/* in a service's child: its oom_score_adj; -1 on failure (errno) */
int oom_set_own(int adj);

/* service.c: the state machine */
struct service *service_new(struct supervisor *sup, struct service_conf *conf);
void service_free(struct service *svc);
void service_handle(struct service *svc, enum svc_event ev);
const char *service_state_name(enum svc_state st);
bool service_active(const struct service *svc); /* has a process */
bool service_deps_ready(const struct service *svc);
bool service_depends_on(const struct service *svc, const char *name);
int service_exit_code(const struct service *svc);

/* exec.c: fork and exec with the service's credentials and environment */
pid_t exec_service(struct service *svc, int out_fd, int err_fd);
pid_t exec_probe(struct service *svc, char **argv);

/* creds.c: names to ids from the files of the root the service runs in */
int creds_resolve(const char *user, const char *group, uid_t *uid, gid_t *gid, gid_t **groups,
		  int *n_groups, char *err, size_t errlen);

/* logs.c */
struct log_sink *log_sink_for_fd(struct ev_loop *loop, int fd);
struct log_sink *log_sink_for_file(struct ev_loop *loop, const struct log_conf *lc,
				   const char *svc_name);
void log_sink_free(struct log_sink *s);
void log_sink_write_message(struct log_sink *s, const char *msg, size_t len);
/* Output is held back until the reader takes more. */
bool log_sink_waiting(const struct log_sink *s);
int log_stream_open(struct service *svc, struct log_stream *ls, bool is_err);
void log_stream_close(struct log_stream *ls);
void log_stream_flush(struct log_stream *ls);

/* ready.c */
int ready_prepare(struct service *svc); /* before exec: notify socket */
void ready_begin(struct service *svc);	/* after exec */
void ready_cancel(struct service *svc);
bool ready_probe_exited(struct supervisor *sup, pid_t pid, int status);

/* supervisor.c: what the state machine tells the supervisor */
void supervisor_service_changed(struct supervisor *sup, struct service *svc);
struct service *supervisor_find(struct supervisor *sup, const char *name);
struct log_sink *supervisor_sink(struct supervisor *sup, bool err);
const char *supervisor_notify_dir(struct supervisor *sup);
/* begins the shutdown (a no-op once it has begun) */
void supervisor_shutdown(struct supervisor *sup, const char *why);
/* Loads the configuration file again; every diagnostic line goes to
 * cinit's log and, when echo is given, to echo too. 0 when valid. */
int supervisor_load_config(struct supervisor *sup, struct cinit_conf *c,
			   void (*echo)(void *ctx, const char *line, bool error), void *ctx);
/* Says, for each service, what a reload to c would do to it: "added",
 * "changed" or "removed"; returns how many it named. */
int supervisor_diff(struct supervisor *sup, const struct cinit_conf *c,
		    void (*say)(void *ctx, const char *name, const char *what), void *ctx);

/* control.c: the control socket and what `cinit ctl` asks of it. Nothing
 * of it exists unless a socket is configured. */
struct control;
struct tail_ring;
struct control *control_open(struct supervisor *sup, const char *path);
void control_close(struct control *c);
void control_service_changed(struct control *c, struct service *svc);
void control_service_gone(struct control *c, struct service *svc);
/* a line of a service's output (ending in '\n'), for tail */
void control_output(struct control *c, struct service *svc, bool is_err, const char *line,
		    size_t n);
void tail_ring_free(struct tail_ring *r);

#endif
