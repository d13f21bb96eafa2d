#include "spawn/restart.h"

bool restart_wanted(enum spawn_restart policy, int max_restarts, int restarts, int exit_code,
		    bool stop_requested)
{
	if (stop_requested)
		return false;
	switch (policy) {
	case SPAWN_RESTART_NO:
		return false;
	case SPAWN_RESTART_ON_FAILURE:
		return exit_code != 0 && (max_restarts == 0 || restarts < max_restarts);
	case SPAWN_RESTART_ALWAYS:
	case SPAWN_RESTART_UNLESS_STOPPED:
		return true;
	}
	return false;
}

int64_t restart_next_delay(int64_t prev_delay_ms, int64_t ran_ms)
{
	if (prev_delay_ms <= 0 || ran_ms >= RESTART_STABLE_RUN_MS)
		return RESTART_FIRST_DELAY_MS;
	if (prev_delay_ms >= RESTART_MAX_DELAY_MS / 2)
		return RESTART_MAX_DELAY_MS;
	return prev_delay_ms * 2;
}
