/* Parsers for the values that are more than one unit: lists, environment,
 * resource limits, readiness checks and log targets. Each says what it
 * expected through the diagnostics and leaves its output unchanged on a
 * bad value. */
#include "internal.h"
#include "units.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A growing string; an allocation failure sticks until the end. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_putc(struct sbuf *b, char c)
{
	if (b->oom)
		return;
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

/* Takes the string out of b ("" when empty); NULL when out of memory. */
static char *sb_take(struct sbuf *b)
{
	char *s = b->oom ? NULL : b->s ? b->s : strdup("");

	if (b->oom)
		free(b->s);
	memset(b, 0, sizeof(*b));
	return s;
}

/* A NULL-terminated array being built, with its length and room kept, so
 * that appending does not walk the array: a list or an environment of a
 * few MiB has hundreds of thousands of items. */
struct strv {
	char **v;
	size_t n, cap;
};

static int strv_init(struct strv *a)
{
	a->n = 0;
	a->cap = 8;
	a->v = calloc(a->cap, sizeof(*a->v));
	return a->v ? 0 : -1;
}

/* Appends word, taking ownership of it. */
static int strv_add(struct strv *a, char *word)
{
	if (!word)
		return -1;
	if (a->n + 2 > a->cap) {
		char **r = reallocarray(a->v, a->cap * 2, sizeof(*r));
		if (!r) {
			free(word);
			return -1;
		}
		a->v = r;
		a->cap *= 2;
	}
	a->v[a->n++] = word;
	a->v[a->n] = NULL;
	return 0;
}

/* ---- environments ------------------------------------------------------- */

struct env_ref {
	const char *kv;
	size_t klen, index;
};

static int by_env_key(const void *a, const void *b)
{
	const struct env_ref *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->kv, y->kv, n);

	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static bool same_key(const struct env_ref *x, const struct env_ref *y)
{
	return x->klen == y->klen && memcmp(x->kv, y->kv, x->klen) == 0;
}

/* Leaves one KEY=VALUE per key, with the value of the last. keep_first
 * keeps it where the key first appeared (a key set again in one value);
 * otherwise where it last appeared (a program's own keys over
 * [supervisord]'s). Sorted, since a pairwise search is quadratic. */
static int env_dedupe(struct strv *a, bool keep_first)
{
	struct env_ref *refs = calloc(a->n + 1, sizeof(*refs));
	size_t kept = 0;

	if (!refs)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		refs[i] = (struct env_ref){a->v[i], strcspn(a->v[i], "="), i};
	qsort(refs, a->n, sizeof(*refs), by_env_key);
	for (size_t g = 0, end; g < a->n; g = end) {
		size_t first = refs[g].index, last;
		for (end = g + 1; end < a->n && same_key(&refs[g], &refs[end]); end++)
			;
		last = refs[end - 1].index;
		for (size_t i = g; i + 1 < end; i++) {
			free(a->v[refs[i].index]);
			a->v[refs[i].index] = NULL;
		}
		if (keep_first && first != last) {
			a->v[first] = a->v[last];
			a->v[last] = NULL;
		}
	}
	free(refs);
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i])
			a->v[kept++] = a->v[i];
	a->n = kept;
	a->v[kept] = NULL;
	return 0;
}

/* ---- single values ------------------------------------------------------ */

int value_plain(const char *v, struct diag *d, const struct where *w)
{
	size_t n = strlen(v);

	if (!n) {
		diag_expected(d, w, "a value", v);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f) {
			diag_expected(d, w, "a value on one line, without control characters", v);
			return -1;
		}
		/* such a value could not be written back: inih would cut it */
		if (c == ';' && (i == 0 || isspace((unsigned char)v[i - 1]))) {
			diag_expected(
			    d, w, "no ';' at the start or after a blank (it starts a comment)", v);
			return -1;
		}
	}
	if (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1])) {
		diag_expected(d, w, "no blanks around the value", v);
		return -1;
	}
	return 0;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '@';
}

static bool valid_service_name(const char *v)
{
	size_t n = strlen(v);

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(v[i]))
			return false;
	return true;
}

#define NAME_RULE "a name of 1 to 64 letters, digits, '-', '_', '.' or '@'"

int value_service_name(const char *v, struct diag *d, const struct where *w)
{
	if (valid_service_name(v))
		return 0;
	diag_expected(d, w, NAME_RULE, v);
	return -1;
}

int value_command(const char *v, char ***argv, struct diag *d, const struct where *w)
{
	const char *err = NULL;
	char **a = NULL;
	char buf[DIAG_SHOW_MAX];

	if (conf_split_command(v, &a, &err) < 0) {
		if (err && strcmp(err, "out of memory") == 0) {
			diag_oom(d, w);
			return -1;
		}
		diag_error(d, w, "expected a command line with balanced quotes, got '%s' (%s)",
			   diag_show(buf, sizeof(buf), v), err ? err : "bad quoting");
		return -1;
	}
	if (!a[0]) {
		conf_free_argv(a);
		diag_expected(d, w, "a command", v);
		return -1;
	}
	conf_free_argv(*argv);
	*argv = a;
	return 0;
}

/* ---- lists -------------------------------------------------------------- */

static bool list_sep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

int value_list(const char *v, char ***out, struct diag *d, const struct where *w)
{
	struct strv a;

	if (strv_init(&a) < 0) {
		diag_oom(d, w);
		return -1;
	}
	for (const char *p = v; *p;) {
		const char *e;
		while (*p && list_sep(*p))
			p++;
		if (!*p)
			break;
		for (e = p; *e && !list_sep(*e); e++)
			;
		if (strv_add(&a, strndup(p, (size_t)(e - p))) < 0) {
			conf_free_argv(a.v);
			diag_oom(d, w);
			return -1;
		}
		p = e;
	}
	*out = a.v;
	return 0;
}

int value_exit_codes(const char *v, struct service_conf *s, struct diag *d, const struct where *w)
{
	static const char what[] = "exit codes from 0 to 255 separated by commas";
	uint8_t codes[CONF_EXIT_CODES_BYTES] = {0};
	char **items;
	int r = 0;

	if (value_list(v, &items, d, w) < 0)
		return -1;
	if (!items[0])
		r = -1;
	for (char **p = items; *p && r == 0; p++) {
		int code;
		if (conf_parse_uint(*p, &code) < 0 || code > 255)
			r = -1;
		else
			codes[code / 8] |= (uint8_t)(1u << (code % 8));
	}
	conf_free_argv(items);
	if (r < 0) {
		diag_expected(d, w, what, v);
		return -1;
	}
	memcpy(s->exit_codes, codes, sizeof(codes));
	return 0;
}

int value_depends(const char *v, char ***out, struct diag *d, const struct where *w)
{
	char **items;

	if (value_list(v, &items, d, w) < 0)
		return -1;
	for (char **p = items; *p; p++) {
		if (!valid_service_name(*p)) {
			char buf[DIAG_SHOW_MAX];
			diag_error(d, w, "expected service names separated by commas, got '%s'",
				   diag_show(buf, sizeof(buf), *p));
			conf_free_argv(items);
			return -1;
		}
	}
	conf_free_argv(*out);
	*out = items;
	return 0;
}

/* ---- environment -------------------------------------------------------- */

struct env_parser {
	const char *p;
	bool expand_dollar;
	struct sbuf out;
	size_t kept; /* out.len up to which blanks were quoted, not trimmed */
	struct diag *d;
	const struct where *w;
	const char *whole; /* for messages */
};

static bool env_key_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool env_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int env_fail(struct env_parser *e, const char *what)
{
	char buf[DIAG_SHOW_MAX];

	diag_error(e->d, e->w, "expected %s, got '%s'", what,
		   diag_show(buf, sizeof(buf), e->whole));
	return -1;
}

/* ${NAME} or ${NAME:-default}, read from cinit's own environment. */
static int env_expand(struct env_parser *e)
{
	const char *p = e->p + 2, *name = p, *dflt = NULL, *end;
	char *key;
	const char *val;

	if (!env_key_start(*p))
		return env_fail(e, "a variable name after '${'");
	while (env_key_char(*p))
		p++;
	if (p[0] == ':' && p[1] == '-')
		dflt = p + 2;
	end = strchr(p, '}');
	if (!end || (!dflt && end != p))
		return env_fail(e, "'}' to close '${'");
	key = strndup(name, (size_t)(p - name));
	if (!key) {
		e->out.oom = true;
		return -1;
	}
	val = getenv(key);
	if (!val && dflt) {
		for (const char *q = dflt; q < end; q++)
			sb_putc(&e->out, *q);
	} else if (!val) {
		diag_warn(e->d, e->w,
			  "${%s} is not set in cinit's environment; it expands to nothing", key);
	} else {
		sb_puts(&e->out, val);
	}
	free(key);
	e->kept = e->out.len;
	e->p = end + 1;
	return 0;
}

/* A '$' outside single quotes: ${...}, $$ for a '$', or a plain '$'. */
static int env_dollar(struct env_parser *e)
{
	if (e->p[1] == '{')
		return env_expand(e);
	sb_putc(&e->out, '$');
	e->p += e->p[1] == '$' ? 2 : 1;
	e->kept = e->out.len;
	return 0;
}

static int env_double_quoted(struct env_parser *e)
{
	/* like a shell: a backslash escapes only what is special here */
	const char *escapable = e->expand_dollar ? "\"\\$" : "\"\\";

	e->p++;
	while (*e->p != '"') {
		if (!*e->p)
			return env_fail(e, "a closing '\"'");
		if (*e->p == '$' && e->expand_dollar) {
			if (env_dollar(e) < 0)
				return -1;
			continue;
		}
		if (e->p[0] == '\\' && e->p[1] && strchr(escapable, e->p[1]))
			e->p++;
		sb_putc(&e->out, *e->p++);
	}
	e->p++;
	e->kept = e->out.len;
	return 0;
}

static int env_single_quoted(struct env_parser *e)
{
	const char *end = strchr(e->p + 1, '\'');

	if (!end)
		return env_fail(e, "a closing \"'\"");
	for (const char *q = e->p + 1; q < end; q++)
		sb_putc(&e->out, *q);
	e->p = end + 1;
	e->kept = e->out.len;
	return 0;
}

/* One value: quoted and unquoted pieces up to a ',' or a newline outside
 * quotes; blanks at its end are dropped unless quoted. */
static int env_value(struct env_parser *e)
{
	int r = 0;

	e->kept = e->out.len;
	while (r == 0 && *e->p && *e->p != ',' && *e->p != '\n') {
		if (*e->p == '"') {
			r = env_double_quoted(e);
		} else if (*e->p == '\'') {
			r = env_single_quoted(e);
		} else if (*e->p == '$' && e->expand_dollar) {
			r = env_dollar(e);
		} else if (*e->p == '\\' && e->p[1]) {
			sb_putc(&e->out, e->p[1]);
			e->p += 2;
			e->kept = e->out.len;
		} else {
			sb_putc(&e->out, *e->p++);
		}
	}
	while (e->out.len > e->kept && isspace((unsigned char)e->out.s[e->out.len - 1]))
		e->out.s[--e->out.len] = '\0';
	return r;
}

/* Appends one KEY=VALUE; a key set again is left to env_dedupe. */
static int env_item(struct env_parser *e, struct strv *env)
{
	const char *key = e->p;
	char *kv;

	if (!env_key_start(*e->p))
		return env_fail(
		    e, "KEY=VALUE pairs separated by commas, such as A=1, B=\"two words\"");
	while (env_key_char(*e->p))
		e->p++;
	for (const char *k = key; k < e->p; k++)
		sb_putc(&e->out, *k);
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
	if (*e->p != '=')
		return env_fail(
		    e, "KEY=VALUE pairs separated by commas, such as A=1, B=\"two words\"");
	sb_putc(&e->out, '=');
	e->p++;
	while (*e->p == ' ' || *e->p == '\t')
		e->p++;
	if (env_value(e) < 0)
		return -1;
	kv = sb_take(&e->out);
	if (!kv || strv_add(env, kv) < 0) {
		diag_oom(e->d, e->w);
		return -1;
	}
	return 0;
}

int value_env(const char *v, bool expand_dollar, char ***env, struct diag *d, const struct where *w)
{
	struct env_parser e = {.p = v, .expand_dollar = expand_dollar, .d = d, .w = w, .whole = v};
	struct strv out;

	if (strv_init(&out) < 0) {
		diag_oom(d, w);
		return -1;
	}
	for (;;) {
		while (*e.p == ',' || isspace((unsigned char)*e.p))
			e.p++;
		if (!*e.p)
			break;
		if (env_item(&e, &out) < 0) {
			if (e.out.oom)
				diag_oom(d, w);
			free(sb_take(&e.out));
			conf_free_argv(out.v);
			return -1;
		}
	}
	if (env_dedupe(&out, true) < 0) {
		conf_free_argv(out.v);
		diag_oom(d, w);
		return -1;
	}
	conf_free_argv(*env);
	*env = out.v;
	return 0;
}

int env_merge_under(char ***env, char *const *base)
{
	struct strv merged;

	if (strv_init(&merged) < 0)
		return -1;
	for (char *const *b = base; b && *b; b++) {
		if (strv_add(&merged, strdup(*b)) < 0) {
			conf_free_argv(merged.v);
			return -1;
		}
	}
	for (char **p = *env; p && *p; p++) {
		if (strv_add(&merged, strdup(*p)) < 0) {
			conf_free_argv(merged.v);
			return -1;
		}
	}
	if (env_dedupe(&merged, false) < 0) {
		conf_free_argv(merged.v);
		return -1;
	}
	conf_free_argv(*env);
	*env = merged.v;
	return 0;
}

/* ---- resource limits ---------------------------------------------------- */

const struct rlimit_name conf_rlimit_names[] = {
    {"as", RLIMIT_AS},		 {"core", RLIMIT_CORE},		{"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},	 {"fsize", RLIMIT_FSIZE},	{"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},	 {"nproc", RLIMIT_NPROC},	{"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},	 {"rttime", RLIMIT_RTTIME},	{"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};
const size_t conf_n_rlimit_names = sizeof(conf_rlimit_names) / sizeof(conf_rlimit_names[0]);

int conf_rlimit_by_name(const char *name)
{
	for (size_t i = 0; i < conf_n_rlimit_names; i++)
		if (strcasecmp(name, conf_rlimit_names[i].name) == 0)
			return conf_rlimit_names[i].resource;
	return -1;
}

static int rlimit_number(const char *s, rlim_t *out)
{
	uint64_t v;

	if (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "infinity") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (conf_parse_size(s, &v) < 0 || (rlim_t)v == RLIM_INFINITY)
		return -1;
	*out = (rlim_t)v;
	return 0;
}

int value_rlimit(const char *v, struct rlimit *out, struct diag *d, const struct where *w)
{
	static const char what[] = "SOFT[:HARD], each a number or unlimited";
	const char *colon = strchr(v, ':');
	struct rlimit rl;
	char *soft;
	int r;

	soft = strndup(v, colon ? (size_t)(colon - v) : strlen(v));
	if (!soft) {
		diag_oom(d, w);
		return -1;
	}
	r = rlimit_number(soft, &rl.rlim_cur);
	free(soft);
	if (r == 0)
		r = colon ? rlimit_number(colon + 1, &rl.rlim_max) : (rl.rlim_max = rl.rlim_cur, 0);
	if (r < 0) {
		diag_expected(d, w, what, v);
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_cur > rl.rlim_max) {
		diag_expected(d, w, "a soft limit no higher than the hard one", v);
		return -1;
	}
	if (rl.rlim_cur == RLIM_INFINITY && rl.rlim_max != RLIM_INFINITY) {
		diag_expected(d, w, "a soft limit no higher than the hard one", v);
		return -1;
	}
	*out = rl;
	return 0;
}

/* ---- readiness ---------------------------------------------------------- */

static bool valid_port(const char *p)
{
	int n;

	if (isdigit((unsigned char)*p))
		return conf_parse_uint(p, &n) == 0 && n >= 1 && n <= 65535;
	/* a service name from /etc/services */
	if (!*p || strlen(p) > 32)
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

static bool valid_host(const char *h)
{
	if (!*h)
		return false;
	for (; *h; h++)
		if ((unsigned char)*h <= ' ' || *h == 0x7f || *h == ';' || *h == '[' || *h == ']')
			return false;
	return true;
}

/* HOST:PORT, with an IPv6 address in brackets: [::1]:8080 */
static int split_host_port(const char *s, char **host, char **port)
{
	const char *colon, *h = s;
	size_t hlen;

	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
		/* an IPv6 address without brackets would be ambiguous */
		if (memchr(s, ':', hlen))
			return -1;
	}
	*host = strndup(h, hlen);
	*port = strdup(colon + 1);
	if (!*host || !*port || !valid_host(*host) || !valid_port(*port)) {
		free(*host);
		free(*port);
		*host = *port = NULL;
		return -1;
	}
	return 0;
}

static void ready_clear(struct ready_conf *r)
{
	free(r->host);
	free(r->port);
	free(r->path);
	conf_free_argv(r->argv);
	r->host = r->port = r->path = NULL;
	r->argv = NULL;
	r->kind = READY_NONE;
}

static int ready_path(const char *path, enum ready_kind kind, struct ready_conf *r, struct diag *d,
		      const struct where *w)
{
	char *p;

	if (!*path || value_plain(path, d, w) < 0) {
		if (!*path)
			diag_expected(d, w, "a path after the colon", "");
		return -1;
	}
	if (!(p = strdup(path))) {
		diag_oom(d, w);
		return -1;
	}
	ready_clear(r);
	r->kind = kind;
	r->path = p;
	return 0;
}

int value_ready(const char *v, struct ready_conf *r, struct diag *d, const struct where *w)
{
	static const char what[] =
	    "tcp:HOST:PORT, unix:PATH, file:PATH, exec:COMMAND, notify or none";

	if (strcasecmp(v, "none") == 0) {
		ready_clear(r);
		return 0;
	}
	if (strcasecmp(v, "notify") == 0) {
		ready_clear(r);
		r->kind = READY_NOTIFY;
		return 0;
	}
	if (strncasecmp(v, "tcp:", 4) == 0) {
		char *host, *port;
		if (split_host_port(v + 4, &host, &port) < 0) {
			diag_expected(d, w, "tcp:HOST:PORT, with a port from 1 to 65535", v);
			return -1;
		}
		ready_clear(r);
		r->kind = READY_TCP;
		r->host = host;
		r->port = port;
		return 0;
	}
	if (strncasecmp(v, "unix:", 5) == 0)
		return ready_path(v + 5, READY_UNIX, r, d, w);
	if (strncasecmp(v, "file:", 5) == 0)
		return ready_path(v + 5, READY_FILE, r, d, w);
	if (strncasecmp(v, "exec:", 5) == 0) {
		char **argv = NULL;
		if (value_command(v + 5, &argv, d, w) < 0)
			return -1;
		ready_clear(r);
		r->kind = READY_EXEC;
		r->argv = argv;
		return 0;
	}
	diag_expected(d, w, what, v);
	return -1;
}

/* ---- log targets -------------------------------------------------------- */

int value_log_target(const char *v, struct log_conf *l, struct diag *d, const struct where *w)
{
	enum log_kind kind;
	char *path = NULL;

	if (strcasecmp(v, "inherit") == 0) {
		kind = LOG_INHERIT;
	} else if (strcasecmp(v, "prefix") == 0) {
		kind = LOG_PREFIX;
	} else if (strcasecmp(v, "null") == 0) {
		kind = LOG_NULL;
	} else if (strchr(v, '/')) {
		/* a path must show it is one, so that a misspelt word is an
		 * error rather than a log file in the working directory */
		if (value_plain(v, d, w) < 0)
			return -1;
		if (!(path = strdup(v))) {
			diag_oom(d, w);
			return -1;
		}
		kind = LOG_FILE;
	} else {
		diag_expected(d, w, "inherit, prefix, null or a file path (with a '/')", v);
		return -1;
	}
	free(l->path);
	l->path = path;
	l->kind = kind;
	return 0;
}

/* ---- the control socket -------------------------------------------------- */

int conf_set_socket_mode(void *obj, const char *v, struct diag *d, const struct where *w)
{
	struct cinit_conf *c = obj;
	int mode;

	/* an octal mode has the shape of an umask, up to 0777 */
	if (conf_parse_umask(v, &mode) < 0) {
		diag_expected(d, w, "an octal mode such as 0700 or 0770", v);
		return -1;
	}
	c->control_socket_mode = mode;
	return 0;
}

int conf_set_socket_owner(void *obj, const char *v, struct diag *d, const struct where *w)
{
	struct cinit_conf *c = obj;
	char *copy;

	if (value_plain(v, d, w) < 0)
		return -1;
	if (!*v || strchr(v, ' ') || v[0] == ':') {
		diag_expected(d, w, "a user, or user:group, such as www-data:www-data", v);
		return -1;
	}
	if (!(copy = strdup(v))) {
		diag_oom(d, w);
		return -1;
	}
	free(c->control_socket_owner);
	c->control_socket_owner = copy;
	return 0;
}
