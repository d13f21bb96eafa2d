/* The image commands: pull, push, load, save, images, rmi, tag, image
 * (ls, rm, inspect, prune), login. They open the store under <lib>/images
 * (manage/paths.h) and leave the work to image/. Exit status: 0, 1 when
 * the command failed, 2 for a usage error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "manage/commands.h"
#include "manage/store.h"
#include "manage/paths.h"

#define EXIT_USAGE 2

/* What every image command knows of where things are. */
struct image_ctx {
	struct cspawn_roots roots;
	struct image_store store;
	char certs[PATH_MAX];
	char insecure[PATH_MAX];
	char lib_auth[PATH_MAX];
	char home_auth[PATH_MAX];
	struct image_registry_opts reg;
};

static int failed(const char *cmd, const struct spawn_error *e)
{
	fprintf(stderr, "cspawn %s: %s\n", cmd, e->msg);
	return 1;
}

static int usage(const char *text)
{
	fprintf(stderr, "usage: cspawn %s\n", text);
	return EXIT_USAGE;
}

/* Flags that take no value: set[i] for letters[i]. Leaves optind at the
 * first operand; -1 for an unknown flag. */
static int bool_flags(int argc, char **argv, const char *letters, bool *set)
{
	char spec[16];
	int ch;

	snprintf(spec, sizeof(spec), "+%s", letters);
	optind = 1;
	while ((ch = getopt(argc, argv, spec)) != -1) {
		const char *at = strchr(letters, ch);
		if (ch == '?' || !at)
			return -1;
		set[at - letters] = true;
	}
	return 0;
}

static int open_ctx(struct image_ctx *c, const char *cmd)
{
	char dir[PATH_MAX + 16];
	struct spawn_error e;

	memset(c, 0, sizeof(*c));
	c->store.dir = -1;
	if (paths_roots(&c->roots, &e) < 0)
		return failed(cmd, &e);
	snprintf(dir, sizeof(dir), "%s/images", c->roots.lib);
	snprintf(c->certs, sizeof(c->certs), "%.4000s/certs.d", c->roots.lib);
	snprintf(c->insecure, sizeof(c->insecure), "%.4000s/insecure-registries", c->roots.lib);
	snprintf(c->lib_auth, sizeof(c->lib_auth), "%.4000s/auth.json", c->roots.lib);
	c->reg.certs_dir = c->certs;
	c->reg.insecure_file = c->insecure;
	c->reg.authfile = image_authfile_default(c->lib_auth, c->home_auth, sizeof(c->home_auth));
	if (image_store_open(&c->store, dir, &e) < 0)
		return failed(cmd, &e);
	return 0;
}

static void close_ctx(struct image_ctx *c)
{
	image_store_close(&c->store);
}

/* A container of the store, running or not, that was made from the image:
 * its layers are its root, so the image stays. */
struct use_query {
	const char *image_id;
	bool used;
};

static void check_use(struct ctr *c, void *ctx)
{
	struct use_query *q = ctx;
	const char *id = json_string_value(json_object_get(c->json, "image_id"));

	if (id && strcmp(id, q->image_id) == 0)
		q->used = true;
}

static bool uses(void *arg, const char *image_id)
{
	struct use_query q = {.image_id = image_id};
	struct cspawn_roots r;
	struct spawn_error e;
	struct store s;

	(void)arg;
	/* a store that cannot be read must not let the image go */
	if (paths_roots(&r, &e) < 0 || store_open(&s, &r, &e) < 0 ||
	    store_list(&s, check_use, NULL, &q, &e) < 0)
		return true;
	store_close(&s);
	return q.used;
}

static const struct image_users *container_users(void)
{
	static const struct image_users users = {.uses = uses};

	return &users;
}

/* --- progress ----------------------------------------------------------- */

struct view {
	bool tty;
	size_t count, drawn;
	char (*lines)[96];
	int64_t last_ms;
};

static const char *human(uint64_t n, char *buf, size_t len)
{
	if (n >= 1000 * 1000)
		snprintf(buf, len, "%.1f MB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(buf, len, "%.1f kB", (double)n / 1e3);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	return buf;
}

static void redraw(struct view *v)
{
	if (v->drawn)
		fprintf(stderr, "\033[%zuA", v->drawn);
	for (size_t i = 0; i < v->count; i++)
		fprintf(stderr, "\033[2K%s\n", v->lines[i]);
	v->drawn = v->count;
	fflush(stderr);
}

static void on_layer(void *arg, size_t index, size_t count, const char *digest, enum image_event ev,
		     uint64_t done, uint64_t total)
{
	static const char *const words[] = {"already present", "waiting for another pull",
					    "downloading",     "verified",
					    "unpacked",	       "pushed"};
	struct view *v = arg;
	char a[32], b[32];
	int64_t now = monotonic_ms();

	if (!v->lines) {
		v->lines = calloc(count + 1, sizeof(*v->lines));
		if (!v->lines)
			return;
		v->count = count;
	}
	if (index >= v->count)
		return;
	if (ev == IMAGE_LAYER_DOWNLOADING)
		snprintf(v->lines[index], sizeof(v->lines[0]), "%.12s: downloading %s / %s",
			 digest + 7, human(done, a, sizeof(a)), human(total, b, sizeof(b)));
	else
		snprintf(v->lines[index], sizeof(v->lines[0]), "%.12s: %s (%s)", digest + 7,
			 words[ev], human(total, a, sizeof(a)));
	if (v->tty) {
		if (ev != IMAGE_LAYER_DOWNLOADING || now - v->last_ms >= 100) {
			v->last_ms = now;
			redraw(v);
		}
	} else if (ev == IMAGE_LAYER_EXISTS || ev == IMAGE_LAYER_WAITING ||
		   ev == IMAGE_LAYER_UNPACKED || ev == IMAGE_LAYER_PUSHED) {
		fprintf(stderr, "%s\n", v->lines[index]);
	}
}

/* --- registry commands --------------------------------------------------- */

enum { OPT_PLATFORM = 256, OPT_INSECURE, OPT_AUTHFILE, OPT_PASSWORD_STDIN };

static const struct option registry_options[] = {
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"tls-verify", required_argument, NULL, 't'},
    {"authfile", required_argument, NULL, OPT_AUTHFILE},
    {"quiet", no_argument, NULL, 'q'},
    {"username", required_argument, NULL, 'u'},
    {"password", required_argument, NULL, 'p'},
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {NULL, 0, NULL, 0},
};

struct registry_args {
	bool quiet, password_stdin;
	const char *user, *password;
};

/* The options pull, push and login share; -1 for a usage error. */
static int registry_opts(int argc, char **argv, struct image_ctx *c, struct registry_args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+qu:p:", registry_options, NULL)) != -1) {
		switch (ch) {
		case OPT_PLATFORM:
			c->reg.platform = optarg;
			break;
		case OPT_INSECURE:
			c->reg.insecure = true;
			break;
		case 't': /* podman's spelling */
			c->reg.insecure = strcmp(optarg, "false") == 0;
			break;
		case OPT_AUTHFILE:
			c->reg.authfile = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'p':
			a->password = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			a->password_stdin = true;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

int cmd_pull(int argc, char **argv)
{
	struct view v = {.tty = isatty(STDERR_FILENO) == 1};
	struct image_progress p = {on_layer, &v};
	char id[IMAGE_DIGEST_LEN];
	struct registry_args a;
	struct image_ctx c;
	struct spawn_error e;
	int rc;

	if ((rc = open_ctx(&c, "pull")) != 0)
		return rc;
	if (registry_opts(argc, argv, &c, &a) < 0 || optind != argc - 1) {
		close_ctx(&c);
		return usage("pull [--platform OS/ARCH] [--insecure] [--authfile FILE] [-q] REF");
	}
	if (!a.quiet)
		c.reg.progress = &p;
	rc = image_pull(&c.store, argv[optind], &c.reg, id, &e) < 0 ? failed("pull", &e) : 0;
	if (rc == 0)
		printf("%s\n", id);
	free(v.lines);
	close_ctx(&c);
	return rc;
}

int cmd_push(int argc, char **argv)
{
	struct view v = {.tty = isatty(STDERR_FILENO) == 1};
	struct image_progress p = {on_layer, &v};
	struct registry_args a;
	struct image_ctx c;
	struct spawn_error e;
	int rc;

	if ((rc = open_ctx(&c, "push")) != 0)
		return rc;
	if (registry_opts(argc, argv, &c, &a) < 0 || optind < argc - 2 || optind >= argc) {
		close_ctx(&c);
		return usage("push [--insecure] [--authfile FILE] [-q] IMAGE [DEST]");
	}
	if (!a.quiet)
		c.reg.progress = &p;
	rc = image_push(&c.store, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &c.reg,
			&e) < 0
		 ? failed("push", &e)
		 : 0;
	free(v.lines);
	close_ctx(&c);
	return rc;
}

static int read_password(char *buf, size_t len)
{
	if (!fgets(buf, (int)len, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int cmd_login(int argc, char **argv)
{
	struct registry_args a;
	struct image_ctx c;
	struct spawn_error e;
	char password[1024];
	const char *authfile;
	int rc;

	if ((rc = open_ctx(&c, "login")) != 0)
		return rc;
	authfile = c.lib_auth;
	if (registry_opts(argc, argv, &c, &a) < 0 || optind != argc - 1 || !a.user ||
	    !(a.password || a.password_stdin)) {
		close_ctx(&c);
		return usage("login [--insecure] [--authfile FILE] -u USER (-p PASSWORD | "
			     "--password-stdin) REGISTRY");
	}
	if (c.reg.authfile != c.home_auth && c.reg.authfile != c.lib_auth)
		authfile = c.reg.authfile; /* --authfile or REGISTRY_AUTH_FILE */
	if (a.password_stdin && read_password(password, sizeof(password)) < 0) {
		close_ctx(&c);
		fprintf(stderr, "cspawn login: no password on standard input\n");
		return 1;
	}
	rc = image_login(argv[optind], a.user, a.password_stdin ? password : a.password, &c.reg,
			 authfile, &e) < 0
		 ? failed("login", &e)
		 : 0;
	if (rc == 0)
		printf("Login Succeeded\n");
	close_ctx(&c);
	return rc;
}

/* --- archives ------------------------------------------------------------ */

static void on_loaded(void *arg, const char *id, const char *name)
{
	(void)arg;
	if (name)
		printf("Loaded image: %s\n", name);
	else
		printf("Loaded image ID: %s\n", id);
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {{"input", required_argument, NULL, 'i'},
					     {"oci", required_argument, NULL, 'o'},
					     {NULL, 0, NULL, 0}};
	struct image_loaded cb = {on_loaded, NULL};
	const char *input = NULL, *oci = NULL;
	struct image_ctx c;
	struct spawn_error e;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+i:", opts, NULL)) != -1) {
		if (ch == 'i')
			input = optarg;
		else if (ch == 'o')
			oci = optarg;
		else
			return usage("load [-i FILE | --oci DIR[:TAG]]");
	}
	if (optind != argc || (input && oci))
		return usage("load [-i FILE | --oci DIR[:TAG]]");
	if ((rc = open_ctx(&c, "load")) != 0)
		return rc;
	if (oci)
		rc = image_load_oci(&c.store, oci, &cb, &e);
	else
		rc = image_load_archive(&c.store, input ? input : "-", &cb, &e);
	rc = rc < 0 ? failed("load", &e) : 0;
	close_ctx(&c);
	return rc;
}

int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {NULL, 0, NULL, 0}};
	const char *output = NULL;
	struct image_ctx c;
	struct spawn_error e;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if (ch != 'o')
			return usage("save -o FILE IMAGE...");
		output = optarg;
	}
	if (!output || optind >= argc)
		return usage("save -o FILE IMAGE...");
	if ((rc = open_ctx(&c, "save")) != 0)
		return rc;
	rc = image_save(&c.store, argv + optind, (size_t)(argc - optind), output, &e) < 0
		 ? failed("save", &e)
		 : 0;
	close_ctx(&c);
	return rc;
}

/* --- the store's contents ----------------------------------------------- */

static void print_row(const struct image_summary *s, const char *name)
{
	struct spawn_error e;
	struct image_ref r;
	char familiar[700], repo[700], created[32], size[32];
	char *colon;

	snprintf(repo, sizeof(repo), "<none>");
	if (name && image_ref_parse(name, &r, &e) == 0) {
		image_ref_familiar(&r, familiar, sizeof(familiar));
		snprintf(repo, sizeof(repo), "%s", familiar);
	}
	colon = strrchr(repo, ':');
	if (colon && name && !strchr(colon, '/'))
		*colon++ = '\0';
	else
		colon = NULL;
	snprintf(created, sizeof(created), "%.16s", s->created ? s->created : "");
	if (created[10] == 'T')
		created[10] = ' ';
	printf("%-40s %-16s %-12.12s %-16s %s\n", repo, colon ? colon : "<none>", s->id + 7,
	       created, human(s->size, size, sizeof(size)));
}

static int list_images(int argc, char **argv)
{
	struct image_summary *list;
	struct image_ctx c;
	struct spawn_error e;
	bool flags[2] = {false}, quiet;
	size_t n;
	int rc;

	if (bool_flags(argc, argv, "qa", flags) < 0 || optind != argc)
		return usage("images [-q]");
	quiet = flags[0];
	if ((rc = open_ctx(&c, "images")) != 0)
		return rc;
	if (image_list(&c.store, &list, &n, &e) < 0) {
		image_list_free(list, n);
		close_ctx(&c);
		return failed("images", &e);
	}
	if (!quiet)
		printf("%-40s %-16s %-12s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED",
		       "SIZE");
	for (size_t i = 0; i < n; i++) {
		if (quiet) {
			printf("%.12s\n", list[i].id + 7);
			continue;
		}
		if (!list[i].names[0])
			print_row(&list[i], NULL);
		for (char **p = list[i].names; *p; p++)
			print_row(&list[i], *p);
	}
	image_list_free(list, n);
	close_ctx(&c);
	return 0;
}

int cmd_images(int argc, char **argv)
{
	return list_images(argc, argv);
}

static void on_removed(void *arg, const char *what, const char *name)
{
	(void)arg;
	printf("%s: %s\n", strcmp(what, "untagged") == 0 ? "Untagged" : "Deleted", name);
}

int cmd_rmi(int argc, char **argv)
{
	struct image_removed cb = {on_removed, NULL};
	struct image_ctx c;
	struct spawn_error e;
	bool force = false;
	int rc;

	if (bool_flags(argc, argv, "f", &force) < 0 || optind >= argc)
		return usage("rmi [-f] IMAGE...");
	if ((rc = open_ctx(&c, "rmi")) != 0)
		return rc;
	for (int i = optind; i < argc; i++)
		if (image_remove(&c.store, argv[i], force, container_users(), &cb, &e) < 0)
			rc = failed("rmi", &e);
	close_ctx(&c);
	return rc;
}

int cmd_tag(int argc, char **argv)
{
	struct image_ctx c;
	struct spawn_error e;
	int rc;

	if (argc != 3 || argv[1][0] == '-')
		return usage("tag SOURCE TARGET");
	if ((rc = open_ctx(&c, "tag")) != 0)
		return rc;
	rc = image_tag(&c.store, argv[1], argv[2], &e) < 0 ? failed("tag", &e) : 0;
	close_ctx(&c);
	return rc;
}

/* The container's record: its image and its writable layer. */
static int container_layer(struct image_ctx *c, const char *name, char *base, size_t nbase,
			   char *upper, size_t nupper, struct spawn_error *e)
{
	struct store s;
	struct ctr ctr;
	const char *id;
	int rc = -1;

	if (store_open(&s, &c->roots, e) < 0)
		return -1;
	if (store_find(&s, name, &ctr, e) == 0) {
		id = json_string_value(json_object_get(ctr.json, "image_id"));
		if (!id)
			spawn_fail(e,
				   "container %s was not made from an image: its root is a "
				   "directory, with no layer of its own",
				   ctr.name);
		else {
			snprintf(base, nbase, "%s", id);
			snprintf(upper, nupper, "%s/rw/upper", ctr.dir);
			rc = 0;
		}
		ctr_free(&ctr);
	}
	store_close(&s);
	return rc;
}

/* `cspawn commit [-a AUTHOR] [-m MESSAGE] CONTAINER [IMAGE[:TAG]]`: the
 * container's writable layer as a new layer on its image. A running
 * container is not paused: what it writes meanwhile may or may not be in. */
int cmd_commit(int argc, char **argv)
{
	struct image_commit_opts o = {0};
	char base[PATH_MAX], upper[PATH_MAX + 16], id[IMAGE_DIGEST_LEN];
	struct image_ctx c;
	struct spawn_error e;
	int ch, rc;

	optind = 1;
	while ((ch = getopt(argc, argv, "+a:m:")) != -1) {
		if (ch == 'a')
			o.author = optarg;
		else if (ch == 'm')
			o.comment = optarg;
		else
			return usage("commit [-a AUTHOR] [-m MESSAGE] CONTAINER [IMAGE[:TAG]]");
	}
	if (argc - optind < 1 || argc - optind > 2)
		return usage("commit [-a AUTHOR] [-m MESSAGE] CONTAINER [IMAGE[:TAG]]");
	o.tag = argc - optind == 2 ? argv[optind + 1] : NULL;
	if ((rc = open_ctx(&c, "commit")) != 0)
		return rc;
	if (container_layer(&c, argv[optind], base, sizeof(base), upper, sizeof(upper), &e) < 0 ||
	    image_commit(&c.store, base, upper, &o, id, &e) < 0)
		rc = failed("commit", &e);
	else
		printf("%s\n", id);
	close_ctx(&c);
	return rc;
}

static int prune(int argc, char **argv)
{
	struct image_removed cb = {on_removed, NULL};
	struct image_ctx c;
	struct spawn_error e;
	bool flags[2] = {false};
	int rc;

	if (bool_flags(argc, argv, "af", flags) < 0 || optind != argc)
		return usage("image prune [-a] [-f]");
	if ((rc = open_ctx(&c, "image prune")) != 0)
		return rc;
	rc = image_prune(&c.store, flags[0], container_users(), &cb, &e) < 0
		 ? failed("image prune", &e)
		 : 0;
	close_ctx(&c);
	return rc;
}

static int inspect(int argc, char **argv)
{
	struct image_ctx c;
	struct spawn_error e;
	char *json;
	int rc;

	if (argc < 2 || argv[1][0] == '-')
		return usage("image inspect IMAGE...");
	if ((rc = open_ctx(&c, "image inspect")) != 0)
		return rc;
	printf("[");
	for (int i = 1; i < argc; i++) {
		if (image_inspect(&c.store, argv[i], &json, &e) < 0) {
			rc = failed("image inspect", &e);
			continue;
		}
		printf("%s%s", i > 1 ? ",\n" : "\n", json);
		free(json);
	}
	printf("\n]\n");
	close_ctx(&c);
	return rc;
}

int cmd_image(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {{"ls", list_images}, {"list", list_images}, {"rm", cmd_rmi},
		    {"prune", prune},	 {"inspect", inspect},	{"pull", cmd_pull},
		    {"push", cmd_push},	 {"load", cmd_load},	{"save", cmd_save},
		    {"tag", cmd_tag}};

	for (size_t i = 0; argc > 1 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(argc - 1, argv + 1);
	return usage("image ls|rm|inspect|prune|pull|push|load|save|tag ...");
}
