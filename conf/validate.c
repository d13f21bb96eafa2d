/* The rules between services: each has a command, names are unique, at
 * most one is main, and dependencies exist and do not go round. Also run on
 * the one-service config of `cinit -- cmd`. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct checker {
	const struct cinit_conf *c;
	struct diag *d;
	int *by_name; /* service indexes sorted by name, then index */
};

static const char *name_of(const struct service_conf *s)
{
	return s->name ? s->name : "";
}

/* The section a message names: as written, or the native form. */
static struct where where_of(const struct service_conf *s, char *buf, size_t len, int line,
			     const char *key)
{
	struct where w = {.file = s->file, .line = line ? line : s->line, .key = key};

	if (s->section) {
		w.section = s->section;
	} else {
		snprintf(buf, len, "service:%s", name_of(s));
		w.section = buf;
	}
	return w;
}

static int cmp_index(const struct cinit_conf *c, int a, int b)
{
	int r = strcmp(name_of(&c->services[a]), name_of(&c->services[b]));

	return r ? r : (a > b) - (a < b);
}

static int cmp_by_name_r(const void *a, const void *b, void *ctx)
{
	return cmp_index(ctx, *(const int *)a, *(const int *)b);
}

/* The first service (in file order) with this name, or -1. */
static int find_service(const struct checker *k, const char *name)
{
	int lo = 0, hi = k->c->n_services;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strcmp(name_of(&k->c->services[k->by_name[mid]]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < k->c->n_services && strcmp(name_of(&k->c->services[k->by_name[lo]]), name) == 0)
		return k->by_name[lo];
	return -1;
}

/* "FILE:LINE" of a service, for messages naming another one. */
static const char *origin(char *buf, size_t len, const struct service_conf *s, int line)
{
	if (!s->file)
		snprintf(buf, len, "the command line");
	else if (line > 0)
		snprintf(buf, len, "%s:%d", s->file, line);
	else
		snprintf(buf, len, "%s", s->file);
	return buf;
}

static void check_commands(const struct checker *k)
{
	for (int i = 0; i < k->c->n_services; i++) {
		const struct service_conf *s = &k->c->services[i];
		char buf[128];
		struct where w = where_of(s, buf, sizeof(buf), 0, "command");
		/* a command that did not split was reported where it was */
		if (!s->command && (!s->argv || !s->argv[0]))
			diag_error(k->d, &w, "expected a command to run, got none");
	}
}

static void check_unique_names(const struct checker *k)
{
	for (int j = 1; j < k->c->n_services; j++) {
		const struct service_conf *a = &k->c->services[k->by_name[j - 1]];
		const struct service_conf *b = &k->c->services[k->by_name[j]];
		char buf[128], at[1024];
		struct where w = where_of(b, buf, sizeof(buf), 0, NULL);
		if (strcmp(name_of(a), name_of(b)) != 0)
			continue;
		/* the earliest of a run of duplicates is the one to name */
		a = &k->c->services[find_service(k, name_of(b))];
		diag_error(k->d, &w,
			   "expected a unique service name, but '%s' is defined at %s too",
			   name_of(b), origin(at, sizeof(at), a, a->line));
	}
}

static void check_one_main(const struct checker *k)
{
	const struct service_conf *main_svc = NULL;

	for (int i = 0; i < k->c->n_services; i++) {
		const struct service_conf *s = &k->c->services[i];
		char buf[128], at[1024];
		struct where w = where_of(s, buf, sizeof(buf), s->main_line, "main");
		if (!s->main)
			continue;
		if (!main_svc) {
			main_svc = s;
			continue;
		}
		diag_error(k->d, &w,
			   "expected at most one main service, but '%s' (%s) is main already",
			   name_of(main_svc),
			   origin(at, sizeof(at), main_svc,
				  main_svc->main_line ? main_svc->main_line : main_svc->line));
	}
}

static void check_depends_exist(const struct checker *k)
{
	for (int i = 0; i < k->c->n_services; i++) {
		const struct service_conf *s = &k->c->services[i];
		char buf[128], show[DIAG_SHOW_MAX];
		struct where w = where_of(s, buf, sizeof(buf), s->depends_line, "depends");
		for (char **d = s->depends; d && *d; d++)
			if (find_service(k, *d) < 0)
				diag_error(k->d, &w,
					   "expected the name of a service, got '%s' (no service "
					   "has that name)",
					   diag_show(show, sizeof(show), *d));
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Harmless, but most likely a typo for another name: said, not refused.
 * Sorted copy, so a long list costs n log n. */
static void check_depends_once(const struct checker *k, const struct service_conf *s)
{
	char buf[128], show[DIAG_SHOW_MAX];
	struct where w = where_of(s, buf, sizeof(buf), s->depends_line, "depends");
	size_t n = 0;
	char **sorted;

	while (s->depends && s->depends[n])
		n++;
	if (n < 2)
		return;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		diag_oom(k->d, &w);
		return;
	}
	memcpy(sorted, s->depends, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(sorted[i], sorted[i - 1]) &&
		    (i < 2 || strcmp(sorted[i], sorted[i - 2])))
			diag_warn(k->d, &w, "'%s' is listed more than once",
				  diag_show(show, sizeof(show), sorted[i]));
	free(sorted);
}

static void check_depends_twice(const struct checker *k)
{
	for (int i = 0; i < k->c->n_services; i++)
		check_depends_once(k, &k->c->services[i]);
}

struct frame {
	int node;
	int next; /* the next of its depends to follow */
};

static void report_cycle(const struct checker *k, const struct frame *stack, int from, int top)
{
	const struct service_conf *s = &k->c->services[stack[top].node];
	char buf[128], *chain = NULL;
	size_t len = 0;
	struct where w = where_of(s, buf, sizeof(buf), s->depends_line, "depends");
	FILE *m = open_memstream(&chain, &len);

	if (!m) {
		diag_oom(k->d, &w);
		return;
	}
	for (int i = from; i <= top; i++)
		fprintf(m, "%s -> ", name_of(&k->c->services[stack[i].node]));
	fputs(name_of(&k->c->services[stack[from].node]), m);
	if (fclose(m) != 0 || !chain)
		diag_oom(k->d, &w);
	else
		diag_error(k->d, &w, "expected no dependency cycle, got %s", chain);
	free(chain);
}

/* Depth first, with a stack of our own: a chain of thousands of services
 * must not overflow cinit's. Every back edge is one cycle, said once. */
static void check_cycles(const struct checker *k)
{
	int n = k->c->n_services;
	struct frame *stack = calloc((size_t)n + 1, sizeof(*stack));
	int *pos = malloc(((size_t)n + 1) * sizeof(*pos)); /* on the stack at, or -1 */
	char *done = calloc((size_t)n + 1, 1);

	if (!stack || !pos || !done) {
		struct where w = {0};
		diag_oom(k->d, &w);
		goto out;
	}
	for (int i = 0; i < n; i++)
		pos[i] = -1;
	for (int root = 0; root < n; root++) {
		int sp = 0;
		if (done[root])
			continue;
		stack[sp++] = (struct frame){root, 0};
		pos[root] = 0;
		while (sp > 0) {
			struct frame *f = &stack[sp - 1];
			char **deps = k->c->services[f->node].depends;
			int v;
			if (!deps || !deps[f->next]) {
				done[f->node] = 1;
				pos[f->node] = -1;
				sp--;
				continue;
			}
			v = find_service(k, deps[f->next++]);
			if (v < 0 || done[v])
				continue;
			if (pos[v] >= 0) {
				report_cycle(k, stack, pos[v], sp - 1);
				continue;
			}
			pos[v] = sp;
			stack[sp++] = (struct frame){v, 0};
		}
	}
out:
	free(stack);
	free(pos);
	free(done);
}

int conf_validate(struct cinit_conf *c, FILE *errs)
{
	struct diag d = {.errs = errs};
	struct checker k = {.c = c, .d = &d};

	k.by_name = malloc(((size_t)c->n_services + 1) * sizeof(int));
	if (!k.by_name) {
		struct where w = {0};
		diag_oom(&d, &w);
		return d.errors;
	}
	for (int i = 0; i < c->n_services; i++)
		k.by_name[i] = i;
	qsort_r(k.by_name, (size_t)c->n_services, sizeof(int), cmp_by_name_r, (void *)c);
	check_commands(&k);
	check_unique_names(&k);
	check_one_main(&k);
	check_depends_exist(&k);
	check_depends_twice(&k);
	check_cycles(&k);
	free(k.by_name);
	diag_dedupe(&d, false);
	return d.errors;
}
