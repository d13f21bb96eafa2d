/* Detached containers from start to end: `run -d` makes one in the store
 * and hands it to a monitor; `start`, `stop`, `kill`, `restart`, `wait`
 * and `rm` act on it through its monitor, or on the container directly
 * when the monitor was killed. */
#ifndef CSPAWN_LIFECYCLE_H
#define CSPAWN_LIFECYCLE_H

#include "manage/paths.h"
#include "manage/store.h"
#include "spawn/options.h"

/* `cspawn run -d`: o->rootfs and layers absolute, init the host's cinit;
 * volumes (or NULL) the record's "volumes" (manage/volume.h). Prints the
 * new container's id; returns cspawn's exit status (the start's 125, 126,
 * 127 when it failed). */
int lifecycle_run_detached(struct spawn_opts *o, const char *init, const struct cspawn_roots *r,
			   json_t *volumes);

/* Starts a monitor for a container that is not running; 0, or the exit
 * status of a failed first start with the reason in e. */
int lifecycle_start(struct store *s, struct ctr *c, struct spawn_error *e);
/* Stops it (the stop signal, KILL after timeout seconds; -1: its own),
 * and waits for the end; marks it stopped by the user. */
int lifecycle_stop(struct store *s, struct ctr *c, int timeout, struct spawn_error *e);

/* The same as the host shutting down does it (`cspawn boot --shutdown`):
 * its own stop timeout, and not a stop by the user, so that an
 * unless-stopped container comes back at the next boot. */
int lifecycle_shutdown(struct ctr *c, struct spawn_error *e);
/* Whether `cspawn boot` starts it: --restart always, or unless-stopped
 * when the user did not stop it. */
bool lifecycle_restarts_at_boot(const struct ctr *c);

#endif
