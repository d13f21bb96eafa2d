/* The store of containers: one directory per container under
 * <lib>/containers/ID holding its record (container.json: name, what it
 * runs, its policies), its OCI spec (config.json), its last known state
 * (state.json), its logs and, with layers, its writable layer; and under
 * <run>/containers/ID what only lives while its monitor does (the monitor's
 * lock and pid, its control socket, the cgroup record). Every write is
 * atomic (a temporary file, fsync, rename); creations, renames and
 * removals take the store's lock; a reader survives a missing or corrupt
 * record and names it. No daemon: each command opens the store. */
#ifndef CSPAWN_STORE_H
#define CSPAWN_STORE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "manage/paths.h"
#include "spawn/options.h"
#include "spawn/util.h"

#define STORE_ID_LEN 64
#define STORE_SHORT_ID 12

struct store {
	char containers[PATH_MAX]; /* <lib>/containers */
	char running[PATH_MAX];	   /* <run>/containers */
	char volumes[PATH_MAX];	   /* <lib>/volumes */
	int lockfd;		   /* -1: not held */
};

enum ctr_status {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_RESTARTING,
	CTR_EXITED,
	CTR_DEAD, /* its monitor is gone and so is it: how it ended is not known */
};

/* The last state a monitor wrote, and what is true now (store_refresh). */
struct ctr_state {
	enum ctr_status status;
	pid_t pid;		   /* the container's PID 1 on the host; 0: none */
	uint64_t pid_start;	   /* its start time (clock ticks), so a reused pid is not it */
	pid_t monitor;		   /* 0: none */
	int64_t started, finished; /* unix ms; 0: never */
	int exit_code;		   /* -1: not known */
	int restarts;
	bool oom;			 /* the last run ended by the OOM killer */
	bool stopped_by_user;		 /* for unless-stopped, and restarts across reboots */
	bool monitor_gone;		 /* running, with no monitor watching (it was killed) */
	char error[256];		 /* why the last start failed, or "" */
	char unreadable[PATH_MAX + 200]; /* state.json exists and cannot be read: why, or "" */
};

/* One container. json holds the whole record (what `inspect` shows); the
 * fields are read from it. */
struct ctr {
	char id[STORE_ID_LEN + 1];
	char name[SPAWN_MAX_NAME + 1];
	int64_t created;
	json_t *json;
	bool broken; /* its record cannot be read (store_find_broken) */
	struct ctr_state state;
	char dir[PATH_MAX];	/* <lib>/containers/ID */
	char run_dir[PATH_MAX]; /* <run>/containers/ID */
};

int store_open(struct store *s, const struct cspawn_roots *r, struct spawn_error *e);
void store_close(struct store *s);
/* The store's lock (flock, blocking): held around creations and removals
 * so that two runs of one name cannot both take it. Taking it removes
 * what a command killed while it held it left half made or half removed,
 * and the anonymous volumes of killed runs (volume_sweep). */
int store_lock(struct store *s, struct spawn_error *e);
void store_unlock(struct store *s);

/* A new container of that name (a generated one when name is empty), its
 * directory made and record written; the lock must be held. Fails with
 * "the name 'web' is already in use by container ID". */
int store_create(struct store *s, const char *name, json_t *record, struct ctr *out,
		 struct spawn_error *e);
/* By name, full id or unique id prefix. "no such container: X"; "X
 * matches more than one container". */
int store_find(struct store *s, const char *ref, struct ctr *out, struct spawn_error *e);
/* A container whose record cannot be read, by full id or unique prefix:
 * out has its id, directories and state, an empty record and its short
 * id as its name, and e says what is wrong with the record; for `rm -f`,
 * which removes it. */
int store_find_broken(struct store *s, const char *ref, struct ctr *out, struct spawn_error *e);
/* Calls visit for each container whose record cannot be read, as
 * store_find_broken makes it. */
int store_list_broken(struct store *s, void (*visit)(struct ctr *c, void *ctx), void *ctx,
		      struct spawn_error *e);
/* Calls visit for each container, in creation order; a record that
 * cannot be read is reported through bad (with the file named) and the
 * listing goes on; so is a state.json that cannot be read, whose
 * container is listed as created. */
int store_list(struct store *s, void (*visit)(struct ctr *c, void *ctx),
	       void (*bad)(const char *why, void *ctx), void *ctx, struct spawn_error *e);
/* Its directories and everything in them; the lock must be held. Fails
 * with errno EBUSY while a monitor of it lives (one that is starting
 * too). */
int store_remove(struct store *s, const struct ctr *c, struct spawn_error *e);
/* The lock a container's monitor holds while it lives (<run>/ID/lock):
 * its descriptor, or -1 (errno EBUSY when a monitor holds it). */
int store_take_monitor_lock(const struct ctr *c, struct spawn_error *e);
/* Waits until no monitor holds the container's lock (it has ended, or
 * was killed), at most timeout_ms (-1: no limit); false at the deadline.
 * For callers the monitor cannot hold on to (it keeps a fixed number). */
bool store_await_monitor_end(const struct ctr *c, int timeout_ms);
/* True while the container's record is in the store. */
bool store_has_record(const struct ctr *c);
void ctr_free(struct ctr *c);

/* state.json, atomically. */
int store_save_state(const struct ctr *c, struct spawn_error *e);
/* Reads state.json again, then store_refresh. */
void store_reload_state(struct ctr *c);
/* The state as it truly is: a monitor that is gone, a PID 1 that is gone
 * or is another process now. */
void store_refresh(struct ctr *c);
/* True when pid is alive and started at start (ticks since boot). */
bool store_pid_is(pid_t pid, uint64_t start);
/* Its start time; 0 when it is gone or a zombie. */
uint64_t store_pid_start(pid_t pid);

/* Files of a container's directory: "config.json" ... */
int store_write_file(const char *dir, const char *leaf, const char *text, struct spawn_error *e);
char *store_read_file(const char *dir, const char *leaf, struct spawn_error *e);

/* STORE_ID_LEN random hex digits and a NUL into id. */
void store_make_id(char *id);

/* Its config.json, read and checked; the error names the file. */
struct oci_config;
int store_load_spec(const struct ctr *c, struct oci_config *spec, struct spawn_error *e);

const char *ctr_status_name(enum ctr_status s);
int64_t store_now_ms(void);

#endif
