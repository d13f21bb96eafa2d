/* The two other documents of the spec: the state of a container (what
 * `state ID` prints and hooks read on stdin) and the features of this
 * runtime (`features`), the latter made from the support table. */
#include "oci/internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    [OCI_STATUS_CREATING] = "creating",
    [OCI_STATUS_CREATED] = "created",
    [OCI_STATUS_RUNNING] = "running",
    [OCI_STATUS_STOPPED] = "stopped",
};

static const struct oci_name statuses[] = {
    {"creating", OCI_STATUS_CREATING},
    {"created", OCI_STATUS_CREATED},
    {"running", OCI_STATUS_RUNNING},
    {"stopped", OCI_STATUS_STOPPED},
    {NULL, 0},
};

const char *oci_status_name(enum oci_status s)
{
	return (unsigned)s <= OCI_STATUS_STOPPED ? status_names[s] : NULL;
}

/* jansson's own calls, with a failure remembered in *bad. */
static void set(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*bad = true;
}

static void append(json_t *a, json_t *v, bool *bad)
{
	if (!v || json_array_append_new(a, v) < 0)
		*bad = true;
}

static char *dump(json_t *doc, bool bad)
{
	char *text = bad || !doc ? NULL : oci_json_dump(doc);

	json_decref(doc);
	return text;
}

static json_t *map_json(const struct oci_map *m, bool *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = true;
		return NULL;
	}
	for (size_t i = 0; i < m->n; i++)
		set(o, m->v[i].key, json_string(m->v[i].value), bad);
	return o;
}

char *oci_state_write(const struct oci_state *s)
{
	json_t *doc = json_object();
	bool bad = !doc;

	if (doc) {
		set(doc, "ociVersion", json_string(s->oci_version ? s->oci_version : OCI_VERSION),
		    &bad);
		set(doc, "id", json_string(s->id ? s->id : ""), &bad);
		set(doc, "status", json_string(oci_status_name(s->status)), &bad);
		if (s->pid > 0)
			set(doc, "pid", json_integer(s->pid), &bad);
		set(doc, "bundle", json_string(s->bundle ? s->bundle : ""), &bad);
		if (s->annotations.n)
			set(doc, "annotations", map_json(&s->annotations, &bad), &bad);
	}
	return dump(doc, bad);
}

int oci_state_parse(const char *text, size_t len, struct oci_state *out, struct oci_messages *msgs)
{
	unsigned before = msgs->errors;
	json_t *doc;
	struct rd r;
	long status = 0;
	int64_t pid = 0;
	int errors;

	memset(out, 0, sizeof(*out));
	if (!(doc = oci_json_load(text, len, msgs)))
		return (int)(msgs->errors - before);
	rd_begin(&r, msgs, 0);
	/* the spec allows more properties in a state: none is checked */
	rd_string(&r, doc, "ociVersion", true, &out->oci_version);
	rd_string(&r, doc, "id", true, &out->id);
	if (rd_named(&r, doc, "status", true, statuses, "creating, created, running or stopped",
		     &status))
		out->status = (enum oci_status)status;
	if (rd_int(&r, doc, "pid", false, 0, INT_MAX, &pid))
		out->pid = (pid_t)pid;
	rd_string(&r, doc, "bundle", true, &out->bundle);
	rd_map(&r, doc, "annotations", &out->annotations);
	json_decref(doc);
	errors = rd_end(&r, before);
	if (errors)
		oci_state_free(out);
	return errors;
}

void oci_state_free(struct oci_state *s)
{
	free(s->oci_version);
	free(s->id);
	free(s->bundle);
	oci_map_free(&s->annotations);
	memset(s, 0, sizeof(*s));
}

/* ---- features ------------------------------------------------------------ */

static bool supported(const char *parent, const char *name)
{
	const struct oci_field *f = oci_field_find(parent, name);

	return !f || f->support == OCI_SUPPORTED;
}

/* The names of t that the support table does not refuse under parent. */
static json_t *names_json(const struct oci_name *t, const char *parent, bool *bad)
{
	json_t *a = json_array();

	if (!a) {
		*bad = true;
		return NULL;
	}
	for (; t->name; t++)
		if (!parent || supported(parent, t->name))
			append(a, json_string(t->name), bad);
	return a;
}

static json_t *enabled(bool on, bool *bad)
{
	json_t *o = json_object();

	if (!o)
		*bad = true;
	else
		set(o, "enabled", json_boolean(on), bad);
	return o;
}

static json_t *seccomp_features(bool *bad)
{
	json_t *o = json_object();

	if (!o) {
		*bad = true;
		return NULL;
	}
	set(o, "enabled", json_boolean(supported("linux", "seccomp")), bad);
	set(o, "actions", names_json(oci_seccomp_actions, "SeccompAction", bad), bad);
	set(o, "operators", names_json(oci_seccomp_ops, NULL, bad), bad);
	set(o, "archs", names_json(oci_seccomp_archs, NULL, bad), bad);
	set(o, "knownFlags", names_json(oci_seccomp_flags, NULL, bad), bad);
	set(o, "supportedFlags", names_json(oci_seccomp_flags, "linux.seccomp.flags", bad), bad);
	return o;
}

static json_t *linux_features(bool *bad)
{
	json_t *o = json_object(), *a, *cg;

	if (!o) {
		*bad = true;
		return NULL;
	}
	if ((a = json_array())) {
		for (int t = 0; t < OCI_NS_COUNT; t++)
			if (supported("linux.namespaces[].type", oci_ns_name((enum oci_ns_type)t)))
				append(a, json_string(oci_ns_name((enum oci_ns_type)t)), bad);
	}
	set(o, "namespaces", a, bad);
	if ((a = json_array()))
		for (int c = 0; c <= oci_cap_last(); c++)
			append(a, json_string(oci_cap_name(c)), bad);
	set(o, "capabilities", a, bad);
	if ((cg = json_object())) {
		set(cg, "v1", json_true(), bad);
		set(cg, "v2", json_true(), bad);
		set(cg, "systemd", json_false(), bad);
		set(cg, "systemdUser", json_false(), bad);
		set(cg, "rdma", json_boolean(supported("linux.resources", "rdma")), bad);
	}
	set(o, "cgroup", cg, bad);
	set(o, "seccomp", seccomp_features(bad), bad);
	set(o, "apparmor", enabled(supported("process", "apparmorProfile"), bad), bad);
	set(o, "selinux", enabled(supported("process", "selinuxLabel"), bad), bad);
	set(o, "intelRdt", enabled(supported("linux", "intelRdt"), bad), bad);
	return o;
}

char *oci_features_write(const struct oci_map *annotations)
{
	json_t *doc = json_object(), *a;
	bool bad = !doc;

	if (!doc)
		return NULL;
	set(doc, "ociVersionMin", json_string(OCI_VERSION_MIN), &bad);
	set(doc, "ociVersionMax", json_string(OCI_VERSION_MAX), &bad);
	if ((a = json_array()))
		for (int k = 0; k < OCI_HOOK_COUNT; k++)
			if (supported("hooks", oci_hook_name((enum oci_hook_kind)k)))
				append(a, json_string(oci_hook_name((enum oci_hook_kind)k)), &bad);
	set(doc, "hooks", a, &bad);
	if ((a = json_array()))
		for (size_t i = 0; oci_mount_option_name(i); i++)
			append(a, json_string(oci_mount_option_name(i)), &bad);
	set(doc, "mountOptions", a, &bad);
	set(doc, "linux", linux_features(&bad), &bad);
	if (annotations && annotations->n)
		set(doc, "annotations", map_json(annotations, &bad), &bad);
	return dump(doc, bad);
}
