/* For the config unit tests: what a loader call said on its message stream,
 * captured in `said` without the last newline, and lookups in the result. */
#ifndef CINIT_TESTS_CONF_SAID_H
#define CINIT_TESTS_CONF_SAID_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

static char said[1 << 18];

struct said_capture {
	char *buf;
	size_t len;
	FILE *f;
};

static inline FILE *said_begin(struct said_capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f;
}

static inline int said_end(struct said_capture *c, int result)
{
	fclose(c->f);
	snprintf(said, sizeof(said), "%s", c->buf ? c->buf : "");
	free(c->buf);
	if (*said && said[strlen(said) - 1] == '\n')
		said[strlen(said) - 1] = '\0';
	return result;
}

static inline int load_named(const char *name, const char *text, struct cinit_conf *c)
{
	struct said_capture cap;
	return said_end(&cap, conf_load_string(name, text, c, said_begin(&cap)));
}

static inline int load(const char *text, struct cinit_conf *c)
{
	return load_named("cinit.ini", text, c);
}

static inline int load_file(const char *path, struct cinit_conf *c)
{
	struct said_capture cap;
	return said_end(&cap, conf_load(path, c, said_begin(&cap)));
}

static inline const struct service_conf *find(const struct cinit_conf *c, const char *name)
{
	for (int i = 0; i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

/* argv equals the NULL-terminated want, word for word */
static inline int argv_is(char **argv, const char *const *want)
{
	int i = 0;

	for (; argv && argv[i] && want[i]; i++)
		if (strcmp(argv[i], want[i]) != 0)
			return 0;
	return argv && !argv[i] && !want[i];
}

#endif
