/* The configuration of cinit as plain data: what every service is, with its
 * defaults applied. Filled by the INI loader (native and supervisord formats)
 * or built in memory by `cinit -- cmd`. Nothing here knows about processes. */
#ifndef CINIT_CONF_H
#define CINIT_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS };
enum service_type { SERVICE_SIMPLE, SERVICE_ONESHOT };
enum ready_kind { READY_NONE, READY_TCP, READY_UNIX, READY_FILE, READY_EXEC, READY_NOTIFY };
/* Where a stream of a service goes: lines prefixed with the service name on
 * cinit's own stream, cinit's own descriptor unchanged, a rotated file, or
 * /dev/null. */
enum log_kind { LOG_PREFIX, LOG_INHERIT, LOG_FILE, LOG_NULL };

struct log_conf {
	enum log_kind kind;
	char *path;	    /* LOG_FILE */
	uint64_t max_bytes; /* rotate when larger; 0 = never */
	unsigned backups;   /* rotated files kept: path.1 .. path.N */
};

struct ready_conf {
	enum ready_kind kind;
	char *host;	     /* READY_TCP */
	char *port;	     /* READY_TCP */
	char *path;	     /* READY_UNIX, READY_FILE */
	char **argv;	     /* READY_EXEC */
	int64_t timeout_ms;  /* 0 = wait forever */
	int64_t interval_ms; /* how often tcp/unix/file/exec are probed */
};

struct rlimit_conf {
	int resource; /* RLIMIT_NOFILE, ... */
	struct rlimit value;
};

/* one of each resource setrlimit(2) knows (RLIM_NLIMITS is 16) */
#define CONF_MAX_RLIMITS 16
#define CONF_EXIT_CODES_BYTES 32 /* one bit per exit status 0..255 */

struct service_conf {
	char *name;
	char *command;	 /* as written, for messages and --check */
	char **argv;	 /* split command, NULL-terminated */
	char *user;	 /* NULL = cinit's own */
	char *group;	 /* NULL = the user's primary group */
	char *directory; /* NULL = cinit's own */
	char **env;	 /* KEY=VALUE, NULL-terminated; added to cinit's environment */
	int umask;	 /* -1 = inherit */
	enum restart_policy restart;
	uint8_t exit_codes[CONF_EXIT_CODES_BYTES]; /* expected (successful) exit statuses */
	int64_t start_secs_ms;			   /* uptime after which a start counts as good */
	int start_retries;			   /* failed starts in a row before fatal */
	int64_t backoff_min_ms;			   /* first delay after the immediate restart */
	int64_t backoff_max_ms;			   /* cap of the doubling */
	int64_t backoff_reset_ms;		   /* stable uptime after which the delay resets */
	int stop_signal;
	int64_t stop_timeout_ms;
	bool kill_group; /* signal the whole process group on stop */
	char **depends;	 /* service names, NULL-terminated */
	struct ready_conf ready;
	enum service_type type;
	bool critical;
	bool main;
	bool autostart;
	int priority; /* lower starts first among equals; default 999 */
	struct log_conf out;
	struct log_conf err;
	bool redirect_stderr; /* stderr goes where stdout goes */
	struct rlimit_conf rlimits[CONF_MAX_RLIMITS];
	int n_rlimits;
	/* where the section was defined, for messages; not compared by
	 * conf_service_equal, since moving a service does not change it */
	char *file;
	int line;
	char *section;	  /* as written, "service:web" or "program:worker"; NULL = "service:NAME" */
	int depends_line; /* line of the depends key, 0 = the section's */
	int main_line;	  /* line of the main key, 0 = the section's */
};

enum log_format { LOGFMT_PLAIN, LOGFMT_TIMESTAMP };

struct cinit_conf {
	int64_t shutdown_timeout_ms; /* bound on stopping all services */
	int64_t grace_ms;	     /* TERM..KILL grace for leftover processes */
	char *control_socket;	     /* NULL = cinit's default; "none" = no socket */
	int control_socket_mode;     /* permission bits of the socket file */
	char *control_socket_owner;  /* "user[:group]"; NULL = cinit's own */
	uint64_t tail_buffer;	     /* bytes of output kept per stream for tail */
	enum log_format log_format;
	int verbosity;
	struct service_conf *services;
	int n_services;
};

/* Fills a service with the documented defaults; name and argv stay NULL. */
void conf_service_defaults(struct service_conf *s);
void conf_defaults(struct cinit_conf *c);
static inline bool conf_exit_expected(const struct service_conf *s, int code)
{
	return code >= 0 && code < 256 && (s->exit_codes[code / 8] >> (code % 8)) & 1;
}
static inline void conf_set_exit_expected(struct service_conf *s, int code, bool on)
{
	if (code < 0 || code > 255)
		return;
	if (on)
		s->exit_codes[code / 8] |= (uint8_t)(1u << (code % 8));
	else
		s->exit_codes[code / 8] &= (uint8_t) ~(1u << (code % 8));
}

/* Loads a native cinit.ini or a supervisord file (detected by its sections),
 * following includes. Every error and warning is written to errs as
 * "FILE:LINE: [SECTION] KEY: message". Returns 0 when the config is valid,
 * otherwise the number of errors; *out is then freed and zeroed. */
int conf_load(const char *path, struct cinit_conf *out, FILE *errs);
/* Same, from a string held in memory (for the fuzzer and unit tests);
 * name is used in messages and includes are resolved relative to cwd. */
int conf_load_string(const char *name, const char *text, struct cinit_conf *out, FILE *errs);
/* Same, with includes resolved relative to dir (NULL or "" = cwd). */
int conf_load_string_at(const char *name, const char *dir, const char *text, struct cinit_conf *out,
			FILE *errs);
/* Checks cross-service rules (each has a command, unique names, depends
 * exist, no cycles, at most one main); used by the loader and by the
 * in-memory tini config. Returns the number of errors. */
int conf_validate(struct cinit_conf *c, FILE *errs);
/* Writes the effective configuration in the native format. */
void conf_print(FILE *f, const struct cinit_conf *c);
void conf_free(struct cinit_conf *c);
void conf_service_free(struct service_conf *s);
/* Nonzero when a running instance of a may stand for b (reload comparison). */
int conf_service_equal(const struct service_conf *a, const struct service_conf *b);

#endif
