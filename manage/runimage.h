/* `cspawn run IMAGE`: an image of the store as the container's root (its
 * layers, shared and read-only, under a writable layer of the container's
 * own) and the defaults of its config, with docker's rules: the
 * entrypoint (or --entrypoint) then the command (the one given, else the
 * image's Cmd), the image's environment under -e, its user, working
 * directory and stop signal unless the flags say otherwise. */
#ifndef CSPAWN_RUNIMAGE_H
#define CSPAWN_RUNIMAGE_H

#include "image/image.h"
#include "manage/paths.h"
#include "spawn/options.h"

/* Resolves o->rootfs as an image of <lib>/images; 1 when it is one (img
 * filled, o pointed at it: img must outlive o), 0 when there is no such
 * image, -1 on an error in e. */
int runimage_resolve(struct spawn_opts *o, const struct cspawn_roots *r, struct image_resolved *img,
		     struct spawn_error *e);

#endif
