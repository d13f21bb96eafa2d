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

/* True when this process holds cap in its effective set. */
bool privs_have_cap(int cap);

/* "CAP_SYS_ADMIN", "sys_admin", "SYS_ADMIN" -> 21; -1 if unknown. */
int privs_cap_from_name(const char *name);
/* "SYS_ADMIN" for 21; NULL if unknown. */
const char *privs_cap_name(int cap);
/* Docker's rules: start from the default set; "ALL" in drop empties it
 * first, "ALL" in add fills it; then named adds, then named drops (an
 * add of ALL still honours named drops). */
int privs_compute_caps(char *const *add, size_t nadd, char *const *drop, size_t ndrop,
		       uint64_t *caps, struct spawn_error *e);

/* The process's capability sets (bit N = capability N). */
struct privs_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

/* Becomes the user with exactly these sets: the bounding set reduced (no
 * exec can regain what it lost), setgroups, setresgid and setresuid with
 * the permitted set kept across the switch, then effective, permitted and
 * inheritable set and each ambient one raised. setgroups always runs, in a
 * user namespace too: otherwise the container keeps cspawn's own
 * supplementary groups (host ids, root's among them). */
int privs_become(const struct spawn_user *u, const struct privs_caps *c, struct spawn_error *e);
int privs_no_new_privs(struct spawn_error *e);

#endif
