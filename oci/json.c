/* JSON in and out through jansson, with the bounds of oci.h checked before
 * jansson builds anything, and with the uint64 values above INT64_MAX that
 * jansson's long long cannot hold. */
#include "oci/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* What one pass over the text finds before jansson sees it. */
struct scan {
	size_t values;
	int depth;
	size_t nul_at;	 /* offset of a \u0000 escape, or SIZE_MAX */
	size_t *bigs;	 /* offsets of the integers above INT64_MAX ... */
	size_t *big_end; /* ... and of their ends */
	size_t n_bigs;
	char error[96]; /* a bound that was passed */
	size_t error_at;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A JSON integer token (no sign, fraction or exponent, no leading zero)
 * between INT64_MAX and UINT64_MAX. */
static bool is_big_integer(const char *s, size_t n)
{
	static const char max64[] = "9223372036854775807", maxu64[] = "18446744073709551615";

	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	if (n < 19 || n > 20 || s[0] == '0')
		return false;
	if (n == 19)
		return memcmp(s, max64, 19) > 0;
	return memcmp(s, maxu64, 20) <= 0;
}

static bool remember_big(struct scan *sc, size_t start, size_t end)
{
	size_t *b = realloc(sc->bigs, (sc->n_bigs + 1) * sizeof(*b));
	if (!b)
		return false;
	sc->bigs = b;
	size_t *e = realloc(sc->big_end, (sc->n_bigs + 1) * sizeof(*e));
	if (!e)
		return false;
	sc->big_end = e;
	sc->bigs[sc->n_bigs] = start;
	sc->big_end[sc->n_bigs++] = end;
	return true;
}

static size_t skip_string(const char *t, size_t len, size_t i, struct scan *sc)
{
	for (i++; i < len && t[i] != '"'; i++)
		if (t[i] == '\\' && i + 1 < len) {
			if (t[i + 1] == 'u' && i + 5 < len && memcmp(t + i + 2, "0000", 4) == 0 &&
			    sc->nul_at == SIZE_MAX)
				sc->nul_at = i;
			i++;
		}
	return i;
}

static bool count_value(struct scan *sc, size_t at)
{
	if (++sc->values > OCI_MAX_VALUES) {
		snprintf(sc->error, sizeof(sc->error),
			 "the document holds more values than a config.json can (%u)",
			 OCI_MAX_VALUES);
		sc->error_at = at;
		return false;
	}
	return true;
}

static bool scan(const char *t, size_t len, struct scan *sc)
{
	for (size_t i = 0; i < len; i++) {
		char c = t[i];

		if (c == '"') {
			if (!count_value(sc, i))
				return false;
			i = skip_string(t, len, i, sc);
		} else if (c == '[' || c == '{') {
			if (!count_value(sc, i))
				return false;
			if (++sc->depth > OCI_MAX_DEPTH) {
				snprintf(sc->error, sizeof(sc->error),
					 "the document nests deeper than a config.json can (%d "
					 "levels)",
					 OCI_MAX_DEPTH);
				sc->error_at = i;
				return false;
			}
		} else if (c == ']' || c == '}') {
			sc->depth--;
		} else if (c == '-' || is_digit(c) || c == 't' || c == 'f' || c == 'n') {
			size_t e = i;
			while (e < len && (is_digit(t[e]) || strchr("+-.eEtruefalsn", t[e])))
				e++;
			if (!count_value(sc, i))
				return false;
			if (is_big_integer(t + i, e - i) && !remember_big(sc, i, e)) {
				snprintf(sc->error, sizeof(sc->error), "out of memory");
				sc->error_at = i;
				return false;
			}
			i = e - 1;
		}
	}
	return true;
}

/* The big integers become "\u0000DIGITS": 8 bytes more each. */
#define BIG_GROWTH 8

static char *rewrite_bigs(const char *t, size_t len, const struct scan *sc, size_t *out_len)
{
	char *b = malloc(len + sc->n_bigs * BIG_GROWTH + 1);
	size_t o = 0, from = 0;

	if (!b)
		return NULL;
	for (size_t k = 0; k < sc->n_bigs; k++) {
		memcpy(b + o, t + from, sc->bigs[k] - from);
		o += sc->bigs[k] - from;
		memcpy(b + o, "\"\\u0000", 7);
		o += 7;
		memcpy(b + o, t + sc->bigs[k], sc->big_end[k] - sc->bigs[k]);
		o += sc->big_end[k] - sc->bigs[k];
		b[o++] = '"';
		from = sc->big_end[k];
	}
	memcpy(b + o, t + from, len - from);
	o += len - from;
	b[o] = '\0';
	*out_len = o;
	return b;
}

/* "line L, column C" of an offset of the original text. */
static void say_at(struct oci_messages *m, const char *t, size_t len, size_t at, const char *what)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < at && i < len; i++) {
		if (t[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	oci_msg(m, false, "line %zu, column %zu: %s", line, col, what);
}

/* jansson's offset in the rewritten text, back in the original one. */
static size_t original_offset(const struct scan *sc, size_t pos)
{
	size_t shift = 0;

	for (size_t k = 0; k < sc->n_bigs; k++)
		if (sc->bigs[k] + shift < pos)
			shift += BIG_GROWTH;
	return pos >= shift ? pos - shift : 0;
}

json_t *oci_json_load(const char *text, size_t len, struct oci_messages *msgs)
{
	struct scan sc = {.nul_at = SIZE_MAX};
	json_error_t err;
	json_t *root = NULL;
	char *big_text = NULL;
	size_t big_len = 0;

	if (len > OCI_MAX_DOCUMENT) {
		oci_msg(msgs, false, "the document has %zu bytes, more than a config.json can (%u)",
			len, OCI_MAX_DOCUMENT);
		return NULL;
	}
	if (!scan(text, len, &sc)) {
		say_at(msgs, text, len, sc.error_at, sc.error);
		goto out;
	}
	if (sc.nul_at != SIZE_MAX) {
		say_at(msgs, text, len, sc.nul_at, "a string holds \\u0000, which no C string can");
		goto out;
	}
	if (sc.n_bigs && !(big_text = rewrite_bigs(text, len, &sc, &big_len))) {
		oci_msg(msgs, false, "out of memory");
		goto out;
	}
	root = json_loadb(big_text ? big_text : text, big_text ? big_len : len,
			  JSON_REJECT_DUPLICATES | (big_text ? JSON_ALLOW_NUL : 0), &err);
	if (!root) {
		say_at(msgs, text, len, original_offset(&sc, (size_t)err.position), err.text);
		goto out;
	}
	if (!json_is_object(root)) {
		oci_msg(msgs, false, "the document is not a JSON object");
		json_decref(root);
		root = NULL;
	}
out:
	free(big_text);
	free(sc.bigs);
	free(sc.big_end);
	return root;
}

bool oci_json_is_big(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 1 && json_string_value(v)[0] == '\0';
}

bool oci_json_u64(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (oci_json_is_big(v)) {
		errno = 0;
		*out = strtoull(json_string_value(v) + 1, NULL, 10);
		return errno == 0;
	}
	return false;
}

json_t *oci_json_from_u64(uint64_t v)
{
	char buf[24];
	int n;

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	n = snprintf(buf, sizeof(buf), "%c%" PRIu64, '\0', v);
	return json_stringn(buf, (size_t)n);
}

char *oci_json_dump(const json_t *v)
{
	static const char marker[] = "\"\\u0000";
	char *text = json_dumps(v, JSON_INDENT(2)), *p, *o;
	size_t len;

	if (!text)
		return NULL;
	/* "\u0000DIGITS" back to DIGITS; no other string holds a NUL */
	for (p = o = text; *p;) {
		if (strncmp(p, marker, sizeof(marker) - 1) == 0) {
			p += sizeof(marker) - 1;
			while (is_digit(*p))
				*o++ = *p++;
			p++; /* the closing quote */
		} else
			*o++ = *p++;
	}
	*o = '\0';
	len = (size_t)(o - text);
	p = realloc(text, len + 2);
	if (!p) {
		free(text);
		return NULL;
	}
	p[len] = '\n';
	p[len + 1] = '\0';
	return p;
}

const char *oci_json_show(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		if (oci_json_is_big(v)) {
			snprintf(buf, len, "%s", json_string_value(v) + 1);
			return buf;
		}
		return oci_show(buf, len, json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%.17g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		return "null";
	}
	return "?";
}
