#include "manage/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manage/volume.h"
#include "oci/oci.h"

static const char *const status_names[] = {"created", "running", "restarting", "exited", "dead"};

const char *ctr_status_name(enum ctr_status s)
{
	return status_names[s];
}

int64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mkdir -p, then the mode set explicitly (a umask of 077 would decide it). */
static int make_dir(const char *path, mode_t mode, struct spawn_error *e)
{
	if (mkdir_p(path, mode) < 0)
		return spawn_fail_errno(e, "creating %s", path);
	if (chmod(path, mode) < 0)
		return spawn_fail_errno(e, "chmod %s", path);
	return 0;
}

int store_open(struct store *s, const struct cspawn_roots *r, struct spawn_error *e)
{
	s->lockfd = -1;
	if (format_path(s->containers, sizeof(s->containers), "%s/containers", r->lib) < 0 ||
	    format_path(s->running, sizeof(s->running), "%s/containers", r->run) < 0 ||
	    format_path(s->volumes, sizeof(s->volumes), "%s/volumes", r->lib) < 0)
		return spawn_fail_errno(e, "the store's paths under %s", r->lib);
	/* 0711: with --userns the container's root (an unprivileged host uid)
	 * passes through to its writable layer; nothing here is listable */
	if (make_dir(s->containers, 0711, e) < 0 || make_dir(s->running, 0711, e) < 0)
		return -1;
	return 0;
}

void store_close(struct store *s)
{
	store_unlock(s);
}

/* Directories made (.new-) or being removed (.rm-) under the lock: one
 * that is there when the lock is ours was left by a command killed while
 * it held the lock. */
static void sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;

	while (d && (ent = readdir(d))) {
		char path[PATH_MAX + 256];

		if (strncmp(ent->d_name, ".new-", 5) != 0 && strncmp(ent->d_name, ".rm-", 4) != 0)
			continue;
		if (format_path(path, sizeof(path), "%s/%s", dir, ent->d_name) == 0 &&
		    remove_tree(path) < 0)
			fprintf(stderr, "cspawn: removing %s: %s\n", path, strerror(errno));
	}
	if (d)
		closedir(d);
}

int store_lock(struct store *s, struct spawn_error *e)
{
	char path[PATH_MAX + 8];

	if (s->lockfd >= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/.lock", s->containers);
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	while (flock(s->lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			spawn_fail_errno(e, "locking %s", path);
			close(s->lockfd);
			s->lockfd = -1;
			return -1;
		}
	}
	sweep(s->containers);
	sweep(s->volumes);
	volume_sweep(s);
	return 0;
}

void store_unlock(struct store *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	s->lockfd = -1;
}

int store_write_file(const char *dir, const char *leaf, const char *text, struct spawn_error *e)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	size_t len = strlen(text), off = 0;
	int fd;

	if (format_path(path, sizeof(path), "%s/%s", dir, leaf) < 0 ||
	    format_path(tmp, sizeof(tmp), "%s/.%s.new", dir, leaf) < 0)
		return spawn_fail_errno(e, "%s/%s", dir, leaf);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "creating %s", tmp);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			spawn_fail_errno(e, "writing %s", tmp);
			goto fail;
		}
		off += (size_t)w;
	}
	/* on disk before it takes the name: a crash leaves the old file or
	 * the new one, never half of one */
	if (fsync(fd) < 0) {
		spawn_fail_errno(e, "fsync %s", tmp);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		spawn_fail_errno(e, "writing %s", tmp);
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		spawn_fail_errno(e, "renaming %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

char *store_read_file(const char *dir, const char *leaf, struct spawn_error *e)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	if (format_path(path, sizeof(path), "%s/%s", dir, leaf) < 0) {
		spawn_fail_errno(e, "%s/%s", dir, leaf);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (8 << 20)) {
		spawn_fail_errno(e, "reading %s", path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		spawn_fail_errno(e, "reading %s", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

uint64_t store_pid_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	/* the command may hold spaces and parentheses: fields follow the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			 "%*d %*d %llu",
			 &state, &start) != 2)
		return 0;
	/* a zombie has ended: a PID 1 whose monitor died with it waits
	 * there until the host's init reaps it */
	return state == 'Z' || state == 'X' ? 0 : start;
}

bool store_pid_is(pid_t pid, uint64_t start)
{
	return pid > 0 && start && store_pid_start(pid) == start;
}

static bool is_id(const char *s)
{
	if (strlen(s) != STORE_ID_LEN)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

static void state_from_json(json_t *j, struct ctr_state *st)
{
	const char *status = json_string_value(json_object_get(j, "status")), *err;

	memset(st, 0, sizeof(*st));
	st->exit_code = -1;
	for (int i = 0; status && i <= CTR_DEAD; i++)
		if (strcmp(status, status_names[i]) == 0)
			st->status = (enum ctr_status)i;
	st->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	st->pid_start = (uint64_t)json_integer_value(json_object_get(j, "pid_start"));
	st->monitor = (pid_t)json_integer_value(json_object_get(j, "monitor"));
	st->started = json_integer_value(json_object_get(j, "started"));
	st->finished = json_integer_value(json_object_get(j, "finished"));
	if (json_object_get(j, "exit_code"))
		st->exit_code = (int)json_integer_value(json_object_get(j, "exit_code"));
	st->restarts = (int)json_integer_value(json_object_get(j, "restarts"));
	st->oom = json_is_true(json_object_get(j, "oom"));
	st->stopped_by_user = json_is_true(json_object_get(j, "stopped_by_user"));
	err = json_string_value(json_object_get(j, "error"));
	snprintf(st->error, sizeof(st->error), "%s", err ? err : "");
}

static json_t *state_to_json(const struct ctr_state *st)
{
	return json_pack("{s:s, s:i, s:I, s:i, s:I, s:I, s:i, s:i, s:b, s:b, s:s}", "status",
			 status_names[st->status], "pid", (int)st->pid, "pid_start",
			 (json_int_t)st->pid_start, "monitor", (int)st->monitor, "started",
			 (json_int_t)st->started, "finished", (json_int_t)st->finished, "exit_code",
			 st->exit_code, "restarts", st->restarts, "oom", st->oom, "stopped_by_user",
			 st->stopped_by_user, "error", st->error);
}

int store_save_state(const struct ctr *c, struct spawn_error *e)
{
	json_t *j = state_to_json(&c->state);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	int rc;

	json_decref(j);
	if (!text)
		return spawn_fail(e, "writing the state of %s: out of memory", c->name);
	rc = store_write_file(c->dir, "state.json", text, e);
	free(text);
	return rc;
}

/* A monitor lives while it holds its lock. */
static bool monitor_alive(const struct ctr *c)
{
	char path[PATH_MAX + 8];
	int fd;
	bool held;

	snprintf(path, sizeof(path), "%s/lock", c->run_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

bool store_await_monitor_end(const struct ctr *c, int timeout_ms)
{
	int64_t end = monotonic_ms() + timeout_ms;
	char path[PATH_MAX + 8];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/lock", c->run_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* gone with the runtime directory: it has ended */
	if (timeout_ms < 0) {
		while ((rc = flock(fd, LOCK_SH)) < 0 && errno == EINTR)
			;
	} else {
		/* flock has no deadline of its own */
		while ((rc = flock(fd, LOCK_SH | LOCK_NB)) < 0 && errno == EWOULDBLOCK &&
		       monotonic_ms() < end)
			sleep_ms(10);
	}
	close(fd);
	return rc == 0;
}

void store_refresh(struct ctr *c)
{
	struct ctr_state *st = &c->state;
	bool live = st->status == CTR_RUNNING || st->status == CTR_RESTARTING;

	st->monitor_gone = false;
	if (!live || monitor_alive(c))
		return;
	/* the monitor was killed, or the host restarted */
	st->monitor = 0;
	if (st->status == CTR_RUNNING && store_pid_is(st->pid, st->pid_start)) {
		st->monitor_gone = true;
		return;
	}
	st->status = CTR_DEAD;
	st->pid = 0;
}

static int load(struct store *s, const char *id, struct ctr *c, struct spawn_error *e)
{
	json_error_t je;
	char path[PATH_MAX + 32];
	json_t *state = NULL;
	const char *name;

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%.*s", STORE_ID_LEN, id);
	if (format_path(c->dir, sizeof(c->dir), "%s/%s", s->containers, id) < 0 ||
	    format_path(c->run_dir, sizeof(c->run_dir), "%s/%s", s->running, id) < 0)
		return spawn_fail_errno(e, "the paths of %s", id);
	snprintf(path, sizeof(path), "%s/container.json", c->dir);
	c->json = json_load_file(path, 0, &je);
	name = c->json ? json_string_value(json_object_get(c->json, "name")) : NULL;
	if (!name || strlen(name) > SPAWN_MAX_NAME) {
		json_decref(c->json);
		c->json = NULL;
		return spawn_fail(e, "%s: %s", path, name ? "a name too long" : je.text);
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->created = json_integer_value(json_object_get(c->json, "created"));
	(void)state;
	store_reload_state(c);
	return 0;
}

void store_reload_state(struct ctr *c)
{
	char path[PATH_MAX + 16];
	json_t *state, *none = NULL;
	json_error_t je;

	snprintf(path, sizeof(path), "%s/state.json", c->dir);
	state = json_load_file(path, 0, &je);
	/* a missing or broken state: created, never seen to run */
	state_from_json(state ? state : (none = json_object()), &c->state);
	json_decref(none);
	if (!state && access(path, F_OK) == 0) {
		/* its monitor, if one holds it, knows better: it is running */
		bool watched = monitor_alive(c);

		if (watched)
			c->state.status = CTR_RUNNING;
		snprintf(c->state.unreadable, sizeof(c->state.unreadable),
			 "%.*s: %.150s (taken as %s)", PATH_MAX, path, je.text,
			 watched ? "running: its monitor lives" : "created");
	}
	json_decref(state);
	store_refresh(c);
}

void ctr_free(struct ctr *c)
{
	json_decref(c->json);
	c->json = NULL;
}

static int by_created(const void *a, const void *b)
{
	const struct ctr *x = a, *y = b;

	return (x->created > y->created) - (x->created < y->created);
}

/* Every container, read; those that cannot be read go to bad. */
static int load_all(struct store *s, struct ctr **out, size_t *n,
		    void (*bad)(const char *why, void *ctx), void *ctx, struct spawn_error *e)
{
	DIR *d = opendir(s->containers);
	struct dirent *ent;
	struct ctr *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return spawn_fail_errno(e, "reading %s", s->containers);
	while ((ent = readdir(d))) {
		struct spawn_error le;

		if (!is_id(ent->d_name))
			continue;
		if (*n == cap) {
			struct ctr *grown = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!grown) {
				closedir(d);
				free(v);
				return spawn_fail_errno(e, "listing containers");
			}
			v = grown;
		}
		if (load(s, ent->d_name, &v[*n], &le) == 0) {
			if (bad && v[*n].state.unreadable[0])
				bad(v[*n].state.unreadable, ctx);
			(*n)++;
		} else if (bad && access(v[*n].dir, F_OK) == 0)
			bad(le.msg, ctx); /* not one removed since readdir saw it */
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_created);
	*out = v;
	return 0;
}

static void free_all(struct ctr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctr_free(&v[i]);
	free(v);
}

int store_list(struct store *s, void (*visit)(struct ctr *c, void *ctx),
	       void (*bad)(const char *why, void *ctx), void *ctx, struct spawn_error *e)
{
	struct ctr *v;
	size_t n;

	if (load_all(s, &v, &n, bad, ctx, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		visit(&v[i], ctx);
	free_all(v, n);
	return 0;
}

int store_find(struct store *s, const char *ref, struct ctr *out, struct spawn_error *e)
{
	struct ctr *v;
	size_t n, match = 0, hits = 0;

	if (load_all(s, &v, &n, NULL, NULL, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, ref) == 0 || strcmp(v[i].id, ref) == 0) {
			match = i;
			hits = 1;
			goto found;
		}
	for (size_t i = 0; i < n && *ref; i++)
		if (strncmp(v[i].id, ref, strlen(ref)) == 0) {
			match = i;
			hits++;
		}
found:
	if (hits == 1) {
		*out = v[match];
		v[match].json = NULL;
	}
	free_all(v, n);
	if (hits == 0)
		return spawn_fail(e, "no such container: %s", ref);
	if (hits > 1)
		return spawn_fail(e, "%s matches more than one container: give more of the id",
				  ref);
	return 0;
}

/* A record that cannot be read, as rm -f and the volumes' in-use rule see
 * it: its id, directories and state, an empty record, its short id as its
 * name. */
static void as_broken(struct ctr *c)
{
	c->broken = true;
	snprintf(c->name, sizeof(c->name), "%.12s", c->id);
	c->json = json_object();
	store_reload_state(c);
}

/* Each broken record whose id starts with prefix ("": all) to visit, with
 * why it is broken; returns how many. */
static int each_broken(struct store *s, const char *prefix,
		       void (*visit)(struct ctr *c, const char *why, void *ctx), void *ctx,
		       struct spawn_error *e)
{
	DIR *d = opendir(s->containers);
	struct dirent *ent;
	int hits = 0;

	if (!d)
		return spawn_fail_errno(e, "reading %s", s->containers);
	while ((ent = readdir(d))) {
		struct spawn_error le;
		struct ctr c;

		if (!is_id(ent->d_name) || strncmp(ent->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (load(s, ent->d_name, &c, &le) == 0) {
			ctr_free(&c);
			continue;
		}
		/* what load filled: the id and the directories */
		as_broken(&c);
		visit(&c, le.msg, ctx);
		hits++;
	}
	closedir(d);
	return hits;
}

struct found_broken {
	struct ctr *out;
	char why[sizeof(((struct spawn_error *)0)->msg)];
};

static void keep_broken(struct ctr *c, const char *why, void *ctx)
{
	struct found_broken *f = ctx;

	ctr_free(f->out);
	*f->out = *c;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

int store_find_broken(struct store *s, const char *ref, struct ctr *out, struct spawn_error *e)
{
	struct found_broken f = {.out = out};
	int hits;

	memset(out, 0, sizeof(*out));
	hits = *ref ? each_broken(s, ref, keep_broken, &f, e) : 0;
	if (hits < 0)
		return -1;
	if (hits != 1) {
		ctr_free(out);
		return spawn_fail(
		    e, hits ? "%s matches more than one broken record" : "no such container: %s",
		    ref);
	}
	spawn_fail(e, "%s", f.why);
	return 0;
}

struct list_broken {
	void (*visit)(struct ctr *c, void *ctx);
	void *ctx;
};

static void visit_broken(struct ctr *c, const char *why, void *ctx)
{
	struct list_broken *l = ctx;

	(void)why;
	l->visit(c, l->ctx);
	ctr_free(c);
}

int store_list_broken(struct store *s, void (*visit)(struct ctr *c, void *ctx), void *ctx,
		      struct spawn_error *e)
{
	struct list_broken l = {visit, ctx};

	return each_broken(s, "", visit_broken, &l, e) < 0 ? -1 : 0;
}

void store_make_id(char *id)
{
	unsigned char raw[STORE_ID_LEN / 2];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(rand() ^ (int)store_now_ms() ^ (int)i);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
}

static int create_dir(struct ctr *out, json_t *record, struct spawn_error *e);

int store_create(struct store *s, const char *name, json_t *record, struct ctr *out,
		 struct spawn_error *e)
{
	struct ctr *v;
	size_t n;

	memset(out, 0, sizeof(*out));
	store_make_id(out->id);
	if (!name || !*name)
		name = out->id + STORE_ID_LEN - STORE_SHORT_ID;
	if (load_all(s, &v, &n, NULL, NULL, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			spawn_fail(e, "the name '%s' is already in use by container %.12s", name,
				   v[i].id);
			free_all(v, n);
			return -1;
		}
	free_all(v, n);
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->created = store_now_ms();
	if (format_path(out->dir, sizeof(out->dir), "%s/%s", s->containers, out->id) < 0 ||
	    format_path(out->run_dir, sizeof(out->run_dir), "%s/%s", s->running, out->id) < 0)
		return spawn_fail_errno(e, "the paths of %s", out->id);
	if (json_object_set_new(record, "id", json_string(out->id)) < 0 ||
	    json_object_set_new(record, "name", json_string(out->name)) < 0 ||
	    json_object_set_new(record, "created", json_integer(out->created)) < 0)
		return spawn_fail(e, "the record of %s: out of memory", name);
	return create_dir(out, record, e);
}

/* Its directory made whole under a temporary name (which listings skip),
 * then renamed: no reader ever sees a container without its record. */
static int create_dir(struct ctr *out, json_t *record, struct spawn_error *e)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	char *text;
	int rc;

	snprintf(final, sizeof(final), "%s", out->dir);
	if (format_path(tmp, sizeof(tmp), "%.*s/.new-%s", (int)(strrchr(final, '/') - final), final,
			out->id) < 0)
		return spawn_fail_errno(e, "the paths of %s", out->id);
	if (make_dir(tmp, 0711, e) < 0)
		return -1;
	text = json_dumps(record, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	rc = text ? store_write_file(tmp, "container.json", text, e)
		  : spawn_fail(e, "the record of %s: out of memory", out->name);
	free(text);
	out->state.status = CTR_CREATED;
	out->state.exit_code = -1;
	/* the state is written where the directory is for now */
	snprintf(out->dir, sizeof(out->dir), "%s", tmp);
	if (rc == 0)
		rc = store_save_state(out, e);
	snprintf(out->dir, sizeof(out->dir), "%s", final);
	if (rc == 0 && rename(tmp, final) < 0)
		rc = spawn_fail_errno(e, "renaming %s to %s", tmp, final);
	if (rc < 0) {
		remove_tree(tmp);
		return -1;
	}
	out->json = json_incref(record);
	return 0;
}

int store_take_monitor_lock(const struct ctr *c, struct spawn_error *e)
{
	char path[PATH_MAX + 8];
	int fd;

	if (mkdir_p(c->run_dir, 0700) < 0)
		return spawn_fail_errno(e, "creating %s", c->run_dir);
	snprintf(path, sizeof(path), "%s/lock", c->run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		spawn_fail(e, "container %s has a monitor", c->name);
		errno = EBUSY;
		return -1;
	}
	return fd;
}

bool store_has_record(const struct ctr *c)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/container.json", c->dir);
	return access(path, F_OK) == 0;
}

/* Under the monitor's lock, the record first: a monitor still starting
 * (its run -d was killed, or this rm raced it) holds the lock, and nothing
 * is removed (EBUSY), or takes it after the record is gone, and ends
 * without starting anything (monitor_main). */
int store_remove(struct store *s, const struct ctr *c, struct spawn_error *e)
{
	char gone[PATH_MAX + STORE_ID_LEN + 8];
	int lock = store_take_monitor_lock(c, e);

	if (lock < 0)
		return -1;
	/* out of the listings' sight first: a reader never meets it half gone,
	 * and a monitor that takes the lock later finds no record */
	snprintf(gone, sizeof(gone), "%s/.rm-%s", s->containers, c->id);
	if (rename(c->dir, gone) < 0 && errno != ENOENT) {
		spawn_fail_errno(e, "renaming %s", c->dir);
		close(lock);
		return -1;
	}
	if (remove_tree(c->run_dir) < 0) {
		spawn_fail_errno(e, "removing %s", c->run_dir);
		close(lock);
		return -1;
	}
	close(lock);
	if (remove_tree(gone) < 0)
		return spawn_fail_errno(e, "removing %s", gone);
	return 0;
}

int store_load_spec(const struct ctr *c, struct oci_config *spec, struct spawn_error *e)
{
	struct oci_messages msgs = {0};
	char path[PATH_MAX + 16];
	int errors;

	snprintf(path, sizeof(path), "%s/config.json", c->dir);
	errors = oci_config_load(path, 0, spec, &msgs);
	if (errors)
		spawn_fail(e, "%s: %s", path, msgs.n ? msgs.v[0].text : "cannot be read");
	oci_messages_free(&msgs);
	return errors ? -1 : 0;
}
