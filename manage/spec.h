/* `cspawn run`'s flags as an OCI runtime spec: the one model of a
 * container that the runtime (spawn/) executes, for cspawn's own commands
 * as for podman or containerd. Every flag has exactly one path into the
 * kernel: through this spec. */
#ifndef CSPAWN_SPEC_H
#define CSPAWN_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "oci/oci.h"
#include "spawn/options.h"
#include "spawn/userns.h"
#include "spawn/util.h"

/* What the spec needs besides the flags, found on the host first. */
struct spec_inputs {
	const char *init_path;	      /* the host's static cinit, bound at ROOTFS_INIT_PATH */
	const char *upper, *work;     /* the writable layer, with --layer */
	const struct userns_map *map; /* --userns */
};

/* The overlay of --layer: "lowerdir=TOP:...:ROOTFS,upperdir=...,workdir=..."
 * (with userxattr in a user namespace). Exposed for tests. */
struct spec_overlay {
	const char *rootfs;
	const char *const *layers; /* lowest first, all above rootfs */
	size_t nlayers;
	const char *upper, *work;
	bool userns;
};
int spec_overlay_options(const struct spec_overlay *p, char *buf, size_t len,
			 struct spawn_error *e);
/* The same, malloc'd as long as the paths need (docker allows 127
 * layers); NULL with e. */
char *spec_overlay_options_new(const struct spec_overlay *p, struct spawn_error *e);

/* The oom_score_adj of a container's cinit: the OOM killer never picks it
 * (its services start at 0; exec'd processes too). */
#define SPEC_INIT_OOM_SCORE_ADJ (-1000)

/* With no command, cinit runs the services of a config: -c, the file
 * that -e CINIT_CONFIG=PATH names (spec_env_names_config), or the root's
 * /etc/cinit.ini in the top layer that has one (spec_root_has_config). */
bool spec_env_names_config(const struct spawn_opts *o);
bool spec_root_has_config(const struct spawn_opts *o);

/* Builds the spec. Names given with -u are resolved by the runtime inside
 * the root (the annotation org.cspawn.user). Returns 0, or -1 with e set
 * (a spec the reader refuses, which would be a bug here, names the field). */
int spec_from_run(const struct spawn_opts *o, const struct spec_inputs *in, struct oci_config *out,
		  struct spawn_error *e);
/* The same as JSON text (config.json), malloc'd; for --print-spec. */
char *spec_json_from_run(const struct spawn_opts *o, const struct spec_inputs *in,
			 struct spawn_error *e);

#endif
