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
			/* it may have ended as we asked: its state says */
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

/* rm -v: the anonymous volumes its record names (-v CTR, the image's);
 * named ones outlive it, as docker's. */
static void remove_anonymous_volumes(struct session *s, const struct ctr *c)
{
	json_t *vols = json_object_get(c->json, "volumes"), *v;
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

static int rm_one(struct session *s, struct ctr *c, void *ctx)
{
	const struct rm_opts *o = ctx;
	bool live = c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING;
	struct spawn_error e;

	if (live && !o->force) {
		fprintf(stderr,
			"cspawn: %s: the container is running: stop it first, or use rm -f\n",
			c->name);
		return 1;
	}
	/* stopped (or gone) first, so that its monitor and cgroup are gone too */
	if (lifecycle_stop(&s->store, c, 0, &e) < 0 ||
	    (json_object_get(c->json, "network") && netglue_release(c->name, &e) < 0) ||
	    store_lock(&s->store, &e) < 0 || store_remove(&s->store, c, &e) < 0) {
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
		store_unlock(&s->store);
		return 1;
	}
	store_unlock(&s->store);
	if (o->volumes)
		remove_anonymous_volumes(s, c);
	printf("%s\n", c->name);
	return 0;
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
