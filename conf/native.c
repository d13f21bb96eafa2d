/* The native sections: [cinit] and [service:NAME]. Unknown keys are errors
 * here, since a misspelt key silently ignored is a service that behaves
 * differently from what its author reads. */
#include "internal.h"
#include "units.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SVC(field) offsetof(struct service_conf, field)
#define CIN(field) offsetof(struct cinit_conf, field)

/* ---- shared setters ----------------------------------------------------- */

int set_command(struct service_conf *s, const char *v, struct diag *d, const struct where *w)
{
	char *copy = strdup(v);

	if (!copy) {
		diag_oom(d, w);
		return -1;
	}
	/* kept even when it does not split, so that validation knows a
	 * command was given and does not call it missing as well */
	free(s->command);
	s->command = copy;
	return value_command(v, &s->argv, d, w);
}

int set_umask(struct service_conf *s, const char *v, struct diag *d, const struct where *w)
{
	if (conf_parse_umask(v, &s->umask) == 0)
		return 0;
	diag_expected(d, w, "an octal umask such as 022 or 0027", v);
	return -1;
}

/* ---- [service:NAME] ----------------------------------------------------- */

static int svc_command(void *o, const char *v, struct diag *d, const struct where *w)
{
	return set_command(o, v, d, w);
}

static int svc_umask(void *o, const char *v, struct diag *d, const struct where *w)
{
	return set_umask(o, v, d, w);
}

static int svc_environment(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	return value_env(v, true, &s->env, d, w);
}

static int svc_restart(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	if (strcasecmp(v, "no") == 0)
		s->restart = RESTART_NO;
	else if (strcasecmp(v, "on-failure") == 0)
		s->restart = RESTART_ON_FAILURE;
	else if (strcasecmp(v, "always") == 0)
		s->restart = RESTART_ALWAYS;
	else {
		diag_expected(d, w, "no, on-failure or always", v);
		return -1;
	}
	return 0;
}

static int svc_exit_codes(void *o, const char *v, struct diag *d, const struct where *w)
{
	return value_exit_codes(v, o, d, w);
}

static int svc_depends(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	s->depends_line = w->line;
	return value_depends(v, &s->depends, d, w);
}

static int svc_ready(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	return value_ready(v, &s->ready, d, w);
}

static int svc_ready_interval(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;
	int64_t ms;

	/* 0 would probe in a busy loop */
	if (conf_parse_duration_ms(v, &ms) < 0 || ms < 1) {
		diag_expected(d, w, "a duration of at least 1ms, such as 100ms or 1s", v);
		return -1;
	}
	s->ready.interval_ms = ms;
	return 0;
}

static int svc_type(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	if (strcasecmp(v, "simple") == 0)
		s->type = SERVICE_SIMPLE;
	else if (strcasecmp(v, "oneshot") == 0)
		s->type = SERVICE_ONESHOT;
	else {
		diag_expected(d, w, "simple or oneshot", v);
		return -1;
	}
	return 0;
}

static int svc_main(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	s->main_line = w->line;
	if (conf_parse_bool(v, &s->main) == 0)
		return 0;
	diag_expected(d, w, "true or false (or yes/no, on/off, 1/0)", v);
	return -1;
}

static int svc_stdout(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	return value_log_target(v, &s->out, d, w);
}

static int svc_stderr(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct service_conf *s = o;

	return value_log_target(v, &s->err, d, w);
}

static const struct key_spec service_keys[] = {
    {"command", KEY_FN, 0, svc_command, NULL},
    {"user", KEY_STRING, SVC(user), NULL, NULL},
    {"group", KEY_STRING, SVC(group), NULL, NULL},
    {"directory", KEY_STRING, SVC(directory), NULL, NULL},
    {"environment", KEY_FN, 0, svc_environment, NULL},
    {"umask", KEY_FN, 0, svc_umask, NULL},
    {"restart", KEY_FN, 0, svc_restart, NULL},
    {"exit_codes", KEY_FN, 0, svc_exit_codes, NULL},
    {"start_secs", KEY_DURATION, SVC(start_secs_ms), NULL, NULL},
    {"start_retries", KEY_UINT, SVC(start_retries), NULL, NULL},
    {"backoff_min", KEY_DURATION, SVC(backoff_min_ms), NULL, NULL},
    {"backoff_max", KEY_DURATION, SVC(backoff_max_ms), NULL, NULL},
    {"backoff_reset", KEY_DURATION, SVC(backoff_reset_ms), NULL, NULL},
    {"stop_signal", KEY_SIGNAL, SVC(stop_signal), NULL, NULL},
    {"stop_timeout", KEY_DURATION, SVC(stop_timeout_ms), NULL, NULL},
    {"kill_group", KEY_BOOL, SVC(kill_group), NULL, NULL},
    {"depends", KEY_FN, 0, svc_depends, NULL},
    {"ready", KEY_FN, 0, svc_ready, NULL},
    {"ready_timeout", KEY_DURATION, SVC(ready.timeout_ms), NULL, NULL},
    {"ready_interval", KEY_FN, 0, svc_ready_interval, NULL},
    {"type", KEY_FN, 0, svc_type, NULL},
    {"critical", KEY_BOOL, SVC(critical), NULL, NULL},
    {"main", KEY_FN, 0, svc_main, NULL},
    {"autostart", KEY_BOOL, SVC(autostart), NULL, NULL},
    {"priority", KEY_INT, SVC(priority), NULL, NULL},
    {"stdout", KEY_FN, 0, svc_stdout, NULL},
    {"stderr", KEY_FN, 0, svc_stderr, NULL},
    {"stdout_max_bytes", KEY_SIZE, SVC(out.max_bytes), NULL, NULL},
    {"stderr_max_bytes", KEY_SIZE, SVC(err.max_bytes), NULL, NULL},
    {"stdout_backups", KEY_UNSIGNED, SVC(out.backups), NULL, NULL},
    {"stderr_backups", KEY_UNSIGNED, SVC(err.backups), NULL, NULL},
    {"redirect_stderr", KEY_BOOL, SVC(redirect_stderr), NULL, NULL},
};
#define N_SERVICE_KEYS (sizeof(service_keys) / sizeof(service_keys[0]))

/* The rlimit_* keys, one per resource, as a table for suggestions. */
static const struct key_spec rlimit_keys[] = {
    {"rlimit_as", KEY_FN, 0, NULL, NULL},	  {"rlimit_core", KEY_FN, 0, NULL, NULL},
    {"rlimit_cpu", KEY_FN, 0, NULL, NULL},	  {"rlimit_data", KEY_FN, 0, NULL, NULL},
    {"rlimit_fsize", KEY_FN, 0, NULL, NULL},	  {"rlimit_locks", KEY_FN, 0, NULL, NULL},
    {"rlimit_memlock", KEY_FN, 0, NULL, NULL},	  {"rlimit_msgqueue", KEY_FN, 0, NULL, NULL},
    {"rlimit_nice", KEY_FN, 0, NULL, NULL},	  {"rlimit_nofile", KEY_FN, 0, NULL, NULL},
    {"rlimit_nproc", KEY_FN, 0, NULL, NULL},	  {"rlimit_rss", KEY_FN, 0, NULL, NULL},
    {"rlimit_rtprio", KEY_FN, 0, NULL, NULL},	  {"rlimit_rttime", KEY_FN, 0, NULL, NULL},
    {"rlimit_sigpending", KEY_FN, 0, NULL, NULL}, {"rlimit_stack", KEY_FN, 0, NULL, NULL},
};
#define N_RLIMIT_KEYS (sizeof(rlimit_keys) / sizeof(rlimit_keys[0]))

static void set_rlimit(struct service_conf *s, int resource, const char *v, struct diag *d,
		       const struct where *w)
{
	struct rlimit rl;
	int i;

	if (value_rlimit(v, &rl, d, w) < 0)
		return;
	for (i = 0; i < s->n_rlimits; i++)
		if (s->rlimits[i].resource == resource)
			break;
	if (i == CONF_MAX_RLIMITS) {
		diag_error(d, w, "expected at most %d resource limits", CONF_MAX_RLIMITS);
		return;
	}
	if (i == s->n_rlimits)
		s->n_rlimits++;
	s->rlimits[i].resource = resource;
	s->rlimits[i].value = rl;
}

/* Lines where each key was first set, to name both of a pair. */
struct seen_keys {
	int line[N_SERVICE_KEYS + N_RLIMIT_KEYS];
};

static bool first_time(struct seen_keys *seen, size_t index, struct diag *d, const struct where *w)
{
	if (seen->line[index]) {
		diag_error(d, w, "expected each key once, but it was set at line %d already",
			   seen->line[index]);
		return false;
	}
	seen->line[index] = w->line;
	return true;
}

static void service_key(struct service_conf *s, struct seen_keys *seen, const char *key,
			const char *v, struct diag *d, const struct where *w)
{
	const struct key_spec *k = find_key(service_keys, N_SERVICE_KEYS, key);
	const struct key_spec *r;

	if (k) {
		if (first_time(seen, (size_t)(k - service_keys), d, w))
			apply_key(s, k, v, d, w);
		return;
	}
	r = find_key(rlimit_keys, N_RLIMIT_KEYS, key);
	if (r) {
		if (first_time(seen, N_SERVICE_KEYS + (size_t)(r - rlimit_keys), d, w))
			set_rlimit(s, conf_rlimit_by_name(r->name + 7), v, d, w);
		return;
	}
	if (strncasecmp(key, "rlimit_", 7) == 0) {
		char buf[DIAG_SHOW_MAX];
		diag_error(d, w,
			   "expected a resource of setrlimit(2) after rlimit_ (nofile, nproc, "
			   "core, memlock, as, ...), got '%s'",
			   diag_show(buf, sizeof(buf), key + 7));
		return;
	}
	unknown_key(d, w, service_keys, N_SERVICE_KEYS, false);
}

static int seen_line(const struct seen_keys *seen, const char *key)
{
	const struct key_spec *k = find_key(service_keys, N_SERVICE_KEYS, key);

	return k ? seen->line[k - service_keys] : 0;
}

/* Rotation applies to files only: on another target, or on a stderr that
 * goes where stdout goes, a size or a count would do nothing while its
 * author expects it to. */
static void check_rotation(const struct log_conf *l, bool redirected, const char *stream,
			   const struct seen_keys *seen, const struct where *sec, struct diag *d)
{
	const char *why = redirected
			      ? "ignored, since redirect_stderr sends stderr where stdout goes"
			      : "ignored, since only a file is rotated";
	char max_key[32], backups_key[32];
	struct where w = *sec;

	if (!redirected && l->kind == LOG_FILE)
		return;
	snprintf(max_key, sizeof(max_key), "%s_max_bytes", stream);
	snprintf(backups_key, sizeof(backups_key), "%s_backups", stream);
	if (l->max_bytes && seen_line(seen, max_key)) {
		w.key = max_key;
		w.line = seen_line(seen, max_key);
		diag_warn(d, &w, "%s", why);
	}
	if (l->backups && seen_line(seen, backups_key)) {
		w.key = backups_key;
		w.line = seen_line(seen, backups_key);
		diag_warn(d, &w, "%s", why);
	}
}

/* Rules between keys of one service. */
static void check_service(const struct service_conf *s, const struct seen_keys *seen,
			  const struct where *sec, struct diag *d)
{
	struct where w = *sec;

	if (s->backoff_min_ms > s->backoff_max_ms) {
		int max_line = seen_line(seen, "backoff_max");
		w.key = max_line ? "backoff_max" : "backoff_min";
		w.line = max_line ? max_line : seen_line(seen, "backoff_min");
		diag_error(d, &w,
			   "expected backoff_max (%lldms) to be at least backoff_min (%lldms)",
			   (long long)s->backoff_max_ms, (long long)s->backoff_min_ms);
	}
	if (s->redirect_stderr && seen_line(seen, "stderr")) {
		w.key = "stderr";
		w.line = seen_line(seen, "stderr");
		diag_warn(d, &w, "ignored, since redirect_stderr sends stderr where stdout goes");
	}
	check_rotation(&s->out, false, "stdout", seen, sec, d);
	check_rotation(&s->err, s->redirect_stderr, "stderr", seen, sec, d);
}

static char *service_name_of(const char *section)
{
	const char *n = section + strlen("service:");

	while (*n == ' ' || *n == '\t')
		n++;
	return strdup(n);
}

void load_service_section(struct loader *L, const struct file_ctx *F, const struct ini_section *sec)
{
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
	struct seen_keys seen = {{0}};
	struct service_conf s;
	bool named;

	if (!loader_room(L, 1, section_bytes(sec), &w))
		return;
	conf_service_defaults(&s);
	s.name = service_name_of(sec->name);
	s.file = strdup(F->name);
	s.section = strdup(sec->name);
	s.line = sec->line;
	if (!s.name || !s.file || !s.section) {
		diag_oom(&L->diag, &w);
		conf_service_free(&s);
		return;
	}
	named = value_service_name(s.name, &L->diag, &w) == 0;
	for (size_t i = 0; i < sec->n_entries; i++) {
		const struct ini_entry *e = &sec->entries[i];
		struct where kw = {
		    .file = F->name, .line = e->line, .section = sec->name, .key = e->key};
		if (!*e->key) {
			kw.key = NULL;
			diag_error(&L->diag, &kw, "expected a key name before '='");
			continue;
		}
		service_key(&s, &seen, e->key, e->value, &L->diag, &kw);
	}
	check_service(&s, &seen, &w, &L->diag);
	/* a badly named section is still read, for its other errors */
	if (!named) {
		conf_service_free(&s);
		return;
	}
	if (loader_add_service(L, &s, false) < 0)
		diag_oom(&L->diag, &w);
}

/* ---- [cinit] ------------------------------------------------------------ */

static int cinit_log_format(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct cinit_conf *c = o;

	if (strcasecmp(v, "plain") == 0)
		c->log_format = LOGFMT_PLAIN;
	else if (strcasecmp(v, "timestamp") == 0)
		c->log_format = LOGFMT_TIMESTAMP;
	else {
		diag_expected(d, w, "plain or timestamp", v);
		return -1;
	}
	return 0;
}

static int cinit_verbosity(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct cinit_conf *c = o;
	int n;

	if (conf_parse_uint(v, &n) < 0 || n > 3) {
		diag_expected(d, w, "0, 1, 2 or 3", v);
		return -1;
	}
	c->verbosity = n;
	return 0;
}

static int cinit_socket_mode(void *o, const char *v, struct diag *d, const struct where *w)
{
	return conf_set_socket_mode(o, v, d, w);
}

static int cinit_socket_owner(void *o, const char *v, struct diag *d, const struct where *w)
{
	return conf_set_socket_owner(o, v, d, w);
}

static const struct key_spec cinit_keys[] = {
    {"shutdown_timeout", KEY_DURATION, CIN(shutdown_timeout_ms), NULL, NULL},
    {"grace", KEY_DURATION, CIN(grace_ms), NULL, NULL},
    {"control_socket", KEY_STRING, CIN(control_socket), NULL, NULL},
    {"control_socket_mode", KEY_FN, 0, cinit_socket_mode, NULL},
    {"control_socket_owner", KEY_FN, 0, cinit_socket_owner, NULL},
    {"tail_buffer", KEY_SIZE, CIN(tail_buffer), NULL, NULL},
    {"log_format", KEY_FN, 0, cinit_log_format, NULL},
    {"verbosity", KEY_FN, 0, cinit_verbosity, NULL},
};
#define N_CINIT_KEYS (sizeof(cinit_keys) / sizeof(cinit_keys[0]))

void load_cinit_section(struct loader *L, const struct file_ctx *F, const struct ini_section *sec)
{
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
	int seen[N_CINIT_KEYS] = {0};

	if (L->cinit_file) {
		diag_error(&L->diag, &w, "expected one [cinit] section, but %s:%d has one already",
			   L->cinit_file, L->cinit_line);
		return;
	}
	if (!(L->cinit_file = strdup(F->name))) {
		diag_oom(&L->diag, &w);
		return;
	}
	L->cinit_line = sec->line;
	for (size_t i = 0; i < sec->n_entries; i++) {
		const struct ini_entry *e = &sec->entries[i];
		struct where kw = {
		    .file = F->name, .line = e->line, .section = sec->name, .key = e->key};
		const struct key_spec *k = find_key(cinit_keys, N_CINIT_KEYS, e->key);
		if (!*e->key) {
			kw.key = NULL;
			diag_error(&L->diag, &kw, "expected a key name before '='");
		} else if (!k) {
			unknown_key(&L->diag, &kw, cinit_keys, N_CINIT_KEYS, false);
		} else if (seen[k - cinit_keys]) {
			diag_error(&L->diag, &kw,
				   "expected each key once, but it was set at line %d already",
				   seen[k - cinit_keys]);
		} else {
			seen[k - cinit_keys] = e->line;
			apply_key(&L->conf, k, e->value, &L->diag, &kw);
		}
	}
}
