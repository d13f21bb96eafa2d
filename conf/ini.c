/* The INI tokenizer: inih reads the lines through our own reader.
 *
 * Debian builds inih with a 200-byte line buffer on the stack, no line
 * numbers for the handler, and no handler call for section headers or bad
 * lines. The reader therefore sees every line first: it counts lines (inih
 * calls the handler for a line before it asks for the next, so the count is
 * the handler's line number), records section headers itself, reports the
 * lines inih would reject, and hands inih each line it can hold unchanged.
 * A line too long for inih's buffer is classified the way inih would, its
 * key and value are kept in the tokenizer, and inih gets a short placeholder
 * of the same kind ("k=v", or " v" for a continuation); the handler then
 * takes the real text from the tokenizer. Mirroring inih's rules is what
 * keeps the two in step: a continuation is an indented line after a key
 * with a non-empty name, and a ';' comment starts only after a blank. Unlike
 * inih, a continuation line loses its comment too. */
#include "internal.h"

#include <ctype.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

enum line_kind { LINE_OTHER, LINE_KEY, LINE_KEY_LONG, LINE_MORE, LINE_MORE_LONG };

struct tokenizer {
	const char *file;
	const char *buf;
	size_t len, pos;
	int lineno;
	enum line_kind kind; /* of the line inih holds now */
	char *long_key;	     /* the text behind a placeholder */
	char *long_value;
	bool has_prev_key; /* inih's prev_name is not empty */
	/* the last entry's value, which continuation lines extend: kept so
	 * that a value of many lines is not measured again for each one */
	size_t value_len, value_cap;
	int syntax_errors;
	struct ini_doc *doc;
	struct diag *d;
};

/* A file with this many bad lines is not a config file; reading on would
 * only say so once per line. */
#define MAX_SYNTAX_ERRORS 50

static struct where at_line(const struct tokenizer *t)
{
	struct where w = {.file = t->file, .line = t->lineno};
	struct ini_section *s = t->doc->n ? &t->doc->sections[t->doc->n - 1] : NULL;

	if (s && s->name)
		w.section = s->name;
	return w;
}

static void oom(struct tokenizer *t)
{
	struct where w = at_line(t);

	diag_oom(t->d, &w);
}

static char *rstrip(char *s)
{
	char *e = s + strlen(s);

	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static char *lskip(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* inih's rule: the first of chars, or a ';' that follows whitespace. */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static struct ini_section *add_section(struct tokenizer *t, const char *name, bool broken)
{
	struct ini_doc *doc = t->doc;
	struct ini_section *s;

	if (doc->n == doc->cap) {
		size_t cap = doc->cap ? doc->cap * 2 : 8;
		struct ini_section *n = realloc(doc->sections, cap * sizeof(*n));
		if (!n)
			return NULL;
		doc->sections = n;
		doc->cap = cap;
	}
	s = &doc->sections[doc->n];
	memset(s, 0, sizeof(*s));
	s->line = t->lineno;
	s->broken = broken;
	if (name && !(s->name = strdup(name)))
		return NULL;
	doc->n++;
	return s;
}

static void add_entry(struct tokenizer *t, const char *key, const char *value)
{
	struct ini_section *s = t->doc->n ? &t->doc->sections[t->doc->n - 1] : NULL;
	struct ini_entry *e;

	if (!s && !(s = add_section(t, NULL, false))) {
		oom(t);
		return;
	}
	if (s->broken)
		return;
	if (s->n_entries == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct ini_entry *n = realloc(s->entries, cap * sizeof(*n));
		if (!n) {
			oom(t);
			return;
		}
		s->entries = n;
		s->cap = cap;
	}
	e = &s->entries[s->n_entries];
	e->line = t->lineno;
	e->key = strdup(key);
	e->value = strdup(value);
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		oom(t);
		return;
	}
	s->n_entries++;
	t->value_len = strlen(e->value);
	t->value_cap = t->value_len + 1;
}

/* A continuation line: its text joins the value of the key above it. */
static void append_value(struct tokenizer *t, const char *more)
{
	struct ini_section *s = t->doc->n ? &t->doc->sections[t->doc->n - 1] : NULL;
	struct ini_entry *e;
	size_t a, b;
	char *v;

	/* the key was dropped (broken section, or out of memory) */
	if (!s || s->broken || !s->n_entries)
		return;
	e = &s->entries[s->n_entries - 1];
	a = t->value_len;
	b = strlen(more);
	if (a + b + 2 > t->value_cap) {
		size_t cap = t->value_cap * 2 > a + b + 2 ? t->value_cap * 2 : a + b + 2;
		if (!(v = realloc(e->value, cap))) {
			oom(t);
			return;
		}
		e->value = v;
		t->value_cap = cap;
	}
	e->value[a] = '\n';
	memcpy(e->value + a + 1, more, b + 1);
	t->value_len = a + b + 1;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct tokenizer *t = user;

	(void)section; /* inih's copy is cut at 50 bytes; the tokenizer has it whole */
	switch (t->kind) {
	case LINE_KEY:
		add_entry(t, name, value);
		break;
	case LINE_KEY_LONG:
		add_entry(t, t->long_key, t->long_value);
		break;
	case LINE_MORE: {
		/* inih keeps "; x" on a continuation line; a comment should
		 * not depend on which line of a value it is on */
		char *v = strdup(value);
		if (!v) {
			oom(t);
			break;
		}
		*find_chars_or_comment(v, NULL) = '\0';
		append_value(t, rstrip(v));
		free(v);
		break;
	}
	case LINE_MORE_LONG:
		append_value(t, t->long_value);
		break;
	case LINE_OTHER: {
		struct where w = at_line(t);
		diag_error(t->d, &w, "internal error: inih read a key the tokenizer did not");
		break;
	}
	}
	t->kind = LINE_OTHER;
	return 1;
}

static char *give(char *str, int num, const char *text)
{
	size_t n = strlen(text);

	if (num < 1)
		return NULL;
	if (n >= (size_t)num)
		n = (size_t)num - 1;
	memcpy(str, text, n);
	str[n] = '\0';
	return str;
}

static char *give_section_header(struct tokenizer *t, char *s, char *str, int num)
{
	char *end = find_chars_or_comment(s + 1, "]");
	struct where w = at_line(t);
	char buf[DIAG_SHOW_MAX];

	t->has_prev_key = false;
	if (*end != ']') {
		w.section = NULL;
		diag_error(t->d, &w, "expected ']' to close the section header, got '%s'",
			   diag_show(buf, sizeof(buf), s));
		t->syntax_errors++;
		if (!add_section(t, NULL, true))
			oom(t);
		/* inih must forget the last key too, or it would take the
		 * next indented line as a continuation */
		return give(str, num, "[]\n");
	}
	*end = '\0';
	if (!add_section(t, lskip(rstrip(s + 1)), false))
		oom(t);
	return give(str, num, "[s]\n");
}

static char *give_key_line(struct tokenizer *t, char *line, size_t n, char *s, char *str, int num)
{
	char *sep = find_chars_or_comment(s, "=:");
	char buf[DIAG_SHOW_MAX];

	if (*sep != '=' && *sep != ':') {
		struct where w = at_line(t);
		diag_error(t->d, &w, "expected KEY = VALUE, a [section] or a comment, got '%s'",
			   diag_show(buf, sizeof(buf), s));
		t->syntax_errors++;
		return give(str, num, "\n");
	}
	if (n + 2 <= (size_t)num) {
		/* s starts with a non-blank, so the key is empty only when
		 * the separator comes first */
		t->has_prev_key = sep > s;
		t->kind = LINE_KEY;
		memcpy(str, line, n);
		str[n] = '\n';
		str[n + 1] = '\0';
		return str;
	}
	/* too long for inih: split it the way inih would */
	char *value = sep + 1;
	*sep = '\0';
	*find_chars_or_comment(value, NULL) = '\0';
	free(t->long_key);
	free(t->long_value);
	t->long_key = strdup(rstrip(s));
	t->long_value = strdup(rstrip(lskip(value)));
	if (!t->long_key || !t->long_value) {
		oom(t);
		return give(str, num, "\n");
	}
	t->has_prev_key = *t->long_key != '\0';
	t->kind = LINE_KEY_LONG;
	return give(str, num, t->has_prev_key ? "k=v\n" : "=v\n");
}

static char *give_continuation(struct tokenizer *t, char *line, size_t n, char *s, char *str,
			       int num)
{
	if (n + 2 <= (size_t)num) {
		t->kind = LINE_MORE;
		memcpy(str, line, n);
		str[n] = '\n';
		str[n + 1] = '\0';
		return str;
	}
	free(t->long_value);
	t->long_value = strdup(s);
	if (!t->long_value) {
		oom(t);
		return give(str, num, "\n");
	}
	*find_chars_or_comment(t->long_value, NULL) = '\0';
	rstrip(t->long_value);
	t->kind = LINE_MORE_LONG;
	return give(str, num, " v\n");
}

/* Hands inih a line it will treat as ours: the line itself, a placeholder
 * of the same kind, or a blank line for what it must not see. */
static char *classify(struct tokenizer *t, char *line, size_t n, char *str, int num)
{
	char *s = lskip(rstrip(line));
	bool indented = s > line;

	n = strlen(line); /* rstrip shortened it */
	if (*s == '\0' || *s == ';' || *s == '#')
		return give(str, num, "\n");
	if (t->has_prev_key && indented)
		return give_continuation(t, line, n, s, str, num);
	if (*s == '[')
		return give_section_header(t, s, str, num);
	return give_key_line(t, line, n, s, str, num);
}

static char *read_line(char *str, int num, void *stream)
{
	struct tokenizer *t = stream;
	const char *start, *nl;
	size_t n;
	char *line, *r;

	if (t->pos >= t->len)
		return NULL;
	if (t->syntax_errors >= MAX_SYNTAX_ERRORS) {
		struct where w = {.file = t->file, .line = t->lineno + 1};
		diag_error(t->d, &w,
			   "expected a config file, got %d bad lines; the rest is skipped",
			   t->syntax_errors);
		return NULL;
	}
	start = t->buf + t->pos;
	nl = memchr(start, '\n', t->len - t->pos);
	n = nl ? (size_t)(nl - start) : t->len - t->pos;
	t->pos += n + (nl ? 1 : 0);
	t->lineno++;
	t->kind = LINE_OTHER;
	if (t->lineno == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
		start += 3;
		n -= 3;
	}
	if (memchr(start, '\0', n)) {
		struct where w = at_line(t);
		diag_error(t->d, &w, "expected text, got a NUL byte");
		t->syntax_errors++;
		return give(str, num, "\n");
	}
	line = strndup(start, n);
	if (!line) {
		oom(t);
		return give(str, num, "\n");
	}
	r = classify(t, line, n, str, num);
	free(line);
	return r;
}

void ini_doc_parse(struct ini_doc *doc, const char *file, const char *buf, size_t len,
		   struct diag *d)
{
	struct tokenizer t = {.file = file, .buf = buf, .len = len, .doc = doc, .d = d};
	int r;

	memset(doc, 0, sizeof(*doc));
	r = ini_parse_stream(read_line, &t, on_entry, &t);
	if (r != 0) {
		/* every line inih could reject was handed over as blank */
		struct where w = {.file = file, .line = r > 0 ? r : 0};
		diag_error(d, &w, "internal error: inih rejected the line (%d)", r);
	}
	free(t.long_key);
	free(t.long_value);
}

void ini_doc_free(struct ini_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		struct ini_section *s = &doc->sections[i];
		for (size_t j = 0; j < s->n_entries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->name);
	}
	free(doc->sections);
	memset(doc, 0, sizeof(*doc));
}

void ini_strip_inline_comments(char *value)
{
	char *in = value, *out = value;

	while (*in) {
		char *eol = strchr(in, '\n');
		size_t n = eol ? (size_t)(eol - in) : strlen(in);
		size_t keep = n;

		for (size_t i = 1; i < n; i++) {
			if ((in[i] == ';' || in[i] == '#') && isspace((unsigned char)in[i - 1])) {
				keep = i;
				break;
			}
		}
		while (keep > 0 && isspace((unsigned char)in[keep - 1]))
			keep--;
		memmove(out, in, keep);
		out += keep;
		if (!eol)
			break;
		*out++ = '\n';
		in = eol + 1;
	}
	*out = '\0';
}
