/* Wildcard expansion for [include] files = ...: '*', '?' and '[...]' in any
 * path component, as glob(3) does without flags (a leading dot must be
 * matched by a literal dot, a backslash escapes, results are sorted).
 * glob(3) itself is not used: for its ~user expansion it drags the C
 * library's name-service and DNS code into the static cinit (about 190 KB). */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "units.h"

/* Matches one bracket expression at *pp against c; advances *pp past it. */
static bool match_bracket(const char **pp, char c, bool *ok)
{
	const char *p = *pp + 1;
	bool negate = *p == '!' || *p == '^';
	bool hit = false;

	if (negate)
		p++;
	/* a ']' right after the opening bracket is a member, not the end */
	for (bool first = true; *p && (first || *p != ']'); first = false) {
		char lo = *p == '\\' && p[1] ? *++p : *p;
		char hi = lo;
		p++;
		if (*p == '-' && p[1] && p[1] != ']') {
			hi = p[1] == '\\' && p[2] ? p[2] : p[1];
			p += p[1] == '\\' && p[2] ? 3 : 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	if (*p != ']')
		return false; /* no closing bracket: '[' is an ordinary character */
	*pp = p + 1;
	*ok = hit != negate;
	return true;
}

static bool wild_match(const char *p, const char *s)
{
	for (; *p; s++) {
		bool ok;
		switch (*p) {
		case '*':
			while (*p == '*')
				p++;
			for (; *s; s++)
				if (wild_match(p, s))
					return true;
			return !*p;
		case '?':
			if (!*s)
				return false;
			p++;
			continue;
		case '[':
			if (*s && match_bracket(&p, *s, &ok)) {
				if (!ok)
					return false;
				continue;
			}
			break;
		case '\\':
			if (p[1])
				p++;
			break;
		}
		if (*s != *p)
			return false;
		p++;
	}
	return !*s;
}

static bool has_wildcards(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	}
	return false;
}

struct path_list {
	char **v;
	size_t n, cap;
};

static int list_push(struct path_list *l, char *s)
{
	if (!s)
		return -1;
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(char *));
		if (!v) {
			free(s);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

static void list_free(struct path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static char *join(const char *dir, const char *name, size_t len)
{
	size_t dl = strlen(dir);
	bool slash = dl && dir[dl - 1] != '/';
	char *s = malloc(dl + slash + len + 1);

	if (!s)
		return NULL;
	memcpy(s, dir, dl);
	if (slash)
		s[dl] = '/';
	memcpy(s + dl + slash, name, len);
	s[dl + slash + len] = '\0';
	return s;
}

/* A literal component with its backslashes removed. */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every entry of dir whose name matches the pattern component, sorted. */
static int expand_in(const char *dir, const char *comp, size_t n, struct path_list *out)
{
	char *pat = strndup(comp, n);
	struct path_list found = {0};
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (!pat)
		return -1;
	d = opendir(dir);
	while (d && r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' && pat[0] != '.')
			continue; /* hidden files only for a pattern that says so */
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (wild_match(pat, de->d_name))
			r = list_push(&found, join(dir, de->d_name, strlen(de->d_name)));
	}
	if (d)
		closedir(d);
	free(pat);
	if (found.n)
		qsort(found.v, found.n, sizeof(char *), by_name);
	for (size_t i = 0; r == 0 && i < found.n; i++) {
		r = list_push(out, found.v[i]);
		found.v[i] = NULL;
	}
	list_free(&found);
	return r;
}

/* One step of the expansion: every path in *cur followed by the component. */
static int expand_component(struct path_list *cur, const char *comp, size_t n, bool last)
{
	struct path_list next = {0};
	int r = 0;

	for (size_t i = 0; r == 0 && i < cur->n; i++) {
		if (has_wildcards(comp, n)) {
			r = expand_in(cur->v[i], comp, n, &next);
		} else {
			char *lit = unescape(comp, n);
			struct stat st;
			char *p = lit ? join(cur->v[i], lit, strlen(lit)) : NULL;
			free(lit);
			/* a literal part must exist, and be a directory unless last */
			if (p && stat(p, &st) == 0 && (last || S_ISDIR(st.st_mode)))
				r = list_push(&next, p);
			else if (p)
				free(p);
			else
				r = -1;
		}
	}
	list_free(cur);
	*cur = next;
	return r;
}

int conf_glob(const char *dir, const char *pattern, char ***paths)
{
	struct path_list cur = {0};
	const char *p = pattern;
	int r = list_push(&cur, strdup(*pattern == '/' ? "/" : dir));

	while (r == 0 && *p) {
		size_t n;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n)
			r = expand_component(&cur, p, n,
					     p[n] == '\0' || !p[n + strspn(p + n, "/")]);
		p += n;
	}
	if (r < 0) {
		list_free(&cur);
		return -1;
	}
	if (!cur.v && !(cur.v = calloc(1, sizeof(char *))))
		return -1;
	*paths = cur.v;
	return 0;
}
