#include "spawn/privs.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

#define NCAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

uint64_t privs_default_caps(void)
{
	return PRIVS_CAP(CAP_CHOWN) | PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_FSETID) |
	       PRIVS_CAP(CAP_FOWNER) | PRIVS_CAP(CAP_MKNOD) | PRIVS_CAP(CAP_NET_RAW) |
	       PRIVS_CAP(CAP_SETGID) | PRIVS_CAP(CAP_SETUID) | PRIVS_CAP(CAP_SETFCAP) |
	       PRIVS_CAP(CAP_SETPCAP) | PRIVS_CAP(CAP_NET_BIND_SERVICE) |
	       PRIVS_CAP(CAP_SYS_CHROOT) | PRIVS_CAP(CAP_KILL) | PRIVS_CAP(CAP_AUDIT_WRITE);
}

uint64_t privs_all_caps(void)
{
	return (UINT64_C(1) << NCAPS) - 1;
}

int privs_cap_from_name(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i < NCAPS; i++)
		if (strcasecmp(name, cap_names[i]) == 0)
			return i;
	return -1;
}

const char *privs_cap_name(int cap)
{
	return cap >= 0 && cap < NCAPS ? cap_names[cap] : NULL;
}

static bool is_all(const char *name)
{
	return strcasecmp(name, "ALL") == 0 || strcasecmp(name, "CAP_ALL") == 0;
}

static bool list_has_all(char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_all(names[i]))
			return true;
	return false;
}

/* Applies the named (non-ALL) entries of a list: sets or clears their bits. */
static int apply_cap_names(char *const *names, size_t n, bool add, uint64_t *caps,
			   struct spawn_error *e)
{
	for (size_t i = 0; i < n; i++) {
		int cap;

		if (is_all(names[i]))
			continue;
		cap = privs_cap_from_name(names[i]);
		if (cap < 0)
			return spawn_fail(e, "unknown capability '%s'", names[i]);
		if (add)
			*caps |= PRIVS_CAP(cap);
		else
			*caps &= ~PRIVS_CAP(cap);
	}
	return 0;
}

int privs_compute_caps(char *const *add, size_t nadd, char *const *drop, size_t ndrop,
		       uint64_t *caps, struct spawn_error *e)
{
	uint64_t set = privs_default_caps();

	if (list_has_all(drop, ndrop))
		set = 0;
	if (list_has_all(add, nadd))
		set = privs_all_caps();
	if (apply_cap_names(add, nadd, true, &set, e) < 0 ||
	    apply_cap_names(drop, ndrop, false, &set, e) < 0)
		return -1;
	*caps = set;
	return 0;
}

/* Removes every capability not in keep from the bounding set, so no exec
 * can regain it. Needs CAP_SETPCAP, so it runs before the user switch. */
static int drop_bounding(uint64_t keep, struct spawn_error *e)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & PRIVS_CAP(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			/* EINVAL: past the last capability this kernel has. */
			if (errno == EINVAL)
				break;
			return spawn_fail_errno(e, "prctl(PR_CAPBSET_DROP, %d)", cap);
		}
	}
	return 0;
}

static int switch_user(const struct spawn_user *u, struct spawn_error *e)
{
	if (setgroups(u->ngroups, u->groups) < 0)
		return spawn_fail_errno(e, "setgroups for uid %u", (unsigned)u->uid);
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return spawn_fail_errno(e, "setresgid(%u)", (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return spawn_fail_errno(e, "setresuid(%u)", (unsigned)u->uid);
	return 0;
}

/* Only capabilities this kernel has: capset refuses bits past its last. */
static uint64_t known(uint64_t set)
{
	int last = 0;

	while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	return last == 63 ? set : set & ((UINT64_C(1) << (last + 1)) - 1);
}

bool privs_have_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];

	if (cap < 0 || cap > 63 || syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

static int set_caps(const struct privs_caps *c, struct spawn_error *e)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	uint64_t perm, eff, inh, have_perm, have_inh;

	if (syscall(SYS_capget, &hdr, data) < 0)
		return spawn_fail_errno(e, "capget");
	/* What cspawn itself lacks (a host without CAP_SYS_RESOURCE) no
	 * process of its can be given: asked for, capset would fail. */
	have_perm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	have_inh = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	perm = known(c->permitted) & have_perm;
	eff = known(c->effective) & perm;
	inh = known(c->inheritable) & (have_perm | have_inh);
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].permitted = (uint32_t)(perm >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return spawn_fail_errno(e, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return spawn_fail_errno(e, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
	/* An ambient capability must be permitted and inheritable too. */
	for (int cap = 0; cap < 64; cap++)
		if ((known(c->ambient) & perm & inh & PRIVS_CAP(cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return spawn_fail_errno(e, "prctl(PR_CAP_AMBIENT_RAISE, %d)", cap);
	return 0;
}

int privs_become(const struct spawn_user *u, const struct privs_caps *c, struct spawn_error *e)
{
	if (drop_bounding(c->bounding, e) < 0)
		return -1;
	/* Kept across setresuid: a non-root user then still has what the
	 * spec gives it (exec decides what survives). */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_KEEPCAPS)");
	if (switch_user(u, e) < 0)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_KEEPCAPS)");
	return set_caps(c, e);
}

int privs_no_new_privs(struct spawn_error *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_NO_NEW_PRIVS)");
	return 0;
}
