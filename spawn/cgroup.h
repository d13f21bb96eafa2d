/* The container's cgroup: created fresh for every start, limits written,
 * the container's first process moved in before it runs anything, removed
 * when it ends. Works on cgroup v2 (one unified tree) and on v1 (one tree
 * per controller), including hybrid hosts where the v1 trees hold the
 * controllers and a v2 mount holds little or nothing. */
#ifndef CSPAWN_CGROUP_H
#define CSPAWN_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/oci.h"
#include "spawn/util.h"

enum cgroup_version { CGROUP_V1 = 1, CGROUP_V2 = 2 };

/* The v1 controllers cspawn uses, in the order of cgroup_layout.v1_parent. */
/* The freezer only for the OCI runtime's pause and resume (all_controllers):
 * `cspawn run` never makes a cgroup in its tree. */
enum cgroup_ctl {
	CG_MEMORY,
	CG_PIDS,
	CG_CPU,
	CG_DEVICES,
	CG_FREEZER,
	CG_CPUSET,
	CG_HUGETLB,
	CG_BLKIO,
	CG_NCTL
};

struct devfilter_rule;

/* What linux.resources asks, in the terms of the cgroup files. */
struct cgroup_limits {
	uint64_t memory_bytes; /* 0: none */
	int64_t memory_swap;   /* memory and swap together; 0: not given, -1: no limit */
	uint64_t cpu_quota_us; /* 0: none */
	uint64_t cpu_period_us;
	uint64_t cpu_shares; /* 0: not given */
	int64_t pids;	     /* 0: none */
	/* the device rules, in order, the last match deciding */
	const struct devfilter_rule *devices;
	size_t n_devices;
	/* The rest of linux.resources, pointing into the spec (the caller
	 * keeps it): soft limit, swappiness and OOM killer; cpuset lists;
	 * hugepage limits; block I/O weights and throttles; v2 files. */
	int64_t memory_reservation; /* 0: not given */
	struct oci_opt_u64 swappiness;
	bool disable_oom_killer;
	const char *cpus, *mems; /* NULL: not given */
	const struct oci_hugepage_limit *hugepages;
	size_t n_hugepages;
	const struct oci_block_io *block_io; /* NULL: not given */
	const struct oci_map *unified;	     /* NULL or empty: none */
	/* On v1, a cgroup in the freezer's tree too: the OCI runtime's
	 * pause acts later on a cgroup that must already hold the
	 * container. */
	bool all_controllers;
};

/* From the spec: limits and the device rules (the spec's, then what every
 * container may open), in *rules, which the caller frees. Refuses what
 * the kernel would read as something else (a pids limit of 0). */
int cgroup_limits_of(const struct oci_resources *r, struct cgroup_limits *lim,
		     struct devfilter_rule **rules, struct spawn_error *e);

/* Where containers' cgroups go. On v2: <v2_root>/cspawn/NAME (the top of
 * the tree, because a cgroup that holds processes, like cspawn's own, may
 * not hand controllers to children). On v1: <cspawn's own cgroup in each
 * controller's tree>/cspawn/NAME, so the container stays inside whatever
 * limits its launcher is under. An empty v1_parent: controller not mounted. */
struct cgroup_layout {
	enum cgroup_version version;
	char v2_root[PATH_MAX];
	char v1_parent[CG_NCTL][PATH_MAX];
	char v1_mount[CG_NCTL][PATH_MAX]; /* the tree's mount point */
};

struct cgroup {
	enum cgroup_version version;
	char dir[CG_NCTL][PATH_MAX]; /* v2: dir[0] only; v1: per controller, "" if unused */
	uint64_t memory_limit;
	bool own_parent; /* in cspawn's shared "cspawn" parent, removed with the last */
};

/* Reads the host's layout: /sys/fs/cgroup on cgroup2fs means v2, anything
 * else means v1 trees found in /proc/self/mountinfo. */
int cgroup_detect(struct cgroup_layout *l, struct spawn_error *e);
/* A v2 layout at root (tests point it at a directory shaped like one). */
void cgroup_layout_v2(struct cgroup_layout *l, const char *root);
/* Fills the v1 parents from the text of /proc/self/mountinfo and
 * /proc/self/cgroup. Exposed for tests. */
void cgroup_layout_v1_parse(struct cgroup_layout *l, const char *mountinfo,
			    const char *self_cgroup);

/* Creates the cgroup (reusing one left from a killed cspawn), enables the
 * controllers the limits need and writes the limits. path is the spec's
 * linux.cgroupsPath: NULL or "" for cspawn/NAME in the layout's place, an
 * absolute path from the root of each hierarchy, or a relative one from
 * the layout's place. */
int cgroup_create(const struct cgroup_layout *l, const char *name, const char *path,
		  const struct cgroup_limits *lim, struct cgroup *cg, struct spawn_error *e);
int cgroup_attach(const struct cgroup *cg, pid_t pid, struct spawn_error *e);
/* True when the kernel's OOM killer killed a process of this cgroup. */
bool cgroup_oom_killed(const struct cgroup *cg);
/* How many processes of it the OOM killer killed (0 when unknown). */
uint64_t cgroup_oom_kills(const struct cgroup *cg);
/* Kills what is left inside, waits up to timeout_ms for the kernel to
 * release it, and removes it (and the shared "cspawn" parent when empty). */
int cgroup_destroy(const struct cgroup *cg, int timeout_ms, struct spawn_error *e);
/* Removes the cgroup a previous run of this name left behind, if any. */
int cgroup_remove_stale(const struct cgroup_layout *l, const char *name, struct spawn_error *e);

/* Rewrites the limits of a cgroup that exists (the OCI runtime's update):
 * only the ones lim sets; devices are left as they are. */
int cgroup_update(const struct cgroup *cg, const struct cgroup_limits *lim, struct spawn_error *e);
/* Freezes or thaws every process inside (v2 cgroup.freeze, v1 the freezer
 * tree) and waits, up to a bound, until the kernel says it is done. */
int cgroup_freeze(const struct cgroup *cg, bool frozen, struct spawn_error *e);
/* 1 when frozen, 0 when not, -1 when the cgroup cannot say (no freezer). */
int cgroup_frozen(const struct cgroup *cg);
/* The pids in the cgroup (cgroup.procs), malloc'd in *pids; the count, or
 * -1 with e. */
ssize_t cgroup_pids(const struct cgroup *cg, pid_t **pids, struct spawn_error *e);

/* A cgroup as text for the state directory ("v1" or "v2", then one line
 * per controller: "INDEX PATH"), so that whoever cleans up after a killed
 * cspawn removes the directories it made, wherever its own cgroup was. */
int cgroup_record(const struct cgroup *cg, char *buf, size_t len);
/* Reads such a record back. Refuses one whose paths do not end in
 * "/cspawn/NAME" (-1); with name NULL (the OCI runtime's records, whose
 * paths the engine chose) any absolute path is taken, and no shared
 * parent is removed with it. */
int cgroup_from_record(const char *text, const char *name, struct cgroup *cg);

#endif
