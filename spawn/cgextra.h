/* Inside spawn/'s cgroup module (not a public face): the resources beyond
 * memory, cpu, pids and devices (cgroup.c's own): the memory soft limit,
 * swappiness and OOM killer, cpuset, hugetlb, block I/O, and v2's unified
 * files, in the files of each version. */
#ifndef CSPAWN_CGEXTRA_H
#define CSPAWN_CGEXTRA_H

#include <stdbool.h>

#include "spawn/cgroup.h"

/* Whether v1 controller c (CG_MEMORY, CG_CPUSET, CG_HUGETLB, CG_BLKIO) has
 * something of these to write. */
bool cgextra_v1_needed(int c, const struct cgroup_limits *lim);
/* What the version cannot set (swappiness on v2, unified on v1 ...): -1
 * naming the field, before anything is made. */
int cgextra_check(enum cgroup_version v, const struct cgroup_limits *lim, struct spawn_error *e);
/* The v2 controllers they need, appended to need[*n] (room for 8). */
void cgextra_v2_needs(const struct cgroup_limits *lim, const char **need, int *n);

int cgextra_v2_write(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e);
int cgextra_v1_write(int c, const char *dir, const struct cgroup_limits *lim,
		     struct spawn_error *e);
/* A new v1 cpuset cgroup takes no task until it has cpus and mems: each
 * level from the tree's mount down to dir gets its parent's where empty. */
int cgextra_v1_cpuset_inherit(const char *mount, const char *dir, struct spawn_error *e);

#endif
