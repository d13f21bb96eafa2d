/* The commands on detached containers: start, stop, kill, restart, wait,
 * rm. Each takes names or id prefixes, reports each failure and goes on
 * with the others, and exits 1 when any failed (as docker does). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/units.h"
#include "manage/commands.h"
#include "manage/lifecycle.h"
#include "manage/monitor.h"
#include "manage/netglue.h"
#include "manage/volume.h"

struct session {
	struct cspawn_roots roots;
	struct store store;
	bool rm_force; /* rm -f: a broken record is found too */
};

static int open_session(struct session *s)
{
	struct spawn_error e;

	s->rm_force = false;
	if (paths_roots(&s->roots, &e) < 0 || store_open(&s->store, &s->roots, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int usage(const char *cmd, const char *args)
{
	fprintf(stderr, "usage: cspawn %s %s\n", cmd, args);
	return 125;
}

/* A container whose record is broken is found for `rm -f` alone (which
 * removes it); the others say what is wrong with it. */
static bool find_broken(struct session *s, const char *ref, struct ctr *c, struct spawn_error *e)
{
	struct spawn_error why;

	if (store_find_broken(&s->store, ref, c, &why) < 0)
		return false;
	if (s->rm_force) {
		fprintf(stderr, "cspawn: %.12s: removing a broken record (%s)\n", c->id, why.msg);
		return true;
	}
	spawn_fail(e, "%.12s: its record is broken (%s): rm -f %.12s removes it", c->id, why.msg,
		   c->id);
	ctr_free(c);
	return false;
}

/* Runs act on each named container; 0 when all went well, else 1. */
static int each(struct session *s, int argc, char **argv, int first,
		int (*act)(struct session *s, struct ctr *c, void *ctx), void *ctx)
{
	int rc = 0;

	for (int i = first; i < argc; i++) {
		struct spawn_error e;
		struct ctr c;

		if (store_find(&s->store, argv[i], &c, &e) < 0 &&
		    !find_broken(s, argv[i], &c, &e)) {
			fprintf(stderr, "cspawn: %s\n", e.msg);
			rc = 1;
			continue;
		}
		if (act(s, &c, ctx) != 0)
			rc = 1;
		ctr_free(&c);
	}
	return rc;
}

static int start_one(struct session *s, struct ctr *c, void *ctx)
{
	struct spawn_error e;
	int status = lifecycle_start(&s->store, c, &e);

	(void)ctx;
	if (status != 0) {
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
		return status;
	}
	printf("%s\n", c->name);
	return 0;
}

int cmd_start(int argc, char **argv)
{
	struct session s;

	if (argc < 2 || argv[1][0] == '-')
		return usage("start", "NAME...");
	if (open_session(&s) < 0)
		return 125;
	return each(&s, argc, argv, 1, start_one, NULL);
}

/* -t SECONDS, then names. */
static int parse_timeout(int argc, char **argv, int *timeout)
{
	int c;

	*timeout = -1;
	optind = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "+t:")) != -1) {
		if (c != 't' || conf_parse_uint(optarg, timeout) < 0)
			return -1;
	}
	return optind < argc ? optind : -1;
}

static int stop_one(struct session *s, struct ctr *c, void *ctx)
{
	struct spawn_error e;

	if (lifecycle_stop(&s->store, c, *(int *)ctx, &e) < 0) {
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
		return 1;
	}
	printf("%s\n", c->name);
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	struct session s;
	int timeout, first = parse_timeout(argc, argv, &timeout);

	if (first < 0)
		return usage("stop", "[-t SECONDS] NAME...");
	if (open_session(&s) < 0)
		return 125;
	return each(&s, argc, argv, first, stop_one, &timeout);
}

static int restart_one(struct session *s, struct ctr *c, void *ctx)
{
	if (stop_one(s, c, ctx) != 0)
		return 1;
	store_refresh(c);
	/* stop_one printed the name; start quietly */
	{
		struct spawn_error e;
		int status;

		c->state.status = CTR_EXITED;
		status = lifecycle_start(&s->store, c, &e);
		if (status != 0) {
			fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
			return status;
		}
	}
	return 0;
}

int cmd_restart(int argc, char **argv)
{
	struct session s;
	int timeout, first = parse_timeout(argc, argv, &timeout);

	if (first < 0)
		return usage("restart", "[-t SECONDS] NAME...");
	if (open_session(&s) < 0)
		return 125;
	return each(&s, argc, argv, first, restart_one, &timeout);
}

static int kill_one(struct session *s, struct ctr *c, void *ctx)
{
	int sig = *(int *)ctx;
	char req[32], reply[128];

	(void)s;
	if (c->state.status != CTR_RUNNING) {
		fprintf(stderr, "cspawn: %s: the container is not running\n", c->name);
		return 1;
	}
	snprintf(req, sizeof(req), "kill %d\n", sig);
	if (c->state.monitor_gone) {
		if (kill(c->state.pid, sig) < 0) {
			fprintf(stderr, "cspawn: %s: kill: %s\n", c->name, strerror(errno));
			return 1;
		}
	} else if (monitor_ask(c, req, reply, sizeof(reply), 10000) < 0 ||
		   strncmp(reply, "ok", 2) != 0) {
		fprintf(stderr, "cspawn: %s: %s", c->name,
			errno == ETIMEDOUT || !reply[0] ? "its monitor did not answer\n"
							: reply + 6);
		return 1;
	}
	printf("%s\n", c->name);
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	struct session s;
	int sig = SIGKILL, c;

	optind = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "+s:")) != -1)
		if (c != 's' || conf_parse_signal(optarg, &sig) < 0)
			return usage("kill", "[-s SIGNAL] NAME...");
	if (optind >= argc)
		return usage("kill", "[-s SIGNAL] NAME...");
	if (open_session(&s) < 0)
		return 125;
	return each(&s, argc, argv, optind, kill_one, &sig);
}

static int wait_one(struct session *s, struct ctr *c, void *ctx)
{
	char reply[64];
	int code = c->state.exit_code;

	(void)s;
	(void)ctx;
	if (c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING) {
		if (c->state.monitor_gone) {
			fprintf(stderr,
				"cspawn: %s: its monitor is gone: nothing can wait for it\n",
				c->name);
			return 1;
		}
		if (monitor_ask(c, "wait\n", reply, sizeof(reply), -1) < 0 ||
		    sscanf(reply, "exited %d", &code) != 1) {
			/* it may have ended as we asked, or has more callers
			 * than it holds (it said so): the end of its lock,
			 * then its state, says */
			store_await_monitor_end(c, -1);
			store_reload_state(c);
			if (c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING) {
				fprintf(stderr, "cspawn: %s: its monitor did not answer\n",
					c->name);
				return 1;
			}
			code = c->state.exit_code;
		}
	}
	printf("%d\n", code);
	return 0;
}

int cmd_wait(int argc, char **argv)
{
	struct session s;

	if (argc < 2 || argv[1][0] == '-')
		return usage("wait", "NAME...");
	if (open_session(&s) < 0)
		return 125;
	return each(&s, argc, argv, 1, wait_one, NULL);
}

struct rm_opts {
	bool force, volumes;
};

/* rm -v: the anonymous volumes it used (-v CTR, the image's), listed
 * before its record goes; named ones outlive it, as docker's. */
static void remove_anonymous_volumes(struct session *s, const struct ctr *c, json_t *vols)
{
	json_t *v;
	size_t i;

	json_array_foreach(vols, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));
		struct spawn_error e;

		if (name && json_is_true(json_object_get(v, "anonymous")) &&
		    volume_remove(&s->store, name, &e) < 0)
			fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
	}
}

/* How long rm -f waits for a starting monitor to answer its stop. */
#define RM_STARTING_TRIES 100
#define RM_STARTING_WAIT_MS 50

/* Stopped (or gone) first, so that its monitor and cgroup are gone too; a
 * monitor that was starting when stop looked (its run -d was killed, or
 * raced this rm) holds its lock, and is stopped in turn under force. */
static int remove_container(struct session *s, struct ctr *c, bool force)
{
	struct spawn_error e;

	for (int tries = 0;; tries++) {
		int rc = lifecycle_stop(&s->store, c, 0, &e) < 0 ||
				 (json_object_get(c->json, "network") &&
				  netglue_release(c->name, &e) < 0) ||
				 store_lock(&s->store, &e) < 0 || store_remove(&s->store, c, &e) < 0
			     ? -1
			     : 0;
		bool starting = rc < 0 && errno == EBUSY;

		store_unlock(&s->store);
		if (rc == 0)
			return 0;
		if (!starting || !force || tries >= RM_STARTING_TRIES) {
			fprintf(stderr, "cspawn: %s: %s%s\n", c->name, e.msg,
				starting ? ": it is starting (rm -f stops it)" : "");
			return 1;
		}
		sleep_ms(RM_STARTING_WAIT_MS);
		store_reload_state(c);
	}
}

static int rm_one(struct session *s, struct ctr *c, void *ctx)
{
	const struct rm_opts *o = ctx;
	bool live = c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING;
	json_t *vols;
	int rc;

	if (live && !o->force) {
		fprintf(stderr,
			"cspawn: %s: the container is running: stop it first, or use rm -f\n",
			c->name);
		return 1;
	}
	/* listed first: a broken record's are read from its spec, which goes
	 * with it */
	vols = o->volumes ? volume_list_of(&s->store, c) : NULL;
	rc = remove_container(s, c, o->force);
	if (rc == 0 && vols)
		remove_anonymous_volumes(s, c, vols);
	json_decref(vols);
	if (rc == 0)
		printf("%s\n", c->name);
	return rc;
}

int cmd_rm(int argc, char **argv)
{
	struct rm_opts o = {false, false};
	struct session s;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "+fv")) != -1) {
		if (c == 'f')
			o.force = true;
		else if (c == 'v')
			o.volumes = true;
		else
			return usage("rm", "[-f] [-v] NAME...");
	}
	if (optind >= argc)
		return usage("rm", "[-f] [-v] NAME...");
	if (open_session(&s) < 0)
		return 125;
	s.rm_force = o.force;
	return each(&s, argc, argv, optind, rm_one, &o);
}
