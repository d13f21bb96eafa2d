#include "spawn/cgextra.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int put(const char *dir, const char *file, const char *value, struct spawn_error *e)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (write_file(path, value) < 0)
		return spawn_fail_errno(e, "writing '%s' to %s", value, path);
	return 0;
}

static bool any_block_io(const struct oci_block_io *b)
{
	return b && b->present &&
	       (b->weight.set || b->n_weight_device || b->read_bps.n || b->write_bps.n ||
		b->read_iops.n || b->write_iops.n);
}

bool cgextra_v1_needed(int c, const struct cgroup_limits *lim)
{
	switch (c) {
	case CG_MEMORY:
		return lim->memory_reservation || lim->swappiness.set || lim->disable_oom_killer;
	case CG_CPUSET:
		return lim->cpus || lim->mems;
	case CG_HUGETLB:
		return lim->n_hugepages > 0;
	case CG_BLKIO:
		return any_block_io(lim->block_io);
	}
	return false;
}

int cgextra_check(enum cgroup_version v, const struct cgroup_limits *lim, struct spawn_error *e)
{
	if (v == CGROUP_V1 && lim->unified && lim->unified->n)
		return spawn_fail(e, "linux.resources.unified: cgroup v2 files, and this host "
				     "has cgroup v1");
	if (v == CGROUP_V2 && lim->swappiness.set)
		return spawn_fail(e, "linux.resources.memory.swappiness: cgroup v2 has no "
				     "swappiness");
	if (v == CGROUP_V2 && lim->disable_oom_killer)
		return spawn_fail(e, "linux.resources.memory.disableOOMKiller: cgroup v2 cannot "
				     "turn the OOM killer off");
	return 0;
}

/* "memory.high" needs memory; cgroup.* files are the core's. */
static void unified_needs(const struct oci_map *u, const char **need, int *n)
{
	static char names[8][32];

	for (size_t i = 0; u && i < u->n && *n < 8; i++) {
		size_t len = strcspn(u->v[i].key, ".");
		bool have = false;

		if (len == 6 && strncmp(u->v[i].key, "cgroup", 6) == 0)
			continue;
		if (len >= sizeof(names[0]))
			continue;
		for (int j = 0; j < *n; j++)
			have |= strlen(need[j]) == len && strncmp(need[j], u->v[i].key, len) == 0;
		if (have)
			continue;
		snprintf(names[*n], sizeof(names[0]), "%.*s", (int)len, u->v[i].key);
		need[*n] = names[*n];
		(*n)++;
	}
}

void cgextra_v2_needs(const struct cgroup_limits *lim, const char **need, int *n)
{
	bool memory = false;

	for (int i = 0; i < *n; i++)
		memory |= strcmp(need[i], "memory") == 0;
	if (lim->memory_reservation && !memory)
		need[(*n)++] = "memory";
	if (lim->cpus || lim->mems)
		need[(*n)++] = "cpuset";
	if (lim->n_hugepages)
		need[(*n)++] = "hugetlb";
	if (any_block_io(lim->block_io))
		need[(*n)++] = "io";
	unified_needs(lim->unified, need, n);
}

/* (the same file names on v1 and v2) */
static int cpuset(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	if (lim->cpus && put(dir, "cpuset.cpus", lim->cpus, e) < 0)
		return -1;
	return lim->mems ? put(dir, "cpuset.mems", lim->mems, e) : 0;
}

static int hugepages(const char *dir, const struct cgroup_limits *lim, const char *suffix,
		     struct spawn_error *e)
{
	for (size_t i = 0; i < lim->n_hugepages; i++) {
		char file[96], v[32];

		snprintf(file, sizeof(file), "hugetlb.%s.%s", lim->hugepages[i].page_size, suffix);
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->hugepages[i].limit);
		if (put(dir, file, v, e) < 0)
			return -1;
	}
	return 0;
}

/* v1's blkio weights (10-1000) on v2's io scale (1-10000), as runc maps
 * them. */
static unsigned long long io_weight(uint64_t w)
{
	return w < 10 ? 1 : 1 + ((w - 10) * 9999) / 990;
}

static int throttles(const char *dir, const struct oci_throttle_list *l, const char *v1_file,
		     const char *v2_key, struct spawn_error *e)
{
	for (size_t i = 0; i < l->n; i++) {
		char v[96];

		if (v1_file) {
			snprintf(v, sizeof(v), "%lld:%lld %llu", (long long)l->v[i].major,
				 (long long)l->v[i].minor, (unsigned long long)l->v[i].rate);
			if (put(dir, v1_file, v, e) < 0)
				return -1;
			continue;
		}
		snprintf(v, sizeof(v), "%lld:%lld %s=%llu", (long long)l->v[i].major,
			 (long long)l->v[i].minor, v2_key, (unsigned long long)l->v[i].rate);
		if (put(dir, "io.max", v, e) < 0)
			return -1;
	}
	return 0;
}

static int block_io(const char *dir, const struct oci_block_io *b, bool v2, struct spawn_error *e)
{
	char v[96];

	if (!any_block_io(b))
		return 0;
	if (b->weight.set) {
		if (v2)
			snprintf(v, sizeof(v), "default %llu", io_weight(b->weight.v));
		else
			snprintf(v, sizeof(v), "%llu", (unsigned long long)b->weight.v);
		if (put(dir, v2 ? "io.weight" : "blkio.weight", v, e) < 0)
			return -1;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct oci_weight_device *d = &b->weight_device[i];

		if (!d->weight.set)
			continue;
		snprintf(v, sizeof(v), "%lld:%lld %llu", (long long)d->major, (long long)d->minor,
			 v2 ? io_weight(d->weight.v) : (unsigned long long)d->weight.v);
		if (put(dir, v2 ? "io.weight" : "blkio.weight_device", v, e) < 0)
			return -1;
	}
	if (throttles(dir, &b->read_bps, v2 ? NULL : "blkio.throttle.read_bps_device", "rbps", e) <
		0 ||
	    throttles(dir, &b->write_bps, v2 ? NULL : "blkio.throttle.write_bps_device", "wbps",
		      e) < 0 ||
	    throttles(dir, &b->read_iops, v2 ? NULL : "blkio.throttle.read_iops_device", "riops",
		      e) < 0)
		return -1;
	return throttles(dir, &b->write_iops, v2 ? NULL : "blkio.throttle.write_iops_device",
			 "wiops", e);
}

int cgextra_v2_write(const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	char v[32];

	if (lim->memory_reservation) {
		snprintf(v, sizeof(v), "%lld", (long long)lim->memory_reservation);
		if (put(dir, "memory.low", v, e) < 0)
			return -1;
	}
	if (cpuset(dir, lim, e) < 0 || hugepages(dir, lim, "max", e) < 0 ||
	    block_io(dir, lim->block_io, true, e) < 0)
		return -1;
	for (size_t i = 0; lim->unified && i < lim->unified->n; i++)
		if (put(dir, lim->unified->v[i].key, lim->unified->v[i].value, e) < 0)
			return -1;
	return 0;
}

int cgextra_v1_write(int c, const char *dir, const struct cgroup_limits *lim, struct spawn_error *e)
{
	char v[32];

	switch (c) {
	case CG_MEMORY:
		if (lim->memory_reservation) {
			snprintf(v, sizeof(v), "%lld", (long long)lim->memory_reservation);
			if (put(dir, "memory.soft_limit_in_bytes", v, e) < 0)
				return -1;
		}
		if (lim->swappiness.set) {
			snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->swappiness.v);
			if (put(dir, "memory.swappiness", v, e) < 0)
				return -1;
		}
		return lim->disable_oom_killer ? put(dir, "memory.oom_control", "1", e) : 0;
	case CG_CPUSET:
		return cpuset(dir, lim, e);
	case CG_HUGETLB:
		return hugepages(dir, lim, "limit_in_bytes", e);
	case CG_BLKIO:
		return block_io(dir, lim->block_io, false, e);
	}
	return 0;
}

static int inherit(const char *parent, const char *dir, const char *file, struct spawn_error *e)
{
	char path[PATH_MAX + 32], value[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(path, value, sizeof(value)) < 0)
		return spawn_fail_errno(e, "reading %s", path);
	if (value[0] != '\n' && value[0] != '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/%s", parent, file);
	if (read_file(path, value, sizeof(value)) < 0)
		return spawn_fail_errno(e, "reading %s", path);
	value[strcspn(value, "\n")] = '\0';
	return put(dir, file, value, e);
}

int cgextra_v1_cpuset_inherit(const char *mount, const char *dir, struct spawn_error *e)
{
	char at[PATH_MAX], parent[PATH_MAX];
	size_t len = strlen(mount);

	if (strncmp(dir, mount, len) != 0)
		return spawn_fail(e, "cgroup %s is not under %s", dir, mount);
	snprintf(at, sizeof(at), "%s", dir);
	/* each '/' after the mount ends an ancestor; then dir itself */
	for (size_t i = len + 1;; i++) {
		if (at[i] != '/' && at[i] != '\0')
			continue;
		char saved = at[i];

		at[i] = '\0';
		snprintf(parent, sizeof(parent), "%s", at);
		*strrchr(parent, '/') = '\0';
		if (inherit(parent, at, "cpuset.cpus", e) < 0 ||
		    inherit(parent, at, "cpuset.mems", e) < 0)
			return -1;
		at[i] = saved;
		if (!saved)
			return 0;
	}
}
