/* The reader's position in the document and its typed reads. Every problem
 * is said with the JSON path of the value and what was expected, and the
 * reader goes on, so that a document's errors are all said at once. */
#include "oci/internal.h"

#include "conf/units.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_BUF 256

void rd_begin(struct rd *r, struct oci_messages *msgs, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	r->msgs = msgs;
	r->flags = flags;
}

int rd_end(struct rd *r, unsigned errors_before)
{
	if (r->oom)
		oci_msg(r->msgs, false, "out of memory");
	return (int)(r->msgs->errors - errors_before);
}

static void append(char *buf, size_t *len, const char *fmt, const char *s)
{
	int n = snprintf(buf + *len, OCI_PATH_MAX - *len, fmt, s);

	if (n < 0 || (size_t)n >= OCI_PATH_MAX - *len)
		*len = OCI_PATH_MAX - 1; /* cut; the start of the path says enough */
	else
		*len += (size_t)n;
}

static bool is_identifier(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static struct rd_mark mark(const struct rd *r)
{
	return (struct rd_mark){r->plen, r->slen};
}

/* Keys of maps (annotations["com.example.key"]) are shown quoted. */
static void append_key(char *buf, size_t *len, const char *key)
{
	if (is_identifier(key)) {
		append(buf, len, *len && buf[*len - 1] != '#' ? ".%s" : "%s", key);
	} else {
		char show[SHOW_BUF];
		append(buf, len, "[%s]", oci_show(show, sizeof(show), key));
	}
}

struct rd_mark rd_key(struct rd *r, const char *key)
{
	struct rd_mark m = mark(r);

	append_key(r->path, &r->plen, key);
	append_key(r->schema, &r->slen, key);
	return m;
}

struct rd_mark rd_index(struct rd *r, size_t i)
{
	struct rd_mark m = mark(r);
	char n[24];

	snprintf(n, sizeof(n), "%zu", i);
	append(r->path, &r->plen, "[%s]", n);
	append(r->schema, &r->slen, "%s", "[]");
	return m;
}

/* Map keys are data, not field names: always annotations["key"]. */
struct rd_mark rd_entry(struct rd *r, const char *key)
{
	struct rd_mark m = mark(r);
	char show[SHOW_BUF];

	append(r->path, &r->plen, "[%s]", oci_show(show, sizeof(show), key));
	append(r->schema, &r->slen, "%s", "{}");
	return m;
}

/* The schema path goes on as "mounts[].uidMappings[]#IDMapping"; lookups
 * take what follows the last '#', and popping stays a matter of lengths. */
struct rd_mark rd_def(struct rd *r, const char *def)
{
	struct rd_mark m = mark(r);

	append(r->schema, &r->slen, "#%s", def);
	return m;
}

static const char *schema_tail(const struct rd *r)
{
	const char *h = strrchr(r->schema, '#');

	return h ? h + 1 : r->schema;
}

void rd_pop(struct rd *r, struct rd_mark m)
{
	r->plen = m.plen;
	r->path[m.plen] = '\0';
	r->slen = m.slen;
	r->schema[m.slen] = '\0';
}

static void rd_say(struct rd *r, bool warning, const char *fmt, va_list ap)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) < 0) {
		r->oom = true;
		return;
	}
	if (r->plen)
		oci_msg(r->msgs, warning, "%s: %s", r->path, text);
	else
		oci_msg(r->msgs, warning, "%s", text);
	free(text);
}

void rd_error(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rd_say(r, false, fmt, ap);
	va_end(ap);
}

void rd_warn(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rd_say(r, true, fmt, ap);
	va_end(ap);
}

void rd_expected(struct rd *r, const char *what, const json_t *got)
{
	char show[SHOW_BUF];

	rd_error(r, "expected %s, got %s", what, oci_json_show(got, show, sizeof(show)));
}

void *rd_alloc(struct rd *r, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	if (!(p = calloc(n, size)))
		r->oom = true;
	return p;
}

char *rd_strdup(struct rd *r, const char *s)
{
	char *d = strdup(s);

	if (!d)
		r->oom = true;
	return d;
}

/* ---- fields of an object ------------------------------------------------- */

static const char *did_you_mean(const char *parent, const char *key)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (const struct oci_field *f = oci_fields; f->parent; f++) {
		if (f->value || strcmp(f->parent, parent) != 0)
			continue;
		size_t d = conf_edit_distance(key, f->name, 2);
		if (d < best_d && (d == 0 || strlen(key) > 3))
			best = f->name, best_d = d;
	}
	return best;
}

/* What asks for nothing: an unsupported field given so is accepted. -1 is
 * the spec's "unlimited" of the limits (memory.kernel: -1). */
static bool is_empty(const json_t *v)
{
	return json_is_false(v) || (json_is_integer(v) && json_integer_value(v) == -1) ||
	       (json_is_string(v) && json_string_length(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

/* Whether an object at schema lies inside a field the table refuses: that
 * field was said to be unsupported already, its parts need not be. */
static bool inside_refused(const char *schema)
{
	char s[OCI_PATH_MAX], *cut;

	snprintf(s, sizeof(s), "%s", schema);
	for (;;) {
		size_t n;
		if ((cut = strrchr(s, '#')))
			*cut = '\0'; /* a definition's owner is what comes before it */
		n = strlen(s);
		while (n >= 2 && (strcmp(s + n - 2, "[]") == 0 || strcmp(s + n - 2, "{}") == 0))
			s[n -= 2] = '\0';
		char *dot = strrchr(s, '.');
		const char *name = dot ? dot + 1 : s, *parent = "";
		if (!*name)
			return false;
		if (dot) {
			*dot = '\0';
			parent = strrchr(s, '#') ? strrchr(s, '#') + 1 : s;
		}
		const struct oci_field *f = oci_field_find(parent, name);
		if (f && f->support == OCI_UNSUPPORTED)
			return true;
		if (!dot)
			return false;
	}
}

static void check_field(struct rd *r, const char *key, const json_t *v)
{
	const struct oci_field *f = oci_field_find(schema_tail(r), key);
	const char *hint = f ? NULL : did_you_mean(schema_tail(r), key);
	bool quiet = f && f->support == OCI_UNSUPPORTED && inside_refused(r->schema);
	struct rd_mark m;

	m = rd_key(r, key);
	if (!f && hint)
		rd_error(r, "unknown field; did you mean '%s'?", hint);
	else if (!f)
		rd_error(r, "unknown field");
	else if (f->support == OCI_OTHER_PLATFORM)
		rd_error(r, "not a field of Linux containers (%s); this runtime runs only those",
			 f->note);
	else if (f->support == OCI_NEWER_SPEC)
		rd_error(r, "defined after runtime-spec 1.1 (%s); this runtime reads 1.0 and 1.1",
			 f->note);
	else if (f->support == OCI_UNSUPPORTED && !(r->flags & OCI_ALLOW_UNSUPPORTED) &&
		 !json_is_null(v) && !is_empty(v) && !quiet)
		rd_error(r, "not supported by this runtime%s%s", f->note ? ": " : "",
			 f->note ? f->note : "");
	rd_pop(r, m);
}

bool rd_fields(struct rd *r, const json_t *v)
{
	const char *key;
	json_t *val;

	if (!json_is_object(v)) {
		rd_expected(r, "an object", v);
		return false;
	}
	json_object_foreach((json_t *)v, key, val) check_field(r, key, val);
	return true;
}

/* ---- values -------------------------------------------------------------- */

bool rd_string_value(struct rd *r, const json_t *v, char **out)
{
	if (!json_is_string(v) || oci_json_is_big(v)) {
		rd_expected(r, "a string", v);
		return false;
	}
	free(*out);
	*out = rd_strdup(r, json_string_value(v));
	return *out != NULL;
}

bool rd_bool_value(struct rd *r, const json_t *v, bool *out)
{
	if (!json_is_boolean(v)) {
		rd_expected(r, "true or false", v);
		return false;
	}
	*out = json_is_true(v);
	return true;
}

bool rd_int_value(struct rd *r, const json_t *v, int64_t min, int64_t max, int64_t *out)
{
	char what[96];

	if (!json_is_integer(v) && !oci_json_is_big(v)) {
		rd_expected(r, "an integer", v);
		return false;
	}
	if (oci_json_is_big(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(what, sizeof(what), "an integer from %" PRId64 " to %" PRId64, min, max);
		rd_expected(r, what, v);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

bool rd_uint_value(struct rd *r, const json_t *v, uint64_t max, uint64_t *out)
{
	char what[96];
	uint64_t u;

	if (!json_is_integer(v) && !oci_json_is_big(v)) {
		rd_expected(r, "an integer", v);
		return false;
	}
	if (!oci_json_u64(v, &u) || u > max) {
		snprintf(what, sizeof(what), "an integer from 0 to %" PRIu64, max);
		rd_expected(r, what, v);
		return false;
	}
	*out = u;
	return true;
}

/* ---- fields -------------------------------------------------------------- */

json_t *rd_field(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

void rd_missing(struct rd *r, const char *key)
{
	struct rd_mark m = rd_key(r, key);

	rd_error(r, "required field is missing");
	rd_pop(r, m);
}

/* Finds key: NULL when absent (said when required), else the position is
 * moved onto it. */
static json_t *enter(struct rd *r, const json_t *obj, const char *key, bool required,
		     struct rd_mark *m)
{
	json_t *v = rd_field(obj, key);

	if (!v) {
		if (required)
			rd_missing(r, key);
		return NULL;
	}
	*m = rd_key(r, key);
	return v;
}

bool rd_string(struct rd *r, const json_t *obj, const char *key, bool required, char **out)
{
	struct rd_mark m;
	json_t *v = enter(r, obj, key, required, &m);
	bool ok;

	if (!v)
		return false;
	ok = rd_string_value(r, v, out);
	rd_pop(r, m);
	return ok;
}

bool rd_bool(struct rd *r, const json_t *obj, const char *key, bool *out)
{
	struct rd_mark m;
	json_t *v = enter(r, obj, key, false, &m);
	bool ok;

	if (!v)
		return false;
	ok = rd_bool_value(r, v, out);
	rd_pop(r, m);
	return ok;
}

bool rd_opt_bool(struct rd *r, const json_t *obj, const char *key, struct oci_opt_bool *out)
{
	bool b;

	if (!rd_bool(r, obj, key, &b))
		return false;
	out->set = true;
	out->v = b;
	return true;
}

bool rd_int(struct rd *r, const json_t *obj, const char *key, bool required, int64_t min,
	    int64_t max, int64_t *out)
{
	struct rd_mark m;
	json_t *v = enter(r, obj, key, required, &m);
	bool ok;

	if (!v)
		return false;
	ok = rd_int_value(r, v, min, max, out);
	rd_pop(r, m);
	return ok;
}

bool rd_uint(struct rd *r, const json_t *obj, const char *key, bool required, uint64_t max,
	     uint64_t *out)
{
	struct rd_mark m;
	json_t *v = enter(r, obj, key, required, &m);
	bool ok;

	if (!v)
		return false;
	ok = rd_uint_value(r, v, max, out);
	rd_pop(r, m);
	return ok;
}

bool rd_opt_int(struct rd *r, const json_t *obj, const char *key, int64_t min, int64_t max,
		struct oci_opt_i64 *out)
{
	int64_t v;

	if (!rd_int(r, obj, key, false, min, max, &v))
		return false;
	out->set = true;
	out->v = v;
	return true;
}

bool rd_opt_uint(struct rd *r, const json_t *obj, const char *key, uint64_t max,
		 struct oci_opt_u64 *out)
{
	uint64_t v;

	if (!rd_uint(r, obj, key, false, max, &v))
		return false;
	out->set = true;
	out->v = v;
	return true;
}

json_t *rd_object(struct rd *r, const json_t *obj, const char *key, struct rd_mark *m)
{
	json_t *v = enter(r, obj, key, false, m);

	if (v && !rd_fields(r, v)) {
		rd_pop(r, *m);
		return NULL;
	}
	return v;
}

json_t *rd_array(struct rd *r, const json_t *obj, const char *key, struct rd_mark *m)
{
	json_t *v = enter(r, obj, key, false, m);

	if (!v)
		return NULL;
	if (!json_is_array(v)) {
		rd_expected(r, "an array", v);
	} else if (json_array_size(v) > OCI_MAX_ITEMS) {
		rd_error(r, "has %zu entries, more than a config.json can (%d)", json_array_size(v),
			 OCI_MAX_ITEMS);
	} else {
		return v;
	}
	rd_pop(r, *m);
	return NULL;
}

bool rd_strings(struct rd *r, const json_t *obj, const char *key, struct oci_strv *out)
{
	struct rd_mark m;
	json_t *a = rd_array(r, obj, key, &m), *v;
	size_t i;

	if (!a)
		return false;
	oci_strv_free(out);
	if (!(out->v = rd_alloc(r, json_array_size(a) + 1, sizeof(char *)))) {
		rd_pop(r, m);
		return false;
	}
	json_array_foreach(a, i, v)
	{
		struct rd_mark e = rd_index(r, i);
		char *s = NULL;
		if (rd_string_value(r, v, &s))
			out->v[out->n++] = s;
		rd_pop(r, e);
	}
	rd_pop(r, m);
	return true;
}

bool rd_map(struct rd *r, const json_t *obj, const char *key, struct oci_map *out)
{
	struct rd_mark m;
	json_t *o = enter(r, obj, key, false, &m), *v;
	const char *k;

	if (!o)
		return false;
	if (!json_is_object(o)) {
		rd_expected(r, "an object of strings", o);
		rd_pop(r, m);
		return false;
	}
	oci_map_free(out);
	out->v = rd_alloc(r, json_object_size(o), sizeof(*out->v));
	json_object_foreach(o, k, v)
	{
		struct rd_mark e = rd_entry(r, k);
		char *s = NULL;
		if (!*k)
			rd_error(r, "a key must not be empty");
		else if (rd_string_value(r, v, &s) && out->v) {
			out->v[out->n].key = rd_strdup(r, k);
			out->v[out->n++].value = s;
		} else
			free(s);
		rd_pop(r, e);
	}
	rd_pop(r, m);
	return true;
}

bool rd_named(struct rd *r, const json_t *obj, const char *key, bool required,
	      const struct oci_name *t, const char *what, long *out)
{
	struct rd_mark m;
	json_t *v = enter(r, obj, key, required, &m);
	bool ok = false;

	if (!v)
		return false;
	if (!json_is_string(v) || !oci_name_value(t, json_string_value(v), out))
		rd_expected(r, what, v);
	else
		ok = true;
	rd_pop(r, m);
	return ok;
}
