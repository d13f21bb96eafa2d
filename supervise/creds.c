/* User and group names to ids, read from /etc/passwd and /etc/group of the
 * root the service runs in. cinit is static, so it cannot use NSS modules;
 * containers keep their accounts in these files anyway. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 256

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out < 0xFFFFFFFFul;
}

/* Splits a colon-separated line into at most n fields in place. */
static int split_fields(char *line, char **f, int n)
{
	int i = 0;

	line[strcspn(line, "\n")] = '\0';
	f[i++] = line;
	for (char *p = line; *p && i < n; p++) {
		if (*p == ':') {
			*p = '\0';
			f[i++] = p + 1;
		}
	}
	return i;
}

static int lookup_user(const char *user, uid_t *uid, gid_t *gid, char **name)
{
	FILE *f = fopen("/etc/passwd", "re");
	char line[1024], *fld[7];
	unsigned long id;
	bool numeric = parse_id(user, &id);
	int found = -1;

	if (!f)
		return numeric ? (*uid = (uid_t)id, *gid = (gid_t)id, *name = NULL, 0) : -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		unsigned long u, g;
		if (split_fields(line, fld, 7) < 4 || !parse_id(fld[2], &u) ||
		    !parse_id(fld[3], &g))
			continue;
		if (numeric ? u == id : strcmp(fld[0], user) == 0) {
			*uid = (uid_t)u;
			*gid = (gid_t)g;
			*name = strdup(fld[0]);
			found = 0;
		}
	}
	fclose(f);
	if (found < 0 && numeric) {
		/* a numeric id needs no entry, as with docker run -u 1234 */
		*uid = (uid_t)id;
		*gid = (gid_t)id;
		*name = NULL;
		found = 0;
	}
	return found;
}

static int lookup_group(const char *group, gid_t *gid)
{
	FILE *f;
	char line[4096], *fld[4];
	unsigned long id;

	if (parse_id(group, &id)) {
		*gid = (gid_t)id;
		return 0;
	}
	f = fopen("/etc/group", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long g;
		if (split_fields(line, fld, 4) < 3 || !parse_id(fld[2], &g))
			continue;
		if (strcmp(fld[0], group) == 0) {
			*gid = (gid_t)g;
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static bool member_of(char *members, const char *name)
{
	for (char *tok = strtok(members, ","); tok; tok = strtok(NULL, ","))
		if (strcmp(tok, name) == 0)
			return true;
	return false;
}

/* What initgroups(3) would give: the primary group plus every group that
 * lists the user as a member. */
static int supplementary_groups(const char *name, gid_t primary, gid_t **out, int *n)
{
	gid_t *g = malloc(MAX_GROUPS * sizeof(gid_t));
	char line[4096], *fld[4];
	FILE *f;
	int count = 0;

	if (!g)
		return -1;
	g[count++] = primary;
	f = name ? fopen("/etc/group", "re") : NULL;
	while (f && count < MAX_GROUPS && fgets(line, sizeof(line), f)) {
		unsigned long id;
		if (split_fields(line, fld, 4) < 4 || !parse_id(fld[2], &id))
			continue;
		if ((gid_t)id != primary && member_of(fld[3], name))
			g[count++] = (gid_t)id;
	}
	if (f)
		fclose(f);
	*out = g;
	*n = count;
	return 0;
}

int creds_resolve(const char *user, const char *group, uid_t *uid, gid_t *gid, gid_t **groups,
		  int *n_groups, char *err, size_t errlen)
{
	char *name = NULL;
	int r;

	if (lookup_user(user, uid, gid, &name) < 0) {
		snprintf(err, errlen, "no user '%s' in /etc/passwd", user);
		return -1;
	}
	if (group && lookup_group(group, gid) < 0) {
		snprintf(err, errlen, "no group '%s' in /etc/group", group);
		free(name);
		return -1;
	}
	r = supplementary_groups(name, *gid, groups, n_groups);
	free(name);
	if (r < 0)
		snprintf(err, errlen, "out of memory");
	return r;
}
