/* What the container's first process executes, from the spec's process:
 * the command looked up in the container's PATH, and started through the
 * trampoline `cinit --exec PATH ARGV0 ARGS...` (a static cinit bound
 * read-only), which replaces itself with it at once, so that no process
 * inside ever has the host's cspawn as its exe. The environment gets HOME
 * from the user's passwd entry when it has none, as runc does. */
#ifndef CSPAWN_COMMAND_H
#define CSPAWN_COMMAND_H

#include <stdbool.h>

#include "oci/oci.h"
#include "spawn/util.h"

#define COMMAND_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct spawn_command {
	char *path;  /* the command, found */
	char **argv; /* the trampoline's, or the command's own (direct) */
	char **envp; /* NULL-terminated, allocated (the strings are the spec's) */
	bool direct; /* exec path itself: it is the read-only bound cinit */
	char *home;  /* the HOME= entry added, allocated; NULL: the spec had one */
};

/* Finds args[0] in the PATH of env (or takes a name with a '/' as it is),
 * as execvp would, inside the root. direct_path names the one command that
 * needs no trampoline (NULL: none). Fails with errno ENOENT (not found) or
 * EACCES (not executable) and "exec NAME: why" in e. */
int command_prepare(const struct oci_process *p, const char *home, const char *direct_path,
		    struct spawn_command *c, struct spawn_error *e);
void command_free(struct spawn_command *c);
/* The value of name in envp, or NULL. */
const char *command_getenv(char *const *envp, const char *name);

#endif
