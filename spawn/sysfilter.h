/* linux.seccomp of the spec, through libseccomp: the default action, the
 * architectures, each rule with its action, errno and argument
 * comparisons. A system call this architecture does not have is skipped,
 * as runc does; a rule whose action is the default one adds nothing. */
#ifndef CSPAWN_SYSFILTER_H
#define CSPAWN_SYSFILTER_H

#include "oci/oci.h"
#include "spawn/util.h"

/* Builds the filter and loads it into the calling thread. no_new_privs
 * must be set first, or CAP_SYS_ADMIN still held. */
int sysfilter_load(const struct oci_seccomp *s, struct spawn_error *e);

#endif
