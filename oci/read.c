/* config.json into struct oci_config: the types and ranges of each field.
 * What the spec requires across fields is check.c's. An entry of an array
 * that has an error is left out, so that the checks see only whole ones. */
#include "oci/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether nothing was said since `before` errors. */
static bool clean(const struct rd *r, unsigned before)
{
	return r->msgs->errors == before;
}

static bool rd_u32(struct rd *r, const json_t *o, const char *key, bool required, uint32_t *out)
{
	uint64_t v;

	if (!rd_uint(r, o, key, required, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool rd_bool_required(struct rd *r, const json_t *o, const char *key, bool *out)
{
	if (!rd_field(o, key)) {
		rd_missing(r, key);
		return false;
	}
	return rd_bool(r, o, key, out);
}

/* A one-letter string among letters ("cbup"). */
static bool rd_letter(struct rd *r, const json_t *o, const char *key, bool required,
		      const char *letters, const char *what, char *out)
{
	json_t *v = rd_field(o, key);
	struct rd_mark m;

	if (!v) {
		if (required)
			rd_missing(r, key);
		return false;
	}
	m = rd_key(r, key);
	if (!json_is_string(v) || json_string_length(v) != 1 ||
	    !strchr(letters, json_string_value(v)[0])) {
		rd_expected(r, what, v);
		rd_pop(r, m);
		return false;
	}
	*out = json_string_value(v)[0];
	rd_pop(r, m);
	return true;
}

/* Each entry of the array at key: the position is on it, with the
 * definition def entered when given; add(r, v, i, ctx) reads it. */
typedef bool (*entry_fn)(struct rd *r, const json_t *v, size_t i, void *ctx);

static void each_entry(struct rd *r, const json_t *o, const char *key, const char *def,
		       bool objects, entry_fn add, void *ctx)
{
	struct rd_mark m;
	json_t *a = rd_array(r, o, key, &m), *v;
	size_t i;

	if (!a)
		return;
	json_array_foreach(a, i, v)
	{
		struct rd_mark e = rd_index(r, i);
		if (def)
			rd_def(r, def);
		if (!objects || rd_fields(r, v))
			add(r, v, i, ctx);
		rd_pop(r, e);
	}
	rd_pop(r, m);
}

/* Room for the entries of the array at key, or NULL (also when empty). */
static void *room(struct rd *r, const json_t *o, const char *key, size_t size)
{
	json_t *a = rd_field(o, key);

	return json_is_array(a) && json_array_size(a) <= OCI_MAX_ITEMS
		   ? rd_alloc(r, json_array_size(a), size)
		   : NULL;
}

/* ---- id mappings --------------------------------------------------------- */

static bool add_mapping(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_id_mappings *out = ctx;
	struct oci_id_mapping mp = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_u32(r, v, "containerID", true, &mp.container_id);
	rd_u32(r, v, "hostID", true, &mp.host_id);
	rd_u32(r, v, "size", true, &mp.size);
	if (!clean(r, before) || !out->v)
		return false;
	out->v[out->n++] = mp;
	return true;
}

static void read_mappings(struct rd *r, const json_t *o, const char *key,
			  struct oci_id_mappings *out)
{
	out->v = room(r, o, key, sizeof(*out->v));
	each_entry(r, o, key, "IDMapping", true, add_mapping, out);
}

/* ---- process ------------------------------------------------------------- */

static void read_user(struct rd *r, const json_t *p, struct oci_user *u)
{
	struct rd_mark m, in;
	json_t *o = rd_object(r, p, "user", &m), *a, *v;
	size_t i;

	if (!o)
		return;
	rd_u32(r, o, "uid", true, &u->uid);
	rd_u32(r, o, "gid", true, &u->gid);
	rd_opt_uint(r, o, "umask", 0777, &u->umask);
	if ((a = rd_array(r, o, "additionalGids", &in))) {
		u->additional_gids = rd_alloc(r, json_array_size(a), sizeof(uint32_t));
		json_array_foreach(a, i, v)
		{
			struct rd_mark e = rd_index(r, i);
			uint64_t g;
			if (rd_uint_value(r, v, UINT32_MAX, &g) && u->additional_gids)
				u->additional_gids[u->n_additional_gids++] = (uint32_t)g;
			rd_pop(r, e);
		}
		rd_pop(r, in);
	}
	rd_pop(r, m);
}

/* The names of a capability set; unknown ones are warnings, as the spec
 * asks (a capability not granted leaves the container more confined). */
static void read_cap_set(struct rd *r, const json_t *o, const char *key, uint64_t *set)
{
	struct rd_mark m;
	json_t *a = rd_array(r, o, key, &m), *v;
	size_t i;

	if (!a)
		return;
	json_array_foreach(a, i, v)
	{
		struct rd_mark e = rd_index(r, i);
		char show[128];
		int cap;
		if (!json_is_string(v) || oci_json_is_big(v))
			rd_expected(r, "a capability name", v);
		else if ((cap = oci_cap_from_name(json_string_value(v))) < 0)
			rd_warn(r, "unknown capability %s, not granted",
				oci_show(show, sizeof(show), json_string_value(v)));
		else
			*set |= UINT64_C(1) << cap;
		rd_pop(r, e);
	}
	rd_pop(r, m);
}

static void read_capabilities(struct rd *r, const json_t *p, struct oci_capabilities *c)
{
	struct rd_mark m;
	json_t *o = rd_object(r, p, "capabilities", &m);

	if (!o)
		return;
	c->present = true;
	read_cap_set(r, o, "bounding", &c->bounding);
	read_cap_set(r, o, "effective", &c->effective);
	read_cap_set(r, o, "inheritable", &c->inheritable);
	read_cap_set(r, o, "permitted", &c->permitted);
	read_cap_set(r, o, "ambient", &c->ambient);
	rd_pop(r, m);
}

static bool add_rlimit(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_process *p = ctx;
	struct oci_rlimit rl = {0};
	unsigned before = r->msgs->errors;
	long res = 0;

	(void)i;
	rd_named(r, v, "type", true, oci_rlimits, "a resource of getrlimit(2) (RLIMIT_NOFILE, ...)",
		 &res);
	rd_uint(r, v, "soft", true, UINT64_MAX, &rl.soft);
	rd_uint(r, v, "hard", true, UINT64_MAX, &rl.hard);
	if (!clean(r, before) || !p->rlimits)
		return false;
	rl.resource = (int)res;
	p->rlimits[p->n_rlimits++] = rl;
	return true;
}

/* Flags named in an array, or'ed into *mask. */
static void read_flag_names(struct rd *r, const json_t *o, const char *key,
			    const struct oci_name *t, const char *what, uint64_t *mask)
{
	struct rd_mark m;
	json_t *a = rd_array(r, o, key, &m), *v;
	size_t i;

	if (!a)
		return;
	json_array_foreach(a, i, v)
	{
		struct rd_mark e = rd_index(r, i);
		long f;
		if (!json_is_string(v) || !oci_name_value(t, json_string_value(v), &f))
			rd_expected(r, what, v);
		else
			*mask |= (uint64_t)f;
		rd_pop(r, e);
	}
	rd_pop(r, m);
}

static void read_scheduler(struct rd *r, const json_t *p, struct oci_scheduler *s)
{
	struct rd_mark m;
	json_t *o = rd_object(r, p, "scheduler", &m);
	int64_t n;
	long policy;

	if (!o)
		return;
	s->present = true;
	if (rd_named(r, o, "policy", true, oci_sched_policies, "a policy (SCHED_OTHER, ...)",
		     &policy))
		s->policy = (int)policy;
	if (rd_int(r, o, "nice", false, -20, 19, &n))
		s->nice = (int32_t)n;
	if (rd_int(r, o, "priority", false, INT32_MIN, INT32_MAX, &n))
		s->priority = (int32_t)n;
	read_flag_names(r, o, "flags", oci_sched_flags, "a flag (SCHED_FLAG_RESET_ON_FORK, ...)",
			&s->flags);
	rd_uint(r, o, "runtime", false, UINT64_MAX, &s->runtime);
	rd_uint(r, o, "deadline", false, UINT64_MAX, &s->deadline);
	rd_uint(r, o, "period", false, UINT64_MAX, &s->period);
	rd_pop(r, m);
}

static void read_io_priority(struct rd *r, const json_t *p, struct oci_io_priority *io)
{
	struct rd_mark m;
	json_t *o = rd_object(r, p, "ioPriority", &m);
	long klass;
	int64_t n;

	if (!o)
		return;
	io->present = true;
	if (rd_named(r, o, "class", true, oci_ioprio_classes, "a class (IOPRIO_CLASS_BE, ...)",
		     &klass))
		io->klass = (int)klass;
	if (rd_int(r, o, "priority", false, 0, 7, &n))
		io->priority = (int32_t)n;
	rd_pop(r, m);
}

static void read_console_size(struct rd *r, const json_t *p, struct oci_process *proc)
{
	struct rd_mark m;
	json_t *o = rd_object(r, p, "consoleSize", &m);
	uint64_t h, w;

	if (!o)
		return;
	/* both are read, and both said when wrong */
	bool height = rd_uint(r, o, "height", true, USHRT_MAX, &h);
	bool width = rd_uint(r, o, "width", true, USHRT_MAX, &w);
	if (height && width) {
		proc->console_size.present = true;
		proc->console_size.height = (unsigned short)h;
		proc->console_size.width = (unsigned short)w;
	}
	rd_pop(r, m);
}

void oci_read_process(struct rd *r, const json_t *o, struct oci_process *p)
{
	p->present = true;
	rd_bool(r, o, "terminal", &p->terminal);
	read_console_size(r, o, p);
	read_user(r, o, &p->user);
	rd_strings(r, o, "args", &p->args);
	rd_strings(r, o, "env", &p->env);
	rd_string(r, o, "cwd", true, &p->cwd);
	read_capabilities(r, o, &p->capabilities);
	p->rlimits = room(r, o, "rlimits", sizeof(*p->rlimits));
	each_entry(r, o, "rlimits", NULL, true, add_rlimit, p);
	rd_bool(r, o, "noNewPrivileges", &p->no_new_privileges);
	rd_opt_int(r, o, "oomScoreAdj", -1000, 1000, &p->oom_score_adj);
	rd_string(r, o, "apparmorProfile", false, &p->apparmor_profile);
	rd_string(r, o, "selinuxLabel", false, &p->selinux_label);
	read_scheduler(r, o, &p->scheduler);
	read_io_priority(r, o, &p->io_priority);
}

/* ---- mounts and hooks ---------------------------------------------------- */

static bool add_mount(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_config *c = ctx;
	struct oci_mount mt = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_string(r, v, "destination", true, &mt.destination);
	rd_string(r, v, "type", false, &mt.type);
	rd_string(r, v, "source", false, &mt.source);
	rd_strings(r, v, "options", &mt.options);
	read_mappings(r, v, "uidMappings", &mt.uid_mappings);
	read_mappings(r, v, "gidMappings", &mt.gid_mappings);
	if (!clean(r, before) || !c->mounts) {
		oci_mount_free(&mt);
		return false;
	}
	c->mounts[c->n_mounts++] = mt;
	return true;
}

static bool add_hook(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_hook_list *l = ctx;
	struct oci_hook h = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_string(r, v, "path", true, &h.path);
	rd_strings(r, v, "args", &h.args);
	rd_strings(r, v, "env", &h.env);
	rd_opt_int(r, v, "timeout", 1, INT32_MAX, &h.timeout);
	if (!clean(r, before) || !l->v) {
		free(h.path);
		oci_strv_free(&h.args);
		oci_strv_free(&h.env);
		return false;
	}
	l->v[l->n++] = h;
	return true;
}

static void read_hooks(struct rd *r, const json_t *doc, struct oci_config *c)
{
	struct rd_mark m;
	json_t *o = rd_object(r, doc, "hooks", &m);

	if (!o)
		return;
	for (int k = 0; k < OCI_HOOK_COUNT; k++) {
		const char *name = oci_hook_name((enum oci_hook_kind)k);
		c->hooks[k].v = room(r, o, name, sizeof(struct oci_hook));
		each_entry(r, o, name, "Hook", true, add_hook, &c->hooks[k]);
	}
	rd_pop(r, m);
}

/* ---- linux --------------------------------------------------------------- */

static bool add_namespace(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_linux *l = ctx;
	struct oci_namespace ns = {0};
	unsigned before = r->msgs->errors;
	json_t *t = rd_field(v, "type");
	struct rd_mark m;

	(void)i;
	if (!t) {
		rd_missing(r, "type");
	} else {
		m = rd_key(r, "type");
		if (!json_is_string(t) || !oci_ns_from_name(json_string_value(t), &ns.type))
			rd_expected(r,
				    "a namespace type (pid, network, mount, ipc, uts, user, "
				    "cgroup or time)",
				    t);
		rd_pop(r, m);
	}
	rd_string(r, v, "path", false, &ns.path);
	if (!clean(r, before) || !l->namespaces) {
		free(ns.path);
		return false;
	}
	ns.clone_flag = oci_ns_clone_flag(ns.type);
	l->namespaces[l->n_namespaces++] = ns;
	return true;
}

static bool add_device(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_linux *l = ctx;
	struct oci_device d = {0};
	unsigned before = r->msgs->errors;
	int64_t n;

	(void)i;
	rd_letter(r, v, "type", true, "cbup", "c, b, u or p", &d.type);
	rd_string(r, v, "path", true, &d.path);
	/* the kernel's dev_t: 12 bits of major, 20 of minor */
	if (rd_int(r, v, "major", false, 0, 4095, &n))
		d.major = (uint32_t)n;
	else if (d.type && d.type != 'p' && !rd_field(v, "major"))
		rd_missing(r, "major");
	if (rd_int(r, v, "minor", false, 0, 1048575, &n))
		d.minor = (uint32_t)n;
	else if (d.type && d.type != 'p' && !rd_field(v, "minor"))
		rd_missing(r, "minor");
	rd_opt_uint(r, v, "fileMode", 07777, &d.file_mode);
	rd_opt_uint(r, v, "uid", UINT32_MAX, &d.uid);
	rd_opt_uint(r, v, "gid", UINT32_MAX, &d.gid);
	if (!clean(r, before) || !l->devices) {
		free(d.path);
		return false;
	}
	d.kind = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
	l->devices[l->n_devices++] = d;
	return true;
}

static bool add_device_rule(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_resources *res = ctx;
	struct oci_device_rule d = {.type = 'a', .major = -1, .minor = -1};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_bool_required(r, v, "allow", &d.allow);
	rd_letter(r, v, "type", false, "acb", "a, c or b", &d.type);
	rd_int(r, v, "major", false, -1, INT64_MAX, &d.major);
	rd_int(r, v, "minor", false, -1, INT64_MAX, &d.minor);
	rd_string(r, v, "access", false, &d.access);
	if (!clean(r, before) || !res->devices) {
		free(d.access);
		return false;
	}
	res->devices[res->n_devices++] = d;
	return true;
}

static void read_memory(struct rd *r, const json_t *res, struct oci_memory *mem)
{
	struct rd_mark m;
	json_t *o = rd_object(r, res, "memory", &m);

	if (!o)
		return;
	mem->present = true;
	rd_opt_int(r, o, "limit", -1, INT64_MAX, &mem->limit);
	rd_opt_int(r, o, "reservation", -1, INT64_MAX, &mem->reservation);
	rd_opt_int(r, o, "swap", -1, INT64_MAX, &mem->swap);
	rd_opt_int(r, o, "kernel", -1, INT64_MAX, &mem->kernel);
	rd_opt_int(r, o, "kernelTCP", -1, INT64_MAX, &mem->kernel_tcp);
	rd_opt_uint(r, o, "swappiness", 100, &mem->swappiness);
	rd_bool(r, o, "disableOOMKiller", &mem->disable_oom_killer);
	rd_opt_bool(r, o, "useHierarchy", &mem->use_hierarchy);
	rd_opt_bool(r, o, "checkBeforeUpdate", &mem->check_before_update);
	rd_pop(r, m);
}

static void read_cpu(struct rd *r, const json_t *res, struct oci_cpu *cpu)
{
	struct rd_mark m;
	json_t *o = rd_object(r, res, "cpu", &m);

	if (!o)
		return;
	cpu->present = true;
	rd_opt_uint(r, o, "shares", UINT64_MAX, &cpu->shares);
	rd_opt_int(r, o, "quota", -1, INT64_MAX, &cpu->quota);
	rd_opt_uint(r, o, "burst", UINT64_MAX, &cpu->burst);
	rd_opt_uint(r, o, "period", UINT64_MAX, &cpu->period);
	rd_opt_int(r, o, "realtimeRuntime", -1, INT64_MAX, &cpu->realtime_runtime);
	rd_opt_uint(r, o, "realtimePeriod", UINT64_MAX, &cpu->realtime_period);
	rd_string(r, o, "cpus", false, &cpu->cpus);
	rd_string(r, o, "mems", false, &cpu->mems);
	rd_opt_int(r, o, "idle", 0, 1, &cpu->idle);
	rd_pop(r, m);
}

static void read_pids(struct rd *r, const json_t *res, struct oci_resources *out)
{
	struct rd_mark m;
	json_t *o = rd_object(r, res, "pids", &m);

	if (!o)
		return;
	out->pids.present = rd_int(r, o, "limit", true, -1, INT64_MAX, &out->pids.limit);
	rd_pop(r, m);
}

static bool add_hugepage(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_resources *res = ctx;
	struct oci_hugepage_limit h = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_string(r, v, "pageSize", true, &h.page_size);
	rd_uint(r, v, "limit", true, UINT64_MAX, &h.limit);
	if (!clean(r, before) || !res->hugepage_limits) {
		free(h.page_size);
		return false;
	}
	res->hugepage_limits[res->n_hugepage_limits++] = h;
	return true;
}

static bool add_weight_device(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_block_io *b = ctx;
	struct oci_weight_device w = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_int(r, v, "major", true, 0, INT64_MAX, &w.major);
	rd_int(r, v, "minor", true, 0, INT64_MAX, &w.minor);
	rd_opt_uint(r, v, "weight", UINT16_MAX, &w.weight);
	rd_opt_uint(r, v, "leafWeight", UINT16_MAX, &w.leaf_weight);
	if (!w.weight.set && !w.leaf_weight.set && clean(r, before))
		rd_error(r, "needs weight or leafWeight");
	if (!clean(r, before) || !b->weight_device)
		return false;
	b->weight_device[b->n_weight_device++] = w;
	return true;
}

static bool add_throttle(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_throttle_list *l = ctx;
	struct oci_throttle_device t = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_int(r, v, "major", true, 0, INT64_MAX, &t.major);
	rd_int(r, v, "minor", true, 0, INT64_MAX, &t.minor);
	rd_uint(r, v, "rate", true, UINT64_MAX, &t.rate);
	if (!clean(r, before) || !l->v)
		return false;
	l->v[l->n++] = t;
	return true;
}

static void read_throttles(struct rd *r, const json_t *o, const char *key,
			   struct oci_throttle_list *l)
{
	l->v = room(r, o, key, sizeof(*l->v));
	each_entry(r, o, key, "blockIODeviceThrottle", true, add_throttle, l);
}

static void read_block_io(struct rd *r, const json_t *res, struct oci_block_io *b)
{
	struct rd_mark m;
	json_t *o = rd_object(r, res, "blockIO", &m);

	if (!o)
		return;
	b->present = true;
	rd_opt_uint(r, o, "weight", UINT16_MAX, &b->weight);
	rd_opt_uint(r, o, "leafWeight", UINT16_MAX, &b->leaf_weight);
	b->weight_device = room(r, o, "weightDevice", sizeof(*b->weight_device));
	each_entry(r, o, "weightDevice", NULL, true, add_weight_device, b);
	read_throttles(r, o, "throttleReadBpsDevice", &b->read_bps);
	read_throttles(r, o, "throttleWriteBpsDevice", &b->write_bps);
	read_throttles(r, o, "throttleReadIOPSDevice", &b->read_iops);
	read_throttles(r, o, "throttleWriteIOPSDevice", &b->write_iops);
	rd_pop(r, m);
}

static bool add_priority(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_network *n = ctx;
	struct oci_net_priority p = {0};
	unsigned before = r->msgs->errors;

	(void)i;
	rd_string(r, v, "name", true, &p.name);
	rd_u32(r, v, "priority", true, &p.priority);
	if (!clean(r, before) || !n->priorities) {
		free(p.name);
		return false;
	}
	n->priorities[n->n_priorities++] = p;
	return true;
}

static void read_network(struct rd *r, const json_t *res, struct oci_network *n)
{
	struct rd_mark m;
	json_t *o = rd_object(r, res, "network", &m);

	if (!o)
		return;
	n->present = true;
	rd_opt_uint(r, o, "classID", UINT32_MAX, &n->class_id);
	n->priorities = room(r, o, "priorities", sizeof(*n->priorities));
	each_entry(r, o, "priorities", NULL, true, add_priority, n);
	rd_pop(r, m);
}

static void read_rdma(struct rd *r, const json_t *res, struct oci_resources *out)
{
	struct rd_mark m;
	json_t *o = rd_field(res, "rdma"), *v;
	const char *dev;

	if (!o)
		return;
	m = rd_key(r, "rdma");
	if (!json_is_object(o)) {
		rd_expected(r, "an object", o);
		rd_pop(r, m);
		return;
	}
	out->rdma = rd_alloc(r, json_object_size(o), sizeof(*out->rdma));
	json_object_foreach(o, dev, v)
	{
		struct rd_mark e = rd_entry(r, dev);
		struct oci_rdma_limit l = {0};
		unsigned before = r->msgs->errors;
		if (rd_fields(r, v)) {
			rd_opt_uint(r, v, "hcaHandles", UINT32_MAX, &l.hca_handles);
			rd_opt_uint(r, v, "hcaObjects", UINT32_MAX, &l.hca_objects);
			if (!l.hca_handles.set && !l.hca_objects.set && clean(r, before))
				rd_error(r, "needs hcaHandles or hcaObjects");
		}
		if (clean(r, before) && out->rdma && (l.device = rd_strdup(r, dev)))
			out->rdma[out->n_rdma++] = l;
		rd_pop(r, e);
	}
	rd_pop(r, m);
}

static void read_resources(struct rd *r, const json_t *lx, struct oci_resources *res)
{
	struct rd_mark m;
	json_t *o = rd_object(r, lx, "resources", &m);

	if (!o)
		return;
	res->present = true;
	res->devices = room(r, o, "devices", sizeof(*res->devices));
	each_entry(r, o, "devices", NULL, true, add_device_rule, res);
	read_memory(r, o, &res->memory);
	read_cpu(r, o, &res->cpu);
	read_pids(r, o, res);
	res->hugepage_limits = room(r, o, "hugepageLimits", sizeof(*res->hugepage_limits));
	each_entry(r, o, "hugepageLimits", NULL, true, add_hugepage, res);
	read_block_io(r, o, &res->block_io);
	read_network(r, o, &res->network);
	read_rdma(r, o, res);
	rd_map(r, o, "unified", &res->unified);
	rd_pop(r, m);
}

static bool add_arch(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_seccomp *s = ctx;
	long a;

	(void)i;
	if (!json_is_string(v) || !oci_name_value(oci_seccomp_archs, json_string_value(v), &a)) {
		rd_expected(r, "an architecture (SCMP_ARCH_X86_64, ...)", v);
		return false;
	}
	if (s->architectures)
		s->architectures[s->n_architectures++] = (uint32_t)a;
	return true;
}

static bool add_seccomp_arg(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_syscall *sc = ctx;
	struct oci_seccomp_arg a = {0};
	unsigned before = r->msgs->errors;
	uint64_t idx = 0;
	long op = 0;

	(void)i;
	rd_uint(r, v, "index", true, 5, &idx);
	rd_uint(r, v, "value", true, UINT64_MAX, &a.value);
	rd_uint(r, v, "valueTwo", false, UINT64_MAX, &a.value_two);
	rd_named(r, v, "op", true, oci_seccomp_ops, "an operator (SCMP_CMP_EQ, ...)", &op);
	if (!clean(r, before) || !sc->args)
		return false;
	a.index = (unsigned)idx;
	a.op = (int)op;
	sc->args[sc->n_args++] = a;
	return true;
}

#define ACTION_WHAT "an action (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...)"

static bool add_syscall(struct rd *r, const json_t *v, size_t i, void *ctx)
{
	struct oci_seccomp *s = ctx;
	struct oci_syscall sc = {0};
	unsigned before = r->msgs->errors;
	long action = 0;

	(void)i;
	if (!rd_field(v, "names"))
		rd_missing(r, "names");
	rd_strings(r, v, "names", &sc.names);
	rd_named(r, v, "action", true, oci_seccomp_actions, ACTION_WHAT, &action);
	rd_opt_uint(r, v, "errnoRet", UINT32_MAX, &sc.errno_ret);
	sc.args = room(r, v, "args", sizeof(*sc.args));
	each_entry(r, v, "args", NULL, true, add_seccomp_arg, &sc);
	sc.action = (uint32_t)action;
	if (!clean(r, before) || !s->syscalls) {
		oci_strv_free(&sc.names);
		free(sc.args);
		return false;
	}
	s->syscalls[s->n_syscalls++] = sc;
	return true;
}

static void read_seccomp(struct rd *r, const json_t *lx, struct oci_seccomp *s)
{
	struct rd_mark m;
	json_t *o = rd_object(r, lx, "seccomp", &m);
	long action = 0;
	uint64_t flags = 0;

	if (!o)
		return;
	s->present = true;
	rd_named(r, o, "defaultAction", true, oci_seccomp_actions, ACTION_WHAT, &action);
	s->default_action = (uint32_t)action;
	rd_opt_uint(r, o, "defaultErrnoRet", UINT32_MAX, &s->default_errno_ret);
	s->architectures = room(r, o, "architectures", sizeof(*s->architectures));
	each_entry(r, o, "architectures", NULL, false, add_arch, s);
	read_flag_names(r, o, "flags", oci_seccomp_flags, "a flag (SECCOMP_FILTER_FLAG_LOG, ...)",
			&flags);
	s->flags = (unsigned)flags;
	rd_string(r, o, "listenerPath", false, &s->listener_path);
	rd_string(r, o, "listenerMetadata", false, &s->listener_metadata);
	s->syscalls = room(r, o, "syscalls", sizeof(*s->syscalls));
	each_entry(r, o, "syscalls", NULL, true, add_syscall, s);
	rd_pop(r, m);
}

static void read_intel_rdt(struct rd *r, const json_t *lx, struct oci_intel_rdt *rdt)
{
	struct rd_mark m;
	json_t *o = rd_object(r, lx, "intelRdt", &m);

	if (!o)
		return;
	rdt->present = true;
	rd_string(r, o, "closID", false, &rdt->clos_id);
	rd_string(r, o, "l3CacheSchema", false, &rdt->l3_cache_schema);
	rd_string(r, o, "memBwSchema", false, &rdt->mem_bw_schema);
	rd_bool(r, o, "enableCMT", &rdt->enable_cmt);
	rd_bool(r, o, "enableMBM", &rdt->enable_mbm);
	rd_pop(r, m);
}

static void read_personality(struct rd *r, const json_t *lx, struct oci_linux *l)
{
	struct rd_mark m, in;
	json_t *o = rd_object(r, lx, "personality", &m), *f;
	long domain;

	if (!o)
		return;
	if (rd_named(r, o, "domain", true, oci_personality_domains, "LINUX or LINUX32", &domain)) {
		l->personality.present = true;
		l->personality.domain = (unsigned long)domain;
	}
	/* the spec defines no flags yet */
	if ((f = rd_array(r, o, "flags", &in))) {
		if (json_array_size(f))
			rd_error(r, "expected no flags: runtime-spec 1.1 defines none");
		rd_pop(r, in);
	}
	rd_pop(r, m);
}

static void read_time_offset(struct rd *r, const json_t *o, const char *clock,
			     struct oci_time_offset *t)
{
	struct rd_mark m;
	json_t *v = rd_field(o, clock);
	uint64_t ns;

	if (!v)
		return;
	m = rd_key(r, clock);
	rd_def(r, "TimeOffset");
	if (rd_fields(r, v)) {
		t->present = true;
		rd_int(r, v, "secs", false, INT64_MIN, INT64_MAX, &t->secs);
		if (rd_uint(r, v, "nanosecs", false, 999999999, &ns))
			t->nanosecs = (uint32_t)ns;
	}
	rd_pop(r, m);
}

static void read_linux(struct rd *r, const json_t *doc, struct oci_linux *l)
{
	struct rd_mark m, in;
	json_t *o = rd_object(r, doc, "linux", &m), *t;
	long prop;

	if (!o)
		return;
	l->present = true;
	l->namespaces = room(r, o, "namespaces", sizeof(*l->namespaces));
	each_entry(r, o, "namespaces", NULL, true, add_namespace, l);
	read_mappings(r, o, "uidMappings", &l->uid_mappings);
	read_mappings(r, o, "gidMappings", &l->gid_mappings);
	l->devices = room(r, o, "devices", sizeof(*l->devices));
	each_entry(r, o, "devices", NULL, true, add_device, l);
	rd_string(r, o, "cgroupsPath", false, &l->cgroups_path);
	read_resources(r, o, &l->resources);
	rd_map(r, o, "sysctl", &l->sysctl);
	read_seccomp(r, o, &l->seccomp);
	rd_strings(r, o, "maskedPaths", &l->masked_paths);
	rd_strings(r, o, "readonlyPaths", &l->readonly_paths);
	if (rd_named(r, o, "rootfsPropagation", false, oci_propagations,
		     "shared, slave, private or unbindable (or an r-form)", &prop))
		l->rootfs_propagation = (unsigned long)prop;
	rd_string(r, o, "mountLabel", false, &l->mount_label);
	read_intel_rdt(r, o, &l->intel_rdt);
	read_personality(r, o, l);
	if ((t = rd_object(r, o, "timeOffsets", &in))) {
		read_time_offset(r, t, "boottime", &l->time_offsets.boottime);
		read_time_offset(r, t, "monotonic", &l->time_offsets.monotonic);
		rd_pop(r, in);
	}
	rd_pop(r, m);
}

/* ---- the document -------------------------------------------------------- */

static void read_root(struct rd *r, const json_t *doc, struct oci_config *c)
{
	struct rd_mark m;
	json_t *o = rd_object(r, doc, "root", &m);

	if (!o)
		return;
	c->root.present = true;
	rd_string(r, o, "path", true, &c->root.path);
	rd_bool(r, o, "readonly", &c->root.readonly);
	rd_pop(r, m);
}

static void read_config(struct rd *r, const json_t *doc, struct oci_config *c)
{
	struct rd_mark m;
	json_t *p;

	rd_fields(r, doc);
	rd_string(r, doc, "ociVersion", true, &c->oci_version);
	read_root(r, doc, c);
	c->mounts = room(r, doc, "mounts", sizeof(*c->mounts));
	each_entry(r, doc, "mounts", NULL, true, add_mount, c);
	if ((p = rd_object(r, doc, "process", &m))) {
		oci_read_process(r, p, &c->process);
		rd_pop(r, m);
	}
	rd_string(r, doc, "hostname", false, &c->hostname);
	rd_string(r, doc, "domainname", false, &c->domainname);
	read_hooks(r, doc, c);
	rd_map(r, doc, "annotations", &c->annotations);
	read_linux(r, doc, &c->lnx);
}

int oci_config_parse(const char *text, size_t len, unsigned flags, struct oci_config *out,
		     struct oci_messages *msgs)
{
	unsigned before = msgs->errors;
	json_t *doc;
	struct rd r;
	int errors;

	memset(out, 0, sizeof(*out));
	if (!(doc = oci_json_load(text, len, msgs)))
		return (int)(msgs->errors - before);
	rd_begin(&r, msgs, flags);
	read_config(&r, doc, out);
	json_decref(doc);
	/* the checks see only a document whose fields all read */
	if (clean(&r, before) && !r.oom)
		oci_config_check(out, flags, msgs);
	errors = rd_end(&r, before);
	if (errors)
		oci_config_free(out);
	return errors;
}

int oci_process_parse(const char *text, size_t len, unsigned flags, struct oci_process *out,
		      struct oci_messages *msgs)
{
	unsigned before = msgs->errors;
	json_t *doc;
	struct rd r;
	int errors;

	memset(out, 0, sizeof(*out));
	if (!(doc = oci_json_load(text, len, msgs)))
		return (int)(msgs->errors - before);
	rd_begin(&r, msgs, flags);
	/* the fields are the process object's; the paths start at its top */
	memcpy(r.schema, "process", sizeof("process"));
	r.slen = strlen(r.schema);
	if (rd_fields(&r, doc))
		oci_read_process(&r, doc, out);
	json_decref(doc);
	if (clean(&r, before) && !r.oom)
		oci_check_process(out, "", flags, msgs);
	errors = rd_end(&r, before);
	if (errors)
		oci_process_free(out);
	return errors;
}

/* Reads a whole file of at most OCI_MAX_DOCUMENT bytes into *text. */
static int read_file(const char *path, char **text, size_t *len, struct oci_messages *msgs)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	size_t cap = 0;
	char *buf = NULL;

	*len = 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		oci_msg(msgs, false, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		oci_msg(msgs, false, "%s: not a regular file", path);
		goto fail;
	}
	for (;;) {
		if (*len == cap) {
			char *n;
			cap = cap ? cap * 2 : 16384;
			if (cap > OCI_MAX_DOCUMENT + 1)
				cap = OCI_MAX_DOCUMENT + 1;
			if (*len == cap) {
				oci_msg(msgs, false,
					"%s: more than %u bytes, more than a config.json can hold",
					path, OCI_MAX_DOCUMENT);
				goto fail;
			}
			if (!(n = realloc(buf, cap))) {
				oci_msg(msgs, false, "%s: out of memory", path);
				goto fail;
			}
			buf = n;
		}
		ssize_t got = read(fd, buf + *len, cap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			oci_msg(msgs, false, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		*len += (size_t)got;
	}
	close(fd);
	*text = buf;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

int oci_config_load(const char *path, unsigned flags, struct oci_config *out,
		    struct oci_messages *msgs)
{
	unsigned before = msgs->errors;
	char *text = NULL;
	size_t len;
	int errors;

	memset(out, 0, sizeof(*out));
	if (read_file(path, &text, &len, msgs) < 0)
		return (int)(msgs->errors - before);
	errors = oci_config_parse(text ? text : "", len, flags, out, msgs);
	free(text);
	return errors;
}
