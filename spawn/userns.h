/* --userns: root inside the container is an unprivileged range of ids on
 * the host, taken from /etc/subuid and /etc/subgid (the first range for
 * "root" or "0"), or 100000:65536 when they have none. */
#ifndef CSPAWN_USERNS_H
#define CSPAWN_USERNS_H

#include <sys/types.h>

#include "oci/oci.h"
#include "spawn/util.h"

#define USERNS_DEFAULT_BASE 100000u
#define USERNS_DEFAULT_COUNT 65536u

struct userns_map {
	unsigned uid_base, uid_count;
	unsigned gid_base, gid_count;
};

/* Reads a subordinate id file for user (or uid 0). Missing file or entry:
 * the default range. */
int userns_subid_range(const char *path, const char *user, unsigned *base, unsigned *count,
		       struct spawn_error *e);
/* Both ranges, for root. */
int userns_default_map(struct userns_map *m, struct spawn_error *e);
/* Writes the spec's linux.uidMappings and gidMappings as process pid's
 * uid_map and gid_map; setgroups stays allowed. */
int userns_write_maps(pid_t pid, const struct oci_id_mappings *uids,
		      const struct oci_id_mappings *gids, struct spawn_error *e);

#endif
