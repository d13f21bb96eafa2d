/* `cspawn logs`: the json-file records read back (manage/logs.h); apart
 * from the writer, which the small static monitor links without jansson. */
#include "manage/logs.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t parse_time(const char *s)
{
	struct tm tm = {0};
	long nanos = 0;
	char frac[16] = "";

	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d%15[^Z]", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac) < 6)
		return -1;
	if (frac[0] == '.')
		nanos = strtol(frac + 1, NULL, 10);
	for (size_t i = strlen(frac); i > 0 && i < 10; i++)
		nanos *= 10;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + nanos / 1000000;
}

int64_t log_parse_since(const char *s, int64_t now_ms)
{
	char *end;
	double v = strtod(s, &end);
	int64_t total = 0;

	if (strchr(s, 'T'))
		return parse_time(s);
	if (end != s && *end == '\0')
		return (int64_t)(v * 1000); /* a unix time */
	/* durations back from now: 10m, 1h30m, 45s */
	for (const char *p = s; *p;) {
		double n = strtod(p, &end);
		int64_t unit = *end == 'h' ? 3600000 : *end == 'm' ? 60000 : *end == 's' ? 1000 : 0;

		if (end == p || unit == 0)
			return -1;
		total += (int64_t)(n * (double)unit);
		p = end + 1;
	}
	return now_ms - total;
}

struct line {
	const char *log, *stream, *time;
	int64_t when;
};

static bool parse_line(json_t **j, const char *text, struct line *l)
{
	*j = json_loads(text, 0, NULL);
	if (!*j)
		return false;
	l->log = json_string_value(json_object_get(*j, "log"));
	l->stream = json_string_value(json_object_get(*j, "stream"));
	l->time = json_string_value(json_object_get(*j, "time"));
	l->when = parse_time(l->time);
	return l->log != NULL;
}

static void print_line(const struct line *l, bool timestamps)
{
	FILE *out = l->stream && strcmp(l->stream, "stderr") == 0 ? stderr : stdout;

	if (timestamps && l->time)
		fprintf(out, "%s ", l->time);
	fputs(l->log, out);
	fflush(out);
}

/* Calls each on the lines of one file from offset; returns the offset
 * after the last whole line. */
static int64_t each_line(const char *path, int64_t offset,
			 void (*each)(const struct line *, void *), void *ctx)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return offset;
	if (fseeko(f, offset, SEEK_SET) < 0) {
		fclose(f);
		return offset;
	}
	while ((n = getline(&buf, &cap, f)) > 0 && buf[n - 1] == '\n') {
		json_t *j;
		struct line l;

		offset += n;
		if (parse_line(&j, buf, &l))
			each(&l, ctx);
		json_decref(j);
	}
	free(buf);
	fclose(f);
	return offset;
}

struct printing {
	long skip; /* lines still to pass over (for tail) */
	long count;
	int64_t since;
	bool timestamps;
};

static void count_one(const struct line *l, void *ctx)
{
	struct printing *p = ctx;

	if (l->when >= p->since)
		p->count++;
}

static void print_one(const struct line *l, void *ctx)
{
	struct printing *p = ctx;

	if (l->when < p->since)
		return;
	if (p->skip > 0) {
		p->skip--;
		return;
	}
	print_line(l, p->timestamps);
}

int64_t log_print(const char *path, unsigned max_file, long tail, int64_t since_ms, bool timestamps,
		  struct spawn_error *e)
{
	struct printing p = {.since = since_ms, .timestamps = timestamps};
	char name[4200];
	int64_t end = 0;

	(void)e;
	if (tail >= 0) {
		for (unsigned i = max_file; i-- > 0;) {
			if (i)
				snprintf(name, sizeof(name), "%s.%u", path, i);
			each_line(i ? name : path, 0, count_one, &p);
		}
		p.skip = p.count > tail ? p.count - tail : 0;
	}
	for (unsigned i = max_file; i-- > 0;) {
		if (i)
			snprintf(name, sizeof(name), "%s.%u", path, i);
		end = each_line(i ? name : path, 0, print_one, &p);
	}
	return end;
}

int64_t log_print_from(const char *path, int64_t offset, bool timestamps)
{
	struct printing p = {.timestamps = timestamps};
	struct stat st;

	/* rotated under us: the new file starts over */
	if (stat(path, &st) == 0 && st.st_size < offset)
		offset = 0;
	return each_line(path, offset, print_one, &p);
}
