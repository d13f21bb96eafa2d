/* The value parsers of conf/units.c: durations, sizes, signals, booleans,
 * integers, umasks and command splitting. */
#include "conf/units.h"
#include "tests/tap.h"

#include <signal.h>
#include <stdint.h>

static void duration_ok(const char *s, int64_t want)
{
	int64_t ms = -12345;
	int r = conf_parse_duration_ms(s, &ms);

	ok(r == 0 && ms == want, "duration '%s' is %lld ms (got r=%d, %lld)", s, (long long)want, r,
	   (long long)ms);
}

static void duration_bad(const char *s)
{
	int64_t ms = -12345;

	ok(conf_parse_duration_ms(s, &ms) < 0 && ms == -12345, "duration '%s' is refused", s);
}

static void test_durations(void)
{
	duration_ok("250ms", 250);
	duration_ok("10s", 10000);
	duration_ok("2m", 120000);
	duration_ok("1h", 3600000);
	duration_ok("1.5s", 1500);
	duration_ok("0", 0);
	duration_ok("5", 5000);
	duration_ok("0.25", 250);
	duration_ok("10S", 10000);
	duration_ok("100MS", 100);
	duration_ok("168h", 168 * 3600000LL);
	duration_bad("169h");
	duration_bad("");
	duration_bad(" 1s");
	duration_bad("1s ");
	duration_bad("-1");
	duration_bad("+1");
	duration_bad("nan");
	duration_bad("inf");
	duration_bad("1e3");
	duration_bad("0x10");
	duration_bad("1.s");
	duration_bad(".5s");
	duration_bad("10 s");
	duration_bad("8d");
	duration_bad("10sec");
	duration_bad("1.5.3s");
	ok(conf_parse_duration_ms(NULL, &(int64_t){0}) < 0, "duration NULL is refused");
}

static void size_ok(const char *s, uint64_t want)
{
	uint64_t b = 7;
	int r = conf_parse_size(s, &b);

	ok(r == 0 && b == want, "size '%s' is %llu (got r=%d, %llu)", s, (unsigned long long)want,
	   r, (unsigned long long)b);
}

static void size_bad(const char *s)
{
	uint64_t b = 7;

	ok(conf_parse_size(s, &b) < 0 && b == 7, "size '%s' is refused", s);
}

static void test_sizes(void)
{
	size_ok("512", 512);
	size_ok("0", 0);
	size_ok("10k", 10240);
	size_ok("10K", 10240);
	size_ok("10M", 10ull << 20);
	size_ok("1G", 1ull << 30);
	size_ok("2T", 2ull << 40);
	size_ok("10KiB", 10240);
	size_ok("10kb", 10240);
	size_ok("50MB", 50ull << 20);
	size_ok("1B", 1);
	size_ok("18446744073709551615", UINT64_MAX);
	size_bad("18446744073709551616");
	size_bad("16777216T");
	size_bad("");
	size_bad("-1");
	size_bad("1.5G");
	size_bad("10 k");
	size_bad("10x");
	size_bad("10iB");
	size_bad("k");
	size_bad("0x10");
}

static void signal_ok(const char *s, int want)
{
	int sig = -1;
	int r = conf_parse_signal(s, &sig);

	ok(r == 0 && sig == want, "signal '%s' is %d (got r=%d, %d)", s, want, r, sig);
}

static void signal_bad(const char *s)
{
	int sig = -1;

	ok(conf_parse_signal(s, &sig) < 0 && sig == -1, "signal '%s' is refused", s);
}

static void test_signals(void)
{
	char buf[32];

	signal_ok("TERM", SIGTERM);
	signal_ok("SIGTERM", SIGTERM);
	signal_ok("sigterm", SIGTERM);
	signal_ok("15", SIGTERM);
	signal_ok("HUP", SIGHUP);
	signal_ok("QUIT", SIGQUIT);
	signal_ok("KILL", SIGKILL);
	signal_ok("usr1", SIGUSR1);
	signal_ok("WINCH", SIGWINCH);
	signal_ok("RTMIN", SIGRTMIN);
	signal_ok("RTMIN+3", SIGRTMIN + 3);
	signal_ok("SIGRTMAX-1", SIGRTMAX - 1);
	signal_bad("RTMIN+4294967297");
	signal_bad("RTMIN+99");
	signal_bad("RTMIN-1");
	signal_bad("RTMIN+");
	signal_bad("RTMIN+ 3");
	signal_bad("RTMIN+-3");
	signal_bad("0");
	signal_bad("65");
	signal_bad("-15");
	signal_bad("SIGFOO");
	signal_bad("SIG");
	signal_bad("");
	signal_bad("15 ");
	is_str(conf_signal_name(SIGTERM, buf, sizeof(buf)), "TERM", "SIGTERM is named TERM");
	is_str(conf_signal_name(SIGABRT, buf, sizeof(buf)), "ABRT", "SIGABRT is ABRT, not IOT");
	is_str(conf_signal_name(SIGIO, buf, sizeof(buf)), "IO", "SIGIO is IO, not POLL");
	is_str(conf_signal_name(SIGRTMIN + 3, buf, sizeof(buf)), "RTMIN+3", "real-time signals");
	is_str(conf_signal_name(SIGRTMAX, buf, sizeof(buf)), "RTMIN+30", "RTMAX by offset");
	/* every name reads back as its signal */
	int all = 1;
	for (int sig = 1; sig < NSIG; sig++) {
		int back = -1;
		if (conf_parse_signal(conf_signal_name(sig, buf, sizeof(buf)), &back) < 0 ||
		    back != sig)
			all = 0;
	}
	ok(all, "every signal's name parses back to it");
}

static void test_bools(void)
{
	static const char *yes[] = {"true", "yes", "on", "1", "TRUE", "Yes", "ON"};
	static const char *no[] = {"false", "no", "off", "0", "False", "NO", "Off"};
	static const char *bad[] = {"", "2", "y", "n", "enabled", "true ", " no"};
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		ok(conf_parse_bool(yes[i], &b) == 0 && b, "bool '%s' is true", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		ok(conf_parse_bool(no[i], &b) == 0 && !b, "bool '%s' is false", no[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(conf_parse_bool(bad[i], &b) < 0, "bool '%s' is refused", bad[i]);
}

static void test_integers(void)
{
	int n = -7;

	ok(conf_parse_uint("0", &n) == 0 && n == 0, "uint 0");
	ok(conf_parse_uint("42", &n) == 0 && n == 42, "uint 42");
	ok(conf_parse_uint("2147483647", &n) == 0 && n == 2147483647, "uint INT_MAX");
	ok(conf_parse_uint("2147483648", &n) < 0, "uint above INT_MAX is refused");
	ok(conf_parse_uint("99999999999999999999", &n) < 0, "uint overflow is refused");
	ok(conf_parse_uint("-1", &n) < 0, "uint -1 is refused");
	ok(conf_parse_uint("1 ", &n) < 0, "uint with a trailing blank is refused");
	ok(conf_parse_uint("", &n) < 0, "empty uint is refused");
	ok(conf_parse_int("-5", &n) == 0 && n == -5, "int -5");
	ok(conf_parse_int("-2147483648", &n) == 0 && n == -2147483647 - 1, "int INT_MIN");
	ok(conf_parse_int("-2147483649", &n) < 0, "int below INT_MIN is refused");
	ok(conf_parse_int("-", &n) < 0, "int '-' is refused");
	ok(conf_parse_int("--1", &n) < 0, "int '--1' is refused");
	ok(conf_parse_int("+1", &n) < 0, "int '+1' is refused");
}

static void test_umask(void)
{
	int m = -1;

	ok(conf_parse_umask("022", &m) == 0 && m == 022, "umask 022");
	ok(conf_parse_umask("0027", &m) == 0 && m == 027, "umask 0027");
	ok(conf_parse_umask("0777", &m) == 0 && m == 0777, "umask 0777");
	ok(conf_parse_umask("0", &m) == 0 && m == 0, "umask 0");
	ok(conf_parse_umask("0778", &m) < 0, "umask with an 8 is refused");
	ok(conf_parse_umask("07777", &m) < 0, "umask above 0777 is refused");
	ok(conf_parse_umask("", &m) < 0, "empty umask is refused");
	ok(conf_parse_umask("u=rwx", &m) < 0, "symbolic umask is refused");
}

/* Splits s and compares with the words in want ("|"-separated). */
static void split_is(const char *s, const char *want, const char *name)
{
	char **argv = NULL, got[512] = "";
	const char *err = NULL;
	size_t o = 0;

	if (conf_split_command(s, &argv, &err) < 0) {
		ok(0, "%s (error: %s)", name, err);
		return;
	}
	for (char **a = argv; *a; a++)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", a == argv ? "" : "|", *a);
	conf_free_argv(argv);
	is_str(got, want, name);
}

static void split_fails(const char *s, const char *want_err)
{
	char **argv = NULL;
	const char *err = NULL;

	ok(conf_split_command(s, &argv, &err) < 0 && argv == NULL && err &&
	       strcmp(err, want_err) == 0,
	   "'%s' fails with '%s' (got '%s')", s, want_err, err ? err : "(none)");
}

static void test_split(void)
{
	char **argv = NULL;
	const char *err = NULL;

	split_is("a b c", "a|b|c", "plain words");
	split_is("  a \t b\n c  ", "a|b|c", "blanks, tabs and newlines separate");
	split_is("nginx -g \"daemon off;\"", "nginx|-g|daemon off;", "double quotes");
	split_is("sh -c 'echo \"$HOME\"'", "sh|-c|echo \"$HOME\"", "single quotes keep all");
	split_is("a\\ b c", "a b|c", "backslash escapes a blank");
	split_is("\"a\\\"b\" \"c\\\\d\" \"e\\$f\" \"g\\nh\"", "a\"b|c\\d|e$f|g\\nh",
		 "escapes inside double quotes");
	split_is("x'y'\"z\"w", "xyzw", "quoted pieces join a word");
	split_is("foo \\\n    --bar", "foo|--bar", "backslash-newline continues the line");
	split_is("ab\\\ncd", "abcd", "backslash-newline inside a word joins it");
	split_is("\"a\\\nb\"", "ab", "backslash-newline inside double quotes");
	split_is("'a\\\nb'", "a\\\nb", "single quotes keep backslash-newline");
	split_is("\\\n\\\n a", "a", "leading line continuations");
	split_is("a ''", "a|", "an empty quoted word is a word");
	split_is("echo $HOME *", "echo|$HOME|*", "no expansion");
	ok(conf_split_command("", &argv, &err) == 0 && argv && !argv[0], "empty command: no words");
	conf_free_argv(argv);
	ok(conf_split_command("   \n ", &argv, &err) == 0 && argv && !argv[0],
	   "blank command: no words");
	conf_free_argv(argv);
	split_fails("echo 'oops", "unterminated single quote");
	split_fails("echo \"oops", "unterminated double quote");
	split_fails("echo oops\\", "backslash at the end of the command");
	conf_free_argv(NULL);
	ok(1, "conf_free_argv(NULL) is harmless");
}

int main(void)
{
	tap_plan(144);
	test_durations();
	test_sizes();
	test_signals();
	test_bools();
	test_integers();
	test_umask();
	test_split();
	return tap_done();
}
