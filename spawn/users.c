#include "spawn/users.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "spawn/resolve.h"

/* One parsed line of passwd or group; fields point into the line. */
struct db_entry {
	char *field[7];
	int nfields;
};

static void split_fields(char *line, struct db_entry *ent)
{
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	ent->nfields = 0;
	while (ent->nfields < 7) {
		ent->field[ent->nfields++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
}

static bool parse_id(const char *s, unsigned *id)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xfffffffeUL)
		return false;
	*id = (unsigned)v;
	return true;
}

typedef bool (*entry_visitor)(struct db_entry *ent, void *ctx);

/* A regular file of the image, not one of the kernel's (/proc, /sys). */
static bool is_image_file(int fd, const struct stat *st)
{
	struct statfs sfs;

	if (!S_ISREG(st->st_mode) || fstatfs(fd, &sfs) < 0)
		return false;
	return sfs.f_type != PROC_SUPER_MAGIC && sfs.f_type != SYSFS_MAGIC;
}

/* Opens path under "/" (the container's root by now) as resolve_open does:
 * an image's /etc/passwd -> /proc/self/fd/N must not reach a descriptor's
 * file, nor any symlink leave the root. */
static int open_in_root(const char *path)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd, saved;

	if (root < 0)
		return -1;
	fd = resolve_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, RESOLVE_AUTO);
	saved = errno;
	close(root);
	errno = saved;
	return fd;
}

/* The files belong to the image and are read while cspawn's child still
 * holds every capability: a FIFO there would block it, and cspawn with
 * it, forever; a device such as /dev/zero would never end; a link to
 * /proc/kmsg would wait for (and eat) the host's kernel messages. Only a
 * regular file of the image is read (O_NONBLOCK: opening a FIFO must not
 * wait for a writer). Returns 1 with *out open, 0 when the file is
 * missing, -1 with e set. */
static int open_db(const char *path, FILE **out, struct spawn_error *e)
{
	int fd = open_in_root(path);
	struct stat st;

	*out = NULL;
	if (fd < 0)
		return errno == ENOENT ? 0 : spawn_fail_errno(e, "opening %s", path);
	if (fstat(fd, &st) < 0)
		spawn_fail_errno(e, "fstat %s", path);
	else if (!is_image_file(fd, &st))
		spawn_fail(e, "reading %s: not a regular file of the image", path);
	else if ((*out = fdopen(fd, "r")) == NULL)
		spawn_fail_errno(e, "fdopen %s", path);
	else
		return 1;
	close(fd);
	return -1;
}

/* Calls visit for each well-formed line until it returns true. Returns 1
 * when a visit matched, 0 when none did (or the file is missing), -1 with
 * e set when the file cannot be read. */
static int scan_db(const char *path, int min_fields, entry_visitor visit, void *ctx,
		   struct spawn_error *e)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int found = open_db(path, &f, e);

	if (found <= 0)
		return found;
	found = 0;
	while (!found && getline(&line, &cap, f) > 0) {
		struct db_entry ent;

		if (line[0] == '#')
			continue;
		split_fields(line, &ent);
		if (ent.nfields >= min_fields && visit(&ent, ctx))
			found = 1;
	}
	if (ferror(f))
		found = spawn_fail_errno(e, "reading %s", path);
	free(line);
	fclose(f);
	return found;
}

struct user_query {
	const char *name; /* by name, or by id when NULL */
	unsigned id;
	char found_name[64];
	struct spawn_user *u;
};

static bool match_user(struct db_entry *ent, void *ctx)
{
	struct user_query *q = ctx;
	unsigned uid, gid;

	if (!parse_id(ent->field[2], &uid) || !parse_id(ent->field[3], &gid))
		return false;
	if (q->name ? strcmp(ent->field[0], q->name) != 0 : uid != q->id)
		return false;
	q->u->uid = uid;
	q->u->gid = gid;
	snprintf(q->u->home, sizeof(q->u->home), "%s", ent->field[5]);
	snprintf(q->found_name, sizeof(q->found_name), "%s", ent->field[0]);
	return true;
}

struct group_query {
	const char *name;
	unsigned gid;
};

static bool match_group(struct db_entry *ent, void *ctx)
{
	struct group_query *q = ctx;
	unsigned gid;

	if (strcmp(ent->field[0], q->name) != 0 || !parse_id(ent->field[2], &gid))
		return false;
	q->gid = gid;
	return true;
}

struct member_query {
	const char *user;
	struct spawn_user *u;
};

static void add_group(struct spawn_user *u, gid_t gid)
{
	for (size_t i = 0; i < u->ngroups; i++)
		if (u->groups[i] == gid)
			return;
	if (u->ngroups < USERS_MAX_GROUPS)
		u->groups[u->ngroups++] = gid;
}

/* Never "matches": it visits every group and collects the user's. */
static bool collect_membership(struct db_entry *ent, void *ctx)
{
	struct member_query *q = ctx;
	char *save = NULL;
	unsigned gid;

	if (ent->nfields < 4 || !parse_id(ent->field[2], &gid))
		return false;
	for (char *m = strtok_r(ent->field[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
		if (strcmp(m, q->user) == 0)
			add_group(q->u, gid);
	return false;
}

static int resolve_user_part(const char *spec, const char *passwd_path, struct spawn_user *u,
			     char *name, size_t namelen, struct spawn_error *e)
{
	struct user_query q = {.u = u};
	unsigned id;
	int r;

	if (parse_id(spec, &id))
		q.id = id;
	else
		q.name = spec;
	r = scan_db(passwd_path, 7, match_user, &q, e);
	if (r < 0)
		return -1;
	if (r == 0 && q.name)
		return spawn_fail(e, "user '%s' not found in %s", spec, passwd_path);
	if (r == 0) {
		u->uid = id;
		u->gid = 0;
	}
	snprintf(name, namelen, "%s", q.found_name);
	return 0;
}

static int resolve_group_part(const char *spec, const char *group_path, gid_t *gid,
			      struct spawn_error *e)
{
	struct group_query q = {.name = spec};
	unsigned id;
	int r;

	if (parse_id(spec, &id)) {
		*gid = id;
		return 0;
	}
	r = scan_db(group_path, 3, match_group, &q, e);
	if (r < 0)
		return -1;
	if (r == 0)
		return spawn_fail(e, "group '%s' not found in %s", spec, group_path);
	*gid = q.gid;
	return 0;
}

int users_resolve(const char *spec, const char *passwd_path, const char *group_path,
		  struct spawn_user *u, struct spawn_error *e)
{
	char buf[256], name[64];
	char *group;

	memset(u, 0, sizeof(*u));
	snprintf(buf, sizeof(buf), "%s", spec && *spec ? spec : "0");
	group = strchr(buf, ':');
	if (group)
		*group++ = '\0';
	if (buf[0] == '\0' || (group && group[0] == '\0'))
		return spawn_fail(e, "-u '%s': expected USER[:GROUP]", spec);
	if (resolve_user_part(buf, passwd_path, u, name, sizeof(name), e) < 0)
		return -1;
	if (group && resolve_group_part(group, group_path, &u->gid, e) < 0)
		return -1;
	add_group(u, u->gid);
	if (name[0]) {
		struct member_query mq = {.user = name, .u = u};

		if (scan_db(group_path, 4, collect_membership, &mq, e) < 0)
			return -1;
	}
	if (u->home[0] == '\0')
		snprintf(u->home, sizeof(u->home), "%s", u->uid == 0 ? "/root" : "/");
	return 0;
}
