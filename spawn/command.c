#include "spawn/command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn/rootfs.h"

#define IMAGE_CONFIG "/etc/cinit.ini"

static bool names_config(const struct spawn_opts *o)
{
	for (size_t i = 0; i < o->nenv; i++)
		if (strncmp(o->env[i], "CINIT_CONFIG=", 13) == 0 && o->env[i][13])
			return true;
	return false;
}

static int build_argv(const struct spawn_opts *o, bool image_has_config, struct spawn_command *c,
		      struct spawn_error *e)
{
	static char sh[] = "/bin/sh";
	char **argv = calloc((size_t)o->ncmd + 5, sizeof(*argv));
	int n = 0;

	if (!argv)
		return spawn_fail_errno(e, "calloc");
	c->argv = argv;
	/* argv[0] "cinit", not the mount point, so ps inside reads well. */
	c->path = ROOTFS_INIT_PATH;
	argv[n++] = (char *)"cinit";
	if (o->no_init) {
		argv[n++] = (char *)"--exec";
		argv[n++] = NULL; /* the path, from command_resolve */
		if (o->ncmd == 0)
			argv[n++] = sh;
		for (int i = 0; i < o->ncmd; i++)
			argv[n++] = o->cmd[i];
		return 0;
	}
	/* -e CINIT_CONFIG=PATH names a config inside the root: cinit reads
	 * the variable itself, so it gets no arguments at all. */
	if (!o->config && o->ncmd == 0 && names_config(o))
		return 0;
	if (o->config || (o->ncmd == 0 && image_has_config)) {
		argv[n++] = (char *)"-c";
		argv[n++] = (char *)(o->config ? ROOTFS_CONFIG_PATH : IMAGE_CONFIG);
		return 0;
	}
	argv[n++] = (char *)"--";
	if (o->ncmd == 0)
		argv[n++] = sh;
	for (int i = 0; i < o->ncmd; i++)
		argv[n++] = o->cmd[i];
	return 0;
}

static int find_var(char *const *envp, size_t n, const char *entry)
{
	size_t key = strcspn(entry, "=");

	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], entry, key) == 0 && envp[i][key] == '=')
			return (int)i;
	return -1;
}

/* Adds or replaces KEY=VAL; envp has room for every entry. */
static void set_var(char **envp, size_t *n, char *entry)
{
	int at = find_var(envp, *n, entry);

	if (at >= 0)
		envp[at] = entry;
	else
		envp[(*n)++] = entry;
}

static int build_envp(const struct spawn_opts *o, const char *hostname,
		      const struct spawn_user *user, struct spawn_command *c, struct spawn_error *e)
{
	/* The defaults live in one buffer after the pointer array. */
	size_t slots = o->nenv + 4, n = 0;
	size_t need = slots * sizeof(char *) + strlen(COMMAND_DEFAULT_PATH) + strlen(hostname) +
		      strlen(user->home) + 32;
	char **envp = calloc(1, need);
	char *text;

	if (!envp)
		return spawn_fail_errno(e, "calloc");
	text = (char *)(envp + slots);
	envp[n++] = text;
	text += sprintf(text, "PATH=%s", COMMAND_DEFAULT_PATH) + 1;
	envp[n++] = text;
	text += sprintf(text, "HOSTNAME=%s", hostname) + 1;
	envp[n++] = text;
	sprintf(text, "HOME=%s", user->home);
	for (size_t i = 0; i < o->nenv; i++)
		set_var(envp, &n, o->env[i]);
	envp[n] = NULL;
	c->envp = envp;
	return 0;
}

int command_build(const struct spawn_opts *o, bool image_has_config, const char *hostname,
		  const struct spawn_user *user, struct spawn_command *c, struct spawn_error *e)
{
	memset(c, 0, sizeof(*c));
	if (build_argv(o, image_has_config, c, e) < 0)
		return -1;
	if (build_envp(o, hostname, user, c, e) < 0) {
		command_free(c);
		return -1;
	}
	return 0;
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

int command_resolve(struct spawn_command *c, struct spawn_error *e)
{
	const char *name = c->argv[3], *path = command_getenv(c->envp, "PATH");

	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return spawn_fail_errno(e, "exec %s", name);
		c->resolved = strdup(name);
	} else {
		c->resolved = search_path(name, path ? path : COMMAND_DEFAULT_PATH);
	}
	if (!c->resolved)
		return spawn_fail_errno(e, "exec %s", name);
	c->argv[2] = c->resolved;
	return 0;
}

void command_free(struct spawn_command *c)
{
	free(c->argv);
	free(c->envp);
	free(c->resolved);
	memset(c, 0, sizeof(*c));
}

const char *command_getenv(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}
