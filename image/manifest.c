/* Image manifests (Docker v2 schema 2, OCI), manifest lists and OCI
 * indexes, and image configs, read into plain structs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/internal.h"

bool media_is_index(const char *mt)
{
	return mt && (strcmp(mt, MT_DOCKER_LIST) == 0 || strcmp(mt, MT_OCI_INDEX) == 0);
}

bool media_is_manifest(const char *mt)
{
	return mt && (strcmp(mt, MT_DOCKER_MANIFEST) == 0 || strcmp(mt, MT_OCI_MANIFEST) == 0);
}

const char *manifest_media_type(const json_t *root)
{
	const char *mt = json_str(root, "mediaType");

	if (mt)
		return mt;
	/* OCI made mediaType optional; the shape tells. */
	if (json_is_array(json_object_get(root, "manifests")))
		return MT_OCI_INDEX;
	if (json_is_object(json_object_get(root, "config")))
		return MT_OCI_MANIFEST;
	return "";
}

static int descriptor_parse(const json_t *j, struct descriptor *d, const char *what,
			    struct spawn_error *e)
{
	json_t *size = json_object_get(j, "size");

	d->media_type = json_str(j, "mediaType");
	d->digest = json_str(j, "digest");
	d->size = json_is_integer(size) ? json_integer_value(size) : -1;
	if (!json_is_object(j) || !d->digest)
		return spawn_fail(e, "%s: a descriptor without a digest", what);
	if (!digest_valid(d->digest))
		return spawn_fail(e, "%s: unsupported digest '%s' (only sha256 is)", what,
				  d->digest);
	if (d->size < 0)
		return spawn_fail(e, "%s: descriptor %s has no size", what, d->digest);
	if (!d->media_type)
		d->media_type = "";
	return 0;
}

static bool layer_type_ok(const char *mt)
{
	return strncmp(mt, "application/vnd.oci.image.layer.", 32) == 0 ||
	       strncmp(mt, "application/vnd.docker.image.rootfs.", 36) == 0 || !*mt;
}

int manifest_parse(json_t *root, struct manifest *m, const char *what, struct spawn_error *e)
{
	const char *mt = manifest_media_type(root);
	json_t *layers = json_object_get(root, "layers"), *l;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (!media_is_manifest(mt))
		return spawn_fail(e, "%s: not an image manifest (media type '%s')", what, mt);
	if (descriptor_parse(json_object_get(root, "config"), &m->config, what, e) < 0)
		return -1;
	if (!json_is_array(layers))
		return spawn_fail(e, "%s: no layers array", what);
	m->layers = calloc(json_array_size(layers) + 1, sizeof(*m->layers));
	if (!m->layers)
		return spawn_fail_errno(e, "calloc");
	json_array_foreach(layers, i, l)
	{
		if (descriptor_parse(l, &m->layers[i], what, e) < 0) {
			manifest_free(m);
			return -1;
		}
		if (!layer_type_ok(m->layers[i].media_type)) {
			spawn_fail(e, "%s: layer %s has media type '%s', not a layer's", what,
				   m->layers[i].digest, m->layers[i].media_type);
			manifest_free(m);
			return -1;
		}
	}
	m->nlayers = json_array_size(layers);
	m->root = json_incref(root);
	return 0;
}

void manifest_free(struct manifest *m)
{
	free(m->layers);
	json_decref(m->root);
	memset(m, 0, sizeof(*m));
}

/* Go's names for the machine (GOARCH), which images use. */
static const char *machine_arch(const char *m, const char **variant)
{
	static const struct {
		const char *uname, *arch, *variant;
	} map[] = {
	    {"x86_64", "amd64", ""},	{"aarch64", "arm64", "v8"}, {"armv7l", "arm", "v7"},
	    {"armv6l", "arm", "v6"},	{"i686", "386", ""},	    {"i386", "386", ""},
	    {"ppc64le", "ppc64le", ""}, {"s390x", "s390x", ""},	    {"riscv64", "riscv64", ""},
	};

	*variant = "";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(m, map[i].uname) == 0) {
			*variant = map[i].variant;
			return map[i].arch;
		}
	return m;
}

void platform_default(char *out, size_t len)
{
	struct utsname u;
	const char *variant, *arch;

	if (uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "x86_64");
	arch = machine_arch(u.machine, &variant);
	snprintf(out, len, "linux/%s%s%s", arch, *variant ? "/" : "", variant);
}

static bool platform_matches(const json_t *p, const char *os, const char *arch, const char *variant,
			     bool exact)
{
	const char *pv = json_str(p, "variant");

	if (!json_str(p, "os") || strcmp(json_str(p, "os"), os) != 0)
		return false;
	if (!json_str(p, "architecture") || strcmp(json_str(p, "architecture"), arch) != 0)
		return false;
	if (!exact || !*variant)
		return true;
	return pv && strcmp(pv, variant) == 0;
}

int index_pick(const json_t *idx, const char *platform, struct descriptor *out, const char *what,
	       struct spawn_error *e)
{
	char want[128], *arch, *variant;
	json_t *list = json_object_get(idx, "manifests"), *m;
	size_t i;

	if (platform)
		snprintf(want, sizeof(want), "%s", platform);
	else
		platform_default(want, sizeof(want));
	arch = strchr(want, '/');
	if (!arch || !arch[1])
		return spawn_fail(e, "platform '%s': expected OS/ARCH[/VARIANT]", want);
	*arch++ = '\0';
	variant = strchr(arch, '/');
	if (variant)
		*variant++ = '\0';
	else
		variant = "";
	if (!json_is_array(list))
		return spawn_fail(e, "%s: an index without a manifests array", what);
	/* An exact variant first, then any variant of the architecture (an
	 * arm64 image often says nothing of v8). */
	for (int exact = 1; exact >= 0; exact--)
		json_array_foreach(list, i, m)
		{
			if (!platform_matches(json_object_get(m, "platform"), want, arch, variant,
					      exact))
				continue;
			if (descriptor_parse(m, out, what, e) < 0)
				return -1;
			return 0;
		}
	return spawn_fail(e, "%s: no image for platform %s/%s%s%s", what, want, arch,
			  *variant ? "/" : "", variant);
}

int config_diff_ids(const json_t *cfg, const char ***ids, size_t *n, const char *what,
		    struct spawn_error *e)
{
	json_t *arr = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), *d;
	size_t i;

	*ids = NULL;
	if (!json_is_array(arr))
		return spawn_fail(e, "%s: config has no rootfs.diff_ids", what);
	*n = json_array_size(arr);
	*ids = calloc(*n + 1, sizeof(**ids));
	if (!*ids)
		return spawn_fail_errno(e, "calloc");
	json_array_foreach(arr, i, d)
	{
		(*ids)[i] = json_string_value(d);
		if (!digest_valid((*ids)[i])) {
			free(*ids);
			*ids = NULL;
			return spawn_fail(e, "%s: diff_id %zu is not a sha256 digest", what, i);
		}
	}
	return 0;
}

static int dup_str(const json_t *obj, const char *key, char **out, struct spawn_error *e)
{
	const char *s = json_str(obj, key);

	*out = NULL;
	if (s && *s && !(*out = strdup(s)))
		return spawn_fail_errno(e, "strdup");
	return 0;
}

static int labels_parse(const json_t *obj, struct image_config *c, struct spawn_error *e)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return 0;
	c->labels = calloc(json_object_size(obj) + 1, sizeof(*c->labels));
	if (!c->labels)
		return spawn_fail_errno(e, "calloc");
	json_object_foreach((json_t *)obj, key, v)
	{
		struct image_label *l = &c->labels[c->nlabels];
		l->key = strdup(key);
		l->value = strdup(json_is_string(v) ? json_string_value(v) : "");
		c->nlabels++;
		if (!l->key || !l->value)
			return spawn_fail_errno(e, "strdup");
	}
	return 0;
}

int config_parse(const json_t *cfg, struct image_config *c, struct spawn_error *e)
{
	const json_t *cc = json_object_get(cfg, "config");

	memset(c, 0, sizeof(*c));
	if (dup_str(cfg, "os", &c->os, e) < 0 ||
	    dup_str(cfg, "architecture", &c->architecture, e) < 0)
		goto fail;
	if (!cc || json_is_null(cc))
		return 0;
	if (!json_is_object(cc)) {
		spawn_fail(e, "image config: \"config\" is not an object");
		goto fail;
	}
	if (json_strv(json_object_get(cc, "Entrypoint"), &c->entrypoint, "config Entrypoint", e) <
		0 ||
	    json_strv(json_object_get(cc, "Cmd"), &c->cmd, "config Cmd", e) < 0 ||
	    json_strv(json_object_get(cc, "Env"), &c->env, "config Env", e) < 0 ||
	    dup_str(cc, "User", &c->user, e) < 0 ||
	    dup_str(cc, "WorkingDir", &c->working_dir, e) < 0 ||
	    dup_str(cc, "StopSignal", &c->stop_signal, e) < 0 ||
	    json_keys(json_object_get(cc, "ExposedPorts"), &c->exposed_ports, e) < 0 ||
	    json_keys(json_object_get(cc, "Volumes"), &c->volumes, e) < 0 ||
	    labels_parse(json_object_get(cc, "Labels"), c, e) < 0)
		goto fail;
	return 0;
fail:
	config_free(c);
	return -1;
}

void config_free(struct image_config *c)
{
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->env);
	strv_free(c->exposed_ports);
	strv_free(c->volumes);
	free(c->user);
	free(c->working_dir);
	free(c->stop_signal);
	free(c->os);
	free(c->architecture);
	for (size_t i = 0; i < c->nlabels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	memset(c, 0, sizeof(*c));
}
