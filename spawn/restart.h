/* The restart policy, as docker applies it: whether to start again, and
 * after how long (100 ms doubling up to a minute, back to 100 ms after a
 * run of 10 s or more). */
#ifndef CSPAWN_RESTART_H
#define CSPAWN_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include "spawn/options.h"

#define RESTART_FIRST_DELAY_MS 100
#define RESTART_MAX_DELAY_MS 60000
#define RESTART_STABLE_RUN_MS 10000

/* restarts: how many restarts happened so far; stop_requested: cspawn got
 * SIGTERM or SIGINT. */
bool restart_wanted(enum spawn_restart policy, int max_restarts, int restarts, int exit_code,
		    bool stop_requested);
/* The delay before the next start, given the previous delay (0 before the
 * first restart) and how long the last run lasted. */
int64_t restart_next_delay(int64_t prev_delay_ms, int64_t ran_ms);

#endif
