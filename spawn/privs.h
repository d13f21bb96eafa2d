/* What the container's first process may do: its capability sets, the
 * bounding set, its user and groups, and no_new_privs. The seccomp filter
 * lives in sysfilter.h. */
#ifndef CSPAWN_PRIVS_H
#define CSPAWN_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spawn/users.h"
#include "spawn/util.h"

#define PRIVS_CAP(c) (UINT64_C(1) << (c))

/* Docker's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW
 * SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL
 * AUDIT_WRITE. */
uint64_t privs_default_caps(void);
/* All capabilities this build knows by name. */
uint64_t privs_all_caps(void);

/* "CAP_SYS_ADMIN", "sys_admin", "SYS_ADMIN" -> 21; -1 if unknown. */
int privs_cap_from_name(const char *name);
/* "SYS_ADMIN" for 21; NULL if unknown. */
const char *privs_cap_name(int cap);
/* Docker's rules: start from the default set; "ALL" in drop empties it
 * first, "ALL" in add fills it; then named adds, then named drops (an
 * add of ALL still honours named drops). */
int privs_compute_caps(char *const *add, size_t nadd, char *const *drop, size_t ndrop,
		       uint64_t *caps, struct spawn_error *e);

/* Removes every capability not in keep from the bounding set, so no exec
 * can regain it. Needs CAP_SETPCAP, so it runs before the user switch. */
int privs_drop_bounding(uint64_t keep, struct spawn_error *e);

/* setgroups, setresgid, setresuid. setgroups always runs, in a user
 * namespace too: otherwise the container keeps cspawn's own supplementary
 * groups (host ids, root's among them). */
int privs_switch_user(const struct spawn_user *u, struct spawn_error *e);
/* Sets effective and permitted to caps (intersected with what is still
 * permitted after the user switch), inheritable and ambient to nothing. */
int privs_set_caps(uint64_t caps, struct spawn_error *e);
int privs_no_new_privs(struct spawn_error *e);

#endif
