/* cspawn's default security profile for `cspawn run`, as the parts of an
 * OCI runtime spec that carry it: the seccomp filter (what docker's
 * default profile refuses, with docker's capability exceptions), the
 * device rules of the cgroup, and the paths of /proc and /sys that are
 * masked or read-only (crun's lists). */
#ifndef CSPAWN_PROFILE_H
#define CSPAWN_PROFILE_H

#include <jansson.h>
#include <stdint.h>

/* linux.seccomp for the final capability set (bit N = capability N):
 * default allow; EPERM for the refused calls, unless the capability that
 * lets one through was granted; argument rules for personality, clone's
 * namespace flags, ioctl(TIOCSTI) and socket(AF_VSOCK); clone3 answers
 * ENOSYS without CAP_SYS_ADMIN. NULL when out of memory. */
json_t *profile_seccomp(uint64_t caps);
/* The names refused outright given caps, for tests and listings. */
void profile_list_refused(uint64_t caps, void (*visit)(const char *name, void *ctx), void *ctx);
/* linux.resources.devices: deny everything, then allow creating any node
 * and opening null, zero, full, random, urandom, tty, ptmx, the pts and
 * net/tun (never the host's console, 5:1, which docker allows). */
json_t *profile_device_rules(void);
/* linux.maskedPaths and linux.readonlyPaths. */
json_t *profile_masked_paths(void);
json_t *profile_readonly_paths(void);

#endif
