/* Defaults and lifetime of the configuration structs. */
#include "conf.h"
#include "units.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void conf_service_defaults(struct service_conf *s)
{
	memset(s, 0, sizeof(*s));
	s->umask = -1;
	s->restart = RESTART_NO;
	conf_set_exit_expected(s, 0, true);
	s->start_secs_ms = 1000;
	s->start_retries = 3;
	/* Docker's restart backoff: 100 ms doubling to a minute, forgotten
	 * after 10 s of stable running. */
	s->backoff_min_ms = 100;
	s->backoff_max_ms = 60000;
	s->backoff_reset_ms = 10000;
	s->stop_signal = SIGTERM;
	s->stop_timeout_ms = 10000;
	s->kill_group = true;
	s->ready.kind = READY_NONE;
	s->ready.timeout_ms = 60000;
	s->ready.interval_ms = 100;
	s->type = SERVICE_SIMPLE;
	s->autostart = true;
	s->priority = 999;
	s->out.kind = LOG_PREFIX;
	s->err.kind = LOG_PREFIX;
}

void conf_defaults(struct cinit_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->shutdown_timeout_ms = 30000;
	c->grace_ms = 5000;
	c->log_format = LOGFMT_PLAIN;
	c->verbosity = 1;
	c->control_socket_mode = 0700; /* supervisord's default chmod */
	c->tail_buffer = 64 * 1024;
}

static void log_conf_free(struct log_conf *l)
{
	free(l->path);
	l->path = NULL;
}

void conf_service_free(struct service_conf *s)
{
	free(s->name);
	free(s->command);
	conf_free_argv(s->argv);
	free(s->user);
	free(s->group);
	free(s->directory);
	conf_free_argv(s->env);
	conf_free_argv(s->depends);
	free(s->ready.host);
	free(s->ready.port);
	free(s->ready.path);
	conf_free_argv(s->ready.argv);
	log_conf_free(&s->out);
	log_conf_free(&s->err);
	free(s->file);
	free(s->section);
	memset(s, 0, sizeof(*s));
}

void conf_free(struct cinit_conf *c)
{
	for (int i = 0; i < c->n_services; i++)
		conf_service_free(&c->services[i]);
	free(c->services);
	free(c->control_socket);
	free(c->control_socket_owner);
	memset(c, 0, sizeof(*c));
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int argv_eq(char **a, char **b)
{
	if (!a || !b)
		return (!a || !*a) && (!b || !*b);
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return 0;
	return *a == *b;
}

static int log_eq(const struct log_conf *a, const struct log_conf *b)
{
	return a->kind == b->kind && str_eq(a->path, b->path) && a->max_bytes == b->max_bytes &&
	       a->backups == b->backups;
}

static int ready_eq(const struct ready_conf *a, const struct ready_conf *b)
{
	return a->kind == b->kind && str_eq(a->host, b->host) && str_eq(a->port, b->port) &&
	       str_eq(a->path, b->path) && argv_eq(a->argv, b->argv) &&
	       a->timeout_ms == b->timeout_ms && a->interval_ms == b->interval_ms;
}

static const struct rlimit_conf *find_rlimit(const struct service_conf *s, int resource)
{
	for (int i = 0; i < s->n_rlimits && i < CONF_MAX_RLIMITS; i++)
		if (s->rlimits[i].resource == resource)
			return &s->rlimits[i];
	return NULL;
}

/* Field by field and in any order: memcmp would also compare the padding
 * after `resource`, which struct assignment need not copy. */
static int rlimits_eq(const struct service_conf *a, const struct service_conf *b)
{
	if (a->n_rlimits != b->n_rlimits)
		return 0;
	for (int i = 0; i < a->n_rlimits && i < CONF_MAX_RLIMITS; i++) {
		const struct rlimit_conf *x = &a->rlimits[i];
		const struct rlimit_conf *y = find_rlimit(b, x->resource);
		if (!y || x->value.rlim_cur != y->value.rlim_cur ||
		    x->value.rlim_max != y->value.rlim_max)
			return 0;
	}
	return 1;
}

/* Two services are equal when a running instance of one may stand for the
 * other: everything that shapes the process or its supervision matches.
 * Where it was defined does not matter. */
int conf_service_equal(const struct service_conf *a, const struct service_conf *b)
{
	return str_eq(a->name, b->name) && argv_eq(a->argv, b->argv) && str_eq(a->user, b->user) &&
	       str_eq(a->group, b->group) && str_eq(a->directory, b->directory) &&
	       argv_eq(a->env, b->env) && a->umask == b->umask && a->restart == b->restart &&
	       memcmp(a->exit_codes, b->exit_codes, sizeof(a->exit_codes)) == 0 &&
	       a->start_secs_ms == b->start_secs_ms && a->start_retries == b->start_retries &&
	       a->backoff_min_ms == b->backoff_min_ms && a->backoff_max_ms == b->backoff_max_ms &&
	       a->backoff_reset_ms == b->backoff_reset_ms && a->stop_signal == b->stop_signal &&
	       a->stop_timeout_ms == b->stop_timeout_ms && a->kill_group == b->kill_group &&
	       argv_eq(a->depends, b->depends) && ready_eq(&a->ready, &b->ready) &&
	       a->type == b->type && a->critical == b->critical && a->main == b->main &&
	       a->autostart == b->autostart && a->priority == b->priority &&
	       log_eq(&a->out, &b->out) && log_eq(&a->err, &b->err) &&
	       a->redirect_stderr == b->redirect_stderr && rlimits_eq(a, b);
}
