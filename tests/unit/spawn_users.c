/* -u USER[:GROUP] resolved against the container's passwd and group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "spawn/users.h"

static char passwd[64], group[64];

static void write_db(char *path, const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/spawn-users-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0) {
		perror(path);
		exit(1);
	}
}

static int resolve(const char *spec, struct spawn_user *u, struct spawn_error *e)
{
	e->msg[0] = '\0';
	return users_resolve(spec, passwd, group, u, e);
}

static int groups_are(const struct spawn_user *u, const gid_t *want, size_t n)
{
	if (u->ngroups != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (u->groups[i] != want[i])
			return 0;
	return 1;
}

int main(void)
{
	struct spawn_user u;
	struct spawn_error e;
	char fifo[80];

	tap_plan(19);
	write_db(passwd, "# comment\n"
			 "root:x:0:0:root:/root:/bin/sh\n"
			 "broken line\n"
			 "app:x:1000:1000:App:/home/app:/bin/sh\n"
			 "www:x:33:33::/var/www:/bin/false\n");
	write_db(group, "root:x:0:\n"
			"www:x:33:app\n"
			"app:x:1000:\n"
			"extra:x:2000:root,app\n");

	is_int(resolve(NULL, &u, &e), 0, "no -u: root");
	ok(u.uid == 0 && u.gid == 0 && strcmp(u.home, "/root") == 0,
	   "... uid 0, gid 0, HOME /root");
	ok(groups_are(&u, (gid_t[]){0, 2000}, 2), "... with root's groups");

	is_int(resolve("app", &u, &e), 0, "a name");
	ok(u.uid == 1000 && u.gid == 1000 && strcmp(u.home, "/home/app") == 0,
	   "... ids and home from passwd");
	ok(groups_are(&u, (gid_t[]){1000, 33, 2000}, 3), "... its primary group, then memberships");

	is_int(resolve("app:extra", &u, &e), 0, "name:group");
	ok(u.gid == 2000 && u.groups[0] == 2000, "... the group is primary");

	is_int(resolve("33", &u, &e), 0, "a uid that is in passwd");
	ok(u.uid == 33 && u.gid == 33 && strcmp(u.home, "/var/www") == 0, "... takes its entry");

	is_int(resolve("4242:99", &u, &e), 0, "ids that are in no file");
	ok(u.uid == 4242 && u.gid == 99 && strcmp(u.home, "/") == 0, "... are used as they are");

	is_int(resolve("nobody", &u, &e), -1, "an unknown name");
	ok(strstr(e.msg, "user 'nobody' not found in") != NULL, "... is named (%s)", e.msg);
	is_int(resolve("app:nogroup", &u, &e), -1, "an unknown group");
	ok(resolve("app:", &u, &e) < 0 && strstr(e.msg, "expected USER[:GROUP]"),
	   "an empty group is refused");

	/* The image's files: a FIFO would block the read forever (the alarm
	 * turns that hang into a failure), /dev/zero would never end. */
	alarm(10);
	snprintf(fifo, sizeof(fifo), "%s.fifo", passwd);
	if (mkfifo(fifo, 0644) < 0) {
		perror(fifo);
		exit(1);
	}
	e.msg[0] = '\0';
	ok(users_resolve("app", fifo, group, &u, &e) < 0 && strstr(e.msg, "not a regular file"),
	   "a FIFO as passwd is refused, not waited on (%s)", e.msg);
	e.msg[0] = '\0';
	ok(users_resolve("app", passwd, "/dev/zero", &u, &e) < 0 &&
	       strstr(e.msg, "/dev/zero: not a regular file"),
	   "a device as group is refused (%s)", e.msg);
	e.msg[0] = '\0';
	ok(users_resolve("app", passwd, "/proc/self/status", &u, &e) < 0 &&
	       strstr(e.msg, "/proc/self/status: not a regular file of the image"),
	   "a file of /proc (such as /proc/kmsg) is refused (%s)", e.msg);
	alarm(0);
	unlink(fifo);

	unlink(passwd);
	unlink(group);
	return tap_done();
}
