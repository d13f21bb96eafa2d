/* The container's default seccomp filter: the system calls docker's
 * default profile refuses fail with EPERM, unless the capability that
 * docker lets them through with was granted (--cap-add SYS_PTRACE allows
 * ptrace, and so on). Everything else is allowed. */
#ifndef CSPAWN_SYSFILTER_H
#define CSPAWN_SYSFILTER_H

#include <stdint.h>

#include "spawn/util.h"

/* Builds the filter for the final capability set and loads it into the
 * calling thread. no_new_privs must be set first. */
int sysfilter_load(uint64_t caps, struct spawn_error *e);

/* Refused system calls given caps, for `cspawn --help`-style listings and
 * tests: calls visit(name, ctx) for each one refused outright. */
void sysfilter_list_refused(uint64_t caps, void (*visit)(const char *name, void *ctx), void *ctx);

#endif
