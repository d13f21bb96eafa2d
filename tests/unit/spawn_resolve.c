/* Paths of the container resolved while its root is a plain directory:
 * symlinks and ".." never lead out of it, with openat2 and with the walk
 * used where openat2 is missing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "spawn/resolve.h"

static char root[64];
static int rootfd;

static void make(const char *kind, const char *rel, const char *target)
{
	char path[256];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (kind[0] == 'd')
		rc = mkdir(path, 0755);
	else
		rc = symlink(target, path);
	if (rc < 0) {
		perror(path);
		exit(1);
	}
}

/* True when fd is the file root/rel (same inode). */
static int is_file(int fd, const char *rel)
{
	char path[256];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static void check(enum resolve_method m, const char *label)
{
	static const struct {
		const char *path, *lands_on;
	} cases[] = {
	    {"/etc", "etc"},	     {"/data", "etc"},	      /* -> /etc */
	    {"/rel", "etc"},				      /* -> ../../../../etc */
	    {"/rel/../../..", "."},			      /* .. stops at the root */
	    {"/../../etc/.", "etc"}, {"/a/b/top/etc", "etc"}, /* a/b/top -> ../../.. */
	    {"/chain", "etc"},				      /* chain -> data -> /etc */
	    {"//etc//", "etc"},
	};
	struct spawn_error e;
	int fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = resolve_in_root(rootfd, cases[i].path, RESOLVE_EXISTING, m, &e);
		ok(is_file(fd, cases[i].lands_on), "%s: %s stays inside, at /%s", label,
		   cases[i].path, cases[i].lands_on);
		if (fd >= 0)
			close(fd);
	}
	fd = resolve_in_root(rootfd, "/loop", RESOLVE_EXISTING, m, &e);
	ok(fd < 0 && errno == ELOOP, "%s: a symlink loop fails with ELOOP", label);
	fd = resolve_in_root(rootfd, "/missing", RESOLVE_EXISTING, m, &e);
	ok(fd < 0 && strstr(e.msg, "resolving /missing inside the root: No such file"),
	   "%s: a missing path is named (%s)", label, e.msg);
}

static void check_create(enum resolve_method m, const char *label)
{
	char sub[32], file[32], want[64];
	struct spawn_error e;
	struct stat st;
	int fd;

	snprintf(sub, sizeof(sub), "/data/new-%s/dir", label);
	fd = resolve_in_root(rootfd, sub, RESOLVE_MKDIR, m, &e);
	snprintf(want, sizeof(want), "etc/new-%s/dir", label);
	ok(is_file(fd, want), "%s: %s is created inside the root's /etc", label, sub);
	if (fd >= 0)
		close(fd);
	snprintf(want, sizeof(want), "/etc/new-%s", label);
	ok(stat(want, &st) < 0 && errno == ENOENT, "%s: ... never in the host's", label);

	snprintf(file, sizeof(file), "/rel/file-%s", label);
	fd = resolve_in_root(rootfd, file, RESOLVE_MKFILE, m, &e);
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "%s: %s is created as a file",
	   label, file);
	if (fd >= 0)
		close(fd);

	fd = resolve_in_root(rootfd, "/dangling/x", RESOLVE_MKDIR, m, &e);
	ok(fd < 0 && strstr(e.msg, "dangling symlink"),
	   "%s: no creating through a dangling link (%s)", label, e.msg);
}

/* resolve_open reads a file of the root, never one a magic link of /proc
 * points to: here the test's own descriptor of a file outside the root. */
static void check_open(enum resolve_method m, const char *label)
{
	char link[64], path[256], inside[64];
	int outside = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), fd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", outside);
	snprintf(path, sizeof(path), "%s/magic-%s", root, label);
	if (symlink(link, path) < 0)
		perror(path);
	snprintf(inside, sizeof(inside), "/magic-%s", label);
	fd = resolve_open(rootfd, inside, O_RDONLY, m);
	ok(fd < 0, "%s: a link to %s does not open the file behind it", label, link);
	if (fd >= 0)
		close(fd);
	fd = resolve_open(rootfd, "/data/../etc/../rel/.", O_RDONLY | O_DIRECTORY, m);
	ok(is_file(fd, "etc"), "%s: resolve_open confines symlinks and .. like the rest", label);
	if (fd >= 0)
		close(fd);
	close(outside);
}

int main(void)
{
	char cmd[128];

	tap_plan(32);
	snprintf(root, sizeof(root), "/tmp/spawn-resolve-test.XXXXXX");
	if (!mkdtemp(root))
		return perror("mkdtemp"), 1;
	make("d", "etc", NULL);
	make("d", "a", NULL);
	make("d", "a/b", NULL);
	make("l", "data", "/etc");
	make("l", "rel", "../../../../etc");
	make("l", "a/b/top", "../../..");
	make("l", "chain", "data");
	make("l", "loop", "loop");
	make("l", "dangling", "/nowhere/x");
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return perror(root), 1;

	check(RESOLVE_AUTO, "openat2");
	check(RESOLVE_MANUAL, "walk");
	check_create(RESOLVE_AUTO, "openat2");
	check_create(RESOLVE_MANUAL, "walk");
	check_open(RESOLVE_AUTO, "openat2");
	check_open(RESOLVE_MANUAL, "walk");

	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
