#include "spawn/command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *command_getenv(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* The first of PATH's directories with an executable name in it; EACCES
 * when there was one only without the right to run it. */
static char *search_path(const char *name, const char *path)
{
	bool denied = false;

	while (path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		char *cand;

		/* an empty entry is the working directory, as for execvp */
		if (asprintf(&cand, "%.*s%s%s", (int)len, path, len ? "/" : "", name) < 0)
			return NULL;
		if (access(cand, X_OK) == 0)
			return cand;
		denied |= errno == EACCES;
		free(cand);
		path = colon ? colon + 1 : NULL;
	}
	errno = denied ? EACCES : ENOENT;
	return NULL;
}

static char *find(const char *name, char *const *envp)
{
	const char *path = command_getenv(envp, "PATH");

	if (!strchr(name, '/'))
		return search_path(name, path ? path : COMMAND_DEFAULT_PATH);
	if (access(name, X_OK) < 0)
		return NULL;
	return strdup(name);
}

/* The spec's environment, and HOME after it when it has none. */
static int build_envp(const struct oci_process *p, const char *home, struct spawn_command *c,
		      struct spawn_error *e)
{
	size_t n = p->env.n;

	c->envp = calloc(n + 2, sizeof(*c->envp));
	if (!c->envp)
		return spawn_fail_errno(e, "calloc");
	memcpy(c->envp, p->env.v, n * sizeof(*c->envp));
	if (command_getenv(p->env.v, "HOME"))
		return 0;
	if (asprintf(&c->home, "HOME=%s", home && *home ? home : "/") < 0) {
		c->home = NULL;
		return spawn_fail_errno(e, "asprintf");
	}
	c->envp[n] = c->home;
	return 0;
}

static int build_argv(const struct oci_process *p, struct spawn_command *c, struct spawn_error *e)
{
	size_t n = p->args.n;

	if (c->direct) {
		c->argv = p->args.v;
		return 0;
	}
	c->argv = calloc(n + 4, sizeof(*c->argv));
	if (!c->argv)
		return spawn_fail_errno(e, "calloc");
	c->argv[0] = (char *)"cinit";
	c->argv[1] = (char *)"--exec";
	c->argv[2] = c->path;
	memcpy(c->argv + 3, p->args.v, n * sizeof(*c->argv));
	return 0;
}

int command_prepare(const struct oci_process *p, const char *home, const char *direct_path,
		    struct spawn_command *c, struct spawn_error *e)
{
	memset(c, 0, sizeof(*c));
	if (p->args.n == 0)
		return spawn_fail(e, "process.args is empty: nothing to run");
	if (build_envp(p, home, c, e) < 0)
		return -1;
	c->path = find(p->args.v[0], c->envp);
	if (!c->path) {
		int err = errno;

		spawn_fail_errno(e, "exec %s", p->args.v[0]);
		command_free(c);
		errno = err;
		return -1;
	}
	c->direct = direct_path && strcmp(c->path, direct_path) == 0;
	return build_argv(p, c, e);
}

void command_free(struct spawn_command *c)
{
	if (!c->direct)
		free(c->argv);
	free(c->envp);
	free(c->home);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
