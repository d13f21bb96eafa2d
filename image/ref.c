/* References, normalized as docker normalizes them: a first component with
 * a dot, a colon or "localhost" names a registry, otherwise docker.io, where
 * one-component names live under library/. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "image/internal.h"

#define DEFAULT_REGISTRY "docker.io"

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One component: lowercase letters and digits joined by one of . _ __ -*
 * (the distribution spec's grammar). */
static bool component_valid(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (!is_alnum_lower(p[i]))
			return false;
		while (i < n && is_alnum_lower(p[i]))
			i++;
		if (i == n)
			return true;
		if (p[i] == '.')
			i++;
		else if (p[i] == '_')
			i += i + 1 < n && p[i + 1] == '_' ? 2 : 1;
		else if (p[i] == '-')
			while (i < n && p[i] == '-')
				i++;
		else
			return false;
	}
	return false;
}

static bool repository_valid(const char *r)
{
	for (;;) {
		const char *slash = strchr(r, '/');
		size_t n = slash ? (size_t)(slash - r) : strlen(r);
		if (!component_valid(r, n))
			return false;
		if (!slash)
			return true;
		r = slash + 1;
	}
}

static bool tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

static bool host_valid(const char *h)
{
	if (!*h)
		return false;
	for (; *h; h++)
		if (!(isalnum((unsigned char)*h) || *h == '.' || *h == '-' || *h == ':' ||
		      *h == '[' || *h == ']'))
			return false;
	return true;
}

static int split_name(char *name, struct image_ref *r, const char *text, struct spawn_error *e)
{
	char *slash = strchr(name, '/');
	const char *repo = name;

	snprintf(r->registry, sizeof(r->registry), DEFAULT_REGISTRY);
	if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
		      memchr(name, ':', (size_t)(slash - name)) ||
		      (slash - name == 9 && strncmp(name, "localhost", 9) == 0))) {
		*slash = '\0';
		if (!host_valid(name) ||
		    format_path(r->registry, sizeof(r->registry), "%s", name) < 0)
			return spawn_fail(e, "image reference '%s': bad registry '%s'", text, name);
		repo = slash + 1;
	}
	if (strcmp(r->registry, "index.docker.io") == 0)
		snprintf(r->registry, sizeof(r->registry), DEFAULT_REGISTRY);
	if (!repository_valid(repo))
		return spawn_fail(e,
				  "image reference '%s': bad repository name '%s' (lowercase "
				  "letters, digits, and . _ - between them)",
				  text, repo);
	if (strcmp(r->registry, DEFAULT_REGISTRY) == 0 && !strchr(repo, '/')) {
		if (format_path(r->repository, sizeof(r->repository), "library/%s", repo) < 0)
			return spawn_fail(e, "image reference '%s': name too long", text);
	} else if (format_path(r->repository, sizeof(r->repository), "%s", repo) < 0) {
		return spawn_fail(e, "image reference '%s': name too long", text);
	}
	return 0;
}

int image_ref_parse(const char *text, struct image_ref *r, struct spawn_error *e)
{
	char buf[512];
	char *at, *colon, *slash;

	memset(r, 0, sizeof(*r));
	if (format_path(buf, sizeof(buf), "%s", text) < 0 || !*text)
		return spawn_fail(e, "image reference '%.64s': empty or too long", text);
	if ((at = strchr(buf, '@'))) {
		*at = '\0';
		if (!digest_valid(at + 1))
			return spawn_fail(e, "image reference '%s': bad digest '%s'", text, at + 1);
		snprintf(r->digest, sizeof(r->digest), "%s", at + 1);
	}
	colon = strrchr(buf, ':');
	slash = strrchr(buf, '/');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!tag_valid(colon + 1))
			return spawn_fail(e, "image reference '%s': bad tag '%s'", text, colon + 1);
		snprintf(r->tag, sizeof(r->tag), "%s", colon + 1);
	} else if (!r->digest[0]) {
		snprintf(r->tag, sizeof(r->tag), "latest");
	}
	return split_name(buf, r, text, e);
}

void image_ref_format(const struct image_ref *r, char *out, size_t len)
{
	if (r->digest[0] && !r->tag[0])
		snprintf(out, len, "%s/%s@%s", r->registry, r->repository, r->digest);
	else
		snprintf(out, len, "%s/%s:%s", r->registry, r->repository, r->tag);
}

void image_ref_familiar(const struct image_ref *r, char *out, size_t len)
{
	const char *repo = r->repository;
	char name[600];

	if (strcmp(r->registry, DEFAULT_REGISTRY) == 0) {
		if (strncmp(repo, "library/", 8) == 0)
			repo += 8;
		snprintf(name, sizeof(name), "%s", repo);
	} else {
		snprintf(name, sizeof(name), "%s/%s", r->registry, repo);
	}
	if (r->digest[0] && !r->tag[0])
		snprintf(out, len, "%s@%s", name, r->digest);
	else
		snprintf(out, len, "%s:%s", name, r->tag);
}

int ref_full_name(const char *text, char *out, size_t len, struct spawn_error *e)
{
	struct image_ref r;

	if (image_ref_parse(text, &r, e) < 0)
		return -1;
	image_ref_format(&r, out, len);
	return 0;
}
