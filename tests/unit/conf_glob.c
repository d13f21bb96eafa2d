/* Unit tests for the include wildcard expansion (conf/pathglob.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/internal.h"
#include "conf/units.h"
#include "tests/tap.h"

static char root[] = "/tmp/conf_glob.XXXXXX";

static void touch(const char *rel)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

static void sub(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
}

/* The matches as names relative to root, joined by spaces. */
static const char *expand(const char *pattern)
{
	static char out[1024];
	char **paths;
	size_t len = strlen(root) + 1, n = 0;

	out[0] = '\0';
	if (conf_glob(root, pattern, &paths) < 0)
		return "(error)";
	for (char **p = paths; *p; p++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "",
				      strlen(*p) > len ? *p + len : *p);
	conf_free_argv(paths);
	return out;
}

int main(void)
{
	char abs[512];

	tap_plan(12);
	if (!mkdtemp(root))
		return 1;
	sub("conf.d");
	sub("conf.d/sub");
	touch("conf.d/b.conf");
	touch("conf.d/a.conf");
	touch("conf.d/c.ini");
	touch("conf.d/.hidden.conf");
	touch("conf.d/sub/x.conf");
	touch("conf.d/[x].conf");
	touch("one.ini");

	is_str(expand("conf.d/*.conf"), "conf.d/[x].conf conf.d/a.conf conf.d/b.conf",
	       "* matches within one component, sorted, hidden files left out");
	is_str(expand("conf.d/.*.conf"), "conf.d/.hidden.conf",
	       "a leading dot matches hidden files");
	is_str(expand("conf.d/?.conf"), "conf.d/a.conf conf.d/b.conf", "? matches one character");
	is_str(expand("conf.d/[a-b].conf"), "conf.d/a.conf conf.d/b.conf", "a range in brackets");
	is_str(expand("conf.d/[!a].conf"), "conf.d/b.conf", "a negated bracket");
	is_str(expand("conf.d/\\[x].conf"), "conf.d/[x].conf", "a backslash makes [ literal");
	is_str(expand("*/sub/*.conf"), "conf.d/sub/x.conf", "wildcards in several components");
	is_str(expand("conf.d/*.none"), "", "no match gives an empty list");
	is_str(expand("one.ini"), "one.ini", "a literal name that exists");
	is_str(expand("missing.ini"), "", "a literal name that does not exist");
	is_str(expand("one.ini/*"), "", "a file is not a directory to look into");
	snprintf(abs, sizeof(abs), "%s/conf.d/c.*", root);
	{
		char **paths;
		int r = conf_glob("/nonexistent", abs, &paths);
		ok(r == 0 && paths[0] && !paths[1] && strstr(paths[0], "/conf.d/c.ini"),
		   "an absolute pattern ignores the directory it is relative to");
		if (r == 0)
			conf_free_argv(paths);
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			return 1;
	}
	return tap_done();
}
