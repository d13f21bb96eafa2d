#include "spawn/userns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_range(const char *line, const char *user, unsigned *base, unsigned *count)
{
	char name[256];
	unsigned long b, c;

	if (sscanf(line, "%255[^:]:%lu:%lu", name, &b, &c) != 3)
		return -1;
	if ((strcmp(name, user) != 0 && strcmp(name, "0") != 0) || c == 0 || b > 0xffffffffUL ||
	    c > 0xffffffffUL - b)
		return -1;
	*base = (unsigned)b;
	*count = (unsigned)c;
	return 0;
}

int userns_subid_range(const char *path, const char *user, unsigned *base, unsigned *count,
		       struct spawn_error *e)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	*base = USERNS_DEFAULT_BASE;
	*count = USERNS_DEFAULT_COUNT;
	if (!f)
		return errno == ENOENT ? 0 : spawn_fail_errno(e, "opening %s", path);
	while (!found && getline(&line, &cap, f) > 0)
		found = parse_range(line, user, base, count) == 0;
	free(line);
	if (ferror(f)) {
		fclose(f);
		return spawn_fail(e, "reading %s", path);
	}
	fclose(f);
	return 0;
}

int userns_default_map(struct userns_map *m, struct spawn_error *e)
{
	if (userns_subid_range("/etc/subuid", "root", &m->uid_base, &m->uid_count, e) < 0 ||
	    userns_subid_range("/etc/subgid", "root", &m->gid_base, &m->gid_count, e) < 0)
		return -1;
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct spawn_error *e)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (write_file(path, text) < 0)
		return spawn_fail_errno(e, "writing '%s' to %s", text, path);
	return 0;
}

/* "CONTAINER HOST SIZE" lines, as the kernel reads them in one write. */
static int write_map(pid_t pid, const char *file, const struct oci_id_mappings *m,
		     struct spawn_error *e)
{
	char text[OCI_MAX_ID_MAPPINGS * 36 + 1];
	size_t off = 0;

	text[0] = '\0';
	for (size_t i = 0; i < m->n && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%u %u %u\n",
					m->v[i].container_id, m->v[i].host_id, m->v[i].size);
	if (off >= sizeof(text))
		return spawn_fail(e, "%s: too many mappings", file);
	return write_proc(pid, file, text, e);
}

int userns_write_maps(pid_t pid, const struct oci_id_mappings *uids,
		      const struct oci_id_mappings *gids, struct spawn_error *e)
{
	/* setgroups stays "allow" (only an unprivileged writer of gid_map
	 * needs "deny"): the child must replace the supplementary groups it
	 * inherited from cspawn, host ids such as 0 that the map does not
	 * cover but that the kernel still honours on every file check. */
	if (write_map(pid, "uid_map", uids, e) < 0)
		return -1;
	return write_map(pid, "gid_map", gids, e);
}
