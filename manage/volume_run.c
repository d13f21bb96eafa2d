/* The volumes of `cspawn run` (manage/volume.h): -v NAME:CTR, -v CTR and
 * the image's own, made, filled and held for the run. */
#include "manage/volume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn/userns.h"

static bool covered(const struct spawn_opts *o, const char *path)
{
	for (size_t i = 0; i < o->nbinds; i++)
		if (strcmp(o->binds[i].ctr, path) == 0)
			return true;
	return false;
}

/* The image's volumes that no -v covers, as -v CTR (anonymous). */
static int add_image_volumes(struct spawn_opts *o, char *const *image_volumes,
			     struct spawn_error *e)
{
	for (size_t i = 0; image_volumes && image_volumes[i]; i++) {
		struct spawn_bind *b;

		if (image_volumes[i][0] != '/' || covered(o, image_volumes[i]))
			continue;
		b = realloc(o->binds, (o->nbinds + 1) * sizeof(*o->binds));
		if (!b)
			return spawn_fail_errno(e, "realloc");
		o->binds = b;
		b = &o->binds[o->nbinds];
		*b = (struct spawn_bind){.ctr = strdup(image_volumes[i]), .volume = strdup("")};
		if (!b->ctr || !b->volume) {
			free(b->ctr);
			free(b->volume);
			return spawn_fail_errno(e, "strdup");
		}
		o->nbinds++;
	}
	return 0;
}

static int note(int **holds, size_t *n, int fd, struct spawn_error *e)
{
	int *grown = realloc(*holds, (*n + 1) * sizeof(**holds));

	if (!grown) {
		close(fd);
		return spawn_fail_errno(e, "realloc");
	}
	*holds = grown;
	grown[(*n)++] = fd;
	return 0;
}

static int note_anonymous(struct volume_run *vr, const char *name, struct spawn_error *e)
{
	char **grown = realloc(vr->anonymous, (vr->nanonymous + 1) * sizeof(*grown));

	if (!grown || !(grown[vr->nanonymous] = strdup(name))) {
		if (grown)
			vr->anonymous = grown;
		return spawn_fail_errno(e, "recording volume %s", name);
	}
	vr->anonymous = grown;
	vr->nanonymous++;
	return 0;
}

/* With --userns, a new volume still the host's root's (nothing filled it,
 * or the root's directory there is the host root's) becomes the
 * container's root's, as docker's userns-remap makes it: else the
 * container's root could not write to it. */
static int give_to_userns_root(const struct volume *v, const struct userns_map *map,
			       struct spawn_error *e)
{
	struct stat st;

	if (stat(v->data, &st) < 0)
		return spawn_fail_errno(e, "stat %s", v->data);
	if (st.st_uid != 0 || st.st_gid != 0)
		return 0;
	if (chown(v->data, map->uid_base, map->gid_base) < 0)
		return spawn_fail_errno(e, "chown %s", v->data);
	return 0;
}

/* Made (under the store's lock) and held; then filled, outside the lock. */
static int prepare_one(struct store *s, struct spawn_bind *b, const struct volume_root *root,
		       const struct userns_map *map, struct volume_run *vr, struct spawn_error *e)
{
	bool anonymous = !b->volume[0], made;
	struct volume v;
	int fd, rc = -1;

	if (store_lock(s, e) < 0)
		return -1;
	if (volume_create(s, b->volume, anonymous, NULL, &v, &made, e) == 0) {
		fd = volume_hold(&v, e);
		rc = fd < 0 ? -1 : note(&vr->holds, &vr->nholds, fd, e);
		/* marked and held at once: no sweep sees one without the other */
		if (rc == 0 && made && anonymous)
			rc = volume_mark_run(&v, true, e);
	}
	store_unlock(s);
	if (rc == 0 && anonymous)
		rc = note_anonymous(vr, v.name, e);
	if (rc == 0)
		rc = volume_fill(&v, root, b->ctr, e);
	if (rc == 0 && made && map)
		rc = give_to_userns_root(&v, map, e);
	if (rc == 0) {
		char *name = strdup(v.name), *host = strdup(v.data);

		if (!name || !host) {
			free(name);
			free(host);
			rc = spawn_fail_errno(e, "strdup");
		} else {
			free(b->volume);
			b->volume = name;
			b->host = host;
		}
	}
	volume_free(&v);
	return rc;
}

/* --print-spec makes nothing: the paths the volumes would have. */
static int name_only(struct spawn_bind *b, const struct cspawn_roots *r, struct spawn_error *e)
{
	char id[STORE_ID_LEN + 1], path[PATH_MAX];

	if (!b->volume[0]) {
		store_make_id(id);
		free(b->volume);
		if (!(b->volume = strdup(id)))
			return spawn_fail_errno(e, "strdup");
	}
	if (format_path(path, sizeof(path), "%s/volumes/%s/_data", r->lib, b->volume) < 0 ||
	    !(b->host = strdup(path)))
		return spawn_fail_errno(e, "the path of volume %s", b->volume);
	return 0;
}

int volume_run_prepare(struct spawn_opts *o, const struct cspawn_roots *r,
		       char *const *image_volumes, struct volume_run *vr, struct spawn_error *e)
{
	char scratch[PATH_MAX];
	struct volume_root root = {
	    .rootfs = o->rootfs, .layers = o->layers, .nlayers = o->nlayers, .scratch = scratch};
	struct userns_map map;
	struct store s;
	bool opened = false;
	int rc = 0;

	memset(vr, 0, sizeof(*vr));
	if (add_image_volumes(o, image_volumes, e) < 0 ||
	    (o->userns && userns_default_map(&map, e) < 0))
		return -1;
	if (format_path(scratch, sizeof(scratch), "%s/volfill-%d", r->run, (int)getpid()) < 0)
		return spawn_fail_errno(e, "the volumes' scratch directory");
	for (size_t i = 0; i < o->nbinds && rc == 0; i++) {
		if (!o->binds[i].volume)
			continue;
		if (o->print_spec) {
			rc = name_only(&o->binds[i], r, e);
			continue;
		}
		/* the store (and its lock) only when there is a volume to make */
		if (!opened && (rc = store_open(&s, r, e)) < 0)
			break;
		opened = true;
		rc = prepare_one(&s, &o->binds[i], &root, o->userns ? &map : NULL, vr, e);
	}
	if (opened)
		store_close(&s);
	return rc;
}

json_t *volume_run_record(const struct spawn_opts *o, const struct volume_run *vr)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < o->nbinds; i++) {
		const struct spawn_bind *b = &o->binds[i];
		bool anonymous = false;

		if (!b->volume)
			continue;
		for (size_t j = 0; j < vr->nanonymous; j++)
			anonymous = anonymous || strcmp(vr->anonymous[j], b->volume) == 0;
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b}", "name", b->volume,
							  "destination", b->ctr, "anonymous",
							  anonymous, "read_only", b->read_only)) <
		    0) {
			json_decref(list);
			return NULL;
		}
	}
	if (list && json_array_size(list) == 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* The holds dropped, the anonymous volumes are those of a run that ended:
 * the sweep that taking the store's lock makes removes them (a foreground
 * run's, which is gone for good, as docker's --rm; a run -d's that failed
 * before its record named them) or keeps them, unmarked, for the
 * container whose record names them. */
void volume_run_release(struct volume_run *vr, const struct cspawn_roots *r)
{
	struct spawn_error e;
	struct store s;

	for (size_t i = 0; i < vr->nholds; i++)
		close(vr->holds[i]);
	if (vr->nanonymous && (store_open(&s, r, &e) < 0 || store_lock(&s, &e) < 0))
		fprintf(stderr, "cspawn: %s\n", e.msg);
	if (vr->nanonymous)
		store_close(&s);
	for (size_t i = 0; i < vr->nanonymous; i++)
		free(vr->anonymous[i]);
	free(vr->anonymous);
	free(vr->holds);
	memset(vr, 0, sizeof(*vr));
}
