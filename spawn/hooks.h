/* The OCI hooks: each one a program run with the container's state on its
 * stdin, its own args and env, and a timeout. The runtime runs the ones of
 * its namespace (prestart, createRuntime, poststart, poststop); the
 * container's child runs createContainer and startContainer inside. */
#ifndef CSPAWN_HOOKS_H
#define CSPAWN_HOOKS_H

#include "oci/oci.h"
#include "spawn/util.h"

/* Runs the hooks of one kind in order; stops at the first that fails
 * (exits non-zero, is killed, or outlives its timeout, which kills it):
 * -1 with "hooks.KIND[I] PATH: why" in e. The hook's stdout and stderr
 * are the caller's. */
int hooks_run(const struct oci_hook_list *l, enum oci_hook_kind k, const char *state,
	      struct spawn_error *e);

#endif
