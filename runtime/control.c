/* The verbs on a container that exists: state, kill, delete, list, ps,
 * pause, resume, update, and the teardown they share. */
#include "runtime/internal.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conf/units.h"
#include "spawn/hooks.h"

/* ---- state ---- */

static enum oci_status spec_status(enum rt_status s)
{
	switch (s) {
	case RT_CREATING:
		return OCI_STATUS_CREATING;
	case RT_CREATED:
		return OCI_STATUS_CREATED;
	case RT_RUNNING:
	case RT_PAUSED:
		return OCI_STATUS_RUNNING;
	case RT_STOPPED:
		break;
	}
	return OCI_STATUS_STOPPED;
}

/* The spec's document, with runc's extra properties that engines read
 * (podman knows "paused" as a status, and "created" and "rootfs"). */
static json_t *state_doc(const struct rt_record *r)
{
	enum rt_status st = rt_status_of(r);
	char *text = rt_state_json(r, spec_status(st));
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	if (!o)
		return NULL;
	json_object_set_new(o, "status", json_string(rt_status_name(st)));
	json_object_set_new(o, "created", json_string(r->created));
	return o;
}

static int print_json(const struct rt *rt, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

	json_decref(o);
	if (!text)
		return rt_error(rt, "writing the state: %s", strerror(errno));
	printf("%s\n", text);
	free(text);
	return 0;
}

int rt_state(const struct rt *rt, int argc, char **argv)
{
	struct rt_record r;
	int rc;

	if (argc != 2)
		return rt_error(rt, "state: give exactly one container id");
	if (rt_record_load(rt, argv[1], false, &r) < 0)
		return 1;
	rc = print_json(rt, state_doc(&r));
	rt_record_free(&r);
	return rc;
}

/* ---- kill ---- */

int rt_open_process(const struct rt_record *r)
{
	int fd;

	if (r->pid <= 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (fd >= 0 && rt_start_time(r->pid) != r->start_time) {
		close(fd);
		return -1;
	}
	return fd;
}

static int signal_all(const struct rt *rt, const struct rt_record *r, int sig)
{
	struct spawn_error e;
	pid_t *pids;
	ssize_t n;

	if (!r->has_cgroup)
		return rt_error(rt, "kill --all %s: the container has no cgroup", r->id);
	n = cgroup_pids(&r->cg, &pids, &e);
	if (n < 0)
		return rt_error(rt, "kill --all %s: %s", r->id, e.msg);
	for (ssize_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			rt_warn(rt, "kill %d: %s", (int)pids[i], strerror(errno));
	free(pids);
	/* a frozen process takes SIGKILL only once thawed */
	if (sig == SIGKILL && cgroup_frozen(&r->cg) == 1 && cgroup_freeze(&r->cg, false, &e) < 0)
		return rt_error(rt, "kill --all %s: %s", r->id, e.msg);
	return 0;
}

static int signal_first(const struct rt *rt, const struct rt_record *r, int sig)
{
	int fd = rt_open_process(r);
	struct spawn_error e;

	if (fd < 0)
		return rt_error(rt, "container %s is not running", r->id);
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) {
		close(fd);
		return rt_error(rt, "kill %s: %s", r->id, strerror(errno));
	}
	close(fd);
	if (sig == SIGKILL && r->has_cgroup && cgroup_frozen(&r->cg) == 1 &&
	    cgroup_freeze(&r->cg, false, &e) < 0)
		return rt_error(rt, "kill %s: %s", r->id, e.msg);
	return 0;
}

int rt_kill(const struct rt *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	bool all = false;
	struct rt_record r;
	int opt, sig = SIGTERM, rc;

	while ((opt = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (opt != 'a')
			return 1;
		all = true;
	}
	if (optind >= argc || argc - optind > 2)
		return rt_error(rt, "kill: give a container id and at most one signal");
	if (argc - optind == 2 && conf_parse_signal(argv[optind + 1], &sig) < 0)
		return rt_error(rt, "kill: '%s' is not a signal", argv[optind + 1]);
	if (rt_record_load(rt, argv[optind], false, &r) < 0)
		return 1;
	if (!all && rt_status_of(&r) == RT_STOPPED)
		rc = rt_error(rt, "container %s is not running", r.id);
	else
		rc = all ? signal_all(rt, &r, sig) : signal_first(rt, &r, sig);
	rt_record_free(&r);
	return rc;
}

/* ---- delete ---- */

int rt_kept_config(const struct rt *rt, const struct rt_record *r, struct oci_config *c)
{
	struct oci_messages msgs = {0};
	char path[PATH_MAX];
	int rc;

	if (rt_path(r, "config.json", path, sizeof(path)) < 0)
		return rt_error(rt, "%s: %s", r->id, strerror(errno));
	rc = oci_config_load(path, 0, c, &msgs);
	oci_messages_free(&msgs);
	if (rc != 0)
		return rt_error(rt, "%s: cannot read the config kept by create (%s)", r->id, path);
	return 0;
}

void rt_run_hooks(const struct rt *rt, const struct rt_record *r, enum oci_hook_kind k,
		  enum oci_status st)
{
	struct spawn_error e;
	struct oci_config c;
	char *state;

	if (!r->hooks || rt_kept_config(rt, r, &c) != 0)
		return;
	state = rt_state_json(r, st);
	if (c.hooks[k].n && state && hooks_run(&c.hooks[k], k, state, &e) < 0)
		rt_warn(rt, "%s: %s", r->id, e.msg);
	free(state);
	oci_config_free(&c);
}

#define KILL_WAIT_MS 10000

/* SIGKILL and a bounded wait for the end: the process is not ours to
 * reap (the engine's shim is its parent), so its pidfd says when. */
static int kill_and_wait(const struct rt *rt, const struct rt_record *r)
{
	int fd = rt_open_process(r);
	struct pollfd p = {.events = POLLIN};
	int n;

	if (fd < 0)
		return 0;
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH) {
		close(fd);
		return rt_error(rt, "delete %s: kill: %s", r->id, strerror(errno));
	}
	p.fd = fd;
	do
		n = poll(&p, 1, KILL_WAIT_MS);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n == 0)
		return rt_error(rt, "delete %s: its process %d outlived SIGKILL for %d ms", r->id,
				(int)r->pid, KILL_WAIT_MS);
	return 0;
}

/* The default cgroupsPath's parent, cspawn-runtime, goes with its last
 * container. */
static void remove_default_parent(const struct cgroup *cg)
{
	for (int c = 0; c < CG_NCTL; c++) {
		char parent[PATH_MAX];
		char *slash;

		if (!cg->dir[c][0])
			continue;
		snprintf(parent, sizeof(parent), "%s", cg->dir[c]);
		slash = strrchr(parent, '/');
		if (slash && slash - parent >= 15 &&
		    strncmp(slash - 15, "/cspawn-runtime", 15) == 0) {
			*slash = '\0';
			rmdir(parent); /* fails while another container is there: fine */
		}
	}
}

int rt_destroy(const struct rt *rt, struct rt_record *r)
{
	bool ran = r->pid > 0;
	struct spawn_error e;
	int rc = kill_and_wait(rt, r);

	if (r->has_cgroup) {
		if (cgroup_frozen(&r->cg) == 1 && cgroup_freeze(&r->cg, false, &e) < 0)
			rt_warn(rt, "%s: %s", r->id, e.msg);
		if (cgroup_destroy(&r->cg, 5000, &e) < 0)
			rc = rt_error(rt, "delete %s: %s", r->id, e.msg);
		else
			remove_default_parent(&r->cg);
	}
	if (ran)
		rt_run_hooks(rt, r, OCI_HOOK_POSTSTOP, OCI_STATUS_STOPPED);
	if (remove_tree(r->dir) < 0)
		rc = rt_error(rt, "delete %s: removing %s: %s", r->id, r->dir, strerror(errno));
	return rc;
}

int rt_delete(const struct rt *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	bool force = false;
	struct rt_record r;
	enum rt_status st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (opt != 'f')
			return 1;
		force = true;
	}
	if (optind != argc - 1)
		return rt_error(rt, "delete: give exactly one container id");
	if (rt_record_load(rt, argv[optind], true, &r) < 0)
		return 1;
	st = rt_status_of(&r);
	/* a created one is only waiting: runc deletes it too */
	if (!force && (st == RT_RUNNING || st == RT_PAUSED))
		rc = rt_error(rt, "cannot delete container %s: it is %s (use --force)", r.id,
			      rt_status_name(st));
	else
		rc = rt_destroy(rt, &r);
	rt_record_free(&r);
	return rc;
}

/* ---- list ---- */

static int list_format(const struct rt *rt, int argc, char **argv, bool *json, bool *quiet)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"quiet", no_argument, NULL, 'q'},
					     {NULL, 0, NULL, 0}};
	int opt;

	*json = false;
	while ((opt = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (opt == 'q' && quiet)
			*quiet = true;
		else if (opt == 'f' &&
			 (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			*json = strcmp(optarg, "json") == 0;
		else
			return rt_error(rt, "%s: -f table|json%s", argv[0], quiet ? ", -q" : "");
	}
	return 0;
}

int rt_list(const struct rt *rt, int argc, char **argv)
{
	bool json, quiet = false;
	json_t *all = json_array();
	struct dirent *d;
	DIR *dir;

	if (list_format(rt, argc, argv, &json, &quiet) != 0 || !all)
		return 1;
	dir = opendir(rt->root);
	if (!dir && errno != ENOENT)
		return rt_error(rt, "list: %s: %s", rt->root, strerror(errno));
	if (!json && !quiet)
		printf("%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
	while (dir && (d = readdir(dir))) {
		struct rt_record r;
		json_t *o;

		if (d->d_name[0] == '.' || !rt_valid_id(d->d_name))
			continue;
		if (rt_record_load(rt, d->d_name, false, &r) < 0)
			continue;
		o = state_doc(&r);
		if (quiet)
			printf("%s\n", r.id);
		else if (!json && o)
			printf("%-24s %-8d %-10s %-40s %s\n", r.id,
			       (int)json_integer_value(json_object_get(o, "pid")),
			       json_string_value(json_object_get(o, "status")), r.bundle,
			       r.created);
		if (json && o)
			json_array_append(all, o);
		json_decref(o);
		rt_record_free(&r);
	}
	if (dir)
		closedir(dir);
	if (json)
		return print_json(rt, all);
	json_decref(all);
	return 0;
}

/* ---- ps, pause, resume ---- */

static int load_one(const struct rt *rt, int argc, char **argv, struct rt_record *r)
{
	if (optind != argc - 1)
		return rt_error(rt, "%s: give exactly one container id", argv[0]);
	if (rt_record_load(rt, argv[optind], true, r) < 0)
		return 1;
	if (!r->has_cgroup) {
		rt_record_free(r);
		return rt_error(rt, "%s %s: the container has no cgroup", argv[0], argv[optind]);
	}
	return 0;
}

int rt_ps(const struct rt *rt, int argc, char **argv)
{
	bool json;
	struct rt_record r;
	struct spawn_error e;
	json_t *a;
	pid_t *pids;
	ssize_t n;

	if (list_format(rt, argc, argv, &json, NULL) != 0 || load_one(rt, argc, argv, &r) != 0)
		return 1;
	n = cgroup_pids(&r.cg, &pids, &e);
	rt_record_free(&r);
	if (n < 0)
		return rt_error(rt, "ps: %s", e.msg);
	a = json_array();
	if (!json)
		printf("%-8s %s\n", "PID", "CMD");
	for (ssize_t i = 0; i < n; i++) {
		char path[64], comm[64] = "?";

		if (json) {
			json_array_append_new(a, json_integer(pids[i]));
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		if (read_file(path, comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n")] = '\0';
		printf("%-8d %s\n", (int)pids[i], comm);
	}
	free(pids);
	if (json)
		return print_json(rt, a);
	json_decref(a);
	return 0;
}

static int freeze(const struct rt *rt, int argc, char **argv, bool frozen)
{
	struct rt_record r;
	struct spawn_error e;
	enum rt_status st;
	int rc = 0;

	optind = 1;
	if (load_one(rt, argc, argv, &r) != 0)
		return 1;
	st = rt_status_of(&r);
	if (st != (frozen ? RT_RUNNING : RT_PAUSED))
		rc = rt_error(rt, "%s %s: it is %s, not %s", argv[0], r.id, rt_status_name(st),
			      frozen ? "running" : "paused");
	else if (cgroup_freeze(&r.cg, frozen, &e) < 0)
		rc = rt_error(rt, "%s %s: %s", argv[0], r.id, e.msg);
	rt_record_free(&r);
	return rc;
}

int rt_pause(const struct rt *rt, int argc, char **argv)
{
	return freeze(rt, argc, argv, true);
}

int rt_resume(const struct rt *rt, int argc, char **argv)
{
	return freeze(rt, argc, argv, false);
}
