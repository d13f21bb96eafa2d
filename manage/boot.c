/* Restarts across reboots with no resident daemon: `cspawn boot`, run once
 * at boot by systemd (systemd/cspawn.service), starts the containers whose
 * policy says they come back, as docker's daemon does at its start; `cspawn boot --shutdown`, its
 * ExecStop, stops the running ones as the host going down does, which unless-stopped does not count
 * as the user's stop. `cspawn generate systemd NAME` prints a unit of one container's own, as
 * podman's does. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manage/commands.h"
#include "manage/lifecycle.h"
#include "spawn/restart.h"

static int open_store(struct cspawn_roots *r, struct store *s)
{
	struct spawn_error e;

	if (paths_roots(r, &e) < 0 || store_open(s, r, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return -1;
	}
	return 0;
}

struct boot {
	struct store *s;
	bool shutdown;
	int failed;
};

static bool live(const struct ctr *c)
{
	return c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING;
}

/* Beyond always and unless-stopped (lifecycle_restarts_at_boot), docker's
 * daemon brings back at its start an on-failure container whose last run
 * failed (restart_wanted, the monitor's rule): one killed with the host
 * counts as failed, with docker's exit code 255; the user's stop, an exit
 * of 0 or the retries used up keep it down. */
static bool restarts_at_boot(const struct ctr *c, bool was_dead)
{
	json_t *r = json_object_get(c->json, "restart");
	const char *name = json_string_value(json_object_get(r, "policy"));
	enum spawn_restart policy;
	int max;

	if (lifecycle_restarts_at_boot(c))
		return true;
	if (!name || spawn_parse_restart(name, &policy, &max) < 0 ||
	    policy != SPAWN_RESTART_ON_FAILURE || (!was_dead && c->state.status != CTR_EXITED))
		return false;
	return restart_wanted(policy, (int)json_integer_value(json_object_get(r, "max")),
			      c->state.restarts, was_dead ? 255 : c->state.exit_code,
			      c->state.stopped_by_user);
}

/* A container that was running when the host went down and does not come
 * back: what its monitor left (a cgroup, a network lease) goes, and its
 * state says it exited. */
static void boot_one(struct ctr *c, void *ctx)
{
	struct boot *b = ctx;
	struct spawn_error e;
	int status = 0;
	bool was_dead;

	if (b->shutdown) {
		if (live(c) && lifecycle_shutdown(c, &e) < 0) {
			fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
			b->failed = 1;
		} else if (live(c)) {
			printf("%s\n", c->name);
		}
		return;
	}
	if (live(c))
		return;
	/* a monitor killed with the host leaves its state "running" */
	was_dead = c->state.status == CTR_DEAD;
	if (was_dead && lifecycle_shutdown(c, &e) < 0)
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
	if (!restarts_at_boot(c, was_dead))
		return;
	status = lifecycle_start(b->s, c, &e);
	if (status != 0) {
		fprintf(stderr, "cspawn: %s: %s\n", c->name, e.msg);
		b->failed = 1;
		return;
	}
	printf("%s\n", c->name);
}

static void boot_bad(const char *why, void *ctx)
{
	struct boot *b = ctx;

	fprintf(stderr, "cspawn: skipped a broken record: %s\n", why);
	b->failed = 1;
}

int cmd_boot(int argc, char **argv)
{
	static const struct option longs[] = {{"shutdown", no_argument, NULL, 's'},
					      {NULL, 0, NULL, 0}};
	struct cspawn_roots r;
	struct spawn_error e;
	struct store s;
	struct boot b = {.s = &s};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
		if (c != 's')
			return fprintf(stderr, "usage: cspawn boot [--shutdown]\n"), 125;
		b.shutdown = true;
	}
	if (optind < argc)
		return fprintf(stderr, "usage: cspawn boot [--shutdown]\n"), 125;
	if (open_store(&r, &s) < 0)
		return 125;
	if (store_list(&s, boot_one, boot_bad, &b, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return 125;
	}
	store_close(&s);
	return b.failed;
}

/* ---- generate systemd ------------------------------------------------------ */

static int self_path(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);

	if (n < 0) {
		fprintf(stderr, "cspawn: readlink /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	out[n] = '\0';
	return 0;
}

/* Type=forking: `cspawn start` returns once the container runs, leaving
 * its monitor, whose pid file names the unit's main process; the
 * container's own restart policy stays the monitor's, Restart=on-failure
 * covers a monitor that dies. */
static void print_unit(FILE *f, const struct ctr *c, const struct cspawn_roots *r, const char *self)
{
	const char *root = getenv("CSPAWN_ROOT");
	int timeout = (int)json_integer_value(json_object_get(c->json, "stop_timeout"));

	fprintf(f,
		"# container-%s.service\n"
		"# made by cspawn generate systemd %s\n\n"
		"[Unit]\n"
		"Description=cspawn container %s\n"
		"Documentation=man:cspawn(8)\n"
		"Wants=network-online.target\n"
		"After=network-online.target\n"
		"RequiresMountsFor=%s %s\n\n"
		"[Service]\n",
		c->name, c->name, c->name, r->lib, r->run);
	if (root && *root)
		fprintf(f, "Environment=CSPAWN_ROOT=%s\n", root);
	fprintf(f,
		"Restart=on-failure\n"
		"TimeoutStopSec=%d\n"
		"ExecStart=%s start %s\n"
		"ExecStop=%s stop -t %d %s\n"
		"ExecStopPost=%s stop -t %d %s\n"
		"PIDFile=%s/monitor.pid\n"
		"Type=forking\n\n"
		"[Install]\n"
		"WantedBy=default.target\n",
		timeout + 60, self, c->id, self, timeout, c->id, self, timeout, c->id, c->run_dir);
}

static int generate_usage(void)
{
	fprintf(stderr, "usage: cspawn generate systemd [--files] NAME...\n");
	return 125;
}

/* --files: container-NAME.service in the current directory, its path
 * printed, as podman's. */
static int generate_one(const struct ctr *c, const struct cspawn_roots *r, const char *self,
			bool files)
{
	char path[PATH_MAX];
	FILE *f = stdout;

	if (files) {
		snprintf(path, sizeof(path), "container-%s.service", c->name);
		f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "cspawn: creating %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	print_unit(f, c, r, self);
	if (files && fclose(f) != 0) {
		fprintf(stderr, "cspawn: writing %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (files) {
		char *abs = realpath(path, NULL);

		printf("%s\n", abs ? abs : path);
		free(abs);
	}
	return 0;
}

int cmd_generate(int argc, char **argv)
{
	static const struct option longs[] = {{"files", no_argument, NULL, 'f'},
					      {NULL, 0, NULL, 0}};
	char self[PATH_MAX];
	struct cspawn_roots r;
	struct store s;
	bool files = false;
	int c, rc = 0;

	if (argc < 2 || strcmp(argv[1], "systemd") != 0)
		return generate_usage();
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "+", longs, NULL)) != -1) {
		if (c != 'f')
			return generate_usage();
		files = true;
	}
	if (optind + 1 >= argc)
		return generate_usage();
	if (self_path(self, sizeof(self)) < 0 || open_store(&r, &s) < 0)
		return 125;
	for (int i = optind + 1; i < argc; i++) {
		struct spawn_error e;
		struct ctr ct;

		if (store_find(&s, argv[i], &ct, &e) < 0) {
			fprintf(stderr, "cspawn: %s\n", e.msg);
			rc = 1;
			continue;
		}
		if (generate_one(&ct, &r, self, files) != 0)
			rc = 1;
		ctr_free(&ct);
	}
	store_close(&s);
	return rc;
}
