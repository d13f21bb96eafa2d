#include "spawn/options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#include "conf/units.h"
#include "spawn/privs.h"

void spawn_usage(FILE *out)
{
	fputs(
	    "usage: cspawn [run] [options] ROOTFS|IMAGE [--] [COMMAND [ARG...]]\n"
	    "  --name NAME             container name (default: cspawn-PID-RAND)\n"
	    "  --hostname NAME         hostname inside (default: the name)\n"
	    "  -e, --env KEY[=VAL]     set an environment variable\n"
	    "  -w, --workdir DIR       working directory inside\n"
	    "  -u, --user USER[:GROUP] user to run as (name or id, from the root's /etc)\n"
	    "  -m, --memory SIZE       memory limit, e.g. 256m (no swap beyond it)\n"
	    "      --cpus N            CPU limit, e.g. 0.5\n"
	    "      --pids-limit N      most processes at once\n"
	    "  -v, --volume HOST:CTR[:ro]  bind mount a host path\n"
	    "  -v, --volume NAME:CTR[:ro]  mount a named volume (made on first use)\n"
	    "  -v, --volume CTR        mount an anonymous volume\n"
	    "      --tmpfs PATH[:OPTS] mount a tmpfs (OPTS: size=, mode=, exec, ro)\n"
	    "      --layer DIR         read-only layer on top of ROOTFS (repeatable);\n"
	    "                          writes go to a fresh layer removed at exit\n"
	    "      --read-only         mount the root read-only\n"
	    "      --net NETWORK       bridge (the default), a network's name, none\n"
	    "                          (only lo) or host\n"
	    "      --ip ADDR           the container's address on its network\n"
	    "  -p, --publish [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|/udp]  publish a port\n"
	    "  -P, --publish-all       publish every port the image exposes on a free one\n"
	    "      --dns IP            nameserver for /etc/resolv.conf (repeatable)\n"
	    "      --dns-search DOMAIN search domain (repeatable)\n"
	    "      --add-host NAME:IP  a line for /etc/hosts (repeatable)\n"
	    "      --userns            map root inside to an unprivileged host range\n"
	    "      --cap-add CAP       add a capability (or ALL)\n"
	    "      --cap-drop CAP      drop a capability (or ALL)\n"
	    "      --restart POLICY    no, on-failure[:N], always, unless-stopped\n"
	    "      --init PATH         cinit to run as PID 1 (default: beside cspawn);\n"
	    "                          with --no-init, the trampoline the command starts through\n"
	    "  -c, --config FILE       run cinit with this cinit.ini\n"
	    "      --no-init           run COMMAND itself as PID 1 (started through cinit's\n"
	    "                          exec trampoline, which it replaces at once)\n"
	    "  -t, --tty               give the command a terminal of the container's own\n"
	    "  -i, --interactive       with -t, what is typed here goes to it\n"
	    "  -d, --detach            run in the background (see cspawn ps, logs, stop)\n"
	    "      --label KEY=VALUE   a label of the container (over the image's)\n"
	    "  -h, --help              show this help\n",
	    out);
}

enum long_only {
	OPT_NAME = 256,
	OPT_HOSTNAME,
	OPT_CPUS,
	OPT_PIDS,
	OPT_TMPFS,
	OPT_LAYER,
	OPT_READ_ONLY,
	OPT_NET,
	OPT_USERNS,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_RESTART,
	OPT_INIT,
	OPT_NO_INIT,
	OPT_VERSION,
	OPT_PRINT_SPEC,
	OPT_LOG_OPT,
	OPT_STOP_SIGNAL,
	OPT_STOP_TIMEOUT,
	OPT_ENTRYPOINT,
	OPT_IP,
	OPT_DNS,
	OPT_DNS_SEARCH,
	OPT_ADD_HOST,
	OPT_PUBLISH_ALL,
	OPT_LABEL,
};

static const struct option long_options[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"env", required_argument, NULL, 'e'},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"memory", required_argument, NULL, 'm'},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"volume", required_argument, NULL, 'v'},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"layer", required_argument, NULL, OPT_LAYER},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"net", required_argument, NULL, OPT_NET},
    {"network", required_argument, NULL, OPT_NET},
    {"ip", required_argument, NULL, OPT_IP},
    {"publish", required_argument, NULL, 'p'},
    {"publish-all", no_argument, NULL, 'P'},
    {"label", required_argument, NULL, OPT_LABEL},
    {"dns", required_argument, NULL, OPT_DNS},
    {"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
    {"add-host", required_argument, NULL, OPT_ADD_HOST},
    {"userns", no_argument, NULL, OPT_USERNS},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"init", required_argument, NULL, OPT_INIT},
    {"config", required_argument, NULL, 'c'},
    {"no-init", no_argument, NULL, OPT_NO_INIT},
    {"print-spec", no_argument, NULL, OPT_PRINT_SPEC},
    {"detach", no_argument, NULL, 'd'},
    {"tty", no_argument, NULL, 't'},
    {"interactive", no_argument, NULL, 'i'},
    {"log-opt", required_argument, NULL, OPT_LOG_OPT},
    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Grows an array by one element; elements are zeroed. */
static void *grow(void *arr, size_t *n, size_t size)
{
	char *p = realloc(arr, (*n + 1) * size);

	if (!p) {
		perror("cspawn: realloc");
		exit(125);
	}
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

static void add_string(const char ***arr, size_t *n, const char *s)
{
	*arr = grow(*arr, n, sizeof(**arr));
	(*arr)[*n - 1] = s;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		perror("cspawn: strdup");
		exit(125);
	}
	return d;
}

bool spawn_has_overlay(const struct spawn_opts *o)
{
	return o->nlayers > 0 || o->image;
}

bool spawn_hostname_valid(const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '.' || c == '\0') {
			/* a label: 1 to 63 characters, no '-' at either end */
			if (label == 0 || label > 63 || name[i - 1] == '-' ||
			    name[i - label] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)c) || c == '-') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

bool spawn_path_is_root(const char *path)
{
	/* "/", "//", "/.", "/a/..": nothing but separators, dots, and
	 * names undone by as many "..". */
	int depth = 0;

	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			depth = depth > 0 ? depth - 1 : 0;
		else if (len > 0 && !(len == 1 && p[0] == '.'))
			depth++;
		p += len;
		while (*p == '/')
			p++;
	}
	return depth == 0;
}

bool spawn_volume_name_valid(const char *name)
{
	/* docker's rule for volumes: two characters at least */
	return strlen(name) >= 2 && spawn_name_valid(name);
}

bool spawn_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > SPAWN_MAX_NAME || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

int spawn_parse_restart(const char *s, enum spawn_restart *policy, int *max)
{
	*max = 0;
	if (strcmp(s, "no") == 0)
		*policy = SPAWN_RESTART_NO;
	else if (strcmp(s, "always") == 0)
		*policy = SPAWN_RESTART_ALWAYS;
	else if (strcmp(s, "unless-stopped") == 0)
		*policy = SPAWN_RESTART_UNLESS_STOPPED;
	else if (strcmp(s, "on-failure") == 0)
		*policy = SPAWN_RESTART_ON_FAILURE;
	else if (strncmp(s, "on-failure:", 11) == 0 && conf_parse_uint(s + 11, max) == 0)
		*policy = SPAWN_RESTART_ON_FAILURE;
	else
		return -1;
	return 0;
}

int spawn_parse_cpus(const char *s, uint64_t *quota_us, uint64_t *period_us)
{
	char *end;
	double cpus;

	errno = 0;
	cpus = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(cpus) || cpus <= 0 || cpus > 1024)
		return -1;
	*period_us = 100000;
	*quota_us = (uint64_t)(cpus * 100000.0 + 0.5);
	/* The kernel refuses quotas under 1 ms. */
	if (*quota_us < 1000)
		return -1;
	return 0;
}

static int add_env(struct spawn_opts *o, const char *arg, struct spawn_error *e)
{
	const char *eq = strchr(arg, '=');
	char *entry;

	if (eq == arg || *arg == '\0')
		return spawn_fail(e, "-e '%s': expected KEY=VALUE or KEY", arg);
	if (eq) {
		entry = xstrdup(arg);
	} else {
		/* docker run -e KEY passes the caller's value, or nothing. */
		const char *val = getenv(arg);
		size_t len;

		if (!val)
			return 0;
		len = strlen(arg) + strlen(val) + 2;
		entry = malloc(len);
		if (!entry)
			return spawn_fail_errno(e, "malloc");
		snprintf(entry, len, "%s=%s", arg, val);
	}
	o->env = grow(o->env, &o->nenv, sizeof(*o->env));
	o->env[o->nenv - 1] = entry;
	return 0;
}

/* -v HOST:CTR[:MODE], -v NAME:CTR[:MODE] (a named volume: no '/' in NAME)
 * or -v CTR (an anonymous volume), as docker reads them. */
static int add_bind(struct spawn_opts *o, const char *arg, struct spawn_error *e)
{
	char *copy = xstrdup(arg), *host = copy, *ctr, *mode;
	struct spawn_bind *b;
	bool bad_name;

	ctr = strchr(host, ':');
	if (!ctr) {
		ctr = host;
		host = NULL;
		mode = NULL;
	} else {
		*ctr++ = '\0';
		mode = strchr(ctr, ':');
		if (mode)
			*mode++ = '\0';
	}
	if (ctr[0] != '/' || (host && host[0] != '/' && !spawn_volume_name_valid(host)))
		goto bad;
	if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
		goto bad;
	if (spawn_path_is_root(ctr)) {
		free(copy);
		return spawn_fail(e, "-v '%s': the target cannot be the container's /", arg);
	}
	o->binds = grow(o->binds, &o->nbinds, sizeof(*o->binds));
	b = &o->binds[o->nbinds - 1];
	b->host = host && host[0] == '/' ? xstrdup(host) : NULL;
	b->volume = host && host[0] == '/' ? NULL : xstrdup(host ? host : "");
	b->ctr = xstrdup(ctr);
	b->read_only = mode && strcmp(mode, "ro") == 0;
	free(copy);
	return 0;
bad:
	bad_name = host && host[0] != '/' && !strchr(host, '/');
	free(copy);
	if (bad_name)
		return spawn_fail(e,
				  "-v '%s': a volume's name is 2 to %d letters, digits, '_', '.', "
				  "'-', starting with a letter or digit",
				  arg, SPAWN_MAX_NAME);
	return spawn_fail(e,
			  "-v '%s': expected /HOST/PATH:/CONTAINER/PATH[:ro], "
			  "NAME:/CONTAINER/PATH[:ro] or /CONTAINER/PATH",
			  arg);
}

/* Splits tmpfs options into mount flags and the data string tmpfs parses. */
static void tmpfs_options(char *opts, struct spawn_tmpfs *t)
{
	static const struct {
		const char *name;
		unsigned long set, clear;
	} flags[] = {
	    {"ro", MS_RDONLY, 0},     {"rw", 0, MS_RDONLY},   {"exec", 0, MS_NOEXEC},
	    {"noexec", MS_NOEXEC, 0}, {"suid", 0, MS_NOSUID}, {"nosuid", MS_NOSUID, 0},
	    {"dev", 0, MS_NODEV},     {"nodev", MS_NODEV, 0},
	};
	char *save = NULL, *data = t->data;

	for (char *tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (strcmp(tok, flags[i].name) == 0)
				break;
		if (i < sizeof(flags) / sizeof(flags[0])) {
			t->flags = (t->flags | flags[i].set) & ~flags[i].clear;
			continue;
		}
		if (data != t->data)
			*data++ = ',';
		memcpy(data, tok, strlen(tok));
		data += strlen(tok);
	}
	*data = '\0';
}

/* tmpfs takes size=0 (in any unit, or 0%) for "no limit": refused, as a
 * limit of nothing is never what was meant. */
static bool zero_size(const char *opts)
{
	for (const char *p = opts; p && (p = strstr(p, "size=")); p += 5) {
		const char *v = p + 5;

		if (p != opts && p[-1] != ',')
			continue;
		while (*v == '0')
			v++;
		if (v > p + 5 && (*v == '\0' || *v == ',' ||
				  (strchr("kKmMgG%", *v) && (v[1] == '\0' || v[1] == ','))))
			return true;
	}
	return false;
}

static int add_tmpfs(struct spawn_opts *o, const char *arg, struct spawn_error *e)
{
	char *copy = xstrdup(arg), *opts = strchr(copy, ':');
	struct spawn_tmpfs *t;

	if (opts)
		*opts++ = '\0';
	if (copy[0] != '/') {
		free(copy);
		return spawn_fail(e, "--tmpfs '%s': the path must be absolute", arg);
	}
	if (spawn_path_is_root(copy) || zero_size(opts)) {
		spawn_fail(e, "--tmpfs '%s': %s", arg,
			   zero_size(opts) ? "size=0 would mean no limit; give a size"
					   : "the target cannot be the container's /");
		free(copy);
		return -1;
	}
	o->tmpfs = grow(o->tmpfs, &o->ntmpfs, sizeof(*o->tmpfs));
	t = &o->tmpfs[o->ntmpfs - 1];
	t->path = xstrdup(copy);
	/* docker run --tmpfs defaults: noexec, nosuid, nodev. */
	t->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	t->data = xstrdup(opts ? opts : "");
	if (opts)
		tmpfs_options(opts, t);
	free(copy);
	return 0;
}

/* docker's json-file options: max-size=10m, max-file=3 */
static int parse_log_opt(struct spawn_opts *o, const char *arg, struct spawn_error *e)
{
	int n;

	if (strncmp(arg, "max-size=", 9) == 0 && conf_parse_size(arg + 9, &o->log_max_size) == 0 &&
	    o->log_max_size > 0)
		return 0;
	if (strncmp(arg, "max-file=", 9) == 0 && conf_parse_uint(arg + 9, &n) == 0 && n > 0) {
		o->log_max_file = (unsigned)n;
		return 0;
	}
	return spawn_fail(e, "--log-opt '%s': expected max-size=SIZE or max-file=N", arg);
}

static void generate_name(struct spawn_opts *o)
{
	unsigned short r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned short)(monotonic_ms() ^ getpid());
	snprintf(o->name, sizeof(o->name), "cspawn-%d-%04x", (int)getpid(), r);
}

struct cap_lists {
	char **add, **drop;
	size_t nadd, ndrop;
};

static int parse_option(int c, const char *arg, struct spawn_opts *o, struct cap_lists *caps,
			struct spawn_error *e)
{
	int n;

	switch (c) {
	case OPT_NAME:
		if (!spawn_name_valid(arg))
			return spawn_fail(e,
					  "--name '%s': use up to %d letters, digits, '_', '.', "
					  "'-', starting with a letter or digit",
					  arg, SPAWN_MAX_NAME);
		snprintf(o->name, sizeof(o->name), "%s", arg);
		o->name_given = true;
		return 0;
	case OPT_HOSTNAME:
		if (!spawn_hostname_valid(arg))
			return spawn_fail(e,
					  "--hostname '%s': expected a hostname of up to 64 "
					  "characters (RFC 1123: labels of letters, digits and "
					  "'-', not starting or ending with '-', joined by '.')",
					  arg);
		o->hostname = arg;
		return 0;
	case 'e':
		return add_env(o, arg, e);
	case 'w':
		if (arg[0] != '/')
			return spawn_fail(e, "-w '%s': the directory must be absolute", arg);
		o->workdir = arg;
		return 0;
	case 'u':
		o->user = arg;
		return 0;
	case 'm':
		if (conf_parse_size(arg, &o->memory_bytes) < 0)
			return spawn_fail(e, "--memory '%s': expected a size such as 256m", arg);
		if (o->memory_bytes < 6 * 1024 * 1024)
			return spawn_fail(e, "--memory '%s': the minimum is 6m", arg);
		/* Above this the kernel reads "no limit" (its page counters
		 * top out at LONG_MAX bytes), which must not be what a typo
		 * gets. */
		if (o->memory_bytes > SPAWN_MAX_MEMORY)
			return spawn_fail(e, "--memory '%s': above the kernel's maximum (8e)", arg);
		return 0;
	case OPT_CPUS:
		if (spawn_parse_cpus(arg, &o->cpu_quota_us, &o->cpu_period_us) < 0)
			return spawn_fail(e, "--cpus '%s': expected a number of CPUs >= 0.01", arg);
		return 0;
	case OPT_PIDS:
		if (conf_parse_uint(arg, &n) < 0 || n == 0)
			return spawn_fail(e,
					  "--pids-limit '%s': expected a number of processes, at "
					  "least 1",
					  arg);
		o->pids_limit = n;
		return 0;
	case 'v':
		return add_bind(o, arg, e);
	case OPT_TMPFS:
		return add_tmpfs(o, arg, e);
	case OPT_LAYER:
		if (strpbrk(arg, ":,\\"))
			return spawn_fail(e,
					  "--layer '%s': overlayfs cannot take ':', ',' or '\\' "
					  "in a layer path",
					  arg);
		o->layers = grow(o->layers, &o->nlayers, sizeof(*o->layers));
		o->layers[o->nlayers - 1] = arg;
		return 0;
	case OPT_READ_ONLY:
		o->read_only = true;
		return 0;
	case OPT_NET:
		o->net = strcmp(arg, "none") == 0   ? SPAWN_NET_NONE
			 : strcmp(arg, "host") == 0 ? SPAWN_NET_HOST
						    : SPAWN_NET_JOIN;
		o->netreq.network = o->net == SPAWN_NET_JOIN ? arg : NULL;
		return 0;
	case OPT_IP:
		o->netreq.ip = arg;
		return 0;
	case 'p':
		add_string(&o->netreq.publish, &o->netreq.npublish, arg);
		return 0;
	case 'P':
		o->netreq.publish_all = true;
		return 0;
	case OPT_LABEL:
		if (arg[0] == '=' || !strchr(arg, '='))
			return spawn_fail(e, "--label '%s': expected KEY=VALUE", arg);
		add_string(&o->labels, &o->nlabels, arg);
		return 0;
	case OPT_DNS:
		add_string(&o->netreq.dns, &o->netreq.ndns, arg);
		return 0;
	case OPT_DNS_SEARCH:
		add_string(&o->netreq.dns_search, &o->netreq.ndns_search, arg);
		return 0;
	case OPT_ADD_HOST:
		add_string(&o->netreq.add_hosts, &o->netreq.nadd_hosts, arg);
		return 0;
	case OPT_USERNS:
		o->userns = true;
		return 0;
	case OPT_CAP_ADD:
		caps->add = grow(caps->add, &caps->nadd, sizeof(*caps->add));
		caps->add[caps->nadd - 1] = (char *)arg;
		return 0;
	case OPT_CAP_DROP:
		caps->drop = grow(caps->drop, &caps->ndrop, sizeof(*caps->drop));
		caps->drop[caps->ndrop - 1] = (char *)arg;
		return 0;
	case OPT_RESTART:
		if (spawn_parse_restart(arg, &o->restart, &o->max_restarts) < 0)
			return spawn_fail(e,
					  "--restart '%s': expected no, on-failure[:N], "
					  "always or unless-stopped",
					  arg);
		return 0;
	case OPT_INIT:
		o->init_path = arg;
		return 0;
	case 'c':
		o->config = arg;
		return 0;
	case OPT_NO_INIT:
		o->no_init = true;
		return 0;
	case OPT_PRINT_SPEC:
		o->print_spec = true;
		return 0;
	case 'd':
		o->detach = true;
		return 0;
	case 't':
		o->tty = true;
		return 0;
	case 'i':
		o->interactive = true;
		return 0;
	case OPT_LOG_OPT:
		return parse_log_opt(o, arg, e);
	case OPT_STOP_SIGNAL:
		if (conf_parse_signal(arg, &o->stop_signal) < 0)
			return spawn_fail(e, "--stop-signal '%s': expected a signal such as TERM",
					  arg);
		return 0;
	case OPT_ENTRYPOINT:
		o->entrypoint = arg;
		return 0;
	case OPT_STOP_TIMEOUT:
		if (conf_parse_uint(arg, &o->stop_timeout) < 0)
			return spawn_fail(e, "--stop-timeout '%s': expected a number of seconds",
					  arg);
		return 0;
	}
	return spawn_fail(e, "internal error: option %d not handled", c);
}

static int check_combinations(const struct spawn_opts *o, struct spawn_error *e)
{
	if (o->no_init && o->config)
		return spawn_fail(e, "-c needs cinit; it cannot be used with --no-init");
	if (o->config && o->ncmd > 0)
		return spawn_fail(e, "-c runs the services of the config file; give no COMMAND");
	if (o->net != SPAWN_NET_JOIN &&
	    (o->netreq.ip || o->netreq.npublish || o->netreq.publish_all || o->netreq.ndns ||
	     o->netreq.ndns_search || o->netreq.nadd_hosts))
		return spawn_fail(
		    e,
		    "--ip, -p, -P, --dns, --dns-search and --add-host need a network; "
		    "--net %s has none of cspawn's",
		    o->net == SPAWN_NET_HOST ? "host" : "none");
	return 0;
}

static int parse_positionals(int argc, char **argv, int first, struct spawn_opts *o,
			     struct spawn_error *e)
{
	if (first >= argc)
		return spawn_fail(e, "missing ROOTFS");
	o->rootfs = argv[first++];
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	o->cmd = argv + first;
	o->ncmd = argc - first;
	return 0;
}

int spawn_parse_args(int argc, char **argv, struct spawn_opts *o, struct spawn_error *e)
{
	struct cap_lists caps = {0};
	int c, rc = -1;

	memset(o, 0, sizeof(*o));
	o->net = SPAWN_NET_JOIN;
	o->netreq.network = "bridge";
	o->stop_timeout = -1;
	opterr = 0;
	optind = 0; /* glibc: full re-initialisation, so the parser can run twice */
	while ((c = getopt_long(argc, argv, "+:e:w:u:m:v:c:p:hditP", long_options, NULL)) != -1) {
		if (c == 'h') {
			spawn_usage(stdout);
			rc = 1;
			goto out;
		}
		if (c == OPT_VERSION) {
			puts("cspawn 0.1");
			rc = 1;
			goto out;
		}
		if (c == ':') {
			/* the flag as typed: --memory, not -m */
			spawn_fail(e, "%s: missing value", argv[optind - 1]);
			goto out;
		}
		if (c == '?') {
			if (optopt && optopt < 256)
				spawn_fail(e, "unknown option -%c", optopt);
			else
				spawn_fail(e, "unknown option %s", argv[optind - 1]);
			goto out;
		}
		if (parse_option(c, optarg, o, &caps, e) < 0)
			goto out;
	}
	if (parse_positionals(argc, argv, optind, o, e) < 0 || check_combinations(o, e) < 0)
		goto out;
	if (privs_compute_caps(caps.add, caps.nadd, caps.drop, caps.ndrop, &o->caps, e) < 0)
		goto out;
	if (o->name[0] == '\0')
		generate_name(o);
	rc = 0;
out:
	free(caps.add);
	free(caps.drop);
	return rc;
}

void spawn_opts_free(struct spawn_opts *o)
{
	for (size_t i = 0; i < o->nenv; i++)
		free(o->env[i]);
	for (size_t i = 0; i < o->nbinds; i++) {
		free(o->binds[i].host);
		free(o->binds[i].ctr);
		free(o->binds[i].volume);
	}
	for (size_t i = 0; i < o->ntmpfs; i++) {
		free(o->tmpfs[i].path);
		free(o->tmpfs[i].data);
	}
	free(o->netns_owned);
	free(o->owned_cmd);
	free(o->labels);
	for (size_t i = 0; o->owned_labels && o->owned_labels[i]; i++)
		free(o->owned_labels[i]);
	free(o->owned_labels);
	free(o->env);
	free(o->binds);
	free(o->tmpfs);
	free(o->layers);
	free(o->netreq.publish);
	free(o->netreq.dns);
	free(o->netreq.dns_search);
	free(o->netreq.add_hosts);
	memset(o, 0, sizeof(*o));
}
