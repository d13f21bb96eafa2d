/* `cspawn stats [--no-stream] [--format json] [NAME...]`: memory, CPU and
 * processes of running containers, read from their cgroups (v2: one
 * directory; v1: the memory, cpu and pids trees), as docker stats shows
 * them: memory without the inactive page cache, CPU as a percentage of
 * one CPU over the last interval, the limits or, with none, the host's
 * memory. The cgroup is the one its monitor recorded. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manage/commands.h"
#include "manage/store.h"
#include "spawn/cgroup.h"

#define INTERVAL_MS 1000

struct sample {
	char id[STORE_ID_LEN + 1];
	char name[SPAWN_MAX_NAME + 1];
	uint64_t mem, mem_limit; /* bytes; mem_limit 0: none */
	uint64_t cpu_ns;
	uint64_t pids, pids_limit; /* pids_limit 0: none */
	int64_t at_ms;		   /* monotonic */
};

/* A number from a cgroup file: the whole file, or the value of "key N"
 * lines. "max" (and v1's near-2^63 "no limit") read as 0. */
static uint64_t cg_value(const char *dir, const char *leaf, const char *key)
{
	char path[PATH_MAX + 64], buf[8192], *p = buf;
	unsigned long long v = 0;

	if (!dir[0] || format_path(path, sizeof(path), "%s/%s", dir, leaf) < 0 ||
	    read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	if (key) {
		size_t len = strlen(key);

		for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (strncmp(p, key, len) == 0 && p[len] == ' ')
				break;
		if (!p)
			return 0;
		p += len + 1;
	}
	if (strncmp(p, "max", 3) == 0 || sscanf(p, "%llu", &v) != 1 || v >= (1ULL << 62))
		return 0;
	return (uint64_t)v;
}

static void read_v2(const char *dir, struct sample *s)
{
	uint64_t inactive = cg_value(dir, "memory.stat", "inactive_file");

	s->mem = cg_value(dir, "memory.current", NULL);
	s->mem = s->mem > inactive ? s->mem - inactive : s->mem;
	s->mem_limit = cg_value(dir, "memory.max", NULL);
	s->cpu_ns = cg_value(dir, "cpu.stat", "usage_usec") * 1000;
	s->pids = cg_value(dir, "pids.current", NULL);
	s->pids_limit = cg_value(dir, "pids.max", NULL);
}

/* utime, stime, cutime and cstime of a process, in clock ticks: its own
 * time and that of the children it reaped. */
static uint64_t proc_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, cut, cst;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu", &ut,
		   &st, &cut, &cst) != 4)
		return 0;
	return ut + st + cut + cst;
}

/* The CPU time of everything in the cgroup: each process's own and its
 * reaped children's. Inside a container every process that ended was
 * reaped by one inside (cinit is its PID 1), so nothing counts twice. */
static uint64_t procs_cpu_ns(const char *dir)
{
	char path[PATH_MAX + 16];
	long hz = sysconf(_SC_CLK_TCK), pid;
	uint64_t ticks = 0;
	FILE *f;

	if (!dir[0] || hz <= 0 || format_path(path, sizeof(path), "%s/cgroup.procs", dir) < 0 ||
	    !(f = fopen(path, "re")))
		return 0;
	while (fscanf(f, "%ld", &pid) == 1)
		ticks += proc_ticks(pid);
	fclose(f);
	return ticks * (1000000000ULL / (uint64_t)hz);
}

static void read_v1(const struct cgroup *cg, struct sample *s)
{
	const char *mem = cg->dir[CG_MEMORY], *pids = cg->dir[CG_PIDS];
	uint64_t inactive = cg_value(mem, "memory.stat", "total_inactive_file");

	s->mem = cg_value(mem, "memory.usage_in_bytes", NULL);
	s->mem = s->mem > inactive ? s->mem - inactive : s->mem;
	s->mem_limit = cg_value(mem, "memory.limit_in_bytes", NULL);
	/* cpuacct, where it is mounted with cpu; else what the processes
	 * inside have used */
	s->cpu_ns = cg_value(cg->dir[CG_CPU], "cpuacct.usage", NULL);
	if (!s->cpu_ns)
		s->cpu_ns = procs_cpu_ns(pids[0] ? pids : mem);
	s->pids = cg_value(pids, "pids.current", NULL);
	s->pids_limit = cg_value(pids, "pids.max", NULL);
}

static int sample_of(const struct ctr *c, struct sample *s, struct spawn_error *e)
{
	char *text = store_read_file(c->run_dir, "cgroup", e);
	struct cgroup cg;

	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", c->id);
	snprintf(s->name, sizeof(s->name), "%s", c->name);
	if (!text)
		return spawn_fail(e, "%s: its cgroup is not known (is it running?)", c->name);
	if (cgroup_from_record(text, c->id, &cg) < 0) {
		free(text);
		return spawn_fail(e, "%s/cgroup: not a cgroup record", c->run_dir);
	}
	free(text);
	if (cg.version == CGROUP_V2)
		read_v2(cg.dir[0], s);
	else
		read_v1(&cg, s);
	s->at_ms = monotonic_ms();
	return 0;
}

static bool live(const struct ctr *c)
{
	return c->state.status == CTR_RUNNING && !c->state.monitor_gone;
}

struct round {
	struct sample *v;
	size_t n;
	int failed;
	bool quiet; /* the first sample, never shown: its errors come again */
};

static void take(struct round *r, const struct ctr *c)
{
	struct spawn_error e;
	struct sample *grown;

	if (!live(c)) {
		if (!r->quiet)
			fprintf(stderr, "cspawn: %s: the container is not running\n", c->name);
		r->failed = 1;
		return;
	}
	grown = realloc(r->v, (r->n + 1) * sizeof(*grown));
	if (!grown) {
		r->failed = 1;
		return;
	}
	r->v = grown;
	if (sample_of(c, &r->v[r->n], &e) < 0) {
		if (!r->quiet)
			fprintf(stderr, "cspawn: %s\n", e.msg);
		r->failed = 1;
		return;
	}
	r->n++;
}

static void take_running(struct ctr *c, void *ctx)
{
	if (live(c))
		take(ctx, c);
}

/* One sample of each named container, or of every running one. */
static struct round sample_all(struct store *s, char **names, int n, bool quiet)
{
	struct round r = {.quiet = quiet};
	struct spawn_error e;

	for (int i = 0; i < n; i++) {
		struct ctr c;

		if (store_find(s, names[i], &c, &e) < 0) {
			if (!quiet)
				fprintf(stderr, "cspawn: %s\n", e.msg);
			r.failed = 1;
			continue;
		}
		take(&r, &c);
		ctr_free(&c);
	}
	if (n == 0 && store_list(s, take_running, NULL, &r, &e) < 0 && !quiet) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		r.failed = 1;
	}
	return r;
}

static const struct sample *before(const struct round *prev, const char *id)
{
	for (size_t i = 0; i < prev->n; i++)
		if (strcmp(prev->v[i].id, id) == 0)
			return &prev->v[i];
	return NULL;
}

/* Percent of one CPU since the previous sample. */
static double cpu_percent(const struct sample *s, const struct sample *p)
{
	if (!p || s->at_ms <= p->at_ms || s->cpu_ns < p->cpu_ns)
		return 0;
	return (double)(s->cpu_ns - p->cpu_ns) / 1e6 / (double)(s->at_ms - p->at_ms) * 100;
}

static uint64_t host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

/* "1.953MiB", as docker's go-units writes sizes. */
static void human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.4g%s", v, units[u]);
}

static json_t *sample_json(const struct sample *s, const struct sample *p, uint64_t host)
{
	uint64_t limit = s->mem_limit ? s->mem_limit : host;

	return json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:b, s:f, s:I, s:I}", "ID", s->id, "Name",
			 s->name, "CPUPerc", cpu_percent(s, p), "CPUUsageNs", (json_int_t)s->cpu_ns,
			 "MemUsage", (json_int_t)s->mem, "MemLimit", (json_int_t)limit,
			 "MemLimited", s->mem_limit != 0, "MemPerc",
			 limit ? (double)s->mem * 100 / (double)limit : 0.0, "PIDs",
			 (json_int_t)s->pids, "PIDsLimit", (json_int_t)s->pids_limit);
}

static void print_table(const struct round *r, const struct round *prev, uint64_t host)
{
	printf("%-12s   %-20s   %-7s   %-21s   %-7s   %s\n", "CONTAINER ID", "NAME", "CPU %",
	       "MEM USAGE / LIMIT", "MEM %", "PIDS");
	for (size_t i = 0; i < r->n; i++) {
		const struct sample *s = &r->v[i];
		uint64_t limit = s->mem_limit ? s->mem_limit : host;
		char use[32], lim[32], usage[80], cpu[16], mem[16];

		human(s->mem, use, sizeof(use));
		human(limit, lim, sizeof(lim));
		snprintf(usage, sizeof(usage), "%s / %s", use, lim);
		snprintf(cpu, sizeof(cpu), "%.2f%%", cpu_percent(s, before(prev, s->id)));
		snprintf(mem, sizeof(mem), "%.2f%%",
			 limit ? (double)s->mem * 100 / (double)limit : 0.0);
		printf("%-12.12s   %-20s   %-7s   %-21s   %-7s   %" PRIu64 "\n", s->id, s->name,
		       cpu, usage, mem, s->pids);
	}
}

static void print_json(const struct round *r, const struct round *prev, uint64_t host)
{
	json_t *all = json_array();
	char *text;

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(all, sample_json(&r->v[i], before(prev, r->v[i].id), host));
	text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	puts(text ? text : "[]");
	free(text);
	json_decref(all);
}

struct stats_opts {
	bool no_stream, json;
};

static int parse(int argc, char **argv, struct stats_opts *o)
{
	static const struct option longs[] = {{"no-stream", no_argument, NULL, 'n'},
					      {"format", required_argument, NULL, 'f'},
					      {NULL, 0, NULL, 0}};
	int c;

	*o = (struct stats_opts){0};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
		if (c == 'n')
			o->no_stream = true;
		else if (c == 'f' && strcmp(optarg, "json") == 0)
			o->json = true;
		else
			return -1;
	}
	return optind;
}

/* A first sample, then one each interval: the CPU figure is the
 * interval's, so even --no-stream waits one interval, as docker's does. */
int cmd_stats(int argc, char **argv)
{
	struct stats_opts o;
	struct cspawn_roots roots;
	struct round prev, cur;
	struct spawn_error e;
	struct store s;
	uint64_t host = host_memory();
	int first = parse(argc, argv, &o), failed;

	if (first < 0)
		return fprintf(stderr, "usage: cspawn stats [--no-stream] [--format json] "
				       "[NAME...]\n"),
		       125;
	if (paths_roots(&roots, &e) < 0 || store_open(&s, &roots, &e) < 0)
		return fprintf(stderr, "cspawn: %s\n", e.msg), 125;
	prev = sample_all(&s, argv + first, argc - first, true);
	for (;;) {
		sleep_ms(INTERVAL_MS);
		cur = sample_all(&s, argv + first, argc - first, false);
		failed = cur.failed;
		/* a terminal shows the latest figures in place, as docker's */
		if (!o.no_stream && !o.json && isatty(1))
			fputs("\033[2J\033[H", stdout);
		if (o.json)
			print_json(&cur, &prev, host);
		else
			print_table(&cur, &prev, host);
		fflush(stdout);
		free(prev.v);
		prev = cur;
		if (o.no_stream)
			break;
	}
	free(prev.v);
	store_close(&s);
	return failed;
}
