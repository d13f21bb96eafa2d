/* What the container's first process executes: cinit with the command (or
 * with a config), or with --no-init the command itself; and its
 * environment, docker's defaults overridden by -e. */
#ifndef CSPAWN_COMMAND_H
#define CSPAWN_COMMAND_H

#include <stdbool.h>

#include "spawn/options.h"
#include "spawn/users.h"

#define COMMAND_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* With --no-init the command still starts through cinit, as its
 * trampoline: `cinit --exec PATH ARGV0 ARGS...` execs PATH at once, so no
 * process inside ever has the host's cspawn as its exe. PATH is looked up
 * by command_resolve, inside the container, before that. */
struct spawn_command {
	const char *path; /* for execve: always cinit */
	char **argv;	  /* NULL-terminated, allocated */
	char **envp;	  /* NULL-terminated, allocated */
	char *resolved;	  /* --no-init: the command's path, allocated */
};

/* image_has_config: the root has /etc/cinit.ini, which cinit then runs
 * when no COMMAND was given. hostname and user feed HOSTNAME and HOME. */
int command_build(const struct spawn_opts *o, bool image_has_config, const char *hostname,
		  const struct spawn_user *user, struct spawn_command *c, struct spawn_error *e);
/* --no-init: finds the command in the container's PATH (or takes a name
 * with a '/' as it is), as execvp would, and puts it in the trampoline's
 * argv. Fails with errno ENOENT (not found) or EACCES (not executable) and
 * "exec NAME: why" in e. Runs inside the root, before privileges drop. */
int command_resolve(struct spawn_command *c, struct spawn_error *e);
void command_free(struct spawn_command *c);
/* The value of name in envp, or NULL. */
const char *command_getenv(char *const *envp, const char *name);

#endif
