/* jansson, with messages that say which document was broken and where. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/internal.h"

json_t *json_parse(const char *data, size_t len, const char *what, struct spawn_error *e)
{
	json_error_t err;
	json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);

	if (!v)
		spawn_fail(e, "%s: invalid JSON at line %d, column %d: %s", what, err.line,
			   err.column, err.text);
	return v;
}

const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static char **strv_new(size_t n, struct spawn_error *e)
{
	char **v = calloc(n + 1, sizeof(*v));

	if (!v)
		spawn_fail_errno(e, "calloc");
	return v;
}

int json_strv(const json_t *arr, char ***out, const char *what, struct spawn_error *e)
{
	size_t i;
	json_t *s;

	*out = NULL;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return spawn_fail(e, "%s: expected an array of strings", what);
	if (!(*out = strv_new(json_array_size(arr), e)))
		return -1;
	json_array_foreach(arr, i, s)
	{
		if (!json_is_string(s)) {
			strv_free(*out);
			*out = NULL;
			return spawn_fail(e, "%s: expected an array of strings", what);
		}
		if (!((*out)[i] = strdup(json_string_value(s)))) {
			strv_free(*out);
			*out = NULL;
			return spawn_fail_errno(e, "strdup");
		}
	}
	return 0;
}

int json_keys(const json_t *obj, char ***out, struct spawn_error *e)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	if (!json_is_object(obj))
		return 0;
	if (!(*out = strv_new(json_object_size(obj), e)))
		return -1;
	json_object_foreach((json_t *)obj, key, v)
	{
		(void)v;
		if (!((*out)[i++] = strdup(key))) {
			strv_free(*out);
			*out = NULL;
			return spawn_fail_errno(e, "strdup");
		}
	}
	return 0;
}

char *json_compact(const json_t *v, size_t *len, struct spawn_error *e)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	if (!s) {
		spawn_fail(e, "cannot serialize JSON (out of memory)");
		return NULL;
	}
	if (len)
		*len = strlen(s);
	return s;
}
