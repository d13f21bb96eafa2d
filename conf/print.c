/* conf_print: the effective configuration in the native format, written so
 * that loading it again gives an equal configuration. Whatever inih would
 * change on the way back in is guarded: blanks around a value and around a
 * line break (inih strips them), a ';' after a blank (inih takes it for a
 * comment), and a line that would start with ';' or '#'. */
#include "internal.h"
#include "units.h"

#include <ctype.h>
#include <string.h>

/* Tracks the last character written, to tell when a ';' would follow a
 * blank. */
struct out {
	FILE *f;
	char last;
};

static void put(struct out *o, char c)
{
	fputc(c, o->f);
	o->last = c;
}

static void puts_raw(struct out *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

void print_duration(FILE *f, int64_t ms)
{
	if (ms != 0 && ms % 3600000 == 0)
		fprintf(f, "%lldh", (long long)(ms / 3600000));
	else if (ms != 0 && ms % 60000 == 0)
		fprintf(f, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		fprintf(f, "%llds", (long long)(ms / 1000));
	else
		fprintf(f, "%lldms", (long long)ms);
}

void print_size(FILE *f, uint64_t bytes)
{
	static const char units[] = "TGMk";

	for (int i = 0; i < 4; i++) {
		uint64_t unit = 1ull << (10 * (4 - i));
		if (bytes != 0 && bytes % unit == 0) {
			fprintf(f, "%llu%c", (unsigned long long)(bytes / unit), units[i]);
			return;
		}
	}
	fprintf(f, "%llu", (unsigned long long)bytes);
}

static bool safe_word(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* A line break inside quotes: the quotes are closed and reopened on both
 * sides, so that no blank sits at the end of a line or the start of the
 * next, and the next line does not start with a comment character. */
static void quoted_newline(struct out *o, char q)
{
	put(o, q);
	put(o, q);
	put(o, '\n');
	put(o, '\t');
	put(o, q);
	put(o, q);
}

/* One word in single quotes; a quote or a ';' after a blank is written
 * outside them, backslash-escaped. */
static void print_word(struct out *o, const char *w)
{
	if (safe_word(w, "-_./:=@%+,")) {
		puts_raw(o, w);
		return;
	}
	put(o, '\'');
	for (; *w; w++) {
		if (*w == '\'') {
			puts_raw(o, "'\\''");
		} else if (*w == ';' && isspace((unsigned char)o->last)) {
			puts_raw(o, "'\\;'");
		} else if (*w == '\n') {
			quoted_newline(o, '\'');
		} else {
			put(o, *w);
		}
	}
	put(o, '\'');
}

static void print_words(struct out *o, char *const *argv)
{
	for (char *const *a = argv; a && *a; a++) {
		if (a != argv)
			put(o, ' ');
		print_word(o, *a);
	}
}

void print_command(FILE *f, char *const *argv)
{
	struct out o = {f, ' '};

	print_words(&o, argv);
}

static void env_value(struct out *o, const char *v)
{
	if (safe_word(v, "-_./:@%+=")) {
		puts_raw(o, v);
		return;
	}
	put(o, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == '$') {
			put(o, '\\');
			put(o, *v);
		} else if (*v == ';' && isspace((unsigned char)o->last)) {
			puts_raw(o, "\"\\;\"");
		} else if (*v == '\n') {
			quoted_newline(o, '"');
		} else {
			put(o, *v);
		}
	}
	put(o, '"');
}

void print_env_value(FILE *f, const char *v)
{
	struct out o = {f, ' '};

	env_value(&o, v);
}

static void print_env(FILE *f, char *const *env)
{
	struct out o = {f, ' '};

	fputs("environment = ", f);
	for (char *const *e = env; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (e != env)
			puts_raw(&o, ", ");
		if (!eq) {
			puts_raw(&o, *e);
			put(&o, '=');
			continue;
		}
		for (const char *k = *e; k < eq; k++)
			put(&o, *k);
		put(&o, '=');
		env_value(&o, eq + 1);
	}
	fputc('\n', f);
}

static void print_list(FILE *f, const char *key, char *const *items)
{
	fprintf(f, "%s = ", key);
	for (char *const *p = items; *p; p++)
		fprintf(f, "%s%s", p == items ? "" : ", ", *p);
	fputc('\n', f);
}

static void print_exit_codes(FILE *f, const struct service_conf *s)
{
	bool first = true;

	fputs("exit_codes = ", f);
	for (int code = 0; code < 256; code++) {
		if (!conf_exit_expected(s, code))
			continue;
		fprintf(f, "%s%d", first ? "" : ", ", code);
		first = false;
	}
	fputc('\n', f);
}

static void print_ready(FILE *f, const struct ready_conf *r)
{
	fputs("ready = ", f);
	switch (r->kind) {
	case READY_NONE:
		fputs("none", f);
		break;
	case READY_NOTIFY:
		fputs("notify", f);
		break;
	case READY_TCP:
		if (r->host && strchr(r->host, ':'))
			fprintf(f, "tcp:[%s]:%s", r->host, r->port ? r->port : "");
		else
			fprintf(f, "tcp:%s:%s", r->host ? r->host : "", r->port ? r->port : "");
		break;
	case READY_UNIX:
		fprintf(f, "unix:%s", r->path ? r->path : "");
		break;
	case READY_FILE:
		fprintf(f, "file:%s", r->path ? r->path : "");
		break;
	case READY_EXEC: {
		struct out o = {f, ':'};
		fputs("exec:", f);
		print_words(&o, r->argv);
		break;
	}
	}
	fputc('\n', f);
}

static void print_duration_key(FILE *f, const char *key, int64_t ms)
{
	fprintf(f, "%s = ", key);
	print_duration(f, ms);
	fputc('\n', f);
}

static void print_log(FILE *f, const char *stream, const struct log_conf *l)
{
	static const char *const kinds[] = {"prefix", "inherit", "", "null"};

	fprintf(f, "%s = %s\n", stream,
		l->kind == LOG_FILE ? (l->path ? l->path : "") : kinds[l->kind]);
	fprintf(f, "%s_max_bytes = ", stream);
	print_size(f, l->max_bytes);
	fprintf(f, "\n%s_backups = %u\n", stream, l->backups);
}

static void print_rlimit_value(FILE *f, rlim_t v)
{
	if (v == RLIM_INFINITY)
		fputs("unlimited", f);
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

static void print_rlimits(FILE *f, const struct service_conf *s)
{
	for (int i = 0; i < s->n_rlimits && i < CONF_MAX_RLIMITS; i++) {
		const struct rlimit_conf *r = &s->rlimits[i];
		const char *name = NULL;
		for (size_t j = 0; j < conf_n_rlimit_names; j++)
			if (conf_rlimit_names[j].resource == r->resource)
				name = conf_rlimit_names[j].name;
		if (!name) {
			fprintf(f, "# resource %d cannot be written\n", r->resource);
			continue;
		}
		fprintf(f, "rlimit_%s = ", name);
		print_rlimit_value(f, r->value.rlim_cur);
		if (r->value.rlim_max != r->value.rlim_cur) {
			fputc(':', f);
			print_rlimit_value(f, r->value.rlim_max);
		}
		fputc('\n', f);
	}
}

/* Names from the command line were never checked; one with a newline or
 * a ']' must not break the file. */
static void print_sanitized(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f || *s == ']' ? '?' : *s, f);
}

static void print_origin(FILE *f, const struct service_conf *s)
{
	if (!s->file)
		return;
	fputs("# from ", f);
	print_sanitized(f, s->file);
	fprintf(f, ":%d", s->line);
	if (s->section) {
		fputs(" [", f);
		print_sanitized(f, s->section);
		fputc(']', f);
	}
	fputc('\n', f);
}

static const char *restart_name(enum restart_policy r)
{
	return r == RESTART_ALWAYS ? "always" : r == RESTART_ON_FAILURE ? "on-failure" : "no";
}

static const char *bool_name(bool b)
{
	return b ? "true" : "false";
}

static void print_identity(FILE *f, const struct service_conf *s)
{
	fputs("command = ", f);
	print_command(f, s->argv);
	fputc('\n', f);
	if (s->user)
		fprintf(f, "user = %s\n", s->user);
	if (s->group)
		fprintf(f, "group = %s\n", s->group);
	if (s->directory)
		fprintf(f, "directory = %s\n", s->directory);
	if (s->env && s->env[0])
		print_env(f, s->env);
	if (s->umask >= 0)
		fprintf(f, "umask = %03o\n", (unsigned)s->umask);
}

static void print_lifecycle(FILE *f, const struct service_conf *s)
{
	char sig[32];

	fprintf(f, "type = %s\n", s->type == SERVICE_ONESHOT ? "oneshot" : "simple");
	fprintf(f, "restart = %s\n", restart_name(s->restart));
	print_exit_codes(f, s);
	print_duration_key(f, "start_secs", s->start_secs_ms);
	fprintf(f, "start_retries = %d\n", s->start_retries);
	print_duration_key(f, "backoff_min", s->backoff_min_ms);
	print_duration_key(f, "backoff_max", s->backoff_max_ms);
	print_duration_key(f, "backoff_reset", s->backoff_reset_ms);
	fprintf(f, "stop_signal = %s\n", conf_signal_name(s->stop_signal, sig, sizeof(sig)));
	print_duration_key(f, "stop_timeout", s->stop_timeout_ms);
	fprintf(f, "kill_group = %s\n", bool_name(s->kill_group));
	if (s->depends && s->depends[0])
		print_list(f, "depends", s->depends);
	print_ready(f, &s->ready);
	print_duration_key(f, "ready_timeout", s->ready.timeout_ms);
	print_duration_key(f, "ready_interval", s->ready.interval_ms);
	fprintf(f, "critical = %s\n", bool_name(s->critical));
	fprintf(f, "main = %s\n", bool_name(s->main));
	fprintf(f, "autostart = %s\n", bool_name(s->autostart));
	fprintf(f, "priority = %d\n", s->priority);
}

static void print_service(FILE *f, const struct service_conf *s)
{
	fputc('\n', f);
	print_origin(f, s);
	fputs("[service:", f);
	print_sanitized(f, s->name);
	fputs("]\n", f);
	print_identity(f, s);
	print_lifecycle(f, s);
	print_log(f, "stdout", &s->out);
	/* with redirect_stderr, a stderr left at its defaults says nothing
	 * and would only draw a warning when read back */
	if (!s->redirect_stderr || s->err.kind != LOG_PREFIX || s->err.max_bytes || s->err.backups)
		print_log(f, "stderr", &s->err);
	fprintf(f, "redirect_stderr = %s\n", bool_name(s->redirect_stderr));
	print_rlimits(f, s);
}

void conf_print(FILE *f, const struct cinit_conf *c)
{
	fputs("[cinit]\n", f);
	print_duration_key(f, "shutdown_timeout", c->shutdown_timeout_ms);
	print_duration_key(f, "grace", c->grace_ms);
	if (c->control_socket)
		fprintf(f, "control_socket = %s\n", c->control_socket);
	fprintf(f, "control_socket_mode = %04o\n", (unsigned)c->control_socket_mode);
	if (c->control_socket_owner)
		fprintf(f, "control_socket_owner = %s\n", c->control_socket_owner);
	fputs("tail_buffer = ", f);
	print_size(f, c->tail_buffer);
	fputc('\n', f);
	fprintf(f, "log_format = %s\n", c->log_format == LOGFMT_TIMESTAMP ? "timestamp" : "plain");
	fprintf(f, "verbosity = %d\n", c->verbosity);
	for (int i = 0; i < c->n_services; i++)
		print_service(f, &c->services[i]);
}
