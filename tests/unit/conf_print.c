/* conf_print: the effective configuration in the native format. What it
 * writes loads again to an equal configuration: supervisord files
 * converted this way can be saved as cinit.ini. */
#include "conf/conf.h"
#include "tests/tap.h"

#include <stdlib.h>

#define CONFIGS "tests/configs/"

static char *print(const struct cinit_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_print(f, c);
	fclose(f);
	return buf;
}

static int same_conf(const struct cinit_conf *a, const struct cinit_conf *b)
{
	int same = a->shutdown_timeout_ms == b->shutdown_timeout_ms && a->grace_ms == b->grace_ms &&
		   a->log_format == b->log_format && a->verbosity == b->verbosity &&
		   !a->control_socket == !b->control_socket &&
		   (!a->control_socket || strcmp(a->control_socket, b->control_socket) == 0) &&
		   a->n_services == b->n_services;

	for (int i = 0; same && i < a->n_services; i++) {
		if (!conf_service_equal(&a->services[i], &b->services[i])) {
			printf("# service %s differs\n", a->services[i].name);
			same = 0;
		}
	}
	return same;
}

/* Drops the "# from FILE:LINE" lines, in place. */
static char *uncommented(char *text)
{
	char *in = text, *out = text;

	while (*in) {
		char *eol = strchr(in, '\n');
		size_t n = eol ? (size_t)(eol - in + 1) : strlen(in);
		if (*in != '#') {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	*out = '\0';
	return text;
}

/* Loads path, prints, loads the print: equal, and printing is stable. */
static void round_trip_file(const char *path)
{
	struct cinit_conf a, b;
	char *one, *two;

	if (conf_load(path, &a, NULL) != 0) {
		ok(0, "%s loads", path);
		ok(0, "%s: printed form loads", path);
		ok(0, "%s: printing is stable", path);
		return;
	}
	ok(a.n_services > 0, "%s loads", path);
	one = print(&a);
	ok(conf_load_string("printed.ini", one, &b, stderr) == 0 && same_conf(&a, &b),
	   "%s: printed form loads to an equal config", path);
	two = print(&b);
	ok(strcmp(uncommented(one), uncommented(two)) == 0,
	   "%s: printing it again gives the same text (but for where it came from)", path);
	conf_free(&a);
	conf_free(&b);
	free(one);
	free(two);
}

/* The service with every awkward value the printer must guard. */
static void test_awkward_values(void)
{
	struct cinit_conf a, b;
	struct service_conf *s;
	char *text;
	static const char *argv[] = {"/bin/sh",	     "-c",     "a ; b", " lead",     "trail ",
				     "it's",	     "\"dq\"", "",	"tab\there", "new\nline",
				     "\n  indented", "#hash",  ";semi", "$HOME",     "back\\slash",
				     "x\r",	     NULL};
	static const char *env[] = {
	    "A=a ; b",	   "B= lead",	    "C=trail ",	     "D=\"q\" 'q'", "E=",  "F=$x ${y} $$",
	    "G=new\nline", "H=comma, here", "I=back\\slash", "J=;",	    "K=#", "L=\n",
	    NULL};

	conf_defaults(&a);
	a.control_socket = strdup("/run/cinit.sock");
	a.services = calloc(1, sizeof(*a.services));
	a.n_services = 1;
	s = &a.services[0];
	conf_service_defaults(s);
	s->name = strdup("odd");
	s->argv = calloc(sizeof(argv) / sizeof(argv[0]), sizeof(char *));
	for (int i = 0; argv[i]; i++)
		s->argv[i] = strdup(argv[i]);
	s->env = calloc(sizeof(env) / sizeof(env[0]), sizeof(char *));
	for (int i = 0; env[i]; i++)
		s->env[i] = strdup(env[i]);
	s->ready.kind = READY_EXEC;
	s->ready.argv = calloc(3, sizeof(char *));
	s->ready.argv[0] = strdup("check");
	s->ready.argv[1] = strdup("two words ;x");
	s->start_secs_ms = 1500;
	s->stop_timeout_ms = 0;
	s->backoff_max_ms = 7200000;
	s->out.kind = LOG_FILE;
	s->out.path = strdup("/var/log/odd app.log");
	s->out.max_bytes = 1000;
	s->umask = 0;
	s->n_rlimits = 2;
	s->rlimits[0].resource = RLIMIT_NOFILE;
	s->rlimits[0].value.rlim_cur = 1024;
	s->rlimits[0].value.rlim_max = RLIM_INFINITY;
	s->rlimits[1].resource = RLIMIT_CORE;
	s->rlimits[1].value.rlim_cur = RLIM_INFINITY;
	s->rlimits[1].value.rlim_max = RLIM_INFINITY;
	text = print(&a);
	ok(conf_load_string("printed.ini", text, &b, stderr) == 0, "awkward values print loadably");
	ok(same_conf(&a, &b), "and load back equal");
	if (!same_conf(&a, &b))
		printf("# %s\n", text);
	conf_free(&a);
	conf_free(&b);
	free(text);
}

static void test_long_command(void)
{
	char *text = malloc(9000), *word = malloc(4097);
	struct cinit_conf a, b;
	char *printed;

	memset(word, 'w', 4096);
	word[4096] = '\0';
	snprintf(text, 9000, "[service:big]\ncommand = run '%s' \"%s;\"\n", word, word);
	ok(conf_load_string("big.ini", text, &a, stderr) == 0, "a command of 8 KiB");
	printed = print(&a);
	ok(conf_load_string("printed.ini", printed, &b, stderr) == 0 && same_conf(&a, &b),
	   "prints and loads back equal");
	ok(a.n_services == 1 && strlen(a.services[0].argv[2]) == 4097, "its words whole");
	conf_free(&a);
	conf_free(&b);
	free(printed);
	free(text);
	free(word);
}

static void test_form(void)
{
	struct cinit_conf c;
	char *text;

	ok(conf_load_string("x.ini",
			    "[service:x]\ncommand = nginx -g 'daemon off;'\nstop_signal = 3\n"
			    "environment = A=1, B=two words\n",
			    &c, NULL) == 0,
	   "a small config");
	text = print(&c);
	is_str(text,
	       "[cinit]\nshutdown_timeout = 30s\ngrace = 5s\ncontrol_socket_mode = 0700\n"
	       "tail_buffer = 64k\nlog_format = plain\nverbosity = 1\n\n"
	       "# from x.ini:1 [service:x]\n[service:x]\ncommand = nginx -g 'daemon off;'\n"
	       "environment = A=1, B=\"two words\"\ntype = simple\nrestart = no\nexit_codes = 0\n"
	       "start_secs = 1s\nstart_retries = 3\nbackoff_min = 100ms\nbackoff_max = 1m\n"
	       "backoff_reset = 10s\nstop_signal = QUIT\nstop_timeout = 10s\nkill_group = true\n"
	       "ready = none\nready_timeout = 1m\nready_interval = 100ms\ncritical = false\n"
	       "main = false\nautostart = true\npriority = 999\nstdout = prefix\n"
	       "stdout_max_bytes = 0\nstdout_backups = 0\nstderr = prefix\nstderr_max_bytes = 0\n"
	       "stderr_backups = 0\nredirect_stderr = false\n",
	       "prints every key, defaults included, signals by name");
	conf_free(&c);
	free(text);
}

int main(void)
{
	static const char *files[] = {
	    CONFIGS "native/basic.ini",
	    CONFIGS "native/full.ini",
	    CONFIGS "native/include/cinit.ini",
	    CONFIGS "supervisord/nginx-php-fpm.conf",
	    CONFIGS "supervisord/webapp.conf",
	    CONFIGS "supervisord/numprocs.conf",
	    CONFIGS "supervisord/confd/supervisord.conf",
	};
	enum { N = sizeof(files) / sizeof(files[0]) };

	tap_plan(3 * N + 7);
	for (size_t i = 0; i < N; i++)
		round_trip_file(files[i]);
	test_awkward_values();
	test_long_command();
	test_form();
	return tap_done();
}
