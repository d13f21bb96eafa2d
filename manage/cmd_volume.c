/* `cspawn volume create|ls|inspect|rm|prune`, as docker's (manage/volume.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage/commands.h"
#include "manage/volume.h"

static int open_store(struct store *s)
{
	struct cspawn_roots r;
	struct spawn_error e;

	if (paths_roots(&r, &e) < 0 || store_open(s, &r, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: cspawn volume create [--label KEY=VALUE]... [NAME]\n"
			"       cspawn volume ls [-q] [--format json]\n"
			"       cspawn volume inspect NAME...\n"
			"       cspawn volume rm [-f] NAME...\n"
			"       cspawn volume prune [-a] [-f]\n");
	return 125;
}

static int add_label(json_t *labels, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char key[256];

	if (eq == arg || (eq && (size_t)(eq - arg) >= sizeof(key))) {
		fprintf(stderr, "cspawn: --label '%s': expected KEY=VALUE\n", arg);
		return -1;
	}
	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
	return json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""));
}

static int vol_create(int argc, char **argv)
{
	static const struct option longs[] = {{"label", required_argument, NULL, 'l'},
					      {NULL, 0, NULL, 0}};
	json_t *labels = json_object();
	struct spawn_error e;
	struct volume v;
	struct store s;
	bool made;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1)
		if (c != 'l' || add_label(labels, optarg) < 0)
			return json_decref(labels), usage();
	if (argc - optind > 1 || open_store(&s) < 0)
		return json_decref(labels), argc - optind > 1 ? usage() : 125;
	rc = volume_create(&s, optind < argc ? argv[optind] : NULL, false, labels, &v, &made, &e);
	json_decref(labels);
	store_close(&s);
	if (rc < 0)
		return fprintf(stderr, "cspawn: %s\n", e.msg), 1;
	printf("%s\n", v.name);
	volume_free(&v);
	return 0;
}

struct ls_opts {
	bool quiet;
	json_t *list;
};

static void ls_one(struct volume *v, void *ctx)
{
	struct ls_opts *o = ctx;

	if (o->list)
		json_array_append_new(o->list, volume_json(v));
	else if (o->quiet)
		printf("%s\n", v->name);
	else
		printf("%-8s  %s\n", "local", v->name);
}

static void ls_bad(const char *why, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "cspawn: skipped a broken volume record: %s\n", why);
}

static int vol_ls(int argc, char **argv)
{
	static const struct option longs[] = {{"quiet", no_argument, NULL, 'q'},
					      {"format", required_argument, NULL, 'f'},
					      {NULL, 0, NULL, 0}};
	struct ls_opts o = {0};
	struct spawn_error e;
	struct store s;
	int c, rc = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+q", longs, NULL)) != -1) {
		if (c == 'q')
			o.quiet = true;
		else if (c == 'f' && strcmp(optarg, "json") == 0 && !o.list)
			o.list = json_array();
		else
			return json_decref(o.list), usage();
	}
	if (optind < argc || open_store(&s) < 0)
		return json_decref(o.list), optind < argc ? usage() : 125;
	if (!o.quiet && !o.list)
		printf("%-8s  %s\n", "DRIVER", "VOLUME NAME");
	/* under the lock, which sweeps away what killed runs left */
	if (store_lock(&s, &e) < 0 || volume_list(&s, ls_one, ls_bad, &o, &e) < 0)
		rc = (fprintf(stderr, "cspawn: %s\n", e.msg), 125);
	if (o.list && rc == 0) {
		char *text = json_dumps(o.list, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text ? text : "[]");
		free(text);
	}
	json_decref(o.list);
	store_close(&s);
	return rc;
}

static int vol_inspect(int argc, char **argv)
{
	json_t *all = json_array();
	struct store s;
	char *text;
	int rc = 0;

	if (argc < 2)
		return json_decref(all), usage();
	if (open_store(&s) < 0)
		return json_decref(all), 125;
	for (int i = 1; i < argc; i++) {
		struct spawn_error e;
		struct volume v;

		if (volume_find(&s, argv[i], &v, &e) < 0) {
			fprintf(stderr, "cspawn: %s\n", e.msg);
			rc = 1;
			continue;
		}
		json_array_append_new(all, volume_json(&v));
		volume_free(&v);
	}
	text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	puts(text ? text : "[]");
	free(text);
	json_decref(all);
	store_close(&s);
	return rc;
}

/* -f, as docker's: a missing volume is no error. */
static int vol_rm(int argc, char **argv)
{
	bool force = false;
	struct store s;
	int c, rc = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "+f")) != -1)
		if (c == 'f')
			force = true;
		else
			return usage();
	if (optind >= argc)
		return usage();
	if (open_store(&s) < 0)
		return 125;
	for (int i = optind; i < argc; i++) {
		struct spawn_error e;

		if (volume_remove(&s, argv[i], &e) == 0)
			printf("%s\n", argv[i]);
		else if (!force || strncmp(e.msg, "no such volume", 14) != 0)
			rc = (fprintf(stderr, "cspawn: %s\n", e.msg), 1);
	}
	store_close(&s);
	return rc;
}

struct prune {
	struct store *s;
	bool all;
	char **names;
	size_t n;
};

static void prune_pick(struct volume *v, void *ctx)
{
	struct prune *p = ctx;
	char who[128], **grown;

	if ((!p->all && !v->anonymous) || volume_used_by(p->s, v->name, who, sizeof(who)))
		return;
	grown = realloc(p->names, (p->n + 1) * sizeof(*grown));
	if (grown && (grown[p->n] = strdup(v->name)))
		p->n++;
	if (grown)
		p->names = grown;
}

/* docker's rule since 23.0: the unused anonymous volumes; -a the named
 * ones too. Under the store's lock, so no run takes one meanwhile. */
static int vol_prune(int argc, char **argv)
{
	struct prune p = {0};
	struct spawn_error e;
	struct store s;
	int c, rc = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "+af")) != -1)
		if (c == 'a')
			p.all = true;
		else if (c != 'f')
			return usage();
	if (optind < argc)
		return usage();
	if (open_store(&s) < 0)
		return 125;
	p.s = &s;
	if (store_lock(&s, &e) < 0 || volume_list(&s, prune_pick, NULL, &p, &e) < 0)
		rc = (fprintf(stderr, "cspawn: %s\n", e.msg), 125);
	for (size_t i = 0; i < p.n; i++) {
		/* one held by a run being set up stays */
		if (rc == 0 && volume_remove(&s, p.names[i], &e) == 0)
			printf("%s\n", p.names[i]);
		free(p.names[i]);
	}
	free(p.names);
	store_close(&s);
	return rc;
}

int cmd_volume(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {{"create", vol_create},   {"ls", vol_ls}, {"list", vol_ls},
		    {"inspect", vol_inspect}, {"rm", vol_rm}, {"remove", vol_rm},
		    {"prune", vol_prune}};

	for (size_t i = 0; argc > 1 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(argc - 1, argv + 1);
	return usage();
}
