/* Which device nodes a container may open, on cgroup v2. v1 has a devices
 * controller with allow/deny files; v2 has none and asks for a small BPF
 * program attached to the cgroup instead. Without one, a container with
 * CAP_MKNOD could create and open the host's disks. */
#ifndef CSPAWN_DEVFILTER_H
#define CSPAWN_DEVFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/oci.h"

#include "spawn/util.h"

struct devfilter_rule {
	bool allow;
	char type;	 /* 'c', 'b' or 'a' (either) */
	int major;	 /* -1: any */
	int minor;	 /* -1: any */
	unsigned access; /* BPF_DEVCG_ACC_* bits */
};

/* A rule of the spec (linux.resources.devices) in the program's terms. */
struct devfilter_rule devfilter_rule_of(const struct oci_device_rule *r);
/* What every container may open, whatever its spec: null, zero, full,
 * random, urandom, tty, ptmx and the pts (never the host's console). */
const struct devfilter_rule *devfilter_default_rules(size_t *n);

/* Loads the rules as a BPF_PROG_TYPE_CGROUP_DEVICE program, in which the
 * last rule that matches decides and no match is a refusal, and attaches
 * it to the cgroup v2 directory dir. A directory that is not on cgroup2fs
 * (a test tree) is left alone. */
int devfilter_attach(const char *dir, const struct devfilter_rule *rules, size_t n,
		     struct spawn_error *e);

#endif
