/* Turns `-u USER[:GROUP]` into ids, reading the container's own passwd and
 * group files (never the host's NSS: after pivot_root that would load host
 * modules into a container process). */
#ifndef CSPAWN_USERS_H
#define CSPAWN_USERS_H

#include <stddef.h>
#include <sys/types.h>

#include "spawn/util.h"

#define USERS_MAX_GROUPS 64

struct spawn_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[USERS_MAX_GROUPS]; /* supplementary, the primary group first */
	size_t ngroups;
	char home[256];
};

/* spec is NULL (root), "name", "uid", "name:group", "uid:gid" ... A name
 * that is not in the files is an error; an id that is not is used as it is
 * (primary group 0, home "/"), as docker does. Missing files count as empty. */
int users_resolve(const char *spec, const char *passwd_path, const char *group_path,
		  struct spawn_user *u, struct spawn_error *e);

#endif
