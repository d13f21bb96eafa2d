/* Unit tests for cinit's option parsing: flags, environment, errors. */
#include <stdio.h>
#include <stdlib.h>

#include "init/options.h"
#include "tests/tap.h"

static enum options_result parse(struct cinit_options *o, char *err, size_t errlen, int argc,
				 char **argv)
{
	FILE *f = fmemopen(err, errlen, "w");
	enum options_result r = options_parse(o, argc, argv, f);

	fclose(f);
	return r;
}

int main(void)
{
	struct cinit_options o;
	char err[1024];

	tap_plan(29);
	{
		char *argv[] = {"cinit", "-g", "-e", "143", "-e", "3", "--", "java", "-jar", NULL};
		is_int(parse(&o, err, sizeof(err), 9, argv), OPTIONS_RUN, "flags and -- parse");
		ok(o.group, "-g sets group");
		ok(options_expects(&o, 143) && options_expects(&o, 3), "-e is repeatable");
		ok(!options_expects(&o, 0) && !options_expects(&o, 142),
		   "only the codes given count");
		is_str(o.command[0], "java", "the command follows --");
		is_str(o.command[2], NULL, "the command keeps its own arguments");
	}
	{
		char *argv[] = {"cinit", "sleep", "-x", NULL};
		is_int(parse(&o, err, sizeof(err), 3, argv), OPTIONS_RUN, "no -- needed");
		is_str(o.command[1], "-x", "options after the command belong to it");
	}
	{
		char *argv[] = {"cinit", "--grace", "250ms", "-p", "SIGUSR1",
				"-v",	 "-v",	    "x",     NULL};
		is_int(parse(&o, err, sizeof(err), 8, argv), OPTIONS_RUN, "--grace, -p, -v");
		is_int(o.grace_ms, 250, "--grace takes a duration");
		is_int(o.pdeathsig, 10, "-p takes a signal name");
		is_int(o.verbose, 2, "-v counts");
	}
	{
		char *argv[] = {"cinit", "-s", "-w", "x", NULL};
		is_int(parse(&o, err, sizeof(err), 4, argv), OPTIONS_RUN,
		       "-s is accepted, as tini's scripts pass it");
		ok(o.warn_orphans, "-w sets warn_orphans");
	}
	{
		char *argv[] = {"cinit", "-e", "256", "x", NULL};
		is_int(parse(&o, err, sizeof(err), 4, argv), OPTIONS_USAGE, "-e 256 is refused");
		ok(strstr(err, "expected an exit code from 0 to 255, got '256'") != NULL,
		   "and the message says what was expected");
	}
	{
		char *argv[] = {"cinit", "--bogus", NULL};
		is_int(parse(&o, err, sizeof(err), 2, argv), OPTIONS_USAGE, "unknown option");
		ok(strstr(err, "'--bogus'") != NULL, "the unknown option is named");
	}
	{
		char *argv[] = {"cinit", "x", NULL};
		setenv("CINIT_GROUP", "yes", 1);
		setenv("CINIT_GRACE", "2s", 1);
		setenv("CINIT_EXPECT", "1,2,3", 1);
		is_int(parse(&o, err, sizeof(err), 2, argv), OPTIONS_RUN, "environment options");
		ok(o.group && o.grace_ms == 2000, "CINIT_GROUP and CINIT_GRACE are read");
		ok(options_expects(&o, 1) && options_expects(&o, 2) && options_expects(&o, 3),
		   "CINIT_EXPECT takes a list");
		unsetenv("CINIT_GROUP");
		unsetenv("CINIT_EXPECT");
	}
	{
		char *argv[] = {"cinit", "x", NULL};
		setenv("TINI_KILL_PROCESS_GROUP", "1", 1);
		setenv("CINIT_WARN_ORPHANS", "1", 1);
		setenv("CINIT_PDEATHSIG", "TERM", 1);
		setenv("CINIT_VERBOSITY", "3", 1);
		is_int(parse(&o, err, sizeof(err), 2, argv), OPTIONS_RUN,
		       "more environment options");
		ok(o.group, "TINI_KILL_PROCESS_GROUP=1 is tini's name for CINIT_GROUP");
		ok(o.warn_orphans, "CINIT_WARN_ORPHANS is read");
		is_int(o.pdeathsig, 15, "CINIT_PDEATHSIG takes a signal name");
		is_int(o.verbosity, 3, "CINIT_VERBOSITY is read");
		unsetenv("TINI_KILL_PROCESS_GROUP");
		unsetenv("CINIT_WARN_ORPHANS");
		unsetenv("CINIT_VERBOSITY");
	}
	{
		char *argv[] = {"cinit", "--grace", "250ms", "-p", "USR2", "x", NULL};
		is_int(parse(&o, err, sizeof(err), 6, argv), OPTIONS_RUN, "flags and environment");
		is_int(o.grace_ms, 250, "--grace wins over CINIT_GRACE");
		is_int(o.pdeathsig, 12, "-p wins over CINIT_PDEATHSIG");
		unsetenv("CINIT_GRACE");
		unsetenv("CINIT_PDEATHSIG");
	}
	return tap_done();
}
