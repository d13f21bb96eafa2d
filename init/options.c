#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "conf/units.h"

extern char **environ;

void options_usage(FILE *f)
{
	fputs("usage: cinit [options] [--] COMMAND [ARG...]\n"
	      "       cinit [options] -c FILE\n"
	      "       cinit --check -c FILE\n"
	      "       cinit ctl [-s SOCKET] COMMAND [ARG...]   (see cinit ctl help)\n"
	      "\n"
	      "A tiny init for containers: runs COMMAND (or the services of FILE),\n"
	      "forwards signals, reaps zombies and exits with the command's code.\n"
	      "\n"
	      "  -c, --config FILE    run the services of FILE (also CINIT_CONFIG;\n"
	      "                       /etc/cinit.ini when it exists and no COMMAND)\n"
	      "      --check          validate FILE, print the effective config, exit\n"
	      "  -e, --expect CODE    exit with 0 when COMMAND exits with CODE (repeatable)\n"
	      "  -g, --group          send forwarded signals to COMMAND's process group\n"
	      "  -w, --warn-orphans   log every orphaned process that is reaped\n"
	      "  -p, --pdeathsig SIG  act on SIG when cinit's parent dies\n"
	      "      --grace DURATION TERM..KILL grace for leftover processes (default 5s,\n"
	      "                       0 to skip)\n"
	      "      --control-socket PATH  serve `cinit ctl` there (none: no socket; default\n"
	      "                       /run/cinit.sock with a FILE that has services)\n"
	      "  -s, --subreaper      accepted for tini compatibility (always on)\n"
	      "  -v, --verbose        say more (repeatable)\n"
	      "  -h, --help           this text\n"
	      "      --version        print the version\n"
	      "\n"
	      "Environment: CINIT_CONFIG, CINIT_GROUP=1, CINIT_VERBOSITY=N, CINIT_GRACE=DUR,\n"
	      "CINIT_WARN_ORPHANS=1, CINIT_PDEATHSIG=SIG, CINIT_EXPECT=CODE[,CODE...],\n"
	      "CINIT_CONTROL_SOCKET=PATH.\n"
	      "Exit: COMMAND's code, 128+N when signal N killed it, 2 for usage and\n"
	      "config errors, 126 when COMMAND cannot run, 127 when it is not found.\n",
	      f);
}

static bool is_true(const char *v)
{
	bool b = false;

	return conf_parse_bool(v, &b) == 0 && b;
}

static int add_expect(struct cinit_options *o, const char *v, FILE *err)
{
	int code;

	if (conf_parse_uint(v, &code) < 0 || code > 255) {
		fprintf(err, "cinit: -e: expected an exit code from 0 to 255, got '%s'\n", v);
		return -1;
	}
	/* one bit per code: any number of -e, repeats included, as tini */
	o->expect[code / 8] |= (uint8_t)(1u << (code % 8));
	return 0;
}

static int set_pdeathsig(struct cinit_options *o, const char *v, FILE *err)
{
	if (conf_parse_signal(v, &o->pdeathsig) < 0) {
		fprintf(err, "cinit: -p: expected a signal name or number, got '%s'\n", v);
		return -1;
	}
	return 0;
}

static int set_grace(struct cinit_options *o, const char *v, FILE *err)
{
	if (conf_parse_duration_ms(v, &o->grace_ms) < 0) {
		fprintf(err, "cinit: --grace: expected a duration like 5s or 500ms, got '%s'\n", v);
		return -1;
	}
	return 0;
}

static int set_verbosity(struct cinit_options *o, const char *v, FILE *err)
{
	if (conf_parse_uint(v, &o->verbosity) < 0 || o->verbosity > 3) {
		fprintf(err, "cinit: CINIT_VERBOSITY: expected 0 to 3, got '%s'\n", v);
		return -1;
	}
	return 0;
}

static int set_expect_list(struct cinit_options *o, const char *v, FILE *err)
{
	char *copy = strdup(v), *save = NULL;
	int r = copy ? 0 : -1;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !r;
	     t = strtok_r(NULL, ",", &save))
		r = add_expect(o, t, err);
	free(copy);
	return r;
}

/* The variables cinit reads, in the order they are applied. */
enum {
	ENV_CONFIG,
	ENV_GROUP,
	ENV_TINI_GROUP,
	ENV_WARN_ORPHANS,
	ENV_CONTROL_SOCKET,
	ENV_VERBOSITY,
	ENV_GRACE,
	ENV_PDEATHSIG,
	ENV_EXPECT,
	N_ENV
};
static const char *const env_names[N_ENV] = {
    "CINIT_CONFIG",	  "CINIT_GROUP",	  "TINI_KILL_PROCESS_GROUP",
    "CINIT_WARN_ORPHANS", "CINIT_CONTROL_SOCKET", "CINIT_VERBOSITY",
    "CINIT_GRACE",	  "CINIT_PDEATHSIG",	  "CINIT_EXPECT",
};

/* The values of env_names from one pass over the environment: a getenv()
 * for each would scan all of it every time, which at start-up was a quarter
 * of cinit's instructions. The first of two same-named variables counts, as
 * with getenv(). */
static void find_variables(const char *values[N_ENV])
{
	for (char **e = environ; *e; e++) {
		const char *eq;
		size_t n;
		if (strncmp(*e, "CINIT_", 6) != 0 && strncmp(*e, "TINI_", 5) != 0)
			continue;
		eq = strchr(*e, '=');
		n = eq ? (size_t)(eq - *e) : 0;
		for (int i = 0; eq && i < N_ENV; i++)
			if (!values[i] && strncmp(*e, env_names[i], n) == 0 && !env_names[i][n])
				values[i] = eq + 1;
	}
}

static int read_environment(struct cinit_options *o, FILE *err)
{
	const char *v[N_ENV] = {0};

	find_variables(v);
	o->config = v[ENV_CONFIG];
	o->group = (v[ENV_GROUP] && is_true(v[ENV_GROUP])) ||
		   (v[ENV_TINI_GROUP] && is_true(v[ENV_TINI_GROUP]));
	o->warn_orphans = v[ENV_WARN_ORPHANS] && is_true(v[ENV_WARN_ORPHANS]);
	o->control_socket = v[ENV_CONTROL_SOCKET];
	if (v[ENV_VERBOSITY] && set_verbosity(o, v[ENV_VERBOSITY], err) < 0)
		return -1;
	if (v[ENV_GRACE] && set_grace(o, v[ENV_GRACE], err) < 0)
		return -1;
	if (v[ENV_PDEATHSIG] && set_pdeathsig(o, v[ENV_PDEATHSIG], err) < 0)
		return -1;
	if (v[ENV_EXPECT] && set_expect_list(o, v[ENV_EXPECT], err) < 0)
		return -1;
	return 0;
}

enum { OPT_CHECK = 256, OPT_GRACE, OPT_VERSION, OPT_CONTROL_SOCKET };

static const struct option long_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"check", no_argument, NULL, OPT_CHECK},
    {"expect", required_argument, NULL, 'e'},
    {"group", no_argument, NULL, 'g'},
    {"warn-orphans", no_argument, NULL, 'w'},
    {"pdeathsig", required_argument, NULL, 'p'},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"subreaper", no_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"control-socket", required_argument, NULL, OPT_CONTROL_SOCKET},
    {NULL, 0, NULL, 0},
};

static enum options_result parse_one(struct cinit_options *o, int c, FILE *err)
{
	switch (c) {
	case 'c':
		o->config = optarg;
		break;
	case OPT_CHECK:
		o->check = true;
		break;
	case 'e':
		return add_expect(o, optarg, err) < 0 ? OPTIONS_USAGE : OPTIONS_RUN;
	case 'g':
		o->group = true;
		break;
	case 'w':
		o->warn_orphans = true;
		break;
	case 'p':
		return set_pdeathsig(o, optarg, err) < 0 ? OPTIONS_USAGE : OPTIONS_RUN;
	case OPT_GRACE:
		return set_grace(o, optarg, err) < 0 ? OPTIONS_USAGE : OPTIONS_RUN;
	case OPT_CONTROL_SOCKET:
		o->control_socket = optarg;
		break;
	case 's':
		break;
	case 'v':
		o->verbose++;
		break;
	case 'h':
		options_usage(stdout);
		return OPTIONS_EXIT_OK;
	case OPT_VERSION:
		printf("cinit %s\n", CINIT_VERSION);
		return OPTIONS_EXIT_OK;
	default:
		return OPTIONS_USAGE;
	}
	return OPTIONS_RUN;
}

enum options_result options_parse(struct cinit_options *o, int argc, char **argv, FILE *err)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->verbosity = -1;
	o->grace_ms = -1;
	if (read_environment(o, err) < 0)
		return OPTIONS_USAGE;
	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option, so `cinit cmd -x` runs cmd -x */
	while ((c = getopt_long(argc, argv, "+c:e:gwp:svh", long_options, NULL)) != -1) {
		enum options_result r;
		if (c == '?' || c == ':') {
			if (optopt && optopt < 256)
				fprintf(err, "cinit: unknown or incomplete option '-%c'\n", optopt);
			else
				fprintf(err, "cinit: unknown or incomplete option '%s'\n",
					argv[optind - 1]);
			return OPTIONS_USAGE;
		}
		r = parse_one(o, c, err);
		if (r != OPTIONS_RUN)
			return r;
	}
	o->command = optind < argc ? argv + optind : NULL;
	if (o->check && !o->config) {
		fprintf(err, "cinit: --check needs -c FILE\n");
		return OPTIONS_USAGE;
	}
	return OPTIONS_RUN;
}
