#include "manage/runimage.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/units.h"

static size_t count(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* docker's rule: the entrypoint (--entrypoint, else the image's), then the
 * command given, else the image's Cmd (which --entrypoint drops). */
static int command_of(struct spawn_opts *o, const struct image_config *c, struct spawn_error *e)
{
	char **entry = c->entrypoint, *given[] = {(char *)o->entrypoint, NULL};
	char **cmd = o->ncmd ? o->cmd : o->entrypoint ? NULL : c->cmd;
	size_t ne, nc, n = 0;

	if (o->entrypoint)
		entry = o->entrypoint[0] ? given : NULL;
	ne = count(entry);
	nc = o->ncmd ? (size_t)o->ncmd : count(cmd);
	if (ne + nc == 0)
		return spawn_fail(e,
				  "%s: the image has no command (Entrypoint, Cmd), and none was "
				  "given",
				  o->image);
	o->owned_cmd = calloc(ne + nc + 1, sizeof(*o->owned_cmd));
	if (!o->owned_cmd)
		return spawn_fail_errno(e, "calloc");
	for (size_t i = 0; i < ne; i++)
		o->owned_cmd[n++] = entry[i];
	for (size_t i = 0; i < nc; i++)
		o->owned_cmd[n++] = cmd[i];
	o->cmd = o->owned_cmd;
	o->ncmd = (int)n;
	return 0;
}

static bool user_sets(const struct spawn_opts *o, const char *entry)
{
	size_t key = strcspn(entry, "=");

	for (size_t i = 0; i < o->nenv; i++)
		if (strncmp(o->env[i], entry, key) == 0 && o->env[i][key] == '=')
			return true;
	return false;
}

/* The image's environment first, -e over it. */
static int env_of(struct spawn_opts *o, const struct image_config *c, struct spawn_error *e)
{
	size_t ni = count(c->env), n = 0;
	char **env = calloc(ni + o->nenv + 1, sizeof(*env));

	if (!env)
		return spawn_fail_errno(e, "calloc");
	for (size_t i = 0; i < ni; i++)
		if (!user_sets(o, c->env[i]) && !(env[n++] = strdup(c->env[i])))
			return spawn_fail_errno(e, "strdup");
	memcpy(env + n, o->env, o->nenv * sizeof(*env));
	free(o->env);
	o->env = env;
	o->nenv += n;
	return 0;
}

/* -P: each ExposedPorts entry ("80/tcp") as a -p of its own, which takes
 * a free host port; the strings are the image's. */
static int publish_exposed(struct spawn_opts *o, const struct image_config *c,
			   struct spawn_error *e)
{
	size_t n = count(c->exposed_ports);
	const char **v;

	if (!o->netreq.publish_all || n == 0)
		return 0;
	v = realloc(o->netreq.publish, (o->netreq.npublish + n) * sizeof(*v));
	if (!v)
		return spawn_fail_errno(e, "realloc");
	for (size_t i = 0; i < n; i++)
		v[o->netreq.npublish++] = c->exposed_ports[i];
	o->netreq.publish = v;
	return 0;
}

/* The image's Labels, before the --label ones, which so win. */
static int labels_of(struct spawn_opts *o, const struct image_config *c, struct spawn_error *e)
{
	const char **all;

	if (c->nlabels == 0)
		return 0;
	o->owned_labels = calloc(c->nlabels + 1, sizeof(char *));
	all = calloc(c->nlabels + o->nlabels, sizeof(*all));
	if (!o->owned_labels || !all) {
		free(all);
		return spawn_fail_errno(e, "calloc");
	}
	for (size_t i = 0; i < c->nlabels; i++) {
		if (asprintf(&o->owned_labels[i], "%s=%s", c->labels[i].key, c->labels[i].value) <
		    0) {
			o->owned_labels[i] = NULL;
			free(all);
			return spawn_fail_errno(e, "asprintf");
		}
		all[i] = o->owned_labels[i];
	}
	for (size_t i = 0; i < o->nlabels; i++)
		all[c->nlabels + i] = o->labels[i];
	free(o->labels);
	o->labels = all;
	o->nlabels += c->nlabels;
	return 0;
}

static int apply(struct spawn_opts *o, struct image_resolved *img, struct spawn_error *e)
{
	const struct image_config *c = &img->config;

	if (o->nlayers)
		return spawn_fail(e, "--layer: not with an image (%s), whose layers it has",
				  o->image);
	if (img->nlayers == 0)
		return spawn_fail(e, "%s: the image has no layers", o->image);
	o->image_id = img->id;
	o->rootfs = img->layers[0];
	/* the options own their array of layers; the strings are the image's */
	o->layers = calloc(img->nlayers, sizeof(*o->layers));
	if (!o->layers)
		return spawn_fail_errno(e, "calloc");
	for (size_t i = 1; i < img->nlayers; i++)
		o->layers[i - 1] = img->layers[i];
	o->nlayers = img->nlayers - 1;
	if (!o->user && c->user && *c->user)
		o->user = c->user;
	if (!o->workdir && c->working_dir && *c->working_dir)
		o->workdir = c->working_dir;
	if (!o->stop_signal && c->stop_signal &&
	    conf_parse_signal(c->stop_signal, &o->stop_signal) < 0)
		return spawn_fail(e, "%s: the image's StopSignal '%s' is not a signal", o->image,
				  c->stop_signal);
	if (env_of(o, c, e) < 0 || publish_exposed(o, c, e) < 0 || labels_of(o, c, e) < 0)
		return -1;
	return command_of(o, c, e);
}

int runimage_resolve(struct spawn_opts *o, const struct cspawn_roots *r, struct image_resolved *img,
		     struct spawn_error *e)
{
	struct image_store s;
	char dir[PATH_MAX + 16];
	int rc;

	memset(img, 0, sizeof(*img));
	snprintf(dir, sizeof(dir), "%s/images", r->lib);
	if (image_store_open(&s, dir, e) < 0)
		return -1;
	rc = image_resolve(&s, o->rootfs, img, e);
	image_store_close(&s);
	if (rc < 0)
		return errno == ENOENT ? 0 : -1;
	o->image = o->rootfs;
	return apply(o, img, e) < 0 ? -1 : 1;
}
