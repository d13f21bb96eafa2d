/* conf_validate: the rules between services, on loaded configs and on the
 * in-memory config that `cinit -- cmd` builds. */
#include "conf/conf.h"
#include "tests/tap.h"
#include "tests/unit/conf_said.h"

#include <stdlib.h>

static int validate(struct cinit_conf *c)
{
	struct said_capture cap;
	return said_end(&cap, conf_validate(c, said_begin(&cap)));
}

static char **words(const char *a, const char *b)
{
	char **v = calloc(3, sizeof(char *));

	v[0] = a ? strdup(a) : NULL;
	v[1] = a && b ? strdup(b) : NULL;
	return v;
}

/* A config built in memory, as init/main.c builds tini mode's. */
static void memory_config(struct cinit_conf *c, int n)
{
	conf_defaults(c);
	c->services = calloc((size_t)n, sizeof(*c->services));
	c->n_services = n;
	for (int i = 0; i < n; i++) {
		char name[32];
		conf_service_defaults(&c->services[i]);
		snprintf(name, sizeof(name), "svc%d", i);
		c->services[i].name = strdup(name);
		c->services[i].argv = words("/bin/true", NULL);
	}
}

static void test_in_memory(void)
{
	struct cinit_conf c;

	memory_config(&c, 1);
	free(c.services[0].name);
	c.services[0].name = strdup("my app");
	c.services[0].main = true;
	is_int(validate(&c), 0, "tini mode's config: any name, no file");
	c.services[0].argv[0] = (free(c.services[0].argv[0]), NULL);
	is_int(validate(&c), 1, "a service with no command");
	is_str(said, "command line: [service:my app] command: expected a command to run, got none",
	       "names the command line when there is no file");
	conf_free(&c);

	memory_config(&c, 2);
	free(c.services[1].name);
	c.services[1].name = strdup("svc0");
	is_int(validate(&c), 1, "two services of one name");
	is_str(said,
	       "command line: [service:svc0] expected a unique service name, but 'svc0' is defined "
	       "at the command line too",
	       "are named");
	is_int(conf_validate(&c, NULL), 1, "errs may be NULL");
	conf_free(&c);

	/* a chain longer than any stack would hold if walked recursively */
	enum { CHAIN = 20000 };
	memory_config(&c, CHAIN);
	for (int i = 0; i + 1 < CHAIN; i++) {
		char dep[32];
		snprintf(dep, sizeof(dep), "svc%d", i + 1);
		c.services[i].depends = words(dep, NULL);
	}
	is_int(validate(&c), 0, "a chain of 20000 dependencies");
	c.services[CHAIN - 1].depends = words("svc0", NULL);
	is_int(validate(&c), 1, "closed into a ring of 20000");
	ok(strncmp(said,
		   "command line: [service:svc19999] depends: expected no dependency cycle, got "
		   "svc0 -> svc1 -> ",
		   91) == 0,
	   "is one cycle, named from where it was entered");
	conf_free(&c);
}

static void test_rules(void)
{
	struct cinit_conf c;

	is_int(load("[service:a]\ncommand = a\ndepends = b\n[service:b]\ncommand = b\ndepends = c\n"
		    "[service:c]\ncommand = c\ndepends = a\n",
		    &c),
	       1, "a three-service cycle is one error");
	is_str(
	    said,
	    "cinit.ini:9: [service:c] depends: expected no dependency cycle, got a -> b -> c -> a",
	    "naming the cycle at the depends that closes it");

	is_int(load("[service:a]\ncommand = a\ndepends = a\n", &c), 1, "depending on itself");
	is_str(said, "cinit.ini:3: [service:a] depends: expected no dependency cycle, got a -> a",
	       "is a cycle of one");

	is_int(load("[service:a]\ncommand = a\n[service:b]\ncommand = b\ndepends = a, a, a\n", &c),
	       0, "a dependency listed twice is no error");
	is_str(said, "cinit.ini:5: [service:b] depends: warning: 'a' is listed more than once",
	       "but one warning names it");
	conf_free(&c);

	is_int(
	    load("[service:a]\ncommand = a\ndepends = b\n[service:b]\ncommand = b\ndepends = a\n"
		 "[service:c]\ncommand = c\ndepends = d\n[service:d]\ncommand = d\ndepends = c\n",
		 &c),
	    2, "two cycles, two errors");

	is_int(
	    load("[service:top]\ncommand = t\ndepends = l, r\n[service:l]\ncommand = l\ndepends "
		 "= base\n[service:r]\ncommand = r\ndepends = base\n[service:base]\ncommand = b\n",
		 &c),
	    0, "a diamond is not a cycle");
	conf_free(&c);

	is_int(load("[service:web]\ncommand = w\ndepends = db, cache\n", &c), 2,
	       "dependencies on services that do not exist");
	is_str(said,
	       "cinit.ini:3: [service:web] depends: expected the name of a service, got 'db' (no "
	       "service has that name)\ncinit.ini:3: [service:web] depends: expected the name of a "
	       "service, got 'cache' (no service has that name)",
	       "one error each");

	is_int(load("[service:a]\ncommand = a\nmain = true\n[service:b]\ncommand = b\nmain = yes\n"
		    "[service:c]\ncommand = c\nmain = on\n",
		    &c),
	       2, "three main services");
	is_str(said,
	       "cinit.ini:6: [service:b] main: expected at most one main service, but 'a' "
	       "(cinit.ini:3) is main already\ncinit.ini:9: [service:c] main: expected at most one "
	       "main service, but 'a' (cinit.ini:3) is main already",
	       "every one after the first is an error");

	is_int(
	    load("[service:a]\ncommand = a\n[service:a]\ncommand = b\n[service:a]\ncommand = c\n",
		 &c),
	    2, "a name defined three times");
	is_str(
	    said,
	    "cinit.ini:3: [service:a] expected a unique service name, but 'a' is defined at "
	    "cinit.ini:1 too\ncinit.ini:5: [service:a] expected a unique service name, but 'a' is "
	    "defined at cinit.ini:1 too",
	    "names the first definition each time");

	is_int(load("[service:a]\nuser = nobody\n[service:b]\ncommand =\n", &c), 2,
	       "no command, and an empty one");
	is_str(said,
	       "cinit.ini:4: [service:b] command: expected a command, got ''\ncinit.ini:1: "
	       "[service:a] command: expected a command to run, got none",
	       "each said once");
}

int main(void)
{
	tap_plan(25);
	test_in_memory();
	test_rules();
	return tap_done();
}
