/* The store of volumes: records, creation, listing, the in-use rule and
 * removal (manage/volume.h). */
#include "manage/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci/oci.h"

static int paths_of(const struct store *s, const char *name, struct volume *v,
		    struct spawn_error *e)
{
	snprintf(v->name, sizeof(v->name), "%s", name);
	if (format_path(v->dir, sizeof(v->dir), "%s/%s", s->volumes, name) < 0 ||
	    format_path(v->data, sizeof(v->data), "%s/%s/_data", s->volumes, name) < 0)
		return spawn_fail_errno(e, "the paths of volume %s", name);
	return 0;
}

static int load(const struct store *s, const char *name, struct volume *v, struct spawn_error *e)
{
	char path[PATH_MAX + 16];
	json_error_t je;
	json_t *j;
	const char *got;

	memset(v, 0, sizeof(*v));
	if (paths_of(s, name, v, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/volume.json", v->dir);
	j = json_load_file(path, 0, &je);
	got = json_string_value(json_object_get(j, "name"));
	if (!got || strcmp(got, name) != 0) {
		spawn_fail(e, "%s: %s", path, j ? "its name is not its directory's" : je.text);
		json_decref(j);
		return -1;
	}
	v->created = json_integer_value(json_object_get(j, "created"));
	v->anonymous = json_is_true(json_object_get(j, "anonymous"));
	v->labels = json_incref(json_object_get(j, "labels"));
	if (!json_is_object(v->labels)) {
		json_decref(v->labels);
		v->labels = json_object();
	}
	json_decref(j);
	return 0;
}

void volume_free(struct volume *v)
{
	json_decref(v->labels);
	v->labels = NULL;
}

int volume_find(struct store *s, const char *name, struct volume *out, struct spawn_error *e)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (!spawn_volume_name_valid(name))
		return spawn_fail(e, "'%s' is not a volume's name", name);
	if (paths_of(s, name, out, e) < 0)
		return -1;
	if (stat(out->dir, &st) < 0)
		return errno == ENOENT ? spawn_fail(e, "no such volume: %s", name)
				       : spawn_fail_errno(e, "%s", out->dir);
	return load(s, name, out, e);
}

static int make_files(const char *tmp, const char *name, bool anonymous, json_t *labels,
		      int64_t created, struct spawn_error *e)
{
	char data[PATH_MAX + 8], *text;
	json_t *j;
	int rc;

	if (format_path(data, sizeof(data), "%s/_data", tmp) < 0 || mkdir(data, 0755) < 0)
		return spawn_fail_errno(e, "creating %s/_data", tmp);
	j = json_pack("{s:s, s:I, s:b, s:O}", "name", name, "created", (json_int_t)created,
		      "anonymous", anonymous, "labels", labels);
	text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	rc = text ? store_write_file(tmp, "volume.json", text, e)
		  : spawn_fail(e, "the record of volume %s: out of memory", name);
	free(text);
	return rc;
}

/* Made whole under a temporary name, then renamed: a reader never sees a
 * volume without its record. */
static int create_new(struct store *s, struct volume *v, bool anonymous, json_t *labels,
		      struct spawn_error *e)
{
	char tmp[PATH_MAX + 16];

	if (mkdir_p(s->volumes, 0711) < 0)
		return spawn_fail_errno(e, "creating %s", s->volumes);
	if (format_path(tmp, sizeof(tmp), "%s/.new-%s", s->volumes, v->name) < 0)
		return spawn_fail_errno(e, "the paths of volume %s", v->name);
	remove_tree(tmp); /* left by a creation that was killed */
	if (mkdir(tmp, 0711) < 0)
		return spawn_fail_errno(e, "creating %s", tmp);
	v->created = store_now_ms();
	if (make_files(tmp, v->name, anonymous, labels, v->created, e) < 0 ||
	    (rename(tmp, v->dir) < 0 && spawn_fail_errno(e, "renaming %s", tmp) < 0)) {
		remove_tree(tmp);
		return -1;
	}
	v->anonymous = anonymous;
	v->labels = json_incref(labels);
	return 0;
}

int volume_create(struct store *s, const char *name, bool anonymous, json_t *labels,
		  struct volume *out, bool *made, struct spawn_error *e)
{
	char id[STORE_ID_LEN + 1];
	bool locked = s->lockfd >= 0;
	struct stat st;
	int rc;

	*made = false;
	memset(out, 0, sizeof(*out));
	if (!name || !*name) {
		store_make_id(id);
		name = id;
	}
	if (!spawn_volume_name_valid(name))
		return spawn_fail(e,
				  "volume name '%s': use 2 to %d letters, digits, '_', '.', '-', "
				  "starting with a letter or digit",
				  name, SPAWN_MAX_NAME);
	if (paths_of(s, name, out, e) < 0 || (!locked && store_lock(s, e) < 0))
		return -1;
	if (stat(out->dir, &st) == 0) {
		rc = load(s, name, out, e);
	} else {
		json_t *l = labels ? json_incref(labels) : json_object();

		rc = create_new(s, out, anonymous, l, e);
		json_decref(l);
		*made = rc == 0;
	}
	if (!locked)
		store_unlock(s);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the volumes' directories, sorted; NULL-terminated. */
static char **names(const struct store *s, struct spawn_error *e)
{
	DIR *d = opendir(s->volumes);
	struct dirent *ent;
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;

	if (!v || (!d && errno != ENOENT)) {
		spawn_fail_errno(e, "reading %s", s->volumes);
		free(v);
		if (d)
			closedir(d);
		return NULL;
	}
	while (d && (ent = readdir(d))) {
		char **grown;

		if (ent->d_name[0] == '.')
			continue;
		grown = realloc(v, (n + 2) * sizeof(*v));
		if (!grown || !(grown[n] = strdup(ent->d_name))) {
			v = grown ? grown : v;
			v[n] = NULL;
			break;
		}
		v = grown;
		v[++n] = NULL;
	}
	if (d)
		closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), by_name);
	return v;
}

static void free_names(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int volume_list(struct store *s, void (*visit)(struct volume *v, void *ctx),
		void (*bad)(const char *why, void *ctx), void *ctx, struct spawn_error *e)
{
	char **v = names(s, e);

	if (!v)
		return -1;
	for (size_t i = 0; v[i]; i++) {
		struct spawn_error le;
		struct volume vol;

		if (load(s, v[i], &vol, &le) < 0) {
			/* not one removed since it was listed */
			if (bad && access(vol.dir, F_OK) == 0)
				bad(le.msg, ctx);
			continue;
		}
		visit(&vol, ctx);
		volume_free(&vol);
	}
	free_names(v);
	return 0;
}

/* NAME of a mount's source <lib>/volumes/NAME/_data into name; false for
 * any other source. */
static bool volume_of_source(const struct store *s, const char *src, char *name, size_t len)
{
	size_t n = strlen(s->volumes);
	const char *leaf, *end;

	if (!src || strncmp(src, s->volumes, n) != 0 || src[n] != '/')
		return false;
	leaf = src + n + 1;
	end = strchr(leaf, '/');
	if (!end || strcmp(end, "/_data") != 0 || (size_t)(end - leaf) >= len)
		return false;
	snprintf(name, len, "%.*s", (int)(end - leaf), leaf);
	return spawn_volume_name_valid(name);
}

/* A broken record says nothing, but the container's spec still mounts its
 * volumes: those are its, anonymous as each volume's own record says. */
static json_t *volumes_of_spec(struct store *s, const struct ctr *c)
{
	json_t *list = json_array();
	struct oci_config spec;
	struct spawn_error e;

	if (!list || store_load_spec(c, &spec, &e) < 0)
		return list;
	for (size_t i = 0; i < spec.n_mounts; i++) {
		char name[SPAWN_MAX_NAME + 1];
		struct volume v;
		bool anonymous;

		if (!volume_of_source(s, spec.mounts[i].source, name, sizeof(name)))
			continue;
		anonymous = load(s, name, &v, &e) == 0 && v.anonymous;
		volume_free(&v);
		json_array_append_new(
		    list, json_pack("{s:s, s:b}", "name", name, "anonymous", anonymous));
	}
	oci_config_free(&spec);
	return list;
}

json_t *volume_list_of(struct store *s, const struct ctr *c)
{
	json_t *v = json_object_get(c->json, "volumes");

	if (c->broken)
		return volumes_of_spec(s, c);
	return json_is_array(v) ? json_incref(v) : json_array();
}

struct use {
	struct store *s;
	const char *name;
	char *who;
	size_t len;
	bool found;
};

static void check_use(struct ctr *c, void *ctx)
{
	struct use *u = ctx;
	json_t *vols, *v;
	size_t i;

	if (u->found)
		return;
	vols = volume_list_of(u->s, c);
	json_array_foreach(vols, i, v)
	{
		const char *n = json_string_value(json_object_get(v, "name"));

		if (n && strcmp(n, u->name) == 0 && !u->found) {
			if (c->broken)
				snprintf(u->who, u->len, "%.12s, whose record is broken", c->id);
			else
				snprintf(u->who, u->len, "%s (%.12s)", c->name, c->id);
			u->found = true;
		}
	}
	json_decref(vols);
}

bool volume_used_by(struct store *s, const char *name, char *who, size_t len)
{
	struct use u = {s, name, who, len, false};
	struct spawn_error e;

	store_list(s, check_use, NULL, &u, &e);
	if (!u.found)
		store_list_broken(s, check_use, &u, &e);
	return u.found;
}

int volume_lock(const struct volume *v, const char *leaf, int how, struct spawn_error *e)
{
	char path[PATH_MAX + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", v->dir, leaf);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	while (flock(fd, how) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			spawn_fail(e, "%s is locked", path);
		else
			spawn_fail_errno(e, "locking %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int remove_locked(struct store *s, const char *name, struct spawn_error *e)
{
	char who[SPAWN_MAX_NAME + 32], gone[PATH_MAX + SPAWN_MAX_NAME + 8];
	struct volume v = {0};
	int fd, rc = 0;

	/* a volume whose record is broken can still be removed */
	if (volume_find(s, name, &v, e) < 0 &&
	    (!spawn_volume_name_valid(name) || access(v.dir, F_OK) < 0))
		return -1;
	volume_free(&v);
	if (volume_used_by(s, name, who, sizeof(who)))
		return spawn_fail(e, "volume %s is in use by container %s", name, who);
	/* nobody holds it (volume_hold), and nobody can until it is gone */
	fd = volume_lock(&v, ".lock", LOCK_EX | LOCK_NB, e);
	if (fd < 0)
		return spawn_fail(e,
				  "volume %s is in use by a container being started or running in "
				  "the foreground",
				  name);
	/* out of the listings' sight first, as a container's */
	snprintf(gone, sizeof(gone), "%s/.rm-%s", s->volumes, name);
	if (rename(v.dir, gone) < 0)
		rc = spawn_fail_errno(e, "renaming %s", v.dir);
	else if (remove_tree(gone) < 0)
		rc = spawn_fail_errno(e, "removing %s", gone);
	close(fd);
	return rc;
}

int volume_remove(struct store *s, const char *name, struct spawn_error *e)
{
	bool locked = s->lockfd >= 0;
	int rc;

	if (!locked && store_lock(s, e) < 0)
		return -1;
	rc = remove_locked(s, name, e);
	if (!locked)
		store_unlock(s);
	return rc;
}

int volume_mark_run(const struct volume *v, bool marked, struct spawn_error *e)
{
	char path[PATH_MAX + 8];
	int fd;

	if (format_path(path, sizeof(path), "%s/.run", v->dir) < 0)
		return spawn_fail_errno(e, "the path of %s/.run", v->dir);
	if (!marked)
		return unlink(path) < 0 && errno != ENOENT
			   ? spawn_fail_errno(e, "removing %s", path)
			   : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "creating %s", path);
	close(fd);
	return 0;
}

/* One marked: held, its run lives; named by a record, it is the
 * container's now; neither, its run was killed. */
static void sweep_one(struct store *s, const char *name)
{
	char who[SPAWN_MAX_NAME + 64];
	struct spawn_error e;
	struct volume v;
	int fd;

	if (paths_of(s, name, &v, &e) < 0)
		return;
	fd = volume_lock(&v, ".lock", LOCK_EX | LOCK_NB, &e);
	if (fd < 0)
		return;
	close(fd);
	if (volume_used_by(s, name, who, sizeof(who)) ? volume_mark_run(&v, false, &e) < 0
						      : volume_remove(s, name, &e) < 0)
		fprintf(stderr, "cspawn: %s\n", e.msg);
}

void volume_sweep(struct store *s)
{
	DIR *d = opendir(s->volumes);
	struct dirent *ent;

	while (d && (ent = readdir(d))) {
		char mark[PATH_MAX + 256];

		if (ent->d_name[0] != '.' &&
		    format_path(mark, sizeof(mark), "%s/%s/.run", s->volumes, ent->d_name) == 0 &&
		    access(mark, F_OK) == 0)
			sweep_one(s, ent->d_name);
	}
	if (d)
		closedir(d);
}

int volume_hold(const struct volume *v, struct spawn_error *e)
{
	return volume_lock(v, ".lock", LOCK_SH, e);
}

json_t *volume_json(const struct volume *v)
{
	char when[64];
	time_t t = (time_t)(v->created / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "unknown");
	return json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:b}", "Name", v->name, "Driver", "local",
			 "Mountpoint", v->data, "CreatedAt", when, "Labels", v->labels, "Scope",
			 "local", "Anonymous", v->anonymous);
}
