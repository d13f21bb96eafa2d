/* struct oci_config back into config.json. What the reader reads, the
 * writer writes, so that parse -> write -> parse gives the same structs:
 * a field is written when it is set (optional numbers), present (objects),
 * non-empty (arrays, maps), true (booleans whose absence means false) or
 * other than its default (device rules' type 'a', major and minor -1). */
#include "oci/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct wr {
	bool bad_utf8, oom;
};

static json_t *str(struct wr *w, const char *s)
{
	json_t *j = json_string(s);

	if (!j) {
		/* json_string refuses what is not UTF-8; the unchecked one
		 * tells that apart from a failed allocation */
		json_t *raw = json_string_nocheck(s);
		if (raw)
			w->bad_utf8 = true;
		else
			w->oom = true;
		json_decref(raw);
	}
	return j;
}

static void put(struct wr *w, json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		w->oom = w->oom || !w->bad_utf8;
}

static void push(struct wr *w, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) < 0)
		w->oom = w->oom || !w->bad_utf8;
}

static json_t *object(struct wr *w)
{
	json_t *o = json_object();

	if (!o)
		w->oom = true;
	return o;
}

static json_t *array(struct wr *w)
{
	json_t *a = json_array();

	if (!a)
		w->oom = true;
	return a;
}

static void put_str(struct wr *w, json_t *obj, const char *key, const char *s)
{
	if (s)
		put(w, obj, key, str(w, s));
}

static void put_int(struct wr *w, json_t *obj, const char *key, int64_t v)
{
	put(w, obj, key, json_integer(v));
}

static void put_uint(struct wr *w, json_t *obj, const char *key, uint64_t v)
{
	put(w, obj, key, oci_json_from_u64(v));
}

static void put_opt_int(struct wr *w, json_t *obj, const char *key, struct oci_opt_i64 v)
{
	if (v.set)
		put_int(w, obj, key, v.v);
}

static void put_opt_uint(struct wr *w, json_t *obj, const char *key, struct oci_opt_u64 v)
{
	if (v.set)
		put_uint(w, obj, key, v.v);
}

static void put_true(struct wr *w, json_t *obj, const char *key, bool b)
{
	if (b)
		put(w, obj, key, json_true());
}

static void put_opt_bool(struct wr *w, json_t *obj, const char *key, struct oci_opt_bool b)
{
	if (b.set)
		put(w, obj, key, json_boolean(b.v));
}

static void put_strv(struct wr *w, json_t *obj, const char *key, const struct oci_strv *v)
{
	json_t *a;

	if (!v->n || !(a = array(w)))
		return;
	for (size_t i = 0; i < v->n; i++)
		push(w, a, str(w, v->v[i]));
	put(w, obj, key, a);
}

static void put_map(struct wr *w, json_t *obj, const char *key, const struct oci_map *m)
{
	json_t *o;

	if (!m->n || !(o = object(w)))
		return;
	for (size_t i = 0; i < m->n; i++)
		put(w, o, m->v[i].key, str(w, m->v[i].value));
	put(w, obj, key, o);
}

static void put_name(struct wr *w, json_t *obj, const char *key, const struct oci_name *t, long v)
{
	const char *n = oci_name_of(t, v);

	if (n)
		put_str(w, obj, key, n);
	else
		w->oom = true; /* no name: a value no reader made */
}

/* Names of the bits of mask found in t. */
static void put_flag_names(struct wr *w, json_t *obj, const char *key, const struct oci_name *t,
			   uint64_t mask)
{
	json_t *a;

	if (!mask || !(a = array(w)))
		return;
	for (; t->name; t++)
		if (mask & (uint64_t)t->value)
			push(w, a, str(w, t->name));
	put(w, obj, key, a);
}

static void put_mappings(struct wr *w, json_t *obj, const char *key,
			 const struct oci_id_mappings *m)
{
	json_t *a;

	if (!m->n || !(a = array(w)))
		return;
	for (size_t i = 0; i < m->n; i++) {
		json_t *e = object(w);
		if (!e)
			break;
		put_uint(w, e, "containerID", m->v[i].container_id);
		put_uint(w, e, "hostID", m->v[i].host_id);
		put_uint(w, e, "size", m->v[i].size);
		push(w, a, e);
	}
	put(w, obj, key, a);
}

/* ---- process ------------------------------------------------------------- */

static void put_caps(struct wr *w, json_t *obj, const char *key, uint64_t set)
{
	json_t *a;

	if (!set || !(a = array(w)))
		return;
	for (int c = 0; c <= oci_cap_last(); c++)
		if (set & (UINT64_C(1) << c))
			push(w, a, str(w, oci_cap_name(c)));
	put(w, obj, key, a);
}

static void write_user(struct wr *w, json_t *p, const struct oci_user *u)
{
	json_t *o = object(w), *a;

	if (!o)
		return;
	put_uint(w, o, "uid", u->uid);
	put_uint(w, o, "gid", u->gid);
	put_opt_uint(w, o, "umask", u->umask);
	if (u->n_additional_gids && (a = array(w))) {
		for (size_t i = 0; i < u->n_additional_gids; i++)
			push(w, a, json_integer(u->additional_gids[i]));
		put(w, o, "additionalGids", a);
	}
	put(w, p, "user", o);
}

static void write_capabilities(struct wr *w, json_t *p, const struct oci_capabilities *c)
{
	json_t *o;

	if (!c->present || !(o = object(w)))
		return;
	put_caps(w, o, "bounding", c->bounding);
	put_caps(w, o, "effective", c->effective);
	put_caps(w, o, "inheritable", c->inheritable);
	put_caps(w, o, "permitted", c->permitted);
	put_caps(w, o, "ambient", c->ambient);
	put(w, p, "capabilities", o);
}

static void write_rlimits(struct wr *w, json_t *p, const struct oci_process *proc)
{
	json_t *a;

	if (!proc->n_rlimits || !(a = array(w)))
		return;
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		json_t *e = object(w);
		if (!e)
			break;
		put_name(w, e, "type", oci_rlimits, proc->rlimits[i].resource);
		put_uint(w, e, "hard", proc->rlimits[i].hard);
		put_uint(w, e, "soft", proc->rlimits[i].soft);
		push(w, a, e);
	}
	put(w, p, "rlimits", a);
}

static void write_scheduler(struct wr *w, json_t *p, const struct oci_scheduler *s)
{
	json_t *o;

	if (!s->present || !(o = object(w)))
		return;
	put_name(w, o, "policy", oci_sched_policies, s->policy);
	if (s->nice)
		put_int(w, o, "nice", s->nice);
	if (s->priority)
		put_int(w, o, "priority", s->priority);
	put_flag_names(w, o, "flags", oci_sched_flags, s->flags);
	if (s->runtime)
		put_uint(w, o, "runtime", s->runtime);
	if (s->deadline)
		put_uint(w, o, "deadline", s->deadline);
	if (s->period)
		put_uint(w, o, "period", s->period);
	put(w, p, "scheduler", o);
}

static json_t *process_json(struct wr *w, const struct oci_process *p)
{
	json_t *o = object(w), *c;

	if (!o)
		return NULL;
	put_true(w, o, "terminal", p->terminal);
	if (p->console_size.present && (c = object(w))) {
		put_uint(w, c, "height", p->console_size.height);
		put_uint(w, c, "width", p->console_size.width);
		put(w, o, "consoleSize", c);
	}
	write_user(w, o, &p->user);
	put_strv(w, o, "args", &p->args);
	put_strv(w, o, "env", &p->env);
	put_str(w, o, "cwd", p->cwd);
	write_capabilities(w, o, &p->capabilities);
	write_rlimits(w, o, p);
	put_true(w, o, "noNewPrivileges", p->no_new_privileges);
	put_opt_int(w, o, "oomScoreAdj", p->oom_score_adj);
	put_str(w, o, "apparmorProfile", p->apparmor_profile);
	put_str(w, o, "selinuxLabel", p->selinux_label);
	write_scheduler(w, o, &p->scheduler);
	if (p->io_priority.present && (c = object(w))) {
		put_name(w, c, "class", oci_ioprio_classes, p->io_priority.klass);
		if (p->io_priority.priority)
			put_int(w, c, "priority", p->io_priority.priority);
		put(w, o, "ioPriority", c);
	}
	return o;
}

/* ---- mounts, hooks ------------------------------------------------------- */

static void write_mounts(struct wr *w, json_t *doc, const struct oci_config *c)
{
	json_t *a;

	if (!c->n_mounts || !(a = array(w)))
		return;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		json_t *e = object(w);
		if (!e)
			break;
		put_str(w, e, "destination", m->destination);
		put_str(w, e, "type", m->type);
		put_str(w, e, "source", m->source);
		put_strv(w, e, "options", &m->options);
		put_mappings(w, e, "uidMappings", &m->uid_mappings);
		put_mappings(w, e, "gidMappings", &m->gid_mappings);
		push(w, a, e);
	}
	put(w, doc, "mounts", a);
}

static void write_hooks(struct wr *w, json_t *doc, const struct oci_config *c)
{
	json_t *o = NULL, *a;

	for (int k = 0; k < OCI_HOOK_COUNT; k++) {
		if (!c->hooks[k].n)
			continue;
		if (!o && !(o = object(w)))
			return;
		if (!(a = array(w)))
			break;
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			const struct oci_hook *h = &c->hooks[k].v[i];
			json_t *e = object(w);
			if (!e)
				break;
			put_str(w, e, "path", h->path);
			put_strv(w, e, "args", &h->args);
			put_strv(w, e, "env", &h->env);
			put_opt_int(w, e, "timeout", h->timeout);
			push(w, a, e);
		}
		put(w, o, oci_hook_name((enum oci_hook_kind)k), a);
	}
	if (o)
		put(w, doc, "hooks", o);
}

/* ---- linux --------------------------------------------------------------- */

static void write_namespaces(struct wr *w, json_t *lx, const struct oci_linux *l)
{
	json_t *a;

	if (!l->n_namespaces || !(a = array(w)))
		return;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		json_t *e = object(w);
		if (!e)
			break;
		put_str(w, e, "type", oci_ns_name(l->namespaces[i].type));
		put_str(w, e, "path", l->namespaces[i].path);
		push(w, a, e);
	}
	put(w, lx, "namespaces", a);
}

static void write_devices(struct wr *w, json_t *lx, const struct oci_linux *l)
{
	json_t *a;

	if (!l->n_devices || !(a = array(w)))
		return;
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct oci_device *d = &l->devices[i];
		json_t *e = object(w);
		if (!e)
			break;
		put_str(w, e, "path", d->path);
		put(w, e, "type", json_stringn(&d->type, 1));
		if (d->type != 'p') {
			put_int(w, e, "major", d->major);
			put_int(w, e, "minor", d->minor);
		}
		put_opt_uint(w, e, "fileMode", d->file_mode);
		put_opt_uint(w, e, "uid", d->uid);
		put_opt_uint(w, e, "gid", d->gid);
		push(w, a, e);
	}
	put(w, lx, "devices", a);
}

static void write_device_rules(struct wr *w, json_t *res, const struct oci_resources *r)
{
	json_t *a;

	if (!r->n_devices || !(a = array(w)))
		return;
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct oci_device_rule *d = &r->devices[i];
		json_t *e = object(w);
		if (!e)
			break;
		put(w, e, "allow", json_boolean(d->allow));
		if (d->type != 'a')
			put(w, e, "type", json_stringn(&d->type, 1));
		if (d->major != -1)
			put_int(w, e, "major", d->major);
		if (d->minor != -1)
			put_int(w, e, "minor", d->minor);
		put_str(w, e, "access", d->access);
		push(w, a, e);
	}
	put(w, res, "devices", a);
}

static void write_memory(struct wr *w, json_t *res, const struct oci_memory *m)
{
	json_t *o;

	if (!m->present || !(o = object(w)))
		return;
	put_opt_int(w, o, "limit", m->limit);
	put_opt_int(w, o, "reservation", m->reservation);
	put_opt_int(w, o, "swap", m->swap);
	put_opt_int(w, o, "kernel", m->kernel);
	put_opt_int(w, o, "kernelTCP", m->kernel_tcp);
	put_opt_uint(w, o, "swappiness", m->swappiness);
	put_true(w, o, "disableOOMKiller", m->disable_oom_killer);
	put_opt_bool(w, o, "useHierarchy", m->use_hierarchy);
	put_opt_bool(w, o, "checkBeforeUpdate", m->check_before_update);
	put(w, res, "memory", o);
}

static void write_cpu(struct wr *w, json_t *res, const struct oci_cpu *c)
{
	json_t *o;

	if (!c->present || !(o = object(w)))
		return;
	put_opt_uint(w, o, "shares", c->shares);
	put_opt_int(w, o, "quota", c->quota);
	put_opt_uint(w, o, "burst", c->burst);
	put_opt_uint(w, o, "period", c->period);
	put_opt_int(w, o, "realtimeRuntime", c->realtime_runtime);
	put_opt_uint(w, o, "realtimePeriod", c->realtime_period);
	put_str(w, o, "cpus", c->cpus);
	put_str(w, o, "mems", c->mems);
	put_opt_int(w, o, "idle", c->idle);
	put(w, res, "cpu", o);
}

static void put_throttles(struct wr *w, json_t *obj, const char *key,
			  const struct oci_throttle_list *l)
{
	json_t *a;

	if (!l->n || !(a = array(w)))
		return;
	for (size_t i = 0; i < l->n; i++) {
		json_t *e = object(w);
		if (!e)
			break;
		put_int(w, e, "major", l->v[i].major);
		put_int(w, e, "minor", l->v[i].minor);
		put_uint(w, e, "rate", l->v[i].rate);
		push(w, a, e);
	}
	put(w, obj, key, a);
}

static void write_block_io(struct wr *w, json_t *res, const struct oci_block_io *b)
{
	json_t *o, *a;

	if (!b->present || !(o = object(w)))
		return;
	put_opt_uint(w, o, "weight", b->weight);
	put_opt_uint(w, o, "leafWeight", b->leaf_weight);
	if (b->n_weight_device && (a = array(w))) {
		for (size_t i = 0; i < b->n_weight_device; i++) {
			const struct oci_weight_device *d = &b->weight_device[i];
			json_t *e = object(w);
			if (!e)
				break;
			put_int(w, e, "major", d->major);
			put_int(w, e, "minor", d->minor);
			put_opt_uint(w, e, "weight", d->weight);
			put_opt_uint(w, e, "leafWeight", d->leaf_weight);
			push(w, a, e);
		}
		put(w, o, "weightDevice", a);
	}
	put_throttles(w, o, "throttleReadBpsDevice", &b->read_bps);
	put_throttles(w, o, "throttleWriteBpsDevice", &b->write_bps);
	put_throttles(w, o, "throttleReadIOPSDevice", &b->read_iops);
	put_throttles(w, o, "throttleWriteIOPSDevice", &b->write_iops);
	put(w, res, "blockIO", o);
}

static void write_network(struct wr *w, json_t *res, const struct oci_network *n)
{
	json_t *o, *a;

	if (!n->present || !(o = object(w)))
		return;
	put_opt_uint(w, o, "classID", n->class_id);
	if (n->n_priorities && (a = array(w))) {
		for (size_t i = 0; i < n->n_priorities; i++) {
			json_t *e = object(w);
			if (!e)
				break;
			put_str(w, e, "name", n->priorities[i].name);
			put_uint(w, e, "priority", n->priorities[i].priority);
			push(w, a, e);
		}
		put(w, o, "priorities", a);
	}
	put(w, res, "network", o);
}

static void write_resources(struct wr *w, json_t *lx, const struct oci_resources *r)
{
	json_t *o, *a;

	if (!r->present || !(o = object(w)))
		return;
	write_device_rules(w, o, r);
	write_memory(w, o, &r->memory);
	write_cpu(w, o, &r->cpu);
	if (r->pids.present && (a = object(w))) {
		put_int(w, a, "limit", r->pids.limit);
		put(w, o, "pids", a);
	}
	if (r->n_hugepage_limits && (a = array(w))) {
		for (size_t i = 0; i < r->n_hugepage_limits; i++) {
			json_t *e = object(w);
			if (!e)
				break;
			put_str(w, e, "pageSize", r->hugepage_limits[i].page_size);
			put_uint(w, e, "limit", r->hugepage_limits[i].limit);
			push(w, a, e);
		}
		put(w, o, "hugepageLimits", a);
	}
	write_block_io(w, o, &r->block_io);
	write_network(w, o, &r->network);
	if (r->n_rdma && (a = object(w))) {
		for (size_t i = 0; i < r->n_rdma; i++) {
			json_t *e = object(w);
			if (!e)
				break;
			put_opt_uint(w, e, "hcaHandles", r->rdma[i].hca_handles);
			put_opt_uint(w, e, "hcaObjects", r->rdma[i].hca_objects);
			put(w, a, r->rdma[i].device, e);
		}
		put(w, o, "rdma", a);
	}
	put_map(w, o, "unified", &r->unified);
	put(w, lx, "resources", o);
}

static void write_syscalls(struct wr *w, json_t *sec, const struct oci_seccomp *s)
{
	json_t *a, *args;

	if (!s->n_syscalls || !(a = array(w)))
		return;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_syscall *sc = &s->syscalls[i];
		json_t *e = object(w);
		if (!e)
			break;
		put_strv(w, e, "names", &sc->names);
		put_name(w, e, "action", oci_seccomp_actions, sc->action);
		put_opt_uint(w, e, "errnoRet", sc->errno_ret);
		if (sc->n_args && (args = array(w))) {
			for (size_t j = 0; j < sc->n_args; j++) {
				const struct oci_seccomp_arg *ar = &sc->args[j];
				json_t *x = object(w);
				if (!x)
					break;
				put_uint(w, x, "index", ar->index);
				put_uint(w, x, "value", ar->value);
				if (ar->value_two)
					put_uint(w, x, "valueTwo", ar->value_two);
				put_name(w, x, "op", oci_seccomp_ops, ar->op);
				push(w, args, x);
			}
			put(w, e, "args", args);
		}
		push(w, a, e);
	}
	put(w, sec, "syscalls", a);
}

static void write_seccomp(struct wr *w, json_t *lx, const struct oci_seccomp *s)
{
	json_t *o, *a;

	if (!s->present || !(o = object(w)))
		return;
	put_name(w, o, "defaultAction", oci_seccomp_actions, s->default_action);
	put_opt_uint(w, o, "defaultErrnoRet", s->default_errno_ret);
	if (s->n_architectures && (a = array(w))) {
		for (size_t i = 0; i < s->n_architectures; i++)
			push(w, a, str(w, oci_name_of(oci_seccomp_archs, s->architectures[i])));
		put(w, o, "architectures", a);
	}
	put_flag_names(w, o, "flags", oci_seccomp_flags, s->flags);
	put_str(w, o, "listenerPath", s->listener_path);
	put_str(w, o, "listenerMetadata", s->listener_metadata);
	write_syscalls(w, o, s);
	put(w, lx, "seccomp", o);
}

static void put_time_offset(struct wr *w, json_t *obj, const char *key,
			    const struct oci_time_offset *t)
{
	json_t *o;

	if (!t->present || !(o = object(w)))
		return;
	if (t->secs)
		put_int(w, o, "secs", t->secs);
	if (t->nanosecs)
		put_uint(w, o, "nanosecs", t->nanosecs);
	put(w, obj, key, o);
}

static void write_linux_rest(struct wr *w, json_t *o, const struct oci_linux *l)
{
	json_t *x;

	put_strv(w, o, "maskedPaths", &l->masked_paths);
	put_strv(w, o, "readonlyPaths", &l->readonly_paths);
	if (l->rootfs_propagation)
		put_name(w, o, "rootfsPropagation", oci_propagations, (long)l->rootfs_propagation);
	put_str(w, o, "mountLabel", l->mount_label);
	if (l->intel_rdt.present && (x = object(w))) {
		put_str(w, x, "closID", l->intel_rdt.clos_id);
		put_str(w, x, "l3CacheSchema", l->intel_rdt.l3_cache_schema);
		put_str(w, x, "memBwSchema", l->intel_rdt.mem_bw_schema);
		put_true(w, x, "enableCMT", l->intel_rdt.enable_cmt);
		put_true(w, x, "enableMBM", l->intel_rdt.enable_mbm);
		put(w, o, "intelRdt", x);
	}
	if (l->personality.present && (x = object(w))) {
		put_name(w, x, "domain", oci_personality_domains, (long)l->personality.domain);
		put(w, o, "personality", x);
	}
	if ((l->time_offsets.boottime.present || l->time_offsets.monotonic.present) &&
	    (x = object(w))) {
		put_time_offset(w, x, "boottime", &l->time_offsets.boottime);
		put_time_offset(w, x, "monotonic", &l->time_offsets.monotonic);
		put(w, o, "timeOffsets", x);
	}
}

static void write_linux(struct wr *w, json_t *doc, const struct oci_linux *l)
{
	json_t *o;

	if (!l->present || !(o = object(w)))
		return;
	write_namespaces(w, o, l);
	put_mappings(w, o, "uidMappings", &l->uid_mappings);
	put_mappings(w, o, "gidMappings", &l->gid_mappings);
	write_devices(w, o, l);
	put_str(w, o, "cgroupsPath", l->cgroups_path);
	write_resources(w, o, &l->resources);
	put_map(w, o, "sysctl", &l->sysctl);
	write_seccomp(w, o, &l->seccomp);
	write_linux_rest(w, o, l);
	put(w, doc, "linux", o);
}

/* ---- the documents ------------------------------------------------------- */

/* The text of doc, or NULL with errno; doc is released. */
static char *finish(struct wr *w, json_t *doc)
{
	char *text = NULL;

	if (!w->oom && !w->bad_utf8 && doc && !(text = oci_json_dump(doc)))
		w->oom = true;
	json_decref(doc);
	if (!text)
		errno = w->bad_utf8 ? EILSEQ : ENOMEM;
	return text;
}

char *oci_config_write(const struct oci_config *c)
{
	struct wr w = {0};
	json_t *doc = object(&w), *x;

	if (!doc)
		return finish(&w, NULL);
	put_str(&w, doc, "ociVersion", c->oci_version ? c->oci_version : OCI_VERSION);
	if (c->process.present)
		put(&w, doc, "process", process_json(&w, &c->process));
	if (c->root.present && (x = object(&w))) {
		put_str(&w, x, "path", c->root.path);
		put_true(&w, x, "readonly", c->root.readonly);
		put(&w, doc, "root", x);
	}
	put_str(&w, doc, "hostname", c->hostname);
	put_str(&w, doc, "domainname", c->domainname);
	write_mounts(&w, doc, c);
	write_hooks(&w, doc, c);
	put_map(&w, doc, "annotations", &c->annotations);
	write_linux(&w, doc, &c->lnx);
	return finish(&w, doc);
}

char *oci_process_write(const struct oci_process *p)
{
	struct wr w = {0};

	return finish(&w, process_json(&w, p));
}
