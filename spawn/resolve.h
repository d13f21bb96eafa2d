/* Opens a path of the container (such as the target of `-v` or `/proc`)
 * while the root filesystem is still a plain directory on the host. Every
 * symlink and ".." is resolved as if that directory were "/", so an image
 * whose /data links to /etc reaches its own /etc, never the host's. */
#ifndef CSPAWN_RESOLVE_H
#define CSPAWN_RESOLVE_H

#include "spawn/util.h"

enum resolve_create {
	RESOLVE_EXISTING, /* the path must exist */
	RESOLVE_MKDIR,	  /* create missing components as directories */
	RESOLVE_MKFILE,	  /* same, but the last component as an empty file */
};

enum resolve_method {
	RESOLVE_AUTO,	/* openat2(RESOLVE_IN_ROOT), or the walk without openat2 */
	RESOLVE_MANUAL, /* always the walk (for kernels before 5.6; tests use it) */
};

/* Returns an O_PATH|O_CLOEXEC descriptor for path (absolute, as seen inside)
 * under rootfd, or -1 with e set and errno kept. Magic links of /proc are
 * never followed. */
int resolve_in_root(int rootfd, const char *path, enum resolve_create create,
		    enum resolve_method method, struct spawn_error *e);

/* Opens path (absolute, as seen inside) under rootfd with open(2) flags
 * such as O_RDONLY, every symlink confined as above and no magic link
 * followed. Returns the descriptor (close-on-exec) or -1 with errno set. */
int resolve_open(int rootfd, const char *path, int flags, enum resolve_method method);

#endif
