/* supervisord files, loaded as they ship in images: the mapping of
 * [program:x] onto services, the notices for what does not apply, the
 * warnings for what cannot be honoured, numprocs and includes. */
#include "conf/conf.h"
#include "tests/tap.h"
#include "tests/unit/conf_said.h"

/* supervisord texts are named as such in messages */
#define load(text, c) load_named("supervisord.conf", text, c)

#include <signal.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#define SV "tests/configs/supervisord/"

static void test_nginx_php_fpm(void)
{
	struct cinit_conf c;
	const struct service_conf *fpm, *nginx;

	is_int(load_file(SV "nginx-php-fpm.conf", &c), 0, "nginx + php-fpm loads as is");
	is_str(said,
	       SV "nginx-php-fpm.conf:3: [supervisord] ignored: cinit is PID 1 itself; logfile, "
		  "pidfile and daemon settings do not apply\n" SV
		  "nginx-php-fpm.conf:10: [unix_http_server] served as cinit's control socket: "
		  "`cinit ctl`, or supervisorctl as a link to cinit, speaks to it (not XML-RPC)\n" SV
		  "nginx-php-fpm.conf:14: [rpcinterface:supervisor] ignored: cinit has no XML-RPC "
		  "interface to extend\n" SV
		  "nginx-php-fpm.conf:17: [supervisorctl] ignored: supervisorctl as a link to cinit "
		  "finds the socket by [unix_http_server]",
	       "one notice per section that does not apply");
	fpm = find(&c, "php-fpm");
	nginx = find(&c, "nginx");
	ok(c.n_services == 2 && fpm && nginx, "two services, named after the programs");
	ok(fpm && argv_is(fpm->argv,
			  (const char *[]){"/usr/local/sbin/php-fpm", "--nodaemonize",
					   "--fpm-config", "/usr/local/etc/php-fpm.conf", NULL}),
	   "php-fpm's command");
	ok(nginx &&
	       argv_is(nginx->argv, (const char *[]){"/usr/sbin/nginx", "-g", "daemon off;", NULL}),
	   "nginx's command");
	ok(fpm && nginx && fpm->restart == RESTART_ALWAYS && nginx->restart == RESTART_ALWAYS,
	   "autorestart=true is restart always");
	ok(fpm && nginx && fpm->priority == 5 && nginx->priority == 10, "priorities");
	ok(nginx && nginx->stop_signal == SIGQUIT && nginx->stop_timeout_ms == 20000,
	   "stopsignal, stopwaitsecs");
	ok(fpm && fpm->out.kind == LOG_INHERIT && fpm->err.kind == LOG_INHERIT &&
	       !fpm->redirect_stderr,
	   "/dev/stdout and /dev/stderr are cinit's own, inherited");
	ok(nginx && !nginx->kill_group && nginx->start_secs_ms == 1000 &&
	       nginx->start_retries == 3 && nginx->autostart && !nginx->user,
	   "supervisord's defaults: no group kill, startsecs 1, startretries 3, user root is none");
	ok(nginx && strcmp(nginx->section, "program:nginx") == 0 && nginx->line == 31,
	   "where the program was defined");
	conf_free(&c);
}

static void test_webapp(void)
{
	struct cinit_conf c;
	const struct service_conf *web, *worker, *cron;

	is_int(load_file(SV "webapp.conf", &c), 0, "web app + worker + cron loads");
	is_str(said,
	       SV "webapp.conf:1: [supervisord] ignored: cinit is PID 1 itself; logfile, pidfile "
		  "and daemon settings do not apply (its environment passes to every program)",
	       "the notice says what [supervisord] passes on");
	web = find(&c, "web");
	worker = find(&c, "worker");
	cron = find(&c, "cron");
	ok(web && argv_is(web->env, (const char *[]){"PYTHONUNBUFFERED=1",
						     "DJANGO_SETTINGS_MODULE=app.settings",
						     "APP_ENV=web", NULL}),
	   "web: [supervisord]'s environment under its own, the inline comment cut");
	ok(web && strcmp(web->user, "app") == 0 && strcmp(web->directory, "/srv/app") == 0,
	   "web: user, directory");
	ok(web && web->out.kind == LOG_INHERIT && web->redirect_stderr,
	   "web: /proc/1/fd/1 is cinit's stdout; redirect_stderr");
	ok(web && web->kill_group && web->restart == RESTART_ON_FAILURE,
	   "web: stopasgroup, and autorestart's default unexpected is on-failure");
	ok(worker && conf_exit_expected(worker, 0) && conf_exit_expected(worker, 2) &&
	       !conf_exit_expected(worker, 1),
	   "worker: exitcodes");
	ok(worker && worker->start_secs_ms == 10000 && worker->start_retries == 5 &&
	       worker->stop_timeout_ms == 600000 && worker->stop_signal == SIGTERM &&
	       worker->umask == 022,
	   "worker: startsecs, startretries, stopwaitsecs, stopsignal, umask");
	ok(worker && worker->out.kind == LOG_FILE &&
	       strcmp(worker->out.path, "/var/log/app/worker.log") == 0 &&
	       worker->out.max_bytes == 10 << 20 && worker->out.backups == 5,
	   "worker: stdout to a rotated file");
	ok(worker && worker->err.kind == LOG_FILE && worker->err.max_bytes == 50 << 20 &&
	       worker->err.backups == 10,
	   "worker: stderr file with supervisord's default rotation");
	ok(worker && argv_is(worker->env,
			     (const char *[]){"APP_ENV=production", "PYTHONUNBUFFERED=1", NULL}),
	   "worker: [supervisord]'s environment");
	ok(cron && argv_is(cron->argv, (const char *[]){"cron", "-f", NULL}),
	   "cron: the '#' comment is cut as supervisord does");
	ok(cron && cron->out.kind == LOG_NULL && cron->err.kind == LOG_INHERIT &&
	       cron->restart == RESTART_ALWAYS && cron->priority == 1,
	   "cron: stdout NONE is null");
	conf_free(&c);
}

static void test_numprocs(void)
{
	struct cinit_conf c;
	struct utsname u;
	char *here = realpath(SV, NULL), want[512], host[300];

	uname(&u);
	is_int(load_file(SV "numprocs.conf", &c), 0, "numprocs loads");
	ok(c.n_services == 4 && find(&c, "queue_01") && find(&c, "queue_04") &&
	       !find(&c, "queue_00"),
	   "four services from numprocs_start 1");
	const struct service_conf *q = find(&c, "queue_03");
	ok(q && q->argv[5] && strcmp(q->argv[5], "--name=queue_03") == 0,
	   "%%(program_name)s_%%(process_num)02d in the command");
	snprintf(want, sizeof(want), "%s/logs/queue-3.log", here);
	ok(q && q->out.kind == LOG_FILE && strcmp(q->out.path, want) == 0,
	   "%%(here)s is the file's absolute directory");
	snprintf(host, sizeof(host), "HOST=%s", u.nodename);
	ok(q && argv_is(q->env, (const char *[]){host, "WORKER=3", NULL}),
	   "%%(host_node_name)s and %%(process_num)d in the environment");
	ok(q && q->kill_group && strcmp(q->user, "www-data") == 0 && q->stop_timeout_ms == 3600000,
	   "the other keys on every copy");
	free(here);
	conf_free(&c);
}

static void test_confd(void)
{
	struct cinit_conf c;
	const struct service_conf *redis, *app;

	is_int(load_file(SV "confd/supervisord.conf", &c), 0, "a conf.d layout loads");
	is_str(said,
	       SV
	       "confd/supervisord.conf:2: [unix_http_server] served as cinit's control socket: "
	       "`cinit ctl`, or supervisorctl as a link to cinit, speaks to it (not XML-RPC)\n" SV
	       "confd/supervisord.conf:6: [supervisord] ignored: cinit is PID 1 itself; logfile, "
	       "pidfile and daemon settings do not apply\n" SV
	       "confd/supervisord.conf:11: [rpcinterface:supervisor] ignored: cinit has no "
	       "XML-RPC interface to extend\n" SV
	       "confd/supervisord.conf:14: [supervisorctl] ignored: supervisorctl as a link to "
	       "cinit finds the socket by [unix_http_server]\n" SV "confd/conf.d/app.conf:11: [program:app] stdout_events_enabled: "
	       "warning: not supported, ignored: cinit has no event listeners\n" SV
	       "confd/conf.d/app.conf:12: [program:app] stderr_events_enabled: warning: not "
	       "supported, ignored: cinit has no event listeners\n" SV
	       "confd/conf.d/app.conf:14: [group:web] warning: not supported: cinit has no groups; "
	       "its programs (redis,app) run as separate services\n" SV
	       "confd/conf.d/app.conf:17: [eventlistener:crashmail] warning: not supported: cinit "
	       "has no event listeners; it does not run",
	       "notices, then the included files' warnings by their paths");
	redis = find(&c, "redis");
	app = find(&c, "app");
	ok(c.n_services == 2 && redis && app, "both programs of conf.d/*.conf");
	ok(app && strcmp(app->file, SV "confd/conf.d/app.conf") == 0,
	   "a service knows its file by its path");
	ok(redis && redis->out.kind == LOG_INHERIT && redis->redirect_stderr,
	   "stderr_logfile=/dev/stdout with stdout inherited: redirect_stderr");
	ok(app && argv_is(app->env, (const char *[]){"NODE_ENV=production", "PORT=3000", NULL}),
	   "environment with and without quotes");
	conf_free(&c);
}

static void test_mapping(void)
{
	struct cinit_conf c;

	is_int(load("[program:a]\ncommand=a\nautorestart=false\n[program:b]\ncommand=b\n"
		    "autorestart=unexpected\n[program:c]\ncommand=c\nautorestart=sometimes\n",
		    &c),
	       1, "autorestart");
	is_str(
	    said,
	    "supervisord.conf:9: [program:c] autorestart: expected true, false or unexpected, got "
	    "'sometimes'",
	    "a bad autorestart names what it expected");
	is_int(load("[program:a]\ncommand=a\nautorestart=false\n[program:b]\ncommand=b\n"
		    "autorestart=unexpected\n",
		    &c),
	       0, "false and unexpected");
	ok(c.services[0].restart == RESTART_NO && c.services[1].restart == RESTART_ON_FAILURE,
	   "are no and on-failure");
	conf_free(&c);

	is_int(load("[program:a]\ncommand=a\nstdout_logfile=AUTO\nstderr_logfile=syslog\n", &c), 0,
	       "AUTO and syslog");
	is_str(said,
	       "supervisord.conf:3: [program:a] stdout_logfile: warning: AUTO would be a file in "
	       "supervisord's childlogdir; cinit prefixes the lines with the program name on its "
	       "own output instead\nsupervisord.conf:4: [program:a] stderr_logfile: warning: cinit "
	       "does not write to syslog; it prefixes the lines on its own output instead",
	       "are prefix, with a warning each");
	ok(c.services[0].out.kind == LOG_PREFIX && c.services[0].err.kind == LOG_PREFIX, "prefix");
	conf_free(&c);

	is_int(load("[program:a]\ncommand=a\nstdout_logfile=/dev/stderr\nstderr_logfile=/dev/fd/1\n"
		    "[program:b]\ncommand=b\nstdout_logfile=app.log\nstdout_logfile_maxbytes=0\n"
		    "stderr_logfile=/dev/null\n",
		    &c),
	       0, "crossed streams, a relative file, /dev/null");
	ok(c.services[0].out.kind == LOG_FILE &&
	       strcmp(c.services[0].out.path, "/dev/stderr") == 0 &&
	       c.services[0].out.max_bytes == 0,
	   "stdout to /dev/stderr reopens it, never rotated");
	ok(c.services[0].err.kind == LOG_FILE && strcmp(c.services[0].err.path, "/dev/fd/1") == 0 &&
	       !c.services[0].redirect_stderr,
	   "stderr to stdout while stdout goes elsewhere reopens it");
	ok(c.services[1].out.kind == LOG_FILE && strcmp(c.services[1].out.path, "./app.log") == 0 &&
	       c.services[1].out.max_bytes == 0 && c.services[1].out.backups == 10,
	   "app.log is ./app.log; maxbytes=0 is never rotated");
	ok(c.services[1].err.kind == LOG_NULL, "/dev/null is null");
	conf_free(&c);

	is_int(load("[program:a]\ncommand=a\nkillasgroup=true\nredirect_stderr=true\n"
		    "stderr_logfile=/tmp/x\n",
		    &c),
	       0, "killasgroup alone; stderr_logfile with redirect_stderr");
	is_str(
	    said,
	    "supervisord.conf:3: [program:a] killasgroup: warning: cinit has one setting for "
	    "both: the stop signal goes to the whole process group too, as with "
	    "stopasgroup=true\nsupervisord.conf:5: [program:a] stderr_logfile: warning: ignored, "
	    "since redirect_stderr is true (as supervisord does)",
	    "both are warnings");
	ok(c.services[0].kill_group && c.services[0].err.kind == LOG_PREFIX, "kill_group set");
	conf_free(&c);
}

static void test_rotation(void)
{
	struct cinit_conf c;

	is_int(
	    load(
		"[program:a]\ncommand=a\nredirect_stderr=true\nstderr_logfile_maxbytes=10MB\n"
		"stderr_logfile_backups=3\n[program:b]\ncommand=b\nstdout_logfile=/dev/stdout\n"
		"stdout_logfile_maxbytes=10MB\nstderr_logfile=NONE\nstderr_logfile_backups=4\n"
		"[program:c]\ncommand=c\nstdout_logfile_maxbytes=1MB\nstderr_logfile=/dev/stderr\n"
		"stderr_logfile_maxbytes=0\nstderr_logfile_backups=0\n"
		"[program:d]\ncommand=d\nstdout_logfile=/dev/stderr\nstdout_logfile_maxbytes=1MB\n",
		&c),
	    0, "rotation settings on streams");
	is_str(said,
	       "supervisord.conf:4: [program:a] stderr_logfile_maxbytes: warning: ignored, since "
	       "stderr goes where stdout goes\n"
	       "supervisord.conf:5: [program:a] stderr_logfile_backups: warning: ignored, since "
	       "stderr goes where stdout goes\n"
	       "supervisord.conf:9: [program:b] stdout_logfile_maxbytes: warning: ignored, since "
	       "cinit rotates only a log file of its own\n"
	       "supervisord.conf:11: [program:b] stderr_logfile_backups: warning: ignored, since "
	       "cinit rotates only a log file of its own\n"
	       "supervisord.conf:14: [program:c] stdout_logfile_maxbytes: warning: ignored, since "
	       "cinit rotates only a log file of its own\n"
	       "supervisord.conf:21: [program:d] stdout_logfile_maxbytes: warning: ignored, since "
	       "cinit rotates only a log file of its own",
	       "are named when they ask for something; the usual 0 beside /dev/stdout is not");
	ok(c.n_services == 4 && c.services[0].err.max_bytes == 0 &&
	       c.services[0].err.backups == 0 && c.services[1].out.max_bytes == 0 &&
	       c.services[1].err.backups == 0 && c.services[2].out.max_bytes == 0 &&
	       c.services[3].out.kind == LOG_FILE && c.services[3].out.max_bytes == 0,
	   "and dropped, so that --check prints none");
	conf_free(&c);
}

static void test_warnings(void)
{
	struct cinit_conf c;

	is_int(load("[program:a]\ncommand=a\nstdout_capture_maxbytes=1MB\nstdout_syslog=true\n"
		    "serverurl=AUTO\nstartsec=5\nstartsecs=2\nstartsecs=3\n",
		    &c),
	       0, "keys cinit cannot honour are not errors");
	is_str(said,
	       "supervisord.conf:3: [program:a] stdout_capture_maxbytes: warning: not supported, "
	       "ignored: cinit has no event listeners\n"
	       "supervisord.conf:4: [program:a] stdout_syslog: warning: not supported, ignored: "
	       "cinit does not write to syslog; the output goes where stdout_logfile says\n"
	       "supervisord.conf:5: [program:a] serverurl: warning: not supported, ignored: cinit "
	       "has no XML-RPC server for the program to talk to\n"
	       "supervisord.conf:6: [program:a] startsec: warning: unknown key, ignored; did you "
	       "mean 'startsecs'?\n"
	       "supervisord.conf:7: [program:a] startsecs: warning: set again at line 8, which "
	       "counts (as in supervisord)",
	       "each is named in a warning");
	ok(c.services[0].start_secs_ms == 3000, "the last of a repeated key counts");
	conf_free(&c);

	is_int(load("[supervisord]\nuser=app\numask=002\nminfds=65536\nenvironment=A=1\n"
		    "[program:a]\ncommand=a\n[program:b]\ncommand=b\nuser=b\numask=077\n"
		    "environment=A=2\n[fcgi-program:php]\ncommand=php-cgi\n[mystery]\nx=1\n",
		    &c),
	       0, "[supervisord] settings, [fcgi-program:x] and an unknown section");
	is_str(
	    said,
	    "supervisord.conf:1: [supervisord] ignored: cinit is PID 1 itself; logfile, pidfile "
	    "and daemon settings do not apply (its environment, user and umask pass to every "
	    "program)\nsupervisord.conf:4: [supervisord] minfds: warning: not honoured: cinit "
	    "does not raise its own limits; set rlimit_nofile or rlimit_nproc on a [service:x] "
	    "instead\nsupervisord.conf:13: [fcgi-program:php] warning: not supported: cinit does "
	    "not manage FastCGI sockets; it does not run\nsupervisord.conf:15: [mystery] warning: "
	    "unknown section, ignored",
	    "what is passed on, what is not honoured, what does not run");
	ok(c.n_services == 2 && strcmp(c.services[0].user, "app") == 0 &&
	       c.services[0].umask == 002 &&
	       argv_is(c.services[0].env, (const char *[]){"A=1", NULL}),
	   "a program inherits user, umask and environment");
	ok(c.n_services == 2 && strcmp(c.services[1].user, "b") == 0 &&
	       c.services[1].umask == 077 &&
	       argv_is(c.services[1].env, (const char *[]){"A=2", NULL}),
	   "its own settings win");
	conf_free(&c);
}

static void test_supervisord_keys(void)
{
	struct cinit_conf c;

	is_int(load("[supervisord]\nnodaemon=true\nenvirnoment=A=1\nloglevel=info\nnewthing=1\n"
		    "[program:a]\ncommand=a\n",
		    &c),
	       0, "unknown keys in [supervisord] are not errors");
	is_str(said,
	       "supervisord.conf:1: [supervisord] ignored: cinit is PID 1 itself; logfile, pidfile "
	       "and daemon settings do not apply\n"
	       "supervisord.conf:3: [supervisord] envirnoment: warning: unknown key, ignored; did "
	       "you mean 'environment'?\n"
	       "supervisord.conf:5: [supervisord] newthing: warning: unknown key, ignored",
	       "but each is named in a warning; supervisord's own keys are not");
	ok(c.n_services == 1 && !c.services[0].env, "the misspelt environment is not passed on");
	conf_free(&c);

	is_int(load("[inet_http_server]\nport=*:9001\nusername=admin\n[ctlplugin:wildcards]\n"
		    "supervisor.ctl_factory=x\n[program:a]\ncommand=a\n",
		    &c),
	       0, "[inet_http_server] and [ctlplugin:x]");
	is_str(said,
	       "supervisord.conf:1: [inet_http_server] ignored: cinit has no XML-RPC server; "
	       "[cinit] control_socket is its control interface\n"
	       "supervisord.conf:4: [ctlplugin:wildcards] ignored: supervisorctl plugins do not "
	       "apply to cinit",
	       "have one notice each, whatever their keys");
	conf_free(&c);
}

/* supervisor's issue 1170: %(ENV_X)s sees environment= of [supervisord]
 * and of the program, over cinit's own, wherever [supervisord] stands. */
static void test_env_layers(void)
{
	struct cinit_conf c;

	setenv("CINIT_SV_FOO", "from cinit's environment", 1);
	is_int(load("[program:a]\ncommand=echo '%(ENV_CINIT_SV_FOO)s'\n"
		    "[program:b]\ncommand=echo '%(ENV_CINIT_SV_FOO)s'\n"
		    "environment=CINIT_SV_FOO=\"from b\"\n"
		    "[program:c]\ncommand=echo %(ENV_CINIT_SV_BAR)s\n"
		    "environment=CINIT_SV_BAR=\"%(ENV_CINIT_SV_FOO)s and more\"\n"
		    "[supervisord]\nenvironment=CINIT_SV_FOO=\"from [supervisord]\"\n",
		    &c),
	       0, "a program may name a variable that only environment= sets");
	ok(c.n_services == 3 &&
	       argv_is(c.services[0].argv, (const char *[]){"echo", "from [supervisord]", NULL}),
	   "[supervisord]'s value wins over cinit's environment, even below the program");
	ok(c.n_services == 3 &&
	       argv_is(c.services[1].argv, (const char *[]){"echo", "from b", NULL}),
	   "the program's own value wins over [supervisord]'s");
	ok(c.n_services == 3 &&
	       argv_is(c.services[2].argv,
		       (const char *[]){"echo", "from", "[supervisord]", "and", "more", NULL}),
	   "environment= itself expands with [supervisord]'s variables");
	conf_free(&c);
	unsetenv("CINIT_SV_FOO");
}

static void test_errors(void)
{
	struct cinit_conf c;

	setenv("CINIT_SV_TEST", "/opt/x", 1);
	is_int(load("[program:a]\ncommand=%(ENV_CINIT_SV_TEST)s/bin/a --pct=100%%\n", &c), 0,
	       "%(ENV_X)s and %%");
	ok(c.n_services == 1 &&
	       argv_is(c.services[0].argv, (const char *[]){"/opt/x/bin/a", "--pct=100%", NULL}),
	   "expanded");
	conf_free(&c);

	is_int(load("[program:a]\ncommand=date +%s\n", &c), 1,
	       "a lone % is an error, as in "
	       "supervisord");
	is_str(said,
	       "supervisord.conf:2: [program:a] command: expected %% for a '%' or %(name)s for an "
	       "expansion, got 'date +%s'",
	       "that says how to write it");

	is_int(load("[program:w]\ncommand=w\nnumprocs=3\n", &c), 1,
	       "numprocs without %(process_num) in the name");
	is_str(said,
	       "supervisord.conf:1: [program:w] process_name: expected %(process_num) in the name "
	       "when numprocs is above 1, got '%(program_name)s'",
	       "names process_name");
	is_int(load("[program:w]\ncommand=w\nnumprocs=0\n", &c), 1, "numprocs 0");
	is_str(
	    said,
	    "supervisord.conf:3: [program:w] numprocs: expected a number from 1 to 1024, got '0'",
	    "names the range");

	is_int(load("[program:w]\ncommand=w\nprocess_name=w%(process_num)d\nnumprocs=3\n"
		    "stopsignal=NOPE\n",
		    &c),
	       1, "a bad key in a program with three copies");
	is_str(said,
	       "supervisord.conf:5: [program:w] stopsignal: expected a signal name or number such "
	       "as TERM, SIGTERM or 15, got 'NOPE'",
	       "is said once");

	is_int(
	    load("[program:a]\ncommand=a\nstdout_logfile=/tmp/a.log\nstdout_logfile_backups=-1\n",
		 &c),
	    1, "negative log backups");
	is_str(said,
	       "supervisord.conf:4: [program:a] stdout_logfile_backups: expected a whole number, 0 "
	       "or more, got '-1'",
	       "names the key");

	is_int(load("[program:nocommand]\nautostart=true\n", &c), 1, "a program without a command");
	is_str(
	    said,
	    "supervisord.conf:1: [program:nocommand] command: expected a command to run, got none",
	    "is an error");

	is_int(load("[program:a]\ncommand=a\n[program:a]\ncommand=b\n", &c), 1,
	       "the same program twice");
	is_str(
	    said,
	    "supervisord.conf:3: [program:a] expected a unique service name, but 'a' is defined at "
	    "supervisord.conf:1 too",
	    "names both");
	is_int(load("[program:has space]\ncommand=a\n", &c), 1, "a name cinit cannot use");
	is_str(said,
	       "supervisord.conf:1: [program:has space] process_name: expected a name of 1 to 64 "
	       "letters, digits, '-', '_', '.' or '@', got 'has space'",
	       "is an error naming process_name");
}

/* A string of n copies of fmt formatted with the copy's number. */
static char *repeated(const char *fmt, int n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	for (int i = 0; m && i < n; i++)
		fprintf(m, fmt, i, i);
	if (m)
		fclose(m);
	return text;
}

static void test_bounds(void)
{
	struct cinit_conf c;
	char *text = repeated(
	    "[program:p%d]\ncommand=a\nnumprocs=1024\nprocess_name=p%d_%%(process_num)d\n", 9);
	char *env = repeated("K%d=%d,", 8000);
	char *big;

	is_int(load(text, &c), 1, "nine programs of numprocs=1024");
	is_str(said,
	       "supervisord.conf:35: [program:p8] numprocs: expected at most 8192 services in all; "
	       "this section is not read",
	       "the ninth is past the bound of services, and named");
	free(text);

	if (asprintf(&big,
		     "[program:w]\ncommand=w\nnumprocs=1024\nprocess_name=w%%(process_num)d\n"
		     "environment=%s\n",
		     env) < 0)
		big = NULL;
	is_int(big ? load(big, &c) : -1, 1, "numprocs=1024 of a section of 80 KB");
	is_str(said,
	       "supervisord.conf:3: [program:w] numprocs: expected at most 64 MiB of sections with "
	       "their numprocs copies; this section is not read",
	       "is past the bound of bytes, and named");
	free(big);
	free(env);
}

int main(void)
{
	tap_plan(92);
	test_nginx_php_fpm();
	test_webapp();
	test_numprocs();
	test_confd();
	test_mapping();
	test_rotation();
	test_warnings();
	test_supervisord_keys();
	test_env_layers();
	test_errors();
	test_bounds();
	return tap_done();
}
