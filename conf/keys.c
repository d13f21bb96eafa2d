/* Keys described by tables: the common value types land in a struct at an
 * offset, with one message per type saying what was expected. */
#include "internal.h"
#include "units.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct key_spec *find_key(const struct key_spec *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

static int set_string(char **field, const char *v, struct diag *d, const struct where *w)
{
	char *s;

	if (value_plain(v, d, w) < 0)
		return -1;
	if (!(s = strdup(v))) {
		diag_oom(d, w);
		return -1;
	}
	free(*field);
	*field = s;
	return 0;
}

/* What a value of each type looks like, for "expected ..., got ...". */
static const char *expected_of(enum key_type t)
{
	switch (t) {
	case KEY_DURATION:
		return "a duration such as 250ms, 10s or 2m";
	case KEY_BOOL:
		return "true or false (or yes/no, on/off, 1/0)";
	case KEY_UINT:
	case KEY_UNSIGNED:
		return "a whole number, 0 or more";
	case KEY_INT:
		return "a whole number";
	case KEY_SIZE:
		return "a size such as 512, 64k, 10M or 1G";
	case KEY_SIGNAL:
		return "a signal name or number such as TERM, SIGTERM or 15";
	default:
		return "a value";
	}
}

void ignored_key(struct diag *d, const struct where *w, const struct key_spec *k)
{
	diag_warn(d, w, "not supported, ignored: %s", k->why ? k->why : "");
}

int apply_key(void *obj, const struct key_spec *k, const char *v, struct diag *d,
	      const struct where *w)
{
	char *field = (char *)obj + k->offset;
	uint64_t size;
	int64_t ms;
	bool b;
	int n;

	switch (k->type) {
	case KEY_DURATION:
		if (conf_parse_duration_ms(v, &ms) < 0)
			break;
		memcpy(field, &ms, sizeof(ms));
		return 0;
	case KEY_BOOL:
		if (conf_parse_bool(v, &b) < 0)
			break;
		memcpy(field, &b, sizeof(b));
		return 0;
	case KEY_UINT:
		if (conf_parse_uint(v, &n) < 0)
			break;
		memcpy(field, &n, sizeof(n));
		return 0;
	case KEY_INT:
		if (conf_parse_int(v, &n) < 0)
			break;
		memcpy(field, &n, sizeof(n));
		return 0;
	case KEY_UNSIGNED: {
		unsigned u;
		if (conf_parse_uint(v, &n) < 0)
			break;
		u = (unsigned)n;
		memcpy(field, &u, sizeof(u));
		return 0;
	}
	case KEY_SIZE:
		if (conf_parse_size(v, &size) < 0)
			break;
		memcpy(field, &size, sizeof(size));
		return 0;
	case KEY_SIGNAL:
		if (conf_parse_signal(v, &n) < 0)
			break;
		memcpy(field, &n, sizeof(n));
		return 0;
	case KEY_STRING: {
		char **s = (char **)(void *)field;
		return set_string(s, v, d, w);
	}
	case KEY_FN:
		return k->fn(obj, v, d, w);
	case KEY_IGNORED:
		ignored_key(d, w, k);
		return 0;
	}
	diag_expected(d, w, expected_of(k->type), v);
	return -1;
}

const char *suggest_key(const char *key, const struct key_spec *table, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3; /* more than two edits is a different word */

	for (size_t i = 0; i < n; i++) {
		size_t dist = conf_edit_distance(key, table[i].name, 2);
		if (dist < best_d) {
			best_d = dist;
			best = table[i].name;
		}
	}
	return best;
}

void unknown_key(struct diag *d, const struct where *w, const struct key_spec *table, size_t n,
		 bool warn_only)
{
	const char *near = suggest_key(w->key, table, n);
	char buf[256];

	buf[0] = '\0';
	if (near) {
		snprintf(buf, sizeof(buf), "; did you mean '%s'?", near);
	} else if (n <= 8) {
		/* a short table is worth listing */
		size_t o = (size_t)snprintf(buf, sizeof(buf), "; expected ");
		for (size_t i = 0; i < n && o < sizeof(buf); i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
					      i == 0	   ? ""
					      : i + 1 == n ? " or "
							   : ", ",
					      table[i].name);
	}
	if (warn_only)
		diag_warn(d, w, "unknown key, ignored%s", buf);
	else
		diag_error(d, w, "unknown key%s", buf);
}
