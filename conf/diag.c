/* Config messages, one shape for all: "FILE:LINE: [SECTION] KEY: message",
 * so that an editor or a grep can jump to the line. */
#include "internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *diag_show(char *buf, size_t len, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		/* room for the longest escape and the "..." that ends a cut */
		if (o + 8 > len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (*p == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (*p == '\t') {
			buf[o++] = '\\';
			buf[o++] = 't';
		} else if (*p < 0x20 || *p == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[*p >> 4];
			buf[o++] = hex[*p & 15];
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* File names come from the user and from globs; a newline in one must not
 * forge a second message line. */
static void write_name(FILE *f, const char *s)
{
	char buf[4096];

	fputs(diag_show(buf, sizeof(buf), s), f);
}

static void write_prefix(FILE *f, const struct where *w)
{
	write_name(f, w->file ? w->file : "command line");
	if (w->line > 0)
		fprintf(f, ":%d", w->line);
	fputs(": ", f);
	if (w->section) {
		fputc('[', f);
		write_name(f, w->section);
		fputs("] ", f);
	}
	if (w->key) {
		write_name(f, w->key);
		fputs(": ", f);
	}
}

/* Whether the message was said already while deduplicating; remembers it
 * otherwise. Out of memory, it is said again rather than lost. */
static bool said_before(struct diag *d, const char *msg)
{
	char **said;
	char *copy;

	for (size_t i = 0; i < d->n_said; i++)
		if (strcmp(d->said[i], msg) == 0)
			return true;
	copy = strdup(msg);
	said = copy ? realloc(d->said, (d->n_said + 1) * sizeof(*said)) : NULL;
	if (!said) {
		free(copy);
		return false;
	}
	said[d->n_said++] = copy;
	d->said = said;
	return false;
}

/* Keeps a message for later; takes text. Out of memory, it is written at
 * once rather than lost. */
static bool hold(struct diag *d, int line, char *text)
{
	struct held_msg *v = realloc(d->held.v, (d->held.n + 1) * sizeof(*v));

	if (!v)
		return false;
	v[d->held.n].line = line;
	v[d->held.n].seq = d->held.seq++;
	v[d->held.n].text = text;
	d->held.v = v;
	d->held.n++;
	return true;
}

/* Writes the message and reports whether it was new (and so counts). */
static bool emit(struct diag *d, const struct where *w, const char *kind, const char *fmt,
		 va_list ap)
{
	char *body = NULL, *line = NULL;
	FILE *m;
	size_t len;
	bool fresh = true;

	m = open_memstream(&line, &len);
	if (!m) {
		/* too short of memory to format: at least the location */
		if (d->errs) {
			write_prefix(d->errs, w);
			fputs("(message lost: out of memory)\n", d->errs);
		}
		return true;
	}
	write_prefix(m, w);
	fputs(kind, m);
	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	fputs(body ? body : "(message lost: out of memory)", m);
	free(body);
	if (fclose(m) != 0 || !line) {
		free(line);
		return true;
	}
	if (d->dedupe)
		fresh = !said_before(d, line);
	if (fresh && d->errors + d->warnings >= DIAG_MAX_MESSAGES) {
		d->unsaid++;
		free(line);
		return true;
	}
	if (fresh && d->errs && d->held.on && hold(d, w->line, line))
		return true;
	if (fresh && d->errs) {
		fputs(line, d->errs);
		fputc('\n', d->errs);
	}
	free(line);
	return fresh;
}

void diag_error(struct diag *d, const struct where *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (emit(d, w, "", fmt, ap))
		d->errors++;
	va_end(ap);
}

void diag_warn(struct diag *d, const struct where *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (emit(d, w, "warning: ", fmt, ap))
		d->warnings++;
	va_end(ap);
}

void diag_note(struct diag *d, const struct where *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(d, w, "", fmt, ap);
	va_end(ap);
}

void diag_expected(struct diag *d, const struct where *w, const char *what, const char *value)
{
	char buf[DIAG_SHOW_MAX];

	diag_error(d, w, "expected %s, got '%s'", what, diag_show(buf, sizeof(buf), value));
}

void diag_oom(struct diag *d, const struct where *w)
{
	/* one message is enough; every later failure still counts */
	if (!d->oom_said) {
		d->oom_said = true;
		diag_error(d, w, "out of memory");
	} else {
		d->errors++;
	}
}

void diag_dedupe(struct diag *d, bool on)
{
	for (size_t i = 0; i < d->n_said; i++)
		free(d->said[i]);
	free(d->said);
	d->said = NULL;
	d->n_said = 0;
	d->dedupe = on;
}

struct held_list diag_hold(struct diag *d)
{
	struct held_list outer = d->held;

	memset(&d->held, 0, sizeof(d->held));
	d->held.on = true;
	return outer;
}

static int by_line(const void *a, const void *b)
{
	const struct held_msg *x = a, *y = b;

	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void diag_release(struct diag *d, int line)
{
	size_t kept = 0;

	if (!d->held.n)
		return;
	qsort(d->held.v, d->held.n, sizeof(*d->held.v), by_line);
	for (size_t i = 0; i < d->held.n; i++) {
		struct held_msg *m = &d->held.v[i];
		if (m->line > line) {
			d->held.v[kept++] = *m;
			continue;
		}
		if (d->errs) {
			fputs(m->text, d->errs);
			fputc('\n', d->errs);
		}
		free(m->text);
	}
	d->held.n = kept;
}

void diag_unhold(struct diag *d, struct held_list outer)
{
	diag_release(d, INT_MAX);
	free(d->held.v);
	d->held = outer;
}
