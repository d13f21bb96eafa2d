#include "manage/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manage/commands.h"
#include "manage/logs.h"
#include "manage/monitor.h"
#include "manage/netglue.h"
#include "manage/paths.h"
#include "manage/spec.h"
#include "spawn/cgroup.h"
#include "spawn/userns.h"

#define DEFAULT_STOP_TIMEOUT 10

static const char *const policy_names[] = {"no", "on-failure", "always", "unless-stopped"};

/* KEY=VALUE strings as an object; a later key wins. */
static json_t *labels_json(const struct spawn_opts *o)
{
	json_t *l = json_object();

	for (size_t i = 0; l && i < o->nlabels; i++) {
		const char *eq = strchr(o->labels[i], '=');
		char key[256];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->labels[i]), o->labels[i]);
		json_object_set_new(l, key, json_string(eq + 1));
	}
	return l;
}

/* What the monitor needs besides the spec, and what `ps` shows. */
static json_t *record_of(const struct spawn_opts *o, const char *init)
{
	json_t *cmd = json_array(), *rec, *net = netglue_request(o);

	for (int i = 0; cmd && i < o->ncmd; i++)
		json_array_append_new(cmd, json_string(o->cmd[i]));
	if (cmd && o->ncmd == 0)
		json_array_append_new(
		    cmd, json_string(o->config || (!o->no_init && (spec_env_names_config(o) ||
								   spec_root_has_config(o)))
					 ? "cinit -c"
					 : "/bin/sh"));
	rec =
	    json_pack("{s:s, s:o, s:{s:s, s:i}, s:{s:I, s:i}, s:i, s:i, s:b, s:s, s:b}", "rootfs",
		      o->rootfs, "command", cmd, "restart", "policy", policy_names[o->restart],
		      "max", o->max_restarts, "log", "max_size",
		      (json_int_t)(o->log_max_size ? o->log_max_size : LOGS_DEFAULT_MAX_SIZE),
		      "max_file", (int)(o->log_max_file ? o->log_max_file : LOGS_DEFAULT_MAX_FILE),
		      "stop_signal", o->stop_signal ? o->stop_signal : SIGTERM, "stop_timeout",
		      o->stop_timeout >= 0 ? o->stop_timeout : DEFAULT_STOP_TIMEOUT, "init",
		      !o->no_init, "cinit", init, "layers", spawn_has_overlay(o));
	if (rec && o->image &&
	    (json_object_set_new(rec, "image", json_string(o->image)) < 0 ||
	     json_object_set_new(rec, "image_id", json_string(o->image_id)) < 0))
		return json_decref(rec), json_decref(net), NULL;
	if (rec && o->nlabels && json_object_set_new(rec, "labels", labels_json(o)) < 0)
		return json_decref(rec), json_decref(net), NULL;
	/* the network request, attached again at each start by the monitor */
	if (rec && net && json_object_set_new(rec, "network", net) < 0)
		return json_decref(rec), NULL;
	if (!rec)
		json_decref(net);
	return rec;
}

static int record_int(const struct ctr *c, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(c->json, obj) : c->json;

	return (int)json_integer_value(json_object_get(o, key));
}

static enum spawn_restart policy_of(const struct ctr *c)
{
	const char *p =
	    json_string_value(json_object_get(json_object_get(c->json, "restart"), "policy"));

	for (int i = 0; p && i < 4; i++)
		if (strcmp(p, policy_names[i]) == 0)
			return (enum spawn_restart)i;
	return SPAWN_RESTART_NO;
}

/* The writable layer of a container with --layer, made once: it lives as
 * long as the container, across stops and starts. */
static int make_layer(const struct ctr *c, const struct oci_config *spec, struct spawn_error *e)
{
	uid_t uid = spec->lnx.uid_mappings.n ? spec->lnx.uid_mappings.v[0].host_id : 0;
	gid_t gid = spec->lnx.gid_mappings.n ? spec->lnx.gid_mappings.v[0].host_id : 0;
	const char *leaves[] = {"rw", "rw/upper", "rw/work"};

	for (size_t i = 0; i < 3; i++) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/%s", c->dir, leaves[i]);
		if (mkdir(path, i == 0 ? 0700 : 0755) < 0 && errno != EEXIST)
			return spawn_fail_errno(e, "creating %s", path);
		if (chown(path, uid, gid) < 0)
			return spawn_fail_errno(e, "chown %s", path);
	}
	return 0;
}

/* Waits for the monitor's first word on fd: "0 started", or a failure. */
static int await_ready(int fd, struct spawn_error *e)
{
	char line[MONITOR_READY_MAX] = "";
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	int status;

	while (got < sizeof(line) - 1 && poll(&p, 1, 120000) > 0) {
		ssize_t n = read(fd, line + got, sizeof(line) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "%d", &status) != 1)
		return spawn_fail(e, "its monitor ended before it started"), 125;
	if (status != 0)
		spawn_fail(e, "%s", strchr(line, ' ') ? strchr(line, ' ') + 1 : line);
	return status;
}

/* The monitor's process: its own session, nothing of the caller's. */
static _Noreturn void become_monitor(const struct monitor_cfg *m)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(125);
	close_range(3, (unsigned)m->ready_fd - 1, 0);
	close_range((unsigned)m->ready_fd + 1, ~0U, 0);
	monitor_main(m);
}

/* The monitor's settings, from the record run wrote. */
static struct monitor_cfg monitor_cfg_of(struct ctr *c, const struct oci_config *spec)
{
	return (struct monitor_cfg){
	    .c = c,
	    .spec = spec,
	    .trampoline = json_string_value(json_object_get(c->json, "cinit")),
	    .restart = policy_of(c),
	    .max_restarts = record_int(c, "restart", "max"),
	    .log_max_size = (uint64_t)json_integer_value(
		json_object_get(json_object_get(c->json, "log"), "max_size")),
	    .log_max_file = (unsigned)record_int(c, "log", "max_file"),
	    .stop_signal = record_int(c, NULL, "stop_signal"),
	    .init = json_is_true(json_object_get(c->json, "init")),
	    .first_start_reports = true,
	    .ready_fd = -1,
	};
}

static int spawn_monitor(struct ctr *c, const struct oci_config *spec, struct spawn_error *e)
{
	struct monitor_cfg m = monitor_cfg_of(c, spec);
	int ready[2], status;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "pipe"), 125;
	m.ready_fd = ready[1];
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return spawn_fail_errno(e, "fork"), 125;
	}
	if (pid == 0) {
		close(ready[0]);
		become_monitor(&m);
	}
	close(ready[1]);
	status = await_ready(ready[0], e);
	close(ready[0]);
	return status;
}

int lifecycle_start(struct store *s, struct ctr *c, struct spawn_error *e)
{
	struct oci_config spec;
	int status;

	(void)s;
	store_refresh(c);
	if (c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING)
		return 0;
	if (store_load_spec(c, &spec, e) < 0)
		return 125;
	status = spawn_monitor(c, &spec, e);
	oci_config_free(&spec);
	return status;
}

static int build_and_save_spec(struct spawn_opts *o, const char *init, struct ctr *c,
			       struct oci_config *spec, struct spawn_error *e)
{
	char upper[PATH_MAX + 16], work[PATH_MAX + 16];
	struct spec_inputs in = {.init_path = init, .upper = upper, .work = work};
	struct userns_map map;
	char *text;
	int rc;

	if (o->userns && userns_default_map(&map, e) < 0)
		return -1;
	in.map = &map;
	snprintf(upper, sizeof(upper), "%s/rw/upper", c->dir);
	snprintf(work, sizeof(work), "%s/rw/work", c->dir);
	snprintf(o->name, sizeof(o->name), "%s", c->name);
	if (netglue_spec(o, c->name, e) < 0 || spec_from_run(o, &in, spec, e) < 0)
		return -1;
	if (spawn_has_overlay(o) && make_layer(c, spec, e) < 0)
		return -1;
	text = oci_config_write(spec);
	rc = text ? store_write_file(c->dir, "config.json", text, e)
		  : spawn_fail(e, "writing the spec: out of memory");
	free(text);
	return rc;
}

/* A new container in the store, its spec written; under the store's lock,
 * so that of two runs of one name exactly one makes it. */
static int create(struct store *s, struct spawn_opts *o, const char *init, json_t *volumes,
		  struct ctr *c, struct oci_config *spec, struct spawn_error *e)
{
	json_t *rec = record_of(o, init);
	int rc = -1;

	if (rec && volumes && json_object_set(rec, "volumes", volumes) < 0) {
		json_decref(rec);
		rec = NULL;
	}
	if (!rec)
		return spawn_fail(e, "the container's record: out of memory");
	if (store_lock(s, e) == 0 &&
	    store_create(s, o->name_given ? o->name : NULL, rec, c, e) == 0) {
		rc = build_and_save_spec(o, init, c, spec, e);
		if (rc < 0) {
			struct spawn_error ignored;

			store_remove(s, c, &ignored);
			ctr_free(c);
		}
	}
	store_unlock(s);
	json_decref(rec);
	return rc;
}

int lifecycle_run_detached(struct spawn_opts *o, const char *init, const struct cspawn_roots *r,
			   json_t *volumes)
{
	struct oci_config spec;
	struct spawn_error e;
	struct store s;
	struct ctr c;
	int status;

	if (store_open(&s, r, &e) < 0 || create(&s, o, init, volumes, &c, &spec, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		store_close(&s);
		return 125;
	}
	status = spawn_monitor(&c, &spec, &e);
	oci_config_free(&spec);
	if (status == 0)
		printf("%s\n", c.id);
	else
		fprintf(stderr, "cspawn: %s: %s\n", c.name, e.msg);
	ctr_free(&c);
	store_close(&s);
	return status;
}

/* ---- stopping without a monitor ----------------------------------------- */

static bool gone_within(const struct ctr *c, int64_t ms)
{
	int64_t end = monotonic_ms() + ms;

	while (store_pid_is(c->state.pid, c->state.pid_start)) {
		if (monotonic_ms() >= end)
			return false;
		sleep_ms(10);
	}
	return true;
}

/* The cgroup its monitor recorded, and the runtime directory. With no
 * record (the runtime directory went, as at a reboot), the cgroup of its
 * name where cspawn puts them, if one is left. */
static void clean_after_monitor(struct ctr *c)
{
	struct cgroup_layout layout;
	struct spawn_error e;
	struct cgroup cg;
	char *text = store_read_file(c->run_dir, "cgroup", &e);

	if (text && cgroup_from_record(text, c->id, &cg) == 0 && cgroup_destroy(&cg, 5000, &e) < 0)
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
	if (!text &&
	    (monitor_cgroup_layout(&layout, &e) < 0 || cgroup_remove_stale(&layout, c->id, &e) < 0))
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
	free(text);
	remove_tree(c->run_dir);
}

/* Its monitor was killed: the container is reached directly, by the pid
 * and start time its monitor recorded (never another process). */
static int stop_directly(struct ctr *c, int timeout, int sig, bool by_user, struct spawn_error *e)
{
	struct ctr_state *st = &c->state;

	if (st->monitor_gone && kill(st->pid, sig) == 0 &&
	    !gone_within(c, (int64_t)timeout * 1000)) {
		kill(st->pid, SIGKILL);
		gone_within(c, 5000);
	}
	clean_after_monitor(c);
	if (json_object_get(c->json, "network") && netglue_release(c->name, e) < 0)
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e->msg);
	st->status = CTR_EXITED;
	st->exit_code = -1; /* not its parent: how it ended cannot be known */
	st->pid = 0;
	st->stopped_by_user = st->stopped_by_user || by_user;
	st->finished = store_now_ms();
	return store_save_state(c, e);
}

/* Not known to run, yet what a start made may be left with no monitor to
 * own it: its state could not be read, or the monitor was killed before it
 * recorded the start. The cgroup its start recorded goes, and every
 * process in it. A monitor that holds the lock owns them: nothing to do. */
static void clean_unwatched(struct ctr *c)
{
	char path[PATH_MAX + 16];
	struct spawn_error e;
	int lock;

	snprintf(path, sizeof(path), "%s/cgroup", c->run_dir);
	if (access(path, F_OK) < 0 || (lock = store_take_monitor_lock(c, &e)) < 0)
		return;
	clean_after_monitor(c);
	close(lock);
}

static int stop_as(struct ctr *c, int timeout, bool by_user, struct spawn_error *e)
{
	char req[32], reply[64];

	if (timeout < 0)
		timeout = record_int(c, NULL, "stop_timeout");
	store_refresh(c);
	if (c->state.status == CTR_DEAD)
		return stop_directly(c, 0, SIGKILL, by_user, e);
	if (c->state.status != CTR_RUNNING && c->state.status != CTR_RESTARTING) {
		clean_unwatched(c);
		return 0;
	}
	if (c->state.monitor_gone)
		return stop_directly(c, timeout, record_int(c, NULL, "stop_signal"), by_user, e);
	snprintf(req, sizeof(req), "%s %d\n", by_user ? "stop" : "shutdown", timeout);
	if (monitor_ask(c, req, reply, sizeof(reply), (timeout + 30) * 1000) < 0)
		return spawn_fail_errno(e, "stopping %s: its monitor did not answer", c->name);
	/* stopping, with more callers than it holds: this one waits for the
	 * monitor's end itself, so that a stop that returns has stopped */
	if (strncmp(reply, "error", 5) == 0 && !store_await_monitor_end(c, (timeout + 30) * 1000))
		return spawn_fail(e, "stopping %s: %s", c->name, reply);
	return 0;
}

int lifecycle_stop(struct store *s, struct ctr *c, int timeout, struct spawn_error *e)
{
	(void)s;
	return stop_as(c, timeout, true, e);
}

int lifecycle_shutdown(struct ctr *c, struct spawn_error *e)
{
	return stop_as(c, -1, false, e);
}

/* `cspawn __monitor ID EVENT...`: cspawn-monitor hands an event back
 * (manage/monitor/protocol.h). Its stdio is /dev/null: what goes wrong
 * before the monitor's log is open can only end the monitor, which `ps`
 * then tells. */
int cmd_monitor_step(int argc, char **argv)
{
	struct monitor_event ev;
	struct oci_config spec;
	struct cspawn_roots r;
	struct spawn_error e;
	struct monitor_cfg m;
	struct store s;
	struct ctr c;

	if (argc < 2 || monitor_event_parse(argc - 2, argv + 2, &ev, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", argc < 2 ? "__monitor: no container" : e.msg);
		return 2;
	}
	if (paths_roots(&r, &e) < 0 || store_open(&s, &r, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return 125;
	}
	/* a record broken while it ran still ends as it should: its callers
	 * answered, its cgroup and runtime directory gone, for rm -f */
	if (store_find(&s, argv[1], &c, &e) < 0 && store_find_broken(&s, argv[1], &c, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return 125;
	}
	m = monitor_cfg_of(&c, store_load_spec(&c, &spec, &e) == 0 ? &spec : NULL);
	monitor_step(&m, &ev);
}

bool lifecycle_restarts_at_boot(const struct ctr *c)
{
	enum spawn_restart p = policy_of(c);

	return p == SPAWN_RESTART_ALWAYS ||
	       (p == SPAWN_RESTART_UNLESS_STOPPED && !c->state.stopped_by_user);
}
