/* cinit's command line and environment. */
#ifndef CINIT_OPTIONS_H
#define CINIT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CINIT_VERSION "0.1.0"

struct cinit_options {
	const char *config;	    /* -c FILE */
	bool check;		    /* --check */
	bool group;		    /* -g: signals go to the child's process group */
	bool warn_orphans;	    /* -w */
	int verbosity;		    /* CINIT_VERBOSITY; -1 = the mode's default */
	int verbose;		    /* how many -v were given */
	int pdeathsig;		    /* -p SIG; 0 = none */
	int64_t grace_ms;	    /* --grace; -1 = from the config (default 5s) */
	const char *control_socket; /* --control-socket, CINIT_CONTROL_SOCKET */
	uint8_t expect[32];	    /* -e CODE: exit codes reported as 0, a bit each */
	char **command;		    /* after -- (or the first non-option) */
};

enum options_result { OPTIONS_RUN, OPTIONS_EXIT_OK, OPTIONS_USAGE };

/* Reads CINIT_* variables first, then argv, so flags win. Messages about bad
 * values go to err. */
enum options_result options_parse(struct cinit_options *o, int argc, char **argv, FILE *err);
void options_usage(FILE *f);
/* Whether -e or CINIT_EXPECT named code. */
static inline bool options_expects(const struct cinit_options *o, int code)
{
	return code >= 0 && code < 256 && (o->expect[code / 8] >> (code % 8)) & 1;
}

#endif
