/* [include]: globs relative to the including file, nested includes,
 * cycles, missing and odd files, and where messages point. */
#include "conf/conf.h"
#include "tests/tap.h"
#include "tests/unit/conf_said.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIGS "tests/configs/"

static char tmp[] = "/tmp/conf_include.XXXXXX";

static int load_at(const char *dir, const char *text, struct cinit_conf *c)
{
	struct said_capture cap;
	return said_end(&cap, conf_load_string_at("main.ini", dir, text, c, said_begin(&cap)));
}

/* Writes a file under the scratch directory, making its directories. */
static void put(const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	for (char *p = path + strlen(tmp) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			printf("# mkdir %s: %s\n", path, strerror(errno));
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		printf("# cannot write %s\n", path);
}

static const char *in_tmp(const char *rel)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return path;
}

static void test_native_includes(void)
{
	struct cinit_conf c;

	is_int(load_file(CONFIGS "native/include/cinit.ini", &c), 0, "native includes load");
	is_str(said, "", "quietly");
	ok(c.n_services == 3 && strcmp(c.services[0].name, "app") == 0 &&
	       strcmp(c.services[1].name, "web") == 0 && strcmp(c.services[2].name, "cron") == 0,
	   "globbed files in sorted order, then the next pattern on a continuation line");
	ok(c.n_services == 3 &&
	       strcmp(c.services[0].file, CONFIGS "native/include/services/app.ini") == 0,
	   "relative to the including file's directory");
	is_int(c.grace_ms, 3000, "the main file's [cinit] counts");
	conf_free(&c);
}

static void test_cycles(void)
{
	struct cinit_conf c;

	is_int(load_file(CONFIGS "bad/include-cycle/a.ini", &c), 1, "an include cycle is an error");
	is_str(said,
	       CONFIGS
	       "bad/include-cycle/b.ini:3: [include] files: expected no include cycle, got " CONFIGS
	       "bad/include-cycle/a.ini -> " CONFIGS "bad/include-cycle/b.ini -> " CONFIGS
	       "bad/include-cycle/a.ini",
	       "that names the cycle");
	put("self.ini", "[include]\nfiles = self.ini\n");
	is_int(load_file(in_tmp("self.ini"), &c), 1, "a file including itself");
}

static void test_missing_and_odd(void)
{
	struct cinit_conf c;
	char want[2048];

	put("m/main.ini",
	    "[service:a]\ncommand = a\n[include]\nfiles = nothere.ini empty.d/*.ini\n");
	is_int(load_file(in_tmp("m/main.ini"), &c), 1, "a missing file in a native include");
	snprintf(want, sizeof(want),
		 "%s/m/main.ini:4: [include] files: cannot open %s/m/nothere.ini: No such file or "
		 "directory",
		 tmp, tmp);
	is_str(said, want, "is an error at the include line; an empty glob is not");

	put("s/supervisord.conf", "[program:a]\ncommand=a\n[include]\nfiles = nothere.conf\n");
	is_int(load_file(in_tmp("s/supervisord.conf"), &c), 0,
	       "a missing file in a supervisord include");
	snprintf(want, sizeof(want),
		 "%s/s/supervisord.conf:4: [include] files: warning: no file %s/s/nothere.conf, "
		 "nothing included (as supervisord does)",
		 tmp, tmp);
	is_str(said, want, "is a warning, as supervisord skips it");
	conf_free(&c);

	put("d/main.ini", "[include]\nfiles = sub\n[service:a]\ncommand = a\n");
	put("d/sub/x.ini", "[service:x]\ncommand = x\n");
	is_int(load_file(in_tmp("d/main.ini"), &c), 1, "a directory is not included");
	snprintf(want, sizeof(want),
		 "%s/d/main.ini:2: [include] files: cannot include %s/d/sub: not a regular file",
		 tmp, tmp);
	is_str(said, want, "and says why");

	char fifo[1024];
	snprintf(fifo, sizeof(fifo), "%s/f/pipe.conf", tmp);
	put("f/main.ini", "[include]\nfiles = *.conf\n[service:a]\ncommand = a\n");
	ok(mkfifo(fifo, 0600) == 0, "a FIFO matched by a glob");
	is_int(load_file(in_tmp("f/main.ini"), &c), 1, "is refused without blocking");
	unlink(fifo);
}

static void test_nesting_and_messages(void)
{
	struct cinit_conf c;
	char want[4096];

	put("n/main.ini",
	    "[cinit]\nbad_key = 1\n[include]\nfiles = a/one.ini\n[service:m]\ncommand "
	    "= m\nrestart = never\n");
	put("n/a/one.ini", "[include]\nfiles = ../b/*.ini\n[service:one]\ncommand = one\n");
	put("n/b/two.ini", "[service:two]\ncommand = two\nstop_signal = NOPE\n");
	is_int(load_file(in_tmp("n/main.ini"), &c), 3, "errors in three nested files");
	snprintf(
	    want, sizeof(want),
	    "%s/n/main.ini:2: [cinit] bad_key: unknown key; expected shutdown_timeout, grace, "
	    "control_socket, control_socket_mode, control_socket_owner, tail_buffer, log_format or verbosity\n"
	    "%s/n/a/../b/two.ini:3: [service:two] stop_signal: expected a signal name or number "
	    "such as TERM, SIGTERM or 15, got 'NOPE'\n"
	    "%s/n/main.ini:7: [service:m] restart: expected no, on-failure or always, got 'never'",
	    tmp, tmp, tmp);
	is_str(said, want, "in the order of the lines, each file by the path it was reached by");

	put("x/main.ini", "[include]\nfile = a.ini\n\n[include]\n");
	is_int(load_file(in_tmp("x/main.ini"), &c), 1, "a misspelt key in [include]");
	snprintf(want, sizeof(want),
		 "%s/x/main.ini:2: [include] file: unknown key; did you mean 'files'?\n"
		 "%s/x/main.ini:4: [include] warning: no files key, nothing is included",
		 tmp, tmp);
	is_str(said, want, "is an error; an empty [include] a warning");
}

static void test_strings_and_escapes(void)
{
	struct cinit_conf c;
	char dir[1024];

	put("glob[1]/conf.d/a.conf", "[program:a]\ncommand=a\n");
	put("glob[1]/conf.d/b.conf", "[program:b]\ncommand=b --here=%(here)s\n");
	snprintf(dir, sizeof(dir), "%s/glob[1]", tmp);
	is_int(load_at(dir, "[include]\nfiles = conf.d/*.conf\n", &c), 0,
	       "a string's includes resolve against the given directory");
	ok(c.n_services == 2, "whose glob characters are not a pattern");
	ok(c.n_services == 2 && c.services[1].argv[1] &&
	       strstr(c.services[1].argv[1], "/glob[1]/conf.d"),
	   "%%(here)s in an included supervisord file is its directory");
	conf_free(&c);

	is_int(load_at(NULL, "[include]\nfiles = " CONFIGS "native/include/extra.ini\n", &c), 0,
	       "conf_load_string resolves against the working directory");
	ok(c.n_services == 1 && strcmp(c.services[0].file, CONFIGS "native/include/extra.ini") == 0,
	   "and names the file by that path");
	conf_free(&c);
}

static void test_depth(void)
{
	struct cinit_conf c;
	char name[64], text[128];

	/* a chain of 40 distinct files, deeper than cinit follows */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "deep/%02d.ini", i);
		snprintf(text, sizeof(text), "[include]\nfiles = %02d.ini\n", i + 1);
		put(name, text);
	}
	put("deep/40.ini", "[service:x]\ncommand = x\n");
	is_int(load_file(in_tmp("deep/00.ini"), &c), 1, "includes nested too deep");
	ok(strstr(said, "cannot include") && strstr(said, "includes nest too deep"), "say so");
}

/* The bounds that keep a runaway include from stalling PID 1. */
static void test_bounds(void)
{
	struct cinit_conf c;
	char want[2048], name[64];
	FILE *f;

	put("b/main.ini", "[include]\nfiles = /*/*/*/*.ini\n[service:a]\ncommand = a\n");
	is_int(load_file(in_tmp("b/main.ini"), &c), 1, "wildcards in four parts of a pattern");
	snprintf(want, sizeof(want),
		 "%s/b/main.ini:2: [include] files: expected a pattern with wildcards in at most 3 "
		 "parts, got '/*/*/*/*.ini'",
		 tmp);
	is_str(said, want, "are refused before glob walks the tree");

	put("b/proc.ini", "[include]\nfiles = /proc/self/status\n[service:a]\ncommand = a\n");
	is_int(load_file(in_tmp("b/proc.ini"), &c), 1, "a file of /proc");
	ok(strstr(said,
		  "cannot include /proc/self/status: not a config file: it is on /proc or /sys") !=
	       NULL,
	   "is not read");

	/* 1030 files in conf.d: more than cinit loads */
	for (int i = 0; i < 1030; i++) {
		snprintf(name, sizeof(name), "many/conf.d/%04d.ini", i);
		put(name, "; empty\n");
	}
	put("many/main.ini", "[include]\nfiles = conf.d/*.ini\n[service:a]\ncommand = a\n");
	is_int(load_file(in_tmp("many/main.ini"), &c), 1, "more than 1024 included files");
	ok(strstr(said, "more than 1024 files; the rest are skipped") && !strchr(said, '\n'),
	   "is one error");

	/* a file of 5 MiB */
	snprintf(name, sizeof(name), "%s/big.ini", tmp);
	f = fopen(name, "w");
	for (int i = 0; f && i < 5 * 1024; i++)
		fprintf(f, "; %1020d\n", i);
	if (f)
		fclose(f);
	put("bigmain.ini", "[include]\nfiles = big.ini\n[service:a]\ncommand = a\n");
	is_int(load_file(in_tmp("bigmain.ini"), &c), 1, "an included file above 4 MiB");
	ok(strstr(said, "big.ini: larger than 4 MiB") != NULL, "is refused");

	/* a file that is not a config file */
	f = fopen(in_tmp("junk.ini"), "w");
	for (int i = 0; f && i < 200; i++)
		fprintf(f, "junk line %d\n", i);
	if (f)
		fclose(f);
	is_int(load_file(in_tmp("junk.ini"), &c), 51, "200 bad lines");
	ok(strstr(said,
		  "junk.ini:51: expected a config file, got 50 bad lines; the rest is skipped") !=
	       NULL,
	   "stop after 50");

	/* more messages than are worth reading */
	f = fopen(in_tmp("keys.ini"), "w");
	fprintf(f ? f : stdout, "[service:a]\ncommand = a\n");
	for (int i = 0; f && i < 1500; i++)
		fprintf(f, "unknown%d = 1\n", i);
	if (f)
		fclose(f);
	is_int(load_file(in_tmp("keys.ini"), &c), 1500, "1500 errors are counted");
	snprintf(want, sizeof(want), "%s: and 500 more errors and warnings", in_tmp("keys.ini"));
	ok(strstr(said, want) != NULL, "and the last 500 are only counted");
}

static void remove_tree(const char *dir)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	tap_plan(39);
	test_native_includes();
	test_cycles();
	test_missing_and_odd();
	test_nesting_and_messages();
	test_strings_and_escapes();
	test_depth();
	test_bounds();
	remove_tree(tmp);
	return tap_done();
}
