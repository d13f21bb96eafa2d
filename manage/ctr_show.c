/* What the store knows of containers: ps, inspect, logs. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "conf/units.h"
#include "manage/commands.h"
#include "manage/logs.h"
#include "manage/store.h"
#include "net/net.h"
#include "spawn/cgroup.h"

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

/* "3 minutes", as docker says it: the largest unit that fits. */
static void ago(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s < 60)
		snprintf(buf, len, "%lld second%s", (long long)s, s == 1 ? "" : "s");
	else if (s < 3600)
		snprintf(buf, len, "%lld minute%s", (long long)(s / 60), s / 60 == 1 ? "" : "s");
	else if (s < 172800)
		snprintf(buf, len, "%lld hour%s", (long long)(s / 3600), s / 3600 == 1 ? "" : "s");
	else
		snprintf(buf, len, "%lld days", (long long)(s / 86400));
}

/* "Up 3 minutes", "Exited (7) 2 minutes ago", "Restarting (1) 1 second ago" */
static void status_text(const struct ctr *c, char *buf, size_t len)
{
	const struct ctr_state *st = &c->state;
	int64_t now = store_now_ms();
	char when[64];

	switch (st->status) {
	case CTR_RUNNING:
		ago(now - st->started, when, sizeof(when));
		snprintf(buf, len, "Up %s%s", when, st->monitor_gone ? " (no monitor)" : "");
		return;
	case CTR_RESTARTING:
		ago(now - st->finished, when, sizeof(when));
		snprintf(buf, len, "Restarting (%d) %s ago", st->exit_code, when);
		return;
	case CTR_EXITED:
		if (!st->finished) {
			snprintf(buf, len, "Created");
			return;
		}
		ago(now - st->finished, when, sizeof(when));
		if (st->exit_code < 0)
			snprintf(buf, len, "Exited (unknown) %s ago", when);
		else
			snprintf(buf, len, "Exited (%d) %s ago%s", st->exit_code, when,
				 st->oom ? " (OOM)" : "");
		return;
	case CTR_DEAD:
		snprintf(buf, len, "Dead (its monitor and its process are gone)");
		return;
	case CTR_CREATED:
		snprintf(buf, len, "Created");
		return;
	}
}

static void command_text(const struct ctr *c, char *buf, size_t len)
{
	json_t *cmd = json_object_get(c->json, "command"), *w;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(cmd, i, w)
	{
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s", i ? " " : "",
					json_string_value(w) ? json_string_value(w) : "");
	}
	if (off >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

struct ps_opts {
	bool all, quiet, json;
	json_t *list;
	struct cspawn_roots roots;
};

/* docker's PORTS: "0.0.0.0:8080->80/tcp, ..." for a container that has
 * an attachment with published ports; "" otherwise. */
static void ports_text(const struct ps_opts *o, const struct ctr *c, char *out, size_t len)
{
	struct net_roots r = {.lib = o->roots.lib, .run = o->roots.run};
	struct net_port *p = NULL;
	struct spawn_error e;
	size_t n = 0, used = 0;

	out[0] = '\0';
	if (!json_object_get(c->json, "network") || net_ports_of(&r, c->name, &p, &n, &e) < 0)
		return;
	for (size_t i = 0; i < n && used < len; i++) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &p[i].host_ip, ip, sizeof(ip));
		used += (size_t)snprintf(out + used, len - used, "%s%s:%u->%u/%s", i ? ", " : "",
					 ip, p[i].host_port, p[i].ctr_port,
					 p[i].proto == IPPROTO_UDP ? "udp" : "tcp");
	}
	free(p);
}

static bool live(const struct ctr *c)
{
	return c->state.status == CTR_RUNNING || c->state.status == CTR_RESTARTING;
}

static json_t *ctr_json(const struct ctr *c)
{
	char status[128], cmd[256];

	status_text(c, status, sizeof(status));
	command_text(c, cmd, sizeof(cmd));
	return json_pack("{s:s, s:s, s:O, s:s, s:I, s:s, s:s, s:i, s:i, s:i, s:b}", "Id", c->id,
			 "Name", c->name, "Root", json_object_get(c->json, "rootfs"), "Command",
			 cmd, "Created", (json_int_t)c->created, "State",
			 ctr_status_name(c->state.status), "Status", status, "Pid",
			 (int)c->state.pid, "ExitCode", c->state.exit_code, "Restarts",
			 c->state.restarts, "MonitorGone", c->state.monitor_gone);
}

static void ps_one(struct ctr *c, void *ctx)
{
	struct ps_opts *o = ctx;
	char status[128], cmd[256], created[64], ports[256];
	const char *root = json_string_value(json_object_get(c->json, "image"));

	if (!root)
		root = json_string_value(json_object_get(c->json, "rootfs"));
	if (!o->all && !live(c))
		return;
	if (o->quiet) {
		printf("%.12s\n", c->id);
		return;
	}
	if (o->json) {
		json_t *j = ctr_json(c);

		if (live(c))
			ports_text(o, c, ports, sizeof(ports));
		else
			ports[0] = '\0';
		json_object_set_new(j, "Ports", json_string(ports));
		json_array_append_new(o->list, j);
		return;
	}
	status_text(c, status, sizeof(status));
	command_text(c, cmd, 21);
	ago(store_now_ms() - c->created, created, sizeof(created));
	if (live(c))
		ports_text(o, c, ports, sizeof(ports));
	else
		ports[0] = '\0';
	printf("%-12.12s  %-20.20s  %-22s  %-24s  %-30s  %-20s  %s\n", c->id, root ? root : "", cmd,
	       strcat(created, " ago"), status, ports, c->name);
}

static void ps_bad(const char *why, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "cspawn: skipped a broken record: %s\n", why);
}

int cmd_ps(int argc, char **argv)
{
	struct ps_opts o = {0};
	struct spawn_error e;
	struct store s;
	int c;
	static const struct option longs[] = {{"all", no_argument, NULL, 'a'},
					      {"quiet", no_argument, NULL, 'q'},
					      {"format", required_argument, NULL, 'f'},
					      {NULL, 0, NULL, 0}};

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+aq", longs, NULL)) != -1) {
		if (c == 'a')
			o.all = true;
		else if (c == 'q')
			o.quiet = true;
		else if (c == 'f' && strcmp(optarg, "json") == 0)
			o.json = true;
		else {
			fprintf(stderr, "usage: cspawn ps [-a] [-q] [--format json]\n");
			return 125;
		}
	}
	if (open_store(&s) < 0 || paths_roots(&o.roots, &e) < 0)
		return 125;
	if (o.json)
		o.list = json_array();
	else if (!o.quiet)
		printf("%-12s  %-20s  %-22s  %-24s  %-30s  %-20s  %s\n", "CONTAINER ID", "ROOT",
		       "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
	if (store_list(&s, ps_one, ps_bad, &o, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		json_decref(o.list);
		return 125;
	}
	if (o.json) {
		char *text = json_dumps(o.list, JSON_INDENT(2));

		puts(text ? text : "[]");
		free(text);
		json_decref(o.list);
	}
	return 0;
}

/* ---- inspect ---------------------------------------------------------------- */

/* The cgroup of a running container (its directories, one per v1
 * controller) and the host pids in it, read from the first. */
static json_t *cgroup_json(const struct ctr *c)
{
	struct spawn_error e;
	char *text = store_read_file(c->run_dir, "cgroup", &e), path[PATH_MAX + 16], line[32];
	json_t *dirs = json_array(), *pids = json_array();
	struct cgroup cg;
	FILE *f = NULL;

	if (text && cgroup_from_record(text, c->id, &cg) == 0)
		for (int i = 0; i < CG_NCTL; i++) {
			if (!cg.dir[i][0])
				continue;
			json_array_append_new(dirs, json_string(cg.dir[i]));
			if (!f) {
				snprintf(path, sizeof(path), "%s/cgroup.procs", cg.dir[i]);
				f = fopen(path, "re");
			}
		}
	while (f && fgets(line, sizeof(line), f))
		json_array_append_new(pids, json_integer(atoi(line)));
	if (f)
		fclose(f);
	free(text);
	return json_pack("{s:o, s:o}", "Paths", dirs, "Pids", pids);
}

static json_t *inspect_json(const struct ctr *c)
{
	struct spawn_error e;
	char *spec = store_read_file(c->dir, "config.json", &e);
	json_t *j = ctr_json(c), *state;

	state = json_pack("{s:s, s:i, s:I, s:I, s:i, s:i, s:b, s:b, s:s, s:i}", "Status",
			  ctr_status_name(c->state.status), "Pid", (int)c->state.pid, "StartedAt",
			  (json_int_t)c->state.started, "FinishedAt", (json_int_t)c->state.finished,
			  "ExitCode", c->state.exit_code, "Restarts", c->state.restarts,
			  "OOMKilled", c->state.oom, "StoppedByUser", c->state.stopped_by_user,
			  "Error", c->state.error, "Monitor", (int)c->state.monitor);
	json_object_set_new(j, "State", state);
	json_object_set_new(j, "Cgroup", cgroup_json(c));
	json_object_set(j, "Config", c->json);
	json_object_set_new(j, "Spec", spec ? json_loads(spec, 0, NULL) : json_null());
	free(spec);
	return j;
}

int cmd_inspect(int argc, char **argv)
{
	json_t *all = json_array();
	struct store s;
	int rc = 0;

	if (argc < 2)
		return fprintf(stderr, "usage: cspawn inspect NAME...\n"), 125;
	if (open_store(&s) < 0)
		return 125;
	for (int i = 1; i < argc; i++) {
		struct spawn_error e;
		struct ctr c;

		if (store_find(&s, argv[i], &c, &e) < 0) {
			fprintf(stderr, "cspawn: %s\n", e.msg);
			rc = 1;
			continue;
		}
		json_array_append_new(all, inspect_json(&c));
		ctr_free(&c);
	}
	{
		char *text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);

		puts(text ? text : "[]");
		free(text);
	}
	json_decref(all);
	return rc;
}

/* ---- logs ------------------------------------------------------------------- */

struct logs_opts {
	bool follow, timestamps;
	long tail;
	int64_t since;
};

static int parse_logs(int argc, char **argv, struct logs_opts *o)
{
	static const struct option longs[] = {{"follow", no_argument, NULL, 'f'},
					      {"timestamps", no_argument, NULL, 't'},
					      {"tail", required_argument, NULL, 'n'},
					      {"since", required_argument, NULL, 's'},
					      {NULL, 0, NULL, 0}};
	int c, n;

	*o = (struct logs_opts){.tail = -1};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ftn:", longs, NULL)) != -1) {
		if (c == 'f')
			o->follow = true;
		else if (c == 't')
			o->timestamps = true;
		else if (c == 'n' && strcmp(optarg, "all") == 0)
			o->tail = -1;
		else if (c == 'n' && conf_parse_uint(optarg, &n) == 0)
			o->tail = n;
		else if (c == 's' && (o->since = log_parse_since(optarg, store_now_ms())) >= 0)
			;
		else
			return -1;
	}
	return optind == argc - 1 ? optind : -1;
}

/* Follows the log until the container is no longer running: new lines as
 * inotify says the file changed, and a look at the state every half
 * second. */
static void follow(struct ctr *c, const char *path, int64_t offset, bool timestamps)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);

	if (in >= 0 && inotify_add_watch(in, c->dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
		close(in);
		in = -1;
	}
	for (;;) {
		struct pollfd p = {.fd = in, .events = POLLIN};
		char buf[4096];

		offset = log_print_from(path, offset, timestamps);
		if (poll(&p, in >= 0 ? 1 : 0, 500) > 0)
			while (read(in, buf, sizeof(buf)) > 0)
				;
		store_reload_state(c);
		if (!live(c)) {
			/* the last lines, written before it ended */
			log_print_from(path, offset, timestamps);
			break;
		}
	}
	if (in >= 0)
		close(in);
}

int cmd_logs(int argc, char **argv)
{
	struct logs_opts o;
	struct spawn_error e;
	char path[PATH_MAX + 96];
	struct store s;
	struct ctr c;
	int64_t end;
	int i = parse_logs(argc, argv, &o);

	if (i < 0)
		return fprintf(stderr,
			       "usage: cspawn logs [-f] [-t] [--tail N] [--since T] NAME\n"),
		       125;
	if (open_store(&s) < 0)
		return 125;
	if (store_find(&s, argv[i], &c, &e) < 0)
		return fprintf(stderr, "cspawn: %s\n", e.msg), 1;
	snprintf(path, sizeof(path), "%s/%s-json.log", c.dir, c.id);
	end = log_print(path,
			(unsigned)json_integer_value(
			    json_object_get(json_object_get(c.json, "log"), "max_file")),
			o.tail, o.since, o.timestamps, &e);
	if (o.follow && live(&c))
		follow(&c, path, end, o.timestamps);
	ctr_free(&c);
	return 0;
}
