/* The global flags, the dispatch to the verbs, where errors go, and the two
 * verbs that touch no container: spec and features. */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/internal.h"

static void say(const struct rt *rt, const char *level, const char *fmt, va_list ap)
{
	char msg[2048], when[64];
	struct timespec ts;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "cspawn-runtime: %s%s%s\n", strcmp(level, "error") ? level : "",
		strcmp(level, "error") ? ": " : "", msg);
	if (!rt->log)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (rt->log_json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", when);
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (text)
			fprintf(rt->log, "%s\n", text);
		free(text);
		json_decref(o);
	} else {
		fprintf(rt->log, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	fflush(rt->log);
}

int rt_error(const struct rt *rt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(rt, "error", fmt, ap);
	va_end(ap);
	return 1;
}

void rt_warn(const struct rt *rt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(rt, "warning", fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cspawn-runtime [--root DIR] [--log FILE] [--log-format text|json]\n"
		"                      [--systemd-cgroup] COMMAND [ARGS...]\n"
		"commands:\n"
		"  create --bundle DIR [--pid-file F] [--console-socket S] [--no-pivot] ID\n"
		"  start ID              state ID              kill [--all] ID [SIGNAL]\n"
		"  delete [--force] ID   run [-d] [create's flags] ID\n"
		"  exec [--process FILE] [--tty] [--detach] [--pid-file F] ID [ARGS...]\n"
		"  list [-q] [-f table|json]   ps [-f table|json] ID\n"
		"  pause ID   resume ID   update [-r FILE] [--memory N] [--pids-limit N] ... ID\n"
		"  spec [--bundle DIR] [--rootless]   features\n");
}

/* `spec`: a default config.json in the bundle, never over one. */
static int rt_spec(const struct rt *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'r'},
					     {NULL, 0, NULL, 0}};
	struct oci_rootless rl = {.uid = getuid(), .gid = getgid()};
	const char *bundle = ".";
	bool rootless = false;
	struct oci_config c;
	char path[PATH_MAX], *text;
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (opt == 'b')
			bundle = optarg;
		else if (opt == 'r')
			rootless = true;
		else
			return 1;
	}
	if (oci_config_default(&c, rootless ? &rl : NULL) < 0)
		return rt_error(rt, "spec: %s", strerror(errno));
	text = oci_config_write(&c);
	oci_config_free(&c);
	if (!text)
		return rt_error(rt, "spec: writing the config: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(text);
		return rt_error(rt, "spec: %s: %s", path, strerror(errno));
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0) {
		free(text);
		return rt_error(rt, "spec: writing %s: %s", path, strerror(errno));
	}
	free(text);
	return 0;
}

static int rt_features(const struct rt *rt, int argc, char **argv)
{
	struct oci_pair p[] = {{"org.cspawn.runtime.version", RT_VERSION}};
	struct oci_map a = {p, 1};
	char *text = oci_features_write(&a);

	(void)argc;
	(void)argv;
	if (!text)
		return rt_error(rt, "features: %s", strerror(errno));
	fputs(text, stdout);
	free(text);
	return 0;
}

struct verb {
	const char *name;
	int (*run)(const struct rt *rt, int argc, char **argv);
};

static const struct verb verbs[] = {
    {"create", rt_create}, {"start", rt_start},	      {"state", rt_state},   {"kill", rt_kill},
    {"delete", rt_delete}, {"run", rt_run},	      {"exec", rt_exec},     {"list", rt_list},
    {"ps", rt_ps},	   {"pause", rt_pause},	      {"resume", rt_resume}, {"update", rt_update},
    {"spec", rt_spec},	   {"features", rt_features}, {NULL, NULL},
};

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_SYSTEMD, OPT_IGNORED, OPT_IGNORED_ARG };

static int global_flags(struct rt *rt, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"root", required_argument, NULL, OPT_ROOT},
	    {"log", required_argument, NULL, OPT_LOG},
	    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
	    {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
	    /* runc's flags that change nothing here */
	    {"debug", no_argument, NULL, OPT_IGNORED},
	    {"rootless", required_argument, NULL, OPT_IGNORED_ARG},
	    {"criu", required_argument, NULL, OPT_IGNORED_ARG},
	    {"version", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int opt;

	while ((opt = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_ROOT:
			rt->root = optarg;
			break;
		case OPT_LOG:
			rt->log = fopen(optarg, "ae");
			if (!rt->log)
				return rt_error(rt, "--log %s: %s", optarg, strerror(errno));
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return rt_error(rt, "--log-format %s: text or json", optarg);
			rt->log_json = strcmp(optarg, "json") == 0;
			break;
		case OPT_SYSTEMD:
			rt->systemd_cgroup = true;
			break;
		case OPT_IGNORED:
		case OPT_IGNORED_ARG:
			break;
		case 'v':
			printf("cspawn-runtime version %s\nspec: %s\n", RT_VERSION, OCI_VERSION);
			return -1;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 1;
		}
	}
	return 0;
}

int runtime_main(int argc, char **argv)
{
	struct rt rt = {.root = RT_DEFAULT_ROOT};
	int rc = global_flags(&rt, argc, argv);

	if (rc == 0 && optind >= argc) {
		usage(stderr);
		rc = 1;
	} else if (rc == 0) {
		const char *name = argv[optind];
		const struct verb *v = verbs;

		while (v->name && strcmp(v->name, name) != 0)
			v++;
		if (!v->name) {
			rc = rt_error(&rt, "unknown command '%s' (see --help)", name);
		} else {
			/* each verb parses its own flags from its name on */
			argc -= optind;
			argv += optind;
			optind = 0;
			rc = v->run(&rt, argc, argv);
		}
	}
	if (rt.log)
		fclose(rt.log);
	return rc < 0 ? 0 : rc;
}
