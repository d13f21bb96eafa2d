/* The record of a container in ROOT/ID/state.json, and its status, read
 * from the kernel each time: the process (checked by its start time, so a
 * reused pid is not taken for it), the exec fifo, the freezer. */
#include "runtime/internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

bool rt_valid_id(const char *id)
{
	if (!*id || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 200)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return false;
	return true;
}

int rt_path(const struct rt_record *r, const char *leaf, char *buf, size_t len)
{
	return format_path(buf, len, "%s/%s", r->dir, leaf);
}

unsigned long long rt_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	/* the command may hold spaces and parentheses: after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	p += 2;
	/* from field 3 (the state) to field 22 */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		t = strtoull(p, NULL, 10);
	return t;
}

static json_t *map_json(const struct oci_map *m)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < m->n; i++)
		json_object_set_new(o, m->v[i].key, json_string(m->v[i].value));
	return o;
}

int rt_record_save(const struct rt_record *r, struct spawn_error *e)
{
	char cgtext[CG_NCTL * (PATH_MAX + 8) + 8] = "", path[PATH_MAX], tmp[PATH_MAX];
	char *text = NULL;
	json_t *o;
	int fd, rc = -1;

	if (r->has_cgroup && cgroup_record(&r->cg, cgtext, sizeof(cgtext)) < 0)
		return spawn_fail_errno(e, "recording the cgroup");
	o = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s, s:b, s:o}", "id", r->id, "bundle", r->bundle,
		      "pid", (int)r->pid, "start_time", (json_int_t)r->start_time, "created",
		      r->created, "cgroup", cgtext, "hooks", r->hooks, "annotations",
		      map_json(&r->annotations));
	if (!o)
		return spawn_fail(e, "the record of %s: out of memory", r->id);
	if (rt_path(r, "state.json", path, sizeof(path)) < 0 ||
	    rt_path(r, ".state.json.tmp", tmp, sizeof(tmp)) < 0) {
		json_decref(o);
		return spawn_fail_errno(e, "the record of %s", r->id);
	}
	/* One write (json_dumpfd writes token by token), and no fsync: the
	 * record describes processes and cgroups that a crash of the machine
	 * takes with it, so only the rename's atomicity matters. */
	text = json_dumps(o, JSON_COMPACT);
	fd = text ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	if (fd < 0)
		spawn_fail_errno(e, "creating %s", tmp);
	else if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		spawn_fail_errno(e, "writing %s", tmp);
	else if (rename(tmp, path) < 0)
		spawn_fail_errno(e, "renaming %s", tmp);
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(text);
	json_decref(o);
	return rc;
}

static int copy_str(char *dst, size_t len, json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) >= len)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int read_annotations(json_t *o, struct oci_map *m)
{
	const char *key;
	json_t *v;

	m->v = calloc(json_object_size(o) + 1, sizeof(*m->v));
	if (!m->v)
		return -1;
	json_object_foreach(o, key, v)
	{
		if (!json_is_string(v))
			continue;
		m->v[m->n].key = strdup(key);
		m->v[m->n].value = strdup(json_string_value(v));
		if (!m->v[m->n].key || !m->v[m->n].value)
			return -1;
		m->n++;
	}
	return 0;
}

static int parse_record(json_t *o, struct rt_record *r)
{
	const char *cg = json_string_value(json_object_get(o, "cgroup"));

	if (copy_str(r->bundle, sizeof(r->bundle), json_object_get(o, "bundle")) < 0 ||
	    copy_str(r->created, sizeof(r->created), json_object_get(o, "created")) < 0 || !cg)
		return -1;
	r->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	r->start_time = (unsigned long long)json_integer_value(json_object_get(o, "start_time"));
	r->hooks = json_is_true(json_object_get(o, "hooks"));
	r->has_cgroup = cg[0] != '\0';
	if (r->has_cgroup && cgroup_from_record(cg, NULL, &r->cg) < 0)
		return -1;
	return read_annotations(json_object_get(o, "annotations"), &r->annotations);
}

/* A directory without a record is a create still under way (or one that
 * was killed): its status is creating. */
static int read_record(const struct rt *rt, struct rt_record *r)
{
	char path[PATH_MAX];
	json_error_t je;
	json_t *o;
	int rc;

	if (rt_path(r, "state.json", path, sizeof(path)) < 0)
		return rt_error(rt, "container %s: %s", r->id, strerror(errno));
	o = json_load_file(path, 0, &je);
	if (!o)
		return access(path, F_OK) == 0 ? rt_error(rt, "%s: %s", path, je.text) : 0;
	rc = parse_record(o, r);
	json_decref(o);
	if (rc < 0)
		return rt_error(rt, "%s: not a record of this runtime", path);
	return 0;
}

int rt_record_load(const struct rt *rt, const char *id, bool lock, struct rt_record *r)
{
	memset(r, 0, sizeof(*r));
	r->lockfd = -1;
	if (!rt_valid_id(id))
		return -rt_error(rt, "'%s' is not a container id", id);
	snprintf(r->id, sizeof(r->id), "%s", id);
	if (format_path(r->dir, sizeof(r->dir), "%s/%s", rt->root, id) < 0)
		return -rt_error(rt, "container %s: %s", id, strerror(errno));
	r->lockfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->lockfd < 0) {
		if (errno == ENOENT)
			return -rt_error(rt, "container %s does not exist", id);
		return -rt_error(rt, "container %s: %s: %s", id, r->dir, strerror(errno));
	}
	if (lock && flock(r->lockfd, LOCK_EX) < 0)
		return -rt_error(rt, "container %s: flock: %s", id, strerror(errno));
	if (read_record(rt, r) != 0) {
		rt_record_free(r);
		return -1;
	}
	return 0;
}

void rt_record_free(struct rt_record *r)
{
	for (size_t i = 0; i < r->annotations.n; i++) {
		free(r->annotations.v[i].key);
		free(r->annotations.v[i].value);
	}
	free(r->annotations.v);
	r->annotations.v = NULL;
	r->annotations.n = 0;
	if (r->lockfd >= 0)
		close(r->lockfd);
	r->lockfd = -1;
}

enum rt_status rt_status_of(const struct rt_record *r)
{
	char fifo[PATH_MAX];

	if (r->pid <= 0)
		return RT_CREATING;
	if (rt_start_time(r->pid) != r->start_time)
		return RT_STOPPED;
	if (rt_path(r, "exec.fifo", fifo, sizeof(fifo)) == 0 && access(fifo, F_OK) == 0)
		return RT_CREATED;
	if (r->has_cgroup && cgroup_frozen(&r->cg) == 1)
		return RT_PAUSED;
	return RT_RUNNING;
}

const char *rt_status_name(enum rt_status s)
{
	static const char *const names[] = {"creating", "created", "running", "paused", "stopped"};

	return names[s];
}

char *rt_state_json(const struct rt_record *r, enum oci_status st)
{
	struct oci_state s = {.id = (char *)r->id,
			      .status = st,
			      .pid = st == OCI_STATUS_STOPPED ? 0 : r->pid,
			      .bundle = (char *)r->bundle,
			      .annotations = r->annotations};

	return oci_state_write(&s);
}
