/* The native format: every key, the defaults, lines of any length, inih's
 * corner cases, and the exact form of every error message. */
#include "conf/conf.h"
#include "conf/units.h"
#include "tests/tap.h"
#include "tests/unit/conf_said.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define CONFIGS "tests/configs/"

static void test_basic(void)
{
	struct cinit_conf c;
	const struct service_conf *db, *web;

	is_int(load_file(CONFIGS "native/basic.ini", &c), 0, "basic.ini loads");
	is_str(said, "", "without a word");
	is_int(c.n_services, 2, "two services");
	is_int(c.shutdown_timeout_ms, 10000, "shutdown_timeout = 10s");
	db = find(&c, "db");
	web = find(&c, "web");
	ok(db && argv_is(db->argv, (const char *[]){"redis-server", "--save", "", NULL}),
	   "db's command, with an empty quoted word");
	ok(db && db->ready.kind == READY_TCP && strcmp(db->ready.host, "127.0.0.1") == 0 &&
	       strcmp(db->ready.port, "6379") == 0,
	   "db is ready on tcp 6379");
	ok(web && argv_is(web->argv, (const char *[]){"nginx", "-g", "daemon off;", NULL}),
	   "web's command keeps the ';' inside quotes");
	ok(web && web->depends && strcmp(web->depends[0], "db") == 0 && !web->depends[1],
	   "web depends on db");
	ok(web && web->restart == RESTART_ALWAYS && web->stop_signal == SIGQUIT,
	   "restart always, stop with QUIT");
	ok(web && strcmp(web->file, CONFIGS "native/basic.ini") == 0 && web->line == 8 &&
	       web->depends_line == 10,
	   "where web was defined");
	conf_free(&c);
}

static void test_full(void)
{
	struct cinit_conf c;
	const struct service_conf *api, *mig, *cache, *notifier, *sock, *filed;

	is_int(load_file(CONFIGS "native/full.ini", &c), 0, "full.ini loads");
	is_str(said, "", "without a word");
	ok(c.shutdown_timeout_ms == 20000 && c.grace_ms == 2500 &&
	       c.log_format == LOGFMT_TIMESTAMP && c.verbosity == 2 && c.control_socket &&
	       strcmp(c.control_socket, "/run/cinit.sock") == 0,
	   "[cinit]: every key");
	mig = find(&c, "migrate");
	ok(mig && mig->type == SERVICE_ONESHOT && mig->restart == RESTART_NO &&
	       strcmp(mig->directory, "/srv/app") == 0 && strcmp(mig->user, "app") == 0 &&
	       strcmp(mig->group, "app") == 0 && mig->umask == 027 && mig->priority == 1,
	   "migrate: oneshot, directory, user, group, umask, priority");
	api = find(&c, "api");
	ok(api &&
	       argv_is(api->argv, (const char *[]){"/srv/app/bin/api", "--listen", "0.0.0.0:8080",
						   "--name", "api server", NULL}),
	   "api: command");
	ok(api && argv_is(api->depends, (const char *[]){"migrate", "cache", NULL}),
	   "api: depends");
	ok(api && argv_is(api->env, (const char *[]){"APP_ENV=production", "GREETING=hello, world",
						     "EMPTY=", NULL}),
	   "api: environment");
	ok(api && api->restart == RESTART_ON_FAILURE && conf_exit_expected(api, 0) &&
	       !conf_exit_expected(api, 1) && conf_exit_expected(api, 3) &&
	       conf_exit_expected(api, 64),
	   "api: restart, exit_codes");
	ok(api && api->start_secs_ms == 2000 && api->start_retries == 5 &&
	       api->backoff_min_ms == 250 && api->backoff_max_ms == 120000 &&
	       api->backoff_reset_ms == 30000,
	   "api: start and backoff");
	ok(api && api->stop_signal == SIGINT && api->stop_timeout_ms == 15000 && !api->kill_group,
	   "api: stop_signal, stop_timeout, kill_group");
	ok(api && api->ready.kind == READY_TCP && strcmp(api->ready.host, "::1") == 0 &&
	       api->ready.timeout_ms == 30000 && api->ready.interval_ms == 200,
	   "api: ready on IPv6, timeout, interval");
	ok(api && api->critical && api->main && api->autostart && api->priority == 10,
	   "api: critical, main, autostart, priority");
	ok(api && api->out.kind == LOG_FILE && strcmp(api->out.path, "/var/log/api/out.log") == 0 &&
	       api->out.max_bytes == 10 << 20 && api->out.backups == 3 &&
	       api->err.kind == LOG_INHERIT && !api->redirect_stderr,
	   "api: stdout to a file with rotation, stderr inherited");
	ok(api && api->n_rlimits == 4 && api->rlimits[0].resource == RLIMIT_NOFILE &&
	       api->rlimits[0].value.rlim_cur == 65536 && api->rlimits[1].resource == RLIMIT_CORE &&
	       api->rlimits[1].value.rlim_max == RLIM_INFINITY &&
	       api->rlimits[2].value.rlim_cur == 512 && api->rlimits[2].value.rlim_max == 1024 &&
	       api->rlimits[3].value.rlim_cur == 65536,
	   "api: resource limits");
	cache = find(&c, "cache");
	ok(cache && cache->ready.kind == READY_EXEC &&
	       argv_is(cache->ready.argv,
		       (const char *[]){"sh", "-c", "echo stats | nc -q1 127.0.0.1 11211", NULL}) &&
	       cache->out.kind == LOG_NULL && cache->err.kind == LOG_PREFIX,
	   "cache: ready exec, stdout null, stderr prefix");
	notifier = find(&c, "notifier");
	ok(notifier && notifier->ready.kind == READY_NOTIFY && !notifier->autostart &&
	       notifier->stop_signal == 10,
	   "notifier: ready notify, autostart off, signal by number");
	sock = find(&c, "socketd");
	filed = find(&c, "filed");
	ok(sock && sock->ready.kind == READY_UNIX &&
	       strcmp(sock->ready.path, "/run/socketd.sock") == 0,
	   "socketd: ready unix");
	ok(filed && filed->ready.kind == READY_FILE && filed->redirect_stderr,
	   "filed: ready file, redirect_stderr");
	conf_free(&c);
}

static void test_defaults(void)
{
	struct cinit_conf c, d;
	struct service_conf want;

	is_int(load("[service:x]\ncommand = x\n", &c), 0, "a service with only a command");
	conf_defaults(&d);
	ok(c.shutdown_timeout_ms == d.shutdown_timeout_ms && c.grace_ms == d.grace_ms &&
	       c.verbosity == d.verbosity && c.log_format == d.log_format && !c.control_socket,
	   "[cinit] defaults");
	conf_service_defaults(&want);
	want.name = "x";
	want.argv = (char *[]){"x", NULL};
	ok(conf_service_equal(&c.services[0], &want), "every key has its documented default");
	ok(c.services[0].restart == RESTART_NO && conf_exit_expected(&c.services[0], 0) &&
	       c.services[0].kill_group && c.services[0].out.kind == LOG_PREFIX &&
	       c.services[0].priority == 999 && c.services[0].umask == -1,
	   "some of them spelled out");
	conf_free(&c);
}

static void test_long_lines(void)
{
	enum { LONG = 4096 };
	char *text = malloc(4 * LONG + 1024), *arg = malloc(LONG + 1), name[61];
	struct cinit_conf c;
	size_t o;

	/* a 4 KiB command: one word of 4096 bytes */
	memset(arg, 'a', LONG);
	arg[LONG] = '\0';
	memset(name, 'n', 60);
	name[60] = '\0';
	o = (size_t)sprintf(text, "[service:%s]\ncommand = /bin/echo %s ; a comment\n", name, arg);
	o += (size_t)sprintf(text + o, "environment = LONG=\"%s\"\n", arg);
	o += (size_t)sprintf(text + o, "  , MORE=%s\n", arg);
	sprintf(text + o, "stop_signal = QUIT\n");
	is_int(load(text, &c), 0, "lines of 4 KiB load");
	ok(c.n_services == 1 && strcmp(c.services[0].name, name) == 0,
	   "a section name longer than inih's 50 bytes");
	ok(c.n_services == 1 && c.services[0].argv[1] && strlen(c.services[0].argv[1]) == LONG &&
	       !c.services[0].argv[2],
	   "the 4 KiB word, its inline comment cut as inih would");
	ok(c.n_services == 1 && c.services[0].env && c.services[0].env[1] &&
	       strlen(c.services[0].env[0]) == LONG + 5 && strlen(c.services[0].env[1]) == LONG + 5,
	   "a long value continued on a long line");
	ok(c.n_services == 1 && c.services[0].stop_signal == SIGQUIT, "the next line still counts");
	conf_free(&c);

	/* the same long line, with errors, names its line */
	sprintf(text, "[service:x]\ncommand = x\nrestart = %s\nbogus_%s = 1\n", arg, arg);
	is_int(load(text, &c), 2, "errors on long lines");
	ok(strncmp(said,
		   "cinit.ini:3: [service:x] restart: expected no, on-failure or always, got 'aaa",
		   73) == 0 &&
	       strstr(said, "...'\ncinit.ini:4: [service:x] bogus_aaa"),
	   "name their lines, with long values cut short");

	/* blank, comment and continuation lines longer than inih's buffer */
	memset(arg, ' ', LONG);
	sprintf(text, "%s\n; %s\n[service:x]\ncommand = echo\n    %s\n", arg, arg, "tail");
	memset(arg, 'b', LONG);
	o = strlen(text);
	sprintf(text + o, "    %s\n", arg);
	is_int(load(text, &c), 0, "long blank, comment and continuation lines");
	ok(c.n_services == 1 && c.services[0].argv[2] && strlen(c.services[0].argv[2]) == LONG,
	   "the continuation is part of the command");
	conf_free(&c);
	free(text);
	free(arg);
}

/* A line too long for inih goes another way; it must read the same. */
static void test_long_reads_like_short(void)
{
	static const char *const shapes[] = {
	    "environment = A=%s ; comment",
	    "environment = A=%s;not a comment",
	    "environment=A=%s\t; tab",
	    "environment : A=%s",
	    "environment = A=%s ;",
	    "environment = A=\"%s ; x\" ; y",
	    "environment = A=%s\n  ; c\n  B=2 ; d",
	    "environment = A=%s\n\tB=\"x;\" ;e",
	    "environment = A=%s   \n   ",
	    "environment =A=%s:=",
	    "environment = A=1\n  B=%s ; d",
	    "environment = A=1\n  B=\"%s\" ;",
	    "environment = A=1\n\tB=%s;x",
	};
	char pad[400], line[1024], text[1200];
	int same = 1;

	memset(pad, 'p', 300);
	pad[300] = '\0';
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct cinit_conf a, b;
		int ra, rb;
		snprintf(line, sizeof(line), shapes[i], "");
		snprintf(text, sizeof(text), "[service:x]\ncommand = x\n%s\n", line);
		ra = conf_load_string("a.ini", text, &a, NULL);
		snprintf(line, sizeof(line), shapes[i], pad);
		snprintf(text, sizeof(text), "[service:x]\ncommand = x\n%s\n", line);
		rb = conf_load_string("b.ini", text, &b, NULL);
		if (ra != rb) {
			same = 0;
		} else if (ra == 0) {
			char **ea = a.services[0].env, **eb = b.services[0].env;
			for (; *ea && *eb; ea++, eb++) {
				const char *p = strstr(*eb, pad);
				char joined[1024];
				if (!p) {
					snprintf(joined, sizeof(joined), "%s", *eb);
				} else {
					snprintf(joined, sizeof(joined), "%.*s%s", (int)(p - *eb),
						 *eb, p + 300);
				}
				if (strcmp(*ea, joined) != 0) {
					printf("# shape %zu: '%s' vs '%s'\n", i, *ea, joined);
					same = 0;
				}
			}
			if (*ea || *eb)
				same = 0;
			conf_free(&a);
			conf_free(&b);
		}
	}
	ok(same, "long lines read exactly as their short forms");
}

static void test_ini_syntax(void)
{
	struct cinit_conf c;

	is_int(load("\xEF\xBB\xBF[service:x]\r\ncommand = a \\\r\n   b ; comment\r\n", &c), 0,
	       "a BOM and CRLF line ends");
	ok(c.n_services == 1 && argv_is(c.services[0].argv, (const char *[]){"a", "b", NULL}),
	   "a continued command, with the comment on the continuation kept out by the quote "
	   "rules");
	conf_free(&c);

	is_int(load("[service:x]\ncommand: sh -c\n  'echo one;\n   # not a comment here?\n  echo "
		    "two'\n",
		    &c),
	       0, "key: value, and a value over lines");
	ok(c.n_services == 1 && c.services[0].argv[2] &&
	       strcmp(c.services[0].argv[2], "echo one;\necho two") == 0,
	   "an indented '#' line is a comment; the lines join with newlines");
	conf_free(&c);

	is_int(load("[service:x]\ncommand = sh -c \"a ; b\"\n", &c), 1,
	       "' ;' starts a comment even inside quotes, as inih reads it");
	is_str(
	    said,
	    "cinit.ini:2: [service:x] command: expected a command line with balanced quotes, got "
	    "'sh -c \"a' (unterminated double quote)",
	    "and says so");

	is_int(load("[ service:x ]\ncommand = x\n[service:y] trailing words\ncommand = y\n", &c), 0,
	       "blanks inside the brackets and words after them");
	ok(c.n_services == 2 && strcmp(c.services[0].name, "x") == 0, "are forgiven");
	conf_free(&c);

	is_int(load("orphan = 1\n[service:x]\ncommand = x\n", &c), 1, "a key before any section");
	is_str(said, "cinit.ini:1: expected a [section] header before the first key, got 'orphan'",
	       "is named");

	is_int(load("[service:x]\ncommand = x\njunk\n= 5\n[broken\nkey = v\n  more\n", &c), 3,
	       "three syntax errors");
	is_str(
	    said,
	    "cinit.ini:3: [service:x] expected KEY = VALUE, a [section] or a comment, got 'junk'\n"
	    "cinit.ini:4: [service:x] expected a key name before '='\n"
	    "cinit.ini:5: expected ']' to close the section header, got '[broken'",
	    "each with its line; the keys of a broken section are skipped");
	ok(c.n_services == 0 && c.services == NULL, "and the config is zeroed");

	is_int(conf_load_string("nul.ini", "[service:x]\ncommand = a\nuser = b\0c\n", &c, NULL), 0,
	       "a C string ends at its NUL");
	conf_free(&c);
}

static void test_nul_in_file(void)
{
	char path[] = "/tmp/conf_native.XXXXXX";
	int fd = mkstemp(path);
	struct cinit_conf c;
	char msg[256];

	ok(fd >= 0 && write(fd, "[service:x]\ncommand = a\nuser = b\0c\n", 34) == 34 &&
	       close(fd) == 0,
	   "a file with a NUL byte");
	is_int(load_file(path, &c), 1, "is an error");
	snprintf(msg, sizeof(msg), "%s:3: [service:x] expected text, got a NUL byte", path);
	is_str(said, msg, "that names the line");
	unlink(path);
}

static void test_error_forms(void)
{
	struct cinit_conf c;
	FILE *f = fopen(CONFIGS "bad/errors.expected", "r");
	char want[8192] = "";
	size_t n = f ? fread(want, 1, sizeof(want) - 1, f) : 0;
	int r;

	want[n] = '\0';
	if (n && want[n - 1] == '\n')
		want[n - 1] = '\0';
	if (f)
		fclose(f);
	r = load_file(CONFIGS "bad/errors.ini", &c);
	is_str(said, want, "every error in errors.ini, in one run, in the documented form");
	is_int(r, 29, "the error count is returned");
	ok(c.n_services == 0 && c.services == NULL && c.control_socket == NULL,
	   "and the config is freed and zeroed");
}

static void test_keys(void)
{
	struct cinit_conf c;

	is_int(load("[service:x]\ncommand = x\ncommand = y\n", &c), 1, "a key set twice");
	is_str(said,
	       "cinit.ini:3: [service:x] command: expected each key once, but it was set at line 2 "
	       "already",
	       "names both lines");
	is_int(load("[service:x]\nCommand = x\nSTOP_SIGNAL = hup\n", &c), 0,
	       "keys and names of values in any case");
	ok(c.n_services == 1 && c.services[0].stop_signal == SIGHUP, "are read");
	conf_free(&c);
	is_int(load("[service:x]\ncommand = x\nstart_retires = 3\n", &c), 1, "a misspelt key");
	is_str(said,
	       "cinit.ini:3: [service:x] start_retires: unknown key; did you mean 'start_retries'?",
	       "gets a suggestion");
	is_int(load("[service:x]\ncommand = x\nbackoff_min = 2m\nbackoff_max = 1m\n", &c), 1,
	       "backoff_min above backoff_max");
	is_str(
	    said,
	    "cinit.ini:4: [service:x] backoff_max: expected backoff_max (60000ms) to be at least "
	    "backoff_min (120000ms)",
	    "names backoff_max");
	is_int(load("[service:x]\ncommand = x\nredirect_stderr = true\nstderr = null\n", &c), 0,
	       "stderr with redirect_stderr");
	is_str(said,
	       "cinit.ini:4: [service:x] stderr: warning: ignored, since redirect_stderr sends "
	       "stderr where stdout goes",
	       "is a warning");
	conf_free(&c);
	is_int(load("[service:x]\ncommand = x\nstdout_max_bytes = 10M\nstdout_backups = 0\n"
		    "stderr = /var/log/x.err\nstderr_backups = 3\nredirect_stderr = yes\n"
		    "[service:y]\ncommand = y\nstdout = /var/log/y\nstdout_max_bytes = 1M\n"
		    "stderr_max_bytes = 1k\n",
		    &c),
	       0, "rotation of what is not a file");
	is_str(said,
	       "cinit.ini:3: [service:x] stdout_max_bytes: warning: ignored, since only a file is "
	       "rotated\n"
	       "cinit.ini:5: [service:x] stderr: warning: ignored, since redirect_stderr sends "
	       "stderr where stdout goes\n"
	       "cinit.ini:6: [service:x] stderr_backups: warning: ignored, since redirect_stderr "
	       "sends stderr where stdout goes\n"
	       "cinit.ini:12: [service:y] stderr_max_bytes: warning: ignored, since only a file is "
	       "rotated",
	       "is a warning naming each key that was set; a 0 asks for nothing");
	conf_free(&c);
	is_int(load("[service:x]\ncommand = x\nready_interval = 0\n", &c), 1, "ready_interval 0");
	is_str(said,
	       "cinit.ini:3: [service:x] ready_interval: expected a duration of at least 1ms, such "
	       "as 100ms or 1s, got '0'",
	       "says it would be a busy loop's bound");
	is_int(load("[service:x]\ncommand = x\nrlimit_nofile = 1\nrlimit_nofile = 2\n", &c), 1,
	       "an rlimit key twice");
	is_int(load("[cinit]\nverbosity = 3\n[cinit]\ngrace = 1s\n[service:x]\ncommand = x\n", &c),
	       1, "two [cinit] sections");
	is_str(said,
	       "cinit.ini:3: [cinit] expected one [cinit] section, but cinit.ini:1 has one already",
	       "the second is named");
	is_int(load("[service:x]\ncommand = x\n[program:y]\ncommand = y\n[cinit]\nfoo = 1\n", &c),
	       1, "native sections stay strict in a supervisord file");
	is_str(said,
	       "cinit.ini:6: [cinit] foo: unknown key; expected shutdown_timeout, grace, "
	       "control_socket, control_socket_mode, control_socket_owner, tail_buffer, log_format or verbosity",
	       "unknown [cinit] key, with the keys it could be");
}

static void test_environment_expansion(void)
{
	struct cinit_conf c;

	setenv("CINIT_TEST_HOME", "/home/t", 1);
	is_int(load("[service:x]\ncommand = x\nenvironment = H=${CINIT_TEST_HOME}/app, D=$$\n", &c),
	       0, "${VAR} in environment");
	ok(c.n_services == 1 &&
	       argv_is(c.services[0].env, (const char *[]){"H=/home/t/app", "D=$", NULL}),
	   "expands from cinit's environment");
	conf_free(&c);
}

static void test_files(void)
{
	struct cinit_conf c;

	is_int(load_file("/nonexistent/cinit.ini", &c), 1, "a missing file");
	is_str(said, "/nonexistent/cinit.ini: cannot open: No such file or directory",
	       "FILE: cannot open: why");
	is_int(load_file(CONFIGS, &c), 1, "a directory");
	is_str(said, CONFIGS ": cannot read: Is a directory", "FILE: cannot read: why");
	is_int(load("; nothing here\n", &c), 0, "a config with no services is valid");
	is_str(said, "cinit.ini: warning: no services defined", "with a warning");
	conf_free(&c);
	is_int(conf_load(CONFIGS "bad/errors.ini", &c, NULL), 29, "errs may be NULL");
}

static void test_bounds(void)
{
	struct cinit_conf c;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	for (int i = 0; m && i <= 8192; i++)
		fprintf(m, "[service:s%d]\ncommand = a\n", i);
	if (m)
		fclose(m);
	is_int(text ? load(text, &c) : -1, 1, "8193 services");
	is_str(said,
	       "cinit.ini:16385: [service:s8192] expected at most 8192 services in all; this "
	       "section is not read",
	       "the last is past the bound, and named");
	free(text);
}

int main(void)
{
	tap_plan(92);
	test_basic();
	test_full();
	test_defaults();
	test_long_lines();
	test_long_reads_like_short();
	test_ini_syntax();
	test_nul_in_file();
	test_error_forms();
	test_keys();
	test_environment_expansion();
	test_files();
	test_bounds();
	return tap_done();
}
