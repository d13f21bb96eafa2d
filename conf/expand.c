/* supervisord's expansions, which are Python %-format with a dictionary:
 * "%(program_name)s", "%(process_num)02d", "%(ENV_HOME)s", "%%". Only the
 * conversions supervisord files use are known: s, d and i, with flags,
 * width and precision. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH 256

struct fmt_spec {
	bool left, zero, plus, space;
	int width;
	int precision; /* -1: none */
	char conv;
};

struct expansion {
	const char *str; /* a string value, or NULL for a number */
	long long num;
};

struct expander {
	const char *p;
	FILE *out;
	const struct percent_vars *vars;
	struct diag *d;
	const struct where *w;
	const char *whole;
};

static int fail(struct expander *x, const char *what)
{
	char buf[DIAG_SHOW_MAX];

	diag_error(x->d, x->w, "expected %s, got '%s'", what,
		   diag_show(buf, sizeof(buf), x->whole));
	return -1;
}

/* The value of key in a KEY=VALUE list, or NULL. */
static const char *env_value(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static int lookup(struct expander *x, const char *name, struct expansion *e)
{
	const struct percent_vars *v = x->vars;
	const char *s = NULL;

	e->str = NULL;
	if (strncmp(name, "ENV_", 4) == 0) {
		if (!(e->str = env_value(v->env_own, name + 4)) &&
		    !(e->str = env_value(v->env_global, name + 4)) &&
		    !(e->str = getenv(name + 4))) {
			diag_error(x->d, x->w,
				   "expected %%(%s)s to name a variable of the program's or "
				   "[supervisord]'s environment= or of cinit's environment, but "
				   "%s is set in none",
				   name, name + 4);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "program_name") == 0)
		s = v->program_name;
	else if (strcmp(name, "group_name") == 0)
		s = v->group_name;
	else if (strcmp(name, "here") == 0)
		s = v->here;
	else if (strcmp(name, "host_node_name") == 0)
		s = v->host_node_name;
	if (s) {
		e->str = s;
		return 0;
	}
	if (v->have_process && strcmp(name, "process_num") == 0) {
		e->num = v->process_num;
		return 0;
	}
	if (v->have_process && strcmp(name, "numprocs") == 0) {
		e->num = v->numprocs;
		return 0;
	}
	diag_error(x->d, x->w,
		   "expected one of %%(program_name)s, %%(process_num)d, %%(numprocs)d, "
		   "%%(group_name)s, %%(host_node_name)s, %%(here)s or %%(ENV_NAME)s, got %%(%s)",
		   name);
	return -1;
}

static int read_number(const char **p)
{
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		if (n <= MAX_WIDTH)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n;
}

/* Flags, width, precision and conversion after "%(name)". */
static int read_spec(struct expander *x, struct fmt_spec *f)
{
	memset(f, 0, sizeof(*f));
	f->precision = -1;
	for (;; x->p++) {
		if (*x->p == '-')
			f->left = true;
		else if (*x->p == '0')
			f->zero = true;
		else if (*x->p == '+')
			f->plus = true;
		else if (*x->p == ' ')
			f->space = true;
		else if (*x->p != '#')
			break;
	}
	f->width = read_number(&x->p);
	if (*x->p == '.') {
		x->p++;
		f->precision = read_number(&x->p);
	}
	if (f->width > MAX_WIDTH || f->precision > MAX_WIDTH)
		return fail(x, "a width and precision of at most 256");
	if (*x->p != 's' && *x->p != 'd' && *x->p != 'i')
		return fail(x, "a conversion s or d after %(name), as in %(program_name)s");
	f->conv = *x->p++;
	return 0;
}

static void pad(FILE *out, char c, int n)
{
	while (n-- > 0)
		fputc(c, out);
}

static void emit_string(FILE *out, const char *s, const struct fmt_spec *f)
{
	size_t n = strlen(s);
	int gap;

	if (f->precision >= 0 && (size_t)f->precision < n)
		n = (size_t)f->precision;
	gap = n < (size_t)f->width ? f->width - (int)n : 0;
	if (!f->left)
		pad(out, ' ', gap);
	fwrite(s, 1, n, out);
	if (f->left)
		pad(out, ' ', gap);
}

static void emit_number(FILE *out, long long v, const struct fmt_spec *f)
{
	char digits[32];
	const char *sign = v < 0 ? "-" : f->plus ? "+" : f->space ? " " : "";
	unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	int nd = snprintf(digits, sizeof(digits), "%llu", mag);
	int zeros = f->precision > nd ? f->precision - nd : 0;
	int len = (int)strlen(sign) + zeros + nd;

	if (f->zero && !f->left && f->precision < 0) {
		zeros += f->width > len ? f->width - len : 0;
		len = f->width > len ? f->width : len;
	}
	if (!f->left)
		pad(out, ' ', f->width - len);
	fputs(sign, out);
	pad(out, '0', zeros);
	fputs(digits, out);
	if (f->left)
		pad(out, ' ', f->width - len);
}

static int expand_one(struct expander *x)
{
	const char *name = x->p + 2;
	const char *close = strchr(name, ')');
	struct expansion e = {0};
	struct fmt_spec f;
	char *key;
	int r;

	if (!close)
		return fail(x, "')' to close '%('");
	if (!(key = strndup(name, (size_t)(close - name)))) {
		diag_oom(x->d, x->w);
		return -1;
	}
	x->p = close + 1;
	r = lookup(x, key, &e);
	free(key);
	if (r < 0 || read_spec(x, &f) < 0)
		return -1;
	if (f.conv == 's') {
		char num[32];
		if (!e.str)
			snprintf(num, sizeof(num), "%lld", e.num);
		emit_string(x->out, e.str ? e.str : num, &f);
		return 0;
	}
	if (e.str)
		return fail(x, "%(name)s for a text value; %d takes a number");
	emit_number(x->out, e.num, &f);
	return 0;
}

int expand_percent(const char *in, const struct percent_vars *vars, char **out, struct diag *d,
		   const struct where *w)
{
	struct expander x = {.p = in, .vars = vars, .d = d, .w = w, .whole = in};
	char *buf = NULL;
	size_t len = 0;
	int r = 0;

	x.out = open_memstream(&buf, &len);
	if (!x.out) {
		diag_oom(d, w);
		return -1;
	}
	while (*x.p && r == 0) {
		if (*x.p != '%') {
			fputc(*x.p++, x.out);
		} else if (x.p[1] == '%') {
			fputc('%', x.out);
			x.p += 2;
		} else if (x.p[1] == '(') {
			r = expand_one(&x);
		} else {
			r = fail(&x, "%% for a '%' or %(name)s for an expansion");
		}
	}
	if (fclose(x.out) != 0 || !buf) {
		free(buf);
		if (r == 0)
			diag_oom(d, w);
		return -1;
	}
	if (r < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}
