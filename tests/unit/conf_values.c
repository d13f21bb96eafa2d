/* The value parsers of conf/values.c and conf/expand.c, each with the
 * message it gives for a bad value. */
#include "conf/internal.h"
#include "conf/units.h"
#include "tests/tap.h"

#include <signal.h>
#include <stdlib.h>

/* Collects what the parsers say into a string. */
struct said {
	FILE *f;
	char *buf;
	size_t len;
	struct diag d;
	char text[2048];
};

static const struct where W = {.file = "t.ini", .line = 3, .section = "service:x", .key = "k"};

static struct diag *listen(struct said *s)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->buf, &s->len);
	s->d.errs = s->f;
	return &s->d;
}

/* What was said, without the final newline. */
static const char *heard(struct said *s)
{
	fclose(s->f);
	snprintf(s->text, sizeof(s->text), "%s", s->buf ? s->buf : "");
	free(s->buf);
	size_t n = strlen(s->text);
	if (n && s->text[n - 1] == '\n')
		s->text[n - 1] = '\0';
	return s->text;
}

static void join(char *out, size_t len, char **v)
{
	size_t o = 0;

	out[0] = '\0';
	for (char **p = v; p && *p && o < len; p++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", p == v ? "" : "|", *p);
}

static void env_is(const char *in, bool native, const char *want, const char *name)
{
	struct said s;
	char **env = NULL, got[1024];
	int r = value_env(in, native, &env, listen(&s), &W);
	const char *msg = heard(&s);

	join(got, sizeof(got), env);
	if (r < 0)
		snprintf(got, sizeof(got), "error: %s", msg);
	is_str(got, want, name);
	conf_free_argv(env);
}

static void env_error(const char *in, bool native, const char *want_msg, const char *name)
{
	struct said s;
	char **env = NULL;
	int r = value_env(in, native, &env, listen(&s), &W);

	is_str(heard(&s), want_msg, name);
	ok(r < 0 && env == NULL, "%s: refused, nothing set", name);
	conf_free_argv(env);
}

static void test_env(void)
{
	struct said s;
	char **env = NULL;

	setenv("CINIT_T", "from env", 1);
	unsetenv("CINIT_UNSET");
	env_is("A=1, B=\"two words\"", true, "A=1|B=two words", "native pairs");
	env_is(" A = 1 ,B=2,", true, "A=1|B=2", "blanks around = and a trailing comma");
	env_is("A=1\n  B=2", true, "A=1|B=2", "newlines separate like commas");
	env_is("A=two words  , B=x", true, "A=two words|B=x",
	       "unquoted inner blanks kept, end cut");
	env_is("A=\"x \", B=' y'", true, "A=x |B= y", "quoted blanks kept");
	env_is("T=${CINIT_T}", true, "T=from env", "${VAR} from cinit's environment");
	env_is("T=\"<${CINIT_T}>\"", true, "T=<from env>", "${VAR} inside double quotes");
	env_is("T='${CINIT_T}'", true, "T=${CINIT_T}", "no expansion in single quotes");
	env_is("T=${CINIT_UNSET:-fallback}", true, "T=fallback", "${VAR:-default}");
	env_is("T=${CINIT_T:-fallback}", true, "T=from env", "default unused when set");
	env_is("P=$$5, Q=$x, R=\"\\$y\"", true, "P=$5|Q=$x|R=$y", "$$, a lone $ and \\$");
	env_is("A=\"a\\\"b\\\\c\", B=a\\,b", true, "A=a\"b\\c|B=a,b", "escapes");
	env_is("A=1, A=2", true, "A=2", "the last of a key counts");
	env_is("A=", true, "A=", "an empty value");
	env_is("URL=http://x:80/?a=b", true, "URL=http://x:80/?a=b", "= and : in a value");
	env_is("", true, "", "empty environment");
	env_is("KEY=\"val\",KEY2=val2", false, "KEY=val|KEY2=val2", "supervisord pairs");
	env_is("P=$HOME, Q=${X}", false, "P=$HOME|Q=${X}", "supervisord: no $ expansion");
	env_is("R=\"\\d+\"", false, "R=\\d+", "supervisord: \\d stays inside quotes");
	env_is("R=\"\\d+\"", true, "R=\\d+", "native: \\d stays inside quotes");

	env = NULL;
	value_env("T=${CINIT_UNSET}", true, &env, listen(&s), &W);
	is_str(heard(&s),
	       "t.ini:3: [service:x] k: warning: ${CINIT_UNSET} is not set in cinit's environment; "
	       "it expands to nothing",
	       "an unset variable is a warning");
	ok(env && env[0] && strcmp(env[0], "T=") == 0 && s.d.warnings == 1 && s.d.errors == 0,
	   "and expands to nothing");
	conf_free_argv(env);

	env_error("A", true,
		  "t.ini:3: [service:x] k: expected KEY=VALUE pairs separated by commas, such as "
		  "A=1, B=\"two words\", got 'A'",
		  "a key without a value");
	env_error("1A=2", true,
		  "t.ini:3: [service:x] k: expected KEY=VALUE pairs separated by commas, such as "
		  "A=1, B=\"two words\", got '1A=2'",
		  "a key must not start with a digit");
	env_error("A=\"x", true, "t.ini:3: [service:x] k: expected a closing '\"', got 'A=\"x'",
		  "an unterminated double quote");
	env_error("A='x", true, "t.ini:3: [service:x] k: expected a closing \"'\", got 'A='x'",
		  "an unterminated single quote");
	env_error("A=${X", true, "t.ini:3: [service:x] k: expected '}' to close '${', got 'A=${X'",
		  "an unterminated ${");
	env_error("A=${1}", true,
		  "t.ini:3: [service:x] k: expected a variable name after '${', got 'A=${1}'",
		  "a bad variable name");
}

static void test_lists(void)
{
	struct service_conf sc;
	struct said s;
	char **l = NULL, got[256];

	conf_service_defaults(&sc);
	ok(value_exit_codes("0,2", &sc, listen(&s), &W) == 0 && conf_exit_expected(&sc, 0) &&
	       conf_exit_expected(&sc, 2) && !conf_exit_expected(&sc, 1),
	   "exit codes 0,2");
	heard(&s);
	ok(value_exit_codes(" 3 , 64, 255", &sc, listen(&s), &W) == 0 &&
	       !conf_exit_expected(&sc, 0) && conf_exit_expected(&sc, 3) &&
	       conf_exit_expected(&sc, 255),
	   "exit codes replace the default 0");
	heard(&s);
	value_exit_codes("0, 256", &sc, listen(&s), &W);
	is_str(heard(&s),
	       "t.ini:3: [service:x] k: expected exit codes from 0 to 255 separated by commas, got "
	       "'0, 256'",
	       "exit code 256");
	ok(conf_exit_expected(&sc, 3) && !conf_exit_expected(&sc, 0), "a bad list changes nothing");
	value_exit_codes("", &sc, listen(&s), &W);
	ok(s.d.errors == 1, "an empty list of exit codes is an error");
	heard(&s);
	value_exit_codes("one", &sc, listen(&s), &W);
	ok(s.d.errors == 1, "a word is not an exit code");
	heard(&s);
	conf_service_free(&sc);

	ok(value_depends("db, cache queue,", &l, listen(&s), &W) == 0, "depends list");
	heard(&s);
	join(got, sizeof(got), l);
	is_str(got, "db|cache|queue", "depends: commas or blanks");
	value_depends("db, no/slash", &l, listen(&s), &W);
	is_str(heard(&s),
	       "t.ini:3: [service:x] k: expected service names separated by commas, got 'no/slash'",
	       "a bad dependency name");
	join(got, sizeof(got), l);
	is_str(got, "db|cache|queue", "a bad list leaves depends as it was");
	conf_free_argv(l);
}

static void rlimit_is(const char *v, rlim_t cur, rlim_t max)
{
	struct said s;
	struct rlimit rl = {0, 0};
	int r = value_rlimit(v, &rl, listen(&s), &W);

	heard(&s);
	ok(r == 0 && rl.rlim_cur == cur && rl.rlim_max == max, "rlimit '%s'", v);
}

static void test_rlimits(void)
{
	struct said s;
	struct rlimit rl;

	rlimit_is("1024", 1024, 1024);
	rlimit_is("1024:4096", 1024, 4096);
	rlimit_is("unlimited", RLIM_INFINITY, RLIM_INFINITY);
	rlimit_is("10:unlimited", 10, RLIM_INFINITY);
	rlimit_is("infinity:infinity", RLIM_INFINITY, RLIM_INFINITY);
	rlimit_is("64k:1M", 65536, 1 << 20);
	value_rlimit("10:5", &rl, listen(&s), &W);
	is_str(
	    heard(&s),
	    "t.ini:3: [service:x] k: expected a soft limit no higher than the hard one, got '10:5'",
	    "soft above hard");
	value_rlimit("unlimited:10", &rl, listen(&s), &W);
	ok(s.d.errors == 1, "an unlimited soft limit above a hard one");
	heard(&s);
	value_rlimit("lots", &rl, listen(&s), &W);
	is_str(
	    heard(&s),
	    "t.ini:3: [service:x] k: expected SOFT[:HARD], each a number or unlimited, got 'lots'",
	    "a word is not a limit");
	value_rlimit("", &rl, listen(&s), &W);
	ok(s.d.errors == 1, "an empty limit");
	heard(&s);
	ok(conf_rlimit_by_name("nofile") == RLIMIT_NOFILE &&
	       conf_rlimit_by_name("CORE") == RLIMIT_CORE && conf_rlimit_by_name("bogus") == -1,
	   "resource names");
}

static void ready_ok(const char *v, enum ready_kind kind, const char *a, const char *b)
{
	struct said s;
	struct service_conf sc;
	int r;
	const char *x = NULL, *y = NULL;

	conf_service_defaults(&sc);
	r = value_ready(v, &sc.ready, listen(&s), &W);
	heard(&s);
	if (kind == READY_TCP) {
		x = sc.ready.host;
		y = sc.ready.port;
	} else if (kind == READY_UNIX || kind == READY_FILE) {
		x = sc.ready.path;
	} else if (kind == READY_EXEC) {
		x = sc.ready.argv ? sc.ready.argv[0] : NULL;
		y = sc.ready.argv && sc.ready.argv[0] ? sc.ready.argv[1] : NULL;
	}
	ok(r == 0 && sc.ready.kind == kind && (!a || (x && strcmp(x, a) == 0)) &&
	       (!b || (y && strcmp(y, b) == 0)),
	   "ready '%s'", v);
	conf_service_free(&sc);
}

static void ready_bad(const char *v, const char *msg)
{
	struct said s;
	struct ready_conf r = {.kind = READY_NOTIFY};

	value_ready(v, &r, listen(&s), &W);
	is_str(heard(&s), msg, v);
	ok(r.kind == READY_NOTIFY, "a bad '%s' leaves ready as it was", v);
}

static void test_ready(void)
{
	static const char tcp[] = "tcp:HOST:PORT, with a port from 1 to 65535";
	char m[512];

	ready_ok("none", READY_NONE, NULL, NULL);
	ready_ok("notify", READY_NOTIFY, NULL, NULL);
	ready_ok("tcp:127.0.0.1:6379", READY_TCP, "127.0.0.1", "6379");
	ready_ok("tcp:[::1]:8080", READY_TCP, "::1", "8080");
	ready_ok("tcp:localhost:http", READY_TCP, "localhost", "http");
	ready_ok("unix:/run/app.sock", READY_UNIX, "/run/app.sock", NULL);
	ready_ok("file:/run/app.ready", READY_FILE, "/run/app.ready", NULL);
	ready_ok("exec:pg_isready -h 'local host'", READY_EXEC, "pg_isready", "-h");
	snprintf(m, sizeof(m), "t.ini:3: [service:x] k: expected %s, got 'tcp:8080'", tcp);
	ready_bad("tcp:8080", m);
	snprintf(m, sizeof(m), "t.ini:3: [service:x] k: expected %s, got 'tcp::80'", tcp);
	ready_bad("tcp::80", m);
	snprintf(m, sizeof(m), "t.ini:3: [service:x] k: expected %s, got 'tcp:h:70000'", tcp);
	ready_bad("tcp:h:70000", m);
	snprintf(m, sizeof(m), "t.ini:3: [service:x] k: expected %s, got 'tcp:h:0'", tcp);
	ready_bad("tcp:h:0", m);
	snprintf(m, sizeof(m), "t.ini:3: [service:x] k: expected %s, got 'tcp:::1:80'", tcp);
	ready_bad("tcp:::1:80", m);
	ready_bad("unix:", "t.ini:3: [service:x] k: expected a path after the colon, got ''");
	ready_bad("exec:", "t.ini:3: [service:x] k: expected a command, got ''");
	ready_bad("exec:sh -c 'x", "t.ini:3: [service:x] k: expected a command line with balanced "
				   "quotes, got 'sh -c 'x' (unterminated single quote)");
	ready_bad("http://localhost/", "t.ini:3: [service:x] k: expected tcp:HOST:PORT, unix:PATH, "
				       "file:PATH, exec:COMMAND, notify or none, got "
				       "'http://localhost/'");
}

static void test_log_targets(void)
{
	struct said s;
	struct log_conf l = {0};

	ok(value_log_target("inherit", &l, listen(&s), &W) == 0 && l.kind == LOG_INHERIT,
	   "inherit");
	heard(&s);
	ok(value_log_target("null", &l, listen(&s), &W) == 0 && l.kind == LOG_NULL, "null");
	heard(&s);
	ok(value_log_target("/var/log/x.log", &l, listen(&s), &W) == 0 && l.kind == LOG_FILE &&
	       strcmp(l.path, "/var/log/x.log") == 0,
	   "a path is a file");
	heard(&s);
	ok(value_log_target("./x.log", &l, listen(&s), &W) == 0 && l.kind == LOG_FILE,
	   "a relative path with a slash");
	heard(&s);
	ok(value_log_target("PREFIX", &l, listen(&s), &W) == 0 && l.kind == LOG_PREFIX && !l.path,
	   "prefix (any case) and the path is gone");
	heard(&s);
	value_log_target("prefx", &l, listen(&s), &W);
	is_str(
	    heard(&s),
	    "t.ini:3: [service:x] k: expected inherit, prefix, null or a file path (with a '/'), "
	    "got 'prefx'",
	    "a misspelt word is not a file");
	free(l.path);
}

static void test_plain_and_names(void)
{
	struct said s;

	ok(value_plain("/srv/my app", listen(&s), &W) == 0, "a path with a blank is plain");
	heard(&s);
	value_plain("a\nb", listen(&s), &W);
	is_str(heard(&s),
	       "t.ini:3: [service:x] k: expected a value on one line, without control characters, "
	       "got 'a\\nb'",
	       "a newline is not plain, and is shown escaped");
	value_plain(" a", listen(&s), &W);
	is_str(heard(&s), "t.ini:3: [service:x] k: expected no blanks around the value, got ' a'",
	       "leading blank");
	value_plain("a ;b", listen(&s), &W);
	is_str(heard(&s),
	       "t.ini:3: [service:x] k: expected no ';' at the start or after a blank (it starts a "
	       "comment), got 'a ;b'",
	       "a ';' after a blank could not be written back");
	ok(value_plain("a;b", listen(&s), &W) == 0, "a ';' after a letter is fine");
	heard(&s);
	ok(value_service_name("web-1.prod@eu_2", listen(&s), &W) == 0, "a service name");
	heard(&s);
	value_service_name("web:1", listen(&s), &W);
	is_str(
	    heard(&s),
	    "t.ini:3: [service:x] k: expected a name of 1 to 64 letters, digits, '-', '_', '.' or "
	    "'@', got 'web:1'",
	    "a colon in a service name");
	value_service_name("", listen(&s), &W);
	ok(s.d.errors == 1, "an empty service name");
	heard(&s);
}

static void expand_is(const char *in, const char *want, bool with_process)
{
	struct percent_vars v = {.program_name = "web",
				 .group_name = "grp",
				 .here = "/etc/sv",
				 .host_node_name = "box",
				 .process_num = 7,
				 .numprocs = 12,
				 .have_process = with_process};
	struct said s;
	char *out = NULL;
	int r = expand_percent(in, &v, &out, listen(&s), &W);
	const char *msg = heard(&s);

	if (r < 0)
		is_str(msg, want, in);
	else
		is_str(out, want, in);
	free(out);
}

static void test_expand(void)
{
	setenv("CINIT_T", "from env", 1);
	unsetenv("CINIT_UNSET");
	expand_is("%(program_name)s_%(process_num)02d", "web_07", true);
	expand_is("%(process_num)d|%(process_num)3d|%(process_num)-3d|", "7|  7|7  |", true);
	expand_is("%(process_num)+d %(process_num).3d %(process_num)05d", "+7 007 00007", true);
	expand_is("%(program_name)6s|%(program_name)-6s|%(program_name).2s", "   web|web   |we",
		  true);
	expand_is("%(process_num)s %(numprocs)d", "7 12", true);
	expand_is("%(here)s/%(group_name)s@%(host_node_name)s", "/etc/sv/grp@box", false);
	expand_is("date +%%s: 100%%", "date +%s: 100%", false);
	expand_is("%(ENV_CINIT_T)s", "from env", false);
	expand_is("no percent at all", "no percent at all", false);
	expand_is("%(ENV_CINIT_UNSET)s",
		  "t.ini:3: [service:x] k: expected %(ENV_CINIT_UNSET)s to name a variable of "
		  "the program's or [supervisord]'s environment= or of cinit's environment, but "
		  "CINIT_UNSET is set in none",
		  false);
	expand_is("%(bogus)s",
		  "t.ini:3: [service:x] k: expected one of %(program_name)s, %(process_num)d, "
		  "%(numprocs)d, %(group_name)s, %(host_node_name)s, %(here)s or %(ENV_NAME)s, got "
		  "%(bogus)",
		  true);
	expand_is("%(process_num)d",
		  "t.ini:3: [service:x] k: expected one of %(program_name)s, %(process_num)d, "
		  "%(numprocs)d, %(group_name)s, %(host_node_name)s, %(here)s or %(ENV_NAME)s, got "
		  "%(process_num)",
		  false);
	expand_is(
	    "%(program_name)d",
	    "t.ini:3: [service:x] k: expected %(name)s for a text value; %d takes a number, got "
	    "'%(program_name)d'",
	    true);
	expand_is("date +%s",
		  "t.ini:3: [service:x] k: expected %% for a '%' or %(name)s for an expansion, got "
		  "'date +%s'",
		  true);
	expand_is("%(program_name",
		  "t.ini:3: [service:x] k: expected ')' to close '%(', got '%(program_name'", true);
	expand_is("%(program_name)x",
		  "t.ini:3: [service:x] k: expected a conversion s or d after %(name), as in "
		  "%(program_name)s, got '%(program_name)x'",
		  true);
	expand_is("%(program_name)999s",
		  "t.ini:3: [service:x] k: expected a width and precision of at most 256, got "
		  "'%(program_name)999s'",
		  true);
}

static void test_strip_comments(void)
{
	char a[] = "cron -f   # foreground";
	char b[] = "a;b ;c\nnext #x\n#keep";
	char c[] = "x\t; y";

	ini_strip_inline_comments(a);
	is_str(a, "cron -f", "'#' after a blank starts a comment");
	ini_strip_inline_comments(b);
	is_str(b, "a;b\nnext\n#keep", "per line; not after a letter, not at the start");
	ini_strip_inline_comments(c);
	is_str(c, "x", "after a tab too");
}

static void printed_is(void (*fn)(FILE *, int64_t), int64_t v, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, v);
	fclose(f);
	ok(buf && strcmp(buf, want) == 0, "printed as %s (got %s)", want, buf ? buf : "nothing");
	free(buf);
}

static void print_size_i(FILE *f, int64_t v)
{
	print_size(f, (uint64_t)v);
}

static void test_print_units(void)
{
	printed_is(print_duration, 0, "0s");
	printed_is(print_duration, 250, "250ms");
	printed_is(print_duration, 1500, "1500ms");
	printed_is(print_duration, 10000, "10s");
	printed_is(print_duration, 120000, "2m");
	printed_is(print_duration, 7200000, "2h");
	printed_is(print_size_i, 0, "0");
	printed_is(print_size_i, 1000, "1000");
	printed_is(print_size_i, 10240, "10k");
	printed_is(print_size_i, 50 << 20, "50M");
	printed_is(print_size_i, 3LL << 30, "3G");
	printed_is(print_size_i, 1LL << 40, "1T");
}

/* print_command's output, read back by inih and split, is the same words. */
static void test_print_command(void)
{
	static char *words[] = {"plain",       "two words", "it's", "a;b",	   " ;c",
				"$HOME",       "tab\there", "",	    "back\\slash", "\"q\"",
				"line\nbreak", "x ",	    " y",   "#not",	   ";semi",
				"a\n b",       "c \nd",	    "\n",   "\n\n",	   "e\r"};
	enum { N = sizeof(words) / sizeof(words[0]) };
	char *buf = NULL, *argv[N + 1];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cinit_conf c;
	int same = 1;

	memcpy(argv, words, sizeof(words));
	argv[N] = NULL;
	fputs("[service:x]\ncommand = ", f);
	print_command(f, argv);
	fputc('\n', f);
	fclose(f);
	ok(conf_load_string("printed.ini", buf, &c, stderr) == 0, "a printed command loads");
	for (size_t i = 0; c.n_services == 1 && i < N; i++)
		if (!c.services[0].argv[i] || strcmp(c.services[0].argv[i], words[i]) != 0)
			same = 0;
	ok(same && c.n_services == 1 && c.services[0].argv[N] == NULL, "as the same words");
	ok(!strstr(buf, " ;"), "with no ' ;' for inih to cut");
	if (!same)
		printf("# %s", buf);
	conf_free(&c);
	free(buf);
}

int main(void)
{
	tap_plan(130);
	test_env();
	test_lists();
	test_rlimits();
	test_ready();
	test_log_targets();
	test_plain_and_names();
	test_expand();
	test_strip_comments();
	test_print_units();
	test_print_command();
	return tap_done();
}
