/* supervisord files, loaded as they are. [program:x] maps onto services;
 * the sections that mean nothing when cinit is PID 1 are accepted with one
 * notice each; what cinit cannot honour is named in a warning. Unknown keys
 * are warnings, as a file written for supervisord may carry keys of a newer
 * supervisord, and refusing it would refuse the image. */
#include "internal.h"
#include "units.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* supervisord's defaults for a program's log files */
#define SUPERVISORD_LOG_MAXBYTES (50ull << 20)
#define SUPERVISORD_LOG_BACKUPS 10

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *after_prefix(const char *s, const char *prefix)
{
	s += strlen(prefix);
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* ---- [program:x] -------------------------------------------------------- */

struct log_key {
	char *value; /* stdout_logfile as written, after expansion */
	int line;
	int max_line, backups_line; /* 0 = not set */
};

/* A program being mapped: the service, and the keys that only make sense
 * together (log targets with their sizes, the two *asgroup flags). */
struct program {
	struct service_conf s;
	struct log_key out, err;
	bool stopasgroup, killasgroup;
	int killasgroup_line;
};

#define PRG(field) offsetof(struct program, field)

static int prg_command(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return set_command(&p->s, v, d, w);
}

static int prg_umask(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return set_umask(&p->s, v, d, w);
}

static int prg_environment(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return value_env(v, false, &p->s.env, d, w);
}

static int prg_exitcodes(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return value_exit_codes(v, &p->s, d, w);
}

static int prg_autorestart(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;
	bool b;

	if (strcasecmp(v, "unexpected") == 0)
		p->s.restart = RESTART_ON_FAILURE;
	else if (conf_parse_bool(v, &b) == 0)
		p->s.restart = b ? RESTART_ALWAYS : RESTART_NO;
	else {
		diag_expected(d, w, "true, false or unexpected", v);
		return -1;
	}
	return 0;
}

static int prg_killasgroup(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	if (conf_parse_bool(v, &p->killasgroup) < 0) {
		diag_expected(d, w, "true or false (or yes/no, on/off, 1/0)", v);
		return -1;
	}
	p->killasgroup_line = w->line;
	return 0;
}

static int set_log_key(struct log_key *k, const char *v, struct diag *d, const struct where *w)
{
	char *copy = strdup(v);

	if (!copy) {
		diag_oom(d, w);
		return -1;
	}
	free(k->value);
	k->value = copy;
	k->line = w->line;
	return 0;
}

static int prg_stdout_logfile(void *o, const char *v, struct diag *d, const struct where *w)
{
	return set_log_key(&((struct program *)o)->out, v, d, w);
}

static int prg_stderr_logfile(void *o, const char *v, struct diag *d, const struct where *w)
{
	return set_log_key(&((struct program *)o)->err, v, d, w);
}

static int set_log_max(struct log_key *k, struct log_conf *l, const char *v, struct diag *d,
		       const struct where *w)
{
	if (conf_parse_size(v, &l->max_bytes) < 0) {
		diag_expected(d, w, "a size such as 0, 1KB, 50MB or 1GB", v);
		return -1;
	}
	k->max_line = w->line;
	return 0;
}

static int set_log_backups(struct log_key *k, struct log_conf *l, const char *v, struct diag *d,
			   const struct where *w)
{
	int n;

	if (conf_parse_uint(v, &n) < 0) {
		diag_expected(d, w, "a whole number, 0 or more", v);
		return -1;
	}
	l->backups = (unsigned)n;
	k->backups_line = w->line;
	return 0;
}

static int prg_stdout_maxbytes(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return set_log_max(&p->out, &p->s.out, v, d, w);
}

static int prg_stderr_maxbytes(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return set_log_max(&p->err, &p->s.err, v, d, w);
}

static int prg_stdout_backups(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return set_log_backups(&p->out, &p->s.out, v, d, w);
}

static int prg_stderr_backups(void *o, const char *v, struct diag *d, const struct where *w)
{
	struct program *p = o;

	return set_log_backups(&p->err, &p->s.err, v, d, w);
}

/* read before the copies are made; nothing to do per copy */
static int prg_per_section(void *o, const char *v, struct diag *d, const struct where *w)
{
	(void)o, (void)v, (void)d, (void)w;
	return 0;
}

#define NO_EVENTS "cinit has no event listeners"
#define NO_SYSLOG "cinit does not write to syslog; the output goes where stdout_logfile says"

static const struct key_spec program_keys[] = {
    {"command", KEY_FN, 0, prg_command, NULL},
    {"process_name", KEY_FN, 0, prg_per_section, NULL},
    {"numprocs", KEY_FN, 0, prg_per_section, NULL},
    {"numprocs_start", KEY_FN, 0, prg_per_section, NULL},
    {"priority", KEY_INT, PRG(s.priority), NULL, NULL},
    {"autostart", KEY_BOOL, PRG(s.autostart), NULL, NULL},
    {"autorestart", KEY_FN, 0, prg_autorestart, NULL},
    {"startsecs", KEY_DURATION, PRG(s.start_secs_ms), NULL, NULL},
    {"startretries", KEY_UINT, PRG(s.start_retries), NULL, NULL},
    {"exitcodes", KEY_FN, 0, prg_exitcodes, NULL},
    {"stopsignal", KEY_SIGNAL, PRG(s.stop_signal), NULL, NULL},
    {"stopwaitsecs", KEY_DURATION, PRG(s.stop_timeout_ms), NULL, NULL},
    {"stopasgroup", KEY_BOOL, PRG(stopasgroup), NULL, NULL},
    {"killasgroup", KEY_FN, 0, prg_killasgroup, NULL},
    {"user", KEY_STRING, PRG(s.user), NULL, NULL},
    {"directory", KEY_STRING, PRG(s.directory), NULL, NULL},
    {"umask", KEY_FN, 0, prg_umask, NULL},
    {"environment", KEY_FN, 0, prg_environment, NULL},
    {"redirect_stderr", KEY_BOOL, PRG(s.redirect_stderr), NULL, NULL},
    {"stdout_logfile", KEY_FN, 0, prg_stdout_logfile, NULL},
    {"stderr_logfile", KEY_FN, 0, prg_stderr_logfile, NULL},
    {"stdout_logfile_maxbytes", KEY_FN, 0, prg_stdout_maxbytes, NULL},
    {"stderr_logfile_maxbytes", KEY_FN, 0, prg_stderr_maxbytes, NULL},
    {"stdout_logfile_backups", KEY_FN, 0, prg_stdout_backups, NULL},
    {"stderr_logfile_backups", KEY_FN, 0, prg_stderr_backups, NULL},
    {"stdout_capture_maxbytes", KEY_IGNORED, 0, NULL, NO_EVENTS},
    {"stderr_capture_maxbytes", KEY_IGNORED, 0, NULL, NO_EVENTS},
    {"stdout_events_enabled", KEY_IGNORED, 0, NULL, NO_EVENTS},
    {"stderr_events_enabled", KEY_IGNORED, 0, NULL, NO_EVENTS},
    {"stdout_syslog", KEY_IGNORED, 0, NULL, NO_SYSLOG},
    {"stderr_syslog", KEY_IGNORED, 0, NULL, NO_SYSLOG},
    {"serverurl", KEY_IGNORED, 0, NULL, "cinit has no XML-RPC server for the program to talk to"},
};
#define N_PROGRAM_KEYS (sizeof(program_keys) / sizeof(program_keys[0]))

/* supervisord's defaults where they differ from cinit's */
static void program_defaults(struct program *p)
{
	memset(p, 0, sizeof(*p));
	conf_service_defaults(&p->s);
	p->s.restart = RESTART_ON_FAILURE; /* autorestart=unexpected */
	p->s.kill_group = false;	   /* supervisord signals the process only */
}

static void program_free(struct program *p)
{
	conf_service_free(&p->s);
	free(p->out.value);
	free(p->err.value);
}

enum std_stream { TO_NONE, TO_STDOUT, TO_STDERR };

/* The paths by which a program's output reaches supervisord's own stdout
 * or stderr; /proc/1/fd/N is the usual way to reach PID 1's, which is
 * cinit's own. */
static enum std_stream std_target(const char *v)
{
	static const char *const out[] = {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1",
					  "/proc/1/fd/1"};
	static const char *const err[] = {"/dev/stderr", "/dev/fd/2", "/proc/self/fd/2",
					  "/proc/1/fd/2"};

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		if (strcmp(v, out[i]) == 0)
			return TO_STDOUT;
		if (strcmp(v, err[i]) == 0)
			return TO_STDERR;
	}
	return TO_NONE;
}

static int log_file(struct log_conf *l, const struct log_key *k, const char *path, bool rotate,
		    struct diag *d, const struct where *w)
{
	char *p;

	if (value_plain(path, d, w) < 0)
		return -1;
	/* "app.log" means the working directory, as for supervisord; the
	 * native format wants a path to look like one */
	if (!strchr(path, '/') ? asprintf(&p, "./%s", path) < 0 : !(p = strdup(path))) {
		diag_oom(d, w);
		return -1;
	}
	free(l->path);
	l->path = p;
	l->kind = LOG_FILE;
	if (!rotate)
		return 0;
	if (!k->max_line)
		l->max_bytes = SUPERVISORD_LOG_MAXBYTES;
	if (!k->backups_line)
		l->backups = SUPERVISORD_LOG_BACKUPS;
	return 0;
}

/* A target that is not a file; its rotation settings are dropped later,
 * by drop_rotation. */
static void log_stream(struct log_conf *l, enum log_kind kind)
{
	l->kind = kind;
}

/* A log file by a path of its own, which can be renamed and reopened;
 * not a stream reached through one of the /dev/stdout paths. */
static bool rotated_file(const struct log_conf *l)
{
	return l->kind == LOG_FILE && std_target(l->path) == TO_NONE;
}

/* Sizes and counts that cannot be honoured are named, and dropped, so that
 * --check prints no setting that would do nothing. A 0 asks for nothing
 * and is dropped in silence: it is what every image writes next to
 * /dev/stdout. */
static void drop_rotation(struct log_conf *l, const struct log_key *k, const char *stream,
			  const char *why, struct diag *d, const struct where *sec)
{
	char key[40];
	struct where w = *sec;

	w.key = key;
	if (l->max_bytes && k->max_line) {
		snprintf(key, sizeof(key), "%s_logfile_maxbytes", stream);
		w.line = k->max_line;
		diag_warn(d, &w, "ignored, %s", why);
	}
	if (l->backups && k->backups_line) {
		snprintf(key, sizeof(key), "%s_logfile_backups", stream);
		w.line = k->backups_line;
		diag_warn(d, &w, "ignored, %s", why);
	}
	l->max_bytes = 0;
	l->backups = 0;
}

/* One of stdout_logfile and stderr_logfile onto a log target. stream is
 * the stream the key is for. Returns TO_STDOUT when stderr should go where
 * stdout goes. */
static enum std_stream map_log(struct log_conf *l, const struct log_key *k, enum std_stream stream,
			       struct diag *d, const struct where *w)
{
	const char *v = k->value;
	enum std_stream target;

	if (!v)
		return TO_NONE; /* supervisord's AUTO, silently: it is the default */
	if (strcasecmp(v, "NONE") == 0 || strcmp(v, "/dev/null") == 0) {
		log_stream(l, LOG_NULL);
	} else if (strcasecmp(v, "AUTO") == 0) {
		diag_warn(d, w,
			  "AUTO would be a file in supervisord's childlogdir; cinit prefixes the "
			  "lines with the program name on its own output instead");
		log_stream(l, LOG_PREFIX);
	} else if (strcasecmp(v, "syslog") == 0) {
		diag_warn(d, w,
			  "cinit does not write to syslog; it prefixes the lines on its own "
			  "output instead");
		log_stream(l, LOG_PREFIX);
	} else if ((target = std_target(v)) == stream) {
		/* the same bytes on the same stream, with no PID 1 in between
		 * and no prefix to confuse a log parser reading the container */
		log_stream(l, LOG_INHERIT);
	} else if (target != TO_NONE) {
		if (stream == TO_STDERR)
			return TO_STDOUT;
		log_file(l, k, v, false, d, w);
	} else {
		log_file(l, k, v, true, d, w);
	}
	return TO_NONE;
}

static void map_logs(struct program *p, struct diag *d, const struct where *sec)
{
	struct where wo = *sec, we = *sec;

	wo.key = "stdout_logfile";
	wo.line = p->out.line ? p->out.line : sec->line;
	we.key = "stderr_logfile";
	we.line = p->err.line ? p->err.line : sec->line;
	map_log(&p->s.out, &p->out, TO_STDOUT, d, &wo);
	if (p->s.redirect_stderr) {
		if (p->err.value)
			diag_warn(d, &we,
				  "ignored, since redirect_stderr is true (as supervisord does)");
		return;
	}
	if (map_log(&p->s.err, &p->err, TO_STDERR, d, &we) != TO_STDOUT)
		return;
	if (p->s.out.kind == LOG_INHERIT) {
		p->s.redirect_stderr = true;
		return;
	}
	/* stdout goes elsewhere: stderr reopens cinit's stdout by its path */
	log_file(&p->s.err, &p->err, p->err.value, false, d, &we);
}

static void finish_logs(struct program *p, struct diag *d, const struct where *sec)
{
	static const char not_file[] = "since cinit rotates only a log file of its own";

	map_logs(p, d, sec);
	if (!rotated_file(&p->s.out))
		drop_rotation(&p->s.out, &p->out, "stdout", not_file, d, sec);
	if (p->s.redirect_stderr)
		drop_rotation(&p->s.err, &p->err, "stderr", "since stderr goes where stdout goes",
			      d, sec);
	else if (!rotated_file(&p->s.err))
		drop_rotation(&p->s.err, &p->err, "stderr", not_file, d, sec);
}

static void finish_program(struct program *p, struct diag *d, const struct where *sec)
{
	finish_logs(p, d, sec);
	p->s.kill_group = p->stopasgroup || p->killasgroup;
	if (p->killasgroup && !p->stopasgroup) {
		struct where w = *sec;
		w.key = "killasgroup";
		w.line = p->killasgroup_line;
		diag_warn(d, &w,
			  "cinit has one setting for both: the stop signal goes to the whole "
			  "process group too, as with stopasgroup=true");
	}
}

/* What is worked out once per section, not once per copy: numprocs,
 * numprocs_start, process_name, and the entries each copy applies. */
struct copies {
	int numprocs, start;
	const char *process_name;
	int process_name_line;
	size_t *apply; /* indexes of the entries that set a value: known keys, last of each */
	size_t n_apply;
};

static const struct ini_entry *last_entry(const struct ini_section *sec, const char *key)
{
	const struct ini_entry *found = NULL;

	for (size_t i = 0; i < sec->n_entries; i++)
		if (strcasecmp(sec->entries[i].key, key) == 0)
			found = &sec->entries[i];
	return found;
}

static int read_count(const struct ini_section *sec, const char *key, int min, int max, int *out,
		      const struct file_ctx *F, const struct percent_vars *vars, struct diag *d)
{
	const struct ini_entry *e = last_entry(sec, key);
	struct where w = {.file = F->name, .section = sec->name, .key = key};
	char *v;
	int n, r = 0;

	if (!e)
		return 0;
	w.line = e->line;
	if (expand_percent(e->value, vars, &v, d, &w) < 0)
		return -1;
	if (conf_parse_uint(v, &n) < 0 || n < min || n > max) {
		char what[64];
		snprintf(what, sizeof(what), "a number from %d to %d", min, max);
		diag_expected(d, &w, what, v);
		r = -1;
	} else {
		*out = n;
	}
	free(v);
	return r;
}

static int read_copies(const struct ini_section *sec, const struct file_ctx *F,
		       const struct percent_vars *vars, struct diag *d, struct copies *c)
{
	const struct ini_entry *pn = last_entry(sec, "process_name");
	int r = 0;

	c->numprocs = 1;
	c->start = 0;
	c->process_name = pn ? pn->value : "%(program_name)s";
	c->process_name_line = pn ? pn->line : sec->line;
	if (read_count(sec, "numprocs", 1, CONF_MAX_NUMPROCS, &c->numprocs, F, vars, d) < 0)
		r = -1;
	if (read_count(sec, "numprocs_start", 0, 1 << 20, &c->start, F, vars, d) < 0)
		r = -1;
	if (r == 0 && c->numprocs > 1 && !strstr(c->process_name, "%(process_num)")) {
		struct where w = {.file = F->name,
				  .line = c->process_name_line,
				  .section = sec->name,
				  .key = "process_name"};
		diag_expected(d, &w, "%(process_num) in the name when numprocs is above 1",
			      c->process_name);
		r = -1;
	}
	return r;
}

struct entry_ref {
	const char *key;
	size_t index;
};

static int by_key_then_index(const void *a, const void *b)
{
	const struct entry_ref *x = a, *y = b;
	int c = strcasecmp(x->key, y->key);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* For each entry, the line that sets its key again, or 0: supervisord's
 * last value counts. Sorted rather than compared pairwise, since a section
 * of a few MiB has hundreds of thousands of lines. */
static int *repeat_lines(const struct ini_section *sec)
{
	int *rep = calloc(sec->n_entries + 1, sizeof(*rep));
	struct entry_ref *refs = calloc(sec->n_entries + 1, sizeof(*refs));

	if (!rep || !refs) {
		free(rep);
		free(refs);
		return NULL;
	}
	for (size_t i = 0; i < sec->n_entries; i++)
		refs[i] = (struct entry_ref){sec->entries[i].key, i};
	qsort(refs, sec->n_entries, sizeof(*refs), by_key_then_index);
	for (size_t i = 0; i + 1 < sec->n_entries; i++)
		if (strcasecmp(refs[i].key, refs[i + 1].key) == 0)
			rep[refs[i].index] = sec->entries[refs[i + 1].index].line;
	free(refs);
	return rep;
}

/* The messages about keys rather than values, said once for all copies,
 * and the list of entries that each copy applies. numprocs=1024 times a
 * long section would otherwise redo the same work a thousand times. */
static int program_entries(const struct ini_section *sec, const struct file_ctx *F, struct diag *d,
			   struct copies *c)
{
	int *repeat = repeat_lines(sec);

	c->n_apply = 0;
	if (!repeat || !(c->apply = calloc(sec->n_entries + 1, sizeof(*c->apply)))) {
		free(repeat);
		return -1;
	}
	for (size_t i = 0; i < sec->n_entries; i++) {
		const struct ini_entry *e = &sec->entries[i];
		struct where w = {
		    .file = F->name, .line = e->line, .section = sec->name, .key = e->key};
		const struct key_spec *k = find_key(program_keys, N_PROGRAM_KEYS, e->key);
		if (!*e->key) {
			w.key = NULL;
			diag_error(d, &w, "expected a key name before '='");
		} else if (!k) {
			unknown_key(d, &w, program_keys, N_PROGRAM_KEYS, true);
		} else if (repeat[i]) {
			diag_warn(d, &w, "set again at line %d, which counts (as in supervisord)",
				  repeat[i]);
		} else if (k->type == KEY_IGNORED) {
			ignored_key(d, &w, k);
		} else {
			c->apply[c->n_apply++] = i;
		}
	}
	free(repeat);
	return 0;
}

static void program_key(struct program *p, const struct ini_section *sec, size_t i,
			const struct file_ctx *F, const struct percent_vars *vars, struct diag *d)
{
	const struct ini_entry *e = &sec->entries[i];
	struct where w = {.file = F->name, .line = e->line, .section = sec->name, .key = e->key};
	const struct key_spec *k = find_key(program_keys, N_PROGRAM_KEYS, e->key);
	char *v;

	if (expand_percent(e->value, vars, &v, d, &w) < 0) {
		/* a command was given; validation must not call it missing */
		if (k->fn == prg_command && !p->s.command)
			p->s.command = strdup(e->value);
		return;
	}
	apply_key(p, k, v, d, &w);
	free(v);
}

static bool is_environment(const struct ini_section *sec, size_t i)
{
	return strcasecmp(sec->entries[i].key, "environment") == 0;
}

static void program_copy(struct loader *L, const struct file_ctx *F, const struct ini_section *sec,
			 const struct copies *c, const struct percent_vars *vars)
{
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
	struct where wn = {.file = F->name,
			   .line = c->process_name_line,
			   .section = sec->name,
			   .key = "process_name"};
	struct percent_vars own = *vars;
	struct program p;
	bool named;

	program_defaults(&p);
	p.s.file = strdup(F->name);
	p.s.section = strdup(sec->name);
	p.s.line = sec->line;
	if (!p.s.file || !p.s.section) {
		diag_oom(&L->diag, &w);
		program_free(&p);
		return;
	}
	/* environment= first: every other key sees its variables as ENV_ */
	for (size_t i = 0; i < c->n_apply; i++)
		if (is_environment(sec, c->apply[i]))
			program_key(&p, sec, c->apply[i], F, vars, &L->diag);
	own.env_own = p.s.env;
	named = expand_percent(c->process_name, &own, &p.s.name, &L->diag, &wn) == 0 &&
		value_service_name(p.s.name, &L->diag, &wn) == 0;
	for (size_t i = 0; i < c->n_apply; i++)
		if (!is_environment(sec, c->apply[i]))
			program_key(&p, sec, c->apply[i], F, &own, &L->diag);
	finish_program(&p, &L->diag, &w);
	free(p.out.value);
	free(p.err.value);
	if (!named) {
		conf_service_free(&p.s);
		return;
	}
	if (loader_add_service(L, &p.s, true) < 0)
		diag_oom(&L->diag, &w);
}

/* numprocs=1024 on many or long sections would fill PID 1's memory */
static bool program_room(struct loader *L, const struct file_ctx *F, const struct ini_section *sec,
			 int numprocs)
{
	const struct ini_entry *e = last_entry(sec, "numprocs");
	struct where w = {.file = F->name,
			  .line = e ? e->line : sec->line,
			  .section = sec->name,
			  .key = e ? "numprocs" : NULL};

	return loader_room(L, numprocs, section_bytes(sec), &w);
}

static void load_program(struct loader *L, const struct file_ctx *F, const struct ini_section *sec)
{
	const char *name = after_prefix(sec->name, "program:");
	struct percent_vars vars = {.program_name = name,
				    .group_name = name,
				    .here = F->here,
				    .host_node_name = loader_nodename(L),
				    .env_global = L->supervisord_env};
	struct copies c;

	if (read_copies(sec, F, &vars, &L->diag, &c) < 0)
		return;
	if (!program_room(L, F, sec, c.numprocs))
		return;
	if (program_entries(sec, F, &L->diag, &c) < 0) {
		struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
		diag_oom(&L->diag, &w);
		return;
	}
	vars.have_process = true;
	vars.numprocs = c.numprocs;
	/* each copy would repeat the same messages */
	diag_dedupe(&L->diag, c.numprocs > 1);
	for (int i = 0; i < c.numprocs; i++) {
		vars.process_num = c.start + i;
		program_copy(L, F, sec, &c, &vars);
	}
	diag_dedupe(&L->diag, false);
	free(c.apply);
}

/* ---- [supervisord] ------------------------------------------------------ */

static void supervisord_env(struct loader *L, const struct ini_entry *e, const struct where *w,
			    const struct percent_vars *vars)
{
	char **env = NULL;
	char *v;

	if (expand_percent(e->value, vars, &v, &L->diag, w) < 0)
		return;
	if (value_env(v, false, &env, &L->diag, w) == 0) {
		/* a later [supervisord] (from an include) adds and overrides */
		if (env_merge_under(&env, L->supervisord_env) < 0) {
			diag_oom(&L->diag, w);
			conf_free_argv(env);
		} else {
			conf_free_argv(L->supervisord_env);
			L->supervisord_env = env;
		}
	}
	free(v);
}

static void supervisord_user(struct loader *L, const char *v, const struct where *w)
{
	char *u;

	if (value_plain(v, &L->diag, w) < 0)
		return;
	/* root is what cinit runs programs as anyway */
	if (strcmp(v, "root") == 0 || strcmp(v, "0") == 0)
		return;
	if (!(u = strdup(v))) {
		diag_oom(&L->diag, w);
		return;
	}
	free(L->supervisord_user);
	L->supervisord_user = u;
}

/* Names what [supervisord] passes on, for its notice. */
static const char *inherited_note(bool env, bool user, bool umask)
{
	static const char *const notes[8] = {
	    "",
	    " (its umask passes to every program)",
	    " (its user passes to every program without one)",
	    " (its user and umask pass to every program)",
	    " (its environment passes to every program)",
	    " (its environment and umask pass to every program)",
	    " (its environment and user pass to every program)",
	    " (its environment, user and umask pass to every program)",
	};

	return notes[(env ? 4 : 0) | (user ? 2 : 0) | (umask ? 1 : 0)];
}

/* The keys supervisord knows in [supervisord]. Those not passed on are
 * covered by the section's notice; any other key is a typo or a newer
 * supervisord's, and is named, since a misspelt environment would otherwise
 * vanish without a word. The table is only looked up, never applied:
 * load_supervisord reads the keys it passes on itself. */
#define SUPERVISORD_NOTICE "see the [supervisord] notice"
static const struct key_spec supervisord_keys[] = {
    {"logfile", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"logfile_maxbytes", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"logfile_backups", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"loglevel", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"pidfile", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"umask", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"nodaemon", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"silent", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"minfds", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"minprocs", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"nocleanup", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"childlogdir", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"user", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"directory", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"strip_ansi", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"environment", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
    {"identifier", KEY_IGNORED, 0, NULL, SUPERVISORD_NOTICE},
};
#define N_SUPERVISORD_KEYS (sizeof(supervisord_keys) / sizeof(supervisord_keys[0]))

static void load_supervisord(struct loader *L, const struct file_ctx *F,
			     const struct ini_section *sec)
{
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
	struct percent_vars vars = {.here = F->here, .host_node_name = loader_nodename(L)};
	bool env = false, user = false, umask = false;

	for (size_t i = 0; i < sec->n_entries; i++) {
		const struct ini_entry *e = &sec->entries[i];
		struct where kw = {
		    .file = F->name, .line = e->line, .section = sec->name, .key = e->key};
		if (strcasecmp(e->key, "environment") == 0) {
			supervisord_env(L, e, &kw, &vars);
			env = true;
		} else if (strcasecmp(e->key, "user") == 0) {
			supervisord_user(L, e->value, &kw);
			user = L->supervisord_user != NULL;
		} else if (strcasecmp(e->key, "umask") == 0) {
			if (conf_parse_umask(e->value, &L->supervisord_umask) < 0)
				diag_expected(&L->diag, &kw, "an octal umask such as 022",
					      e->value);
			umask = L->supervisord_umask >= 0;
		} else if (strcasecmp(e->key, "minfds") == 0 ||
			   strcasecmp(e->key, "minprocs") == 0) {
			diag_warn(&L->diag, &kw,
				  "not honoured: cinit does not raise its own limits; set "
				  "rlimit_nofile or rlimit_nproc on a [service:x] instead");
		} else if (!*e->key) {
			kw.key = NULL;
			diag_error(&L->diag, &kw, "expected a key name before '='");
		} else if (!find_key(supervisord_keys, N_SUPERVISORD_KEYS, e->key)) {
			unknown_key(&L->diag, &kw, supervisord_keys, N_SUPERVISORD_KEYS, true);
		}
	}
	diag_note(&L->diag, &w,
		  "ignored: cinit is PID 1 itself; logfile, pidfile and daemon settings do not "
		  "apply%s",
		  inherited_note(env, user, umask));
}

/* ---- [unix_http_server] --------------------------------------------------- */

/* supervisord's socket becomes cinit's control socket, with its chmod and
 * chown; cinit speaks its own protocol on it, not XML-RPC. */
static void load_unix_http_server(struct loader *L, const struct file_ctx *F,
				  const struct ini_section *sec)
{
	static const struct key_spec keys[] = {
	    {"file", KEY_FN, 0, NULL, NULL},
	    {"chmod", KEY_FN, 0, conf_set_socket_mode, NULL},
	    {"chown", KEY_FN, 0, conf_set_socket_owner, NULL},
	    {"username", KEY_IGNORED, 0, NULL,
	     "cinit admits root and the socket's owner, by the peer's credentials"},
	    {"password", KEY_IGNORED, 0, NULL,
	     "cinit admits root and the socket's owner, by the peer's credentials"},
	};
	struct percent_vars vars = {.here = F->here, .host_node_name = loader_nodename(L)};
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};

	for (size_t i = 0; i < sec->n_entries; i++) {
		const struct ini_entry *e = &sec->entries[i];
		struct where kw = {
		    .file = F->name, .line = e->line, .section = sec->name, .key = e->key};
		const struct key_spec *k = find_key(keys, sizeof(keys) / sizeof(keys[0]), e->key);
		char *v;
		if (!k) {
			unknown_key(&L->diag, &kw, keys, sizeof(keys) / sizeof(keys[0]), true);
		} else if (k->type == KEY_IGNORED) {
			ignored_key(&L->diag, &kw, k);
		} else if (expand_percent(e->value, &vars, &v, &L->diag, &kw) == 0) {
			if (k->fn)
				k->fn(&L->conf, v, &L->diag, &kw);
			else if (value_plain(v, &L->diag, &kw) == 0) {
				free(L->conf.control_socket);
				L->conf.control_socket = v;
				v = NULL;
			}
			free(v);
		}
	}
	diag_note(&L->diag, &w,
		  "served as cinit's control socket: `cinit ctl`, or supervisorctl as a link "
		  "to cinit, speaks to it (not XML-RPC)");
}

/* ---- the other sections ------------------------------------------------- */

static void group_warning(struct loader *L, const struct file_ctx *F, const struct ini_section *sec)
{
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
	const struct ini_entry *programs = last_entry(sec, "programs");
	char buf[DIAG_SHOW_MAX];

	diag_warn(&L->diag, &w,
		  "not supported: cinit has no groups; its programs (%s) run as separate services",
		  programs ? diag_show(buf, sizeof(buf), programs->value) : "none");
}

struct section_rule {
	const char *name;
	bool prefix; /* name is "kind:" and any name may follow */
	enum { NOTICE, WARNING, PROGRAM, SUPERVISORD, UNIX_HTTP } what;
	const char *why;
};

static const struct section_rule sections[] = {
    {"program:", true, PROGRAM, NULL},
    {"supervisord", false, SUPERVISORD, NULL},
    {"unix_http_server", false, UNIX_HTTP, NULL},
    {"inet_http_server", false, NOTICE,
     "cinit has no XML-RPC server; [cinit] control_socket is its control interface"},
    {"supervisorctl", false, NOTICE,
     "supervisorctl as a link to cinit finds the socket by [unix_http_server]"},
    {"rpcinterface:", true, NOTICE, "cinit has no XML-RPC interface to extend"},
    {"ctlplugin:", true, NOTICE, "supervisorctl plugins do not apply to cinit"},
    {"group:", true, WARNING, NULL},
    {"eventlistener:", true, WARNING, "cinit has no event listeners; it does not run"},
    {"fcgi-program:", true, WARNING, "cinit does not manage FastCGI sockets; it does not run"},
};

static const struct section_rule *find_rule(const char *name)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const struct section_rule *r = &sections[i];
		if (r->prefix ? has_prefix(name, r->name) : strcmp(name, r->name) == 0)
			return r;
	}
	return NULL;
}

bool supervisord_section(const char *name)
{
	return name && find_rule(name) != NULL;
}

void load_supervisord_section(struct loader *L, const struct file_ctx *F,
			      const struct ini_section *sec)
{
	const struct section_rule *r = find_rule(sec->name);
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};

	if (!r)
		return;
	switch (r->what) {
	case PROGRAM:
		load_program(L, F, sec);
		break;
	case SUPERVISORD:
		load_supervisord(L, F, sec);
		break;
	case UNIX_HTTP:
		load_unix_http_server(L, F, sec);
		break;
	case NOTICE:
		diag_note(&L->diag, &w, "ignored: %s", r->why);
		break;
	case WARNING:
		if (r->why)
			diag_warn(&L->diag, &w, "not supported: %s", r->why);
		else
			group_warning(L, F, sec);
		break;
	}
}

/* ---- [include] ---------------------------------------------------------- */

static bool has_glob_chars(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The directory of the including file, with glob's special characters
 * escaped so that only the pattern itself is a pattern. */
static char *join_path(const char *dir, const char *name)
{
	char *p;

	if (name[0] == '/' || !*dir)
		return strdup(name);
	if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return p;
}

static void include_glob(struct loader *L, const struct file_ctx *F, const char *pattern,
			 const struct where *w)
{
	char **paths;

	if (conf_glob(F->dir, pattern, &paths) < 0) {
		diag_oom(&L->diag, w);
		return;
	}
	/* no match: an empty conf.d is fine, as for supervisord */
	for (char **p = paths; *p; p++)
		loader_load_file(L, *p, F->supervisord, w);
	conf_free_argv(paths);
}

/* How many path components have wildcards. Each one multiplies what
 * glob(3) walks, and a handful at the root walk the whole tree for minutes;
 * no conf.d needs more than three. */
static int wildcard_parts(const char *pattern)
{
	int n = 0;

	for (const char *p = pattern; *p;) {
		size_t len = strcspn(p, "/");
		if (memchr(p, '*', len) || memchr(p, '?', len) || memchr(p, '[', len))
			n++;
		p += len;
		while (*p == '/')
			p++;
	}
	return n;
}

static void include_one(struct loader *L, const struct file_ctx *F, const char *pattern,
			const struct where *w)
{
	char *path;

	if (L->files >= CONF_MAX_FILES)
		return; /* said once already */
	if (wildcard_parts(pattern) > 3) {
		diag_expected(&L->diag, w, "a pattern with wildcards in at most 3 parts", pattern);
		return;
	}
	if (has_glob_chars(pattern)) {
		include_glob(L, F, pattern, w);
		return;
	}
	if (!(path = join_path(F->dir, pattern))) {
		diag_oom(&L->diag, w);
		return;
	}
	/* supervisord globs every name, so a missing file includes nothing;
	 * a native file names the files it needs */
	if (F->supervisord && access(path, F_OK) < 0 && errno == ENOENT) {
		char buf[1024];
		diag_warn(&L->diag, w, "no file %s, nothing included (as supervisord does)",
			  diag_show(buf, sizeof(buf), path));
	} else
		loader_load_file(L, path, F->supervisord, w);
	free(path);
}

static void include_files(struct loader *L, const struct file_ctx *F, const char *value,
			  const struct where *w)
{
	const char *p = value;

	for (;;) {
		const char *end;
		char *pattern;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		end = p + strcspn(p, " \t\n\r");
		if (!(pattern = strndup(p, (size_t)(end - p)))) {
			diag_oom(&L->diag, w);
			return;
		}
		include_one(L, F, pattern, w);
		free(pattern);
		p = end;
	}
}

void load_include_section(struct loader *L, const struct file_ctx *F, const struct ini_section *sec)
{
	struct percent_vars vars = {.here = F->here, .host_node_name = loader_nodename(L)};
	bool any = false;

	for (size_t i = 0; i < sec->n_entries; i++) {
		const struct ini_entry *e = &sec->entries[i];
		struct where w = {
		    .file = F->name, .line = e->line, .section = sec->name, .key = e->key};
		char *v = NULL;
		if (strcasecmp(e->key, "files") != 0) {
			static const struct key_spec include_keys[] = {
			    {"files", KEY_FN, 0, NULL, NULL}};
			if (!*e->key) {
				w.key = NULL;
				diag_error(&L->diag, &w, "expected a key name before '='");
			} else {
				unknown_key(&L->diag, &w, include_keys, 1, F->supervisord);
			}
			continue;
		}
		any = true;
		/* supervisord expands %(here)s and %(ENV_X)s in includes too */
		if (F->supervisord && expand_percent(e->value, &vars, &v, &L->diag, &w) < 0)
			continue;
		include_files(L, F, v ? v : e->value, &w);
		free(v);
	}
	if (!any && sec->n_entries == 0) {
		struct where w = {.file = F->name, .line = sec->line, .section = sec->name};
		diag_warn(&L->diag, &w, "no files key, nothing is included");
	}
}
