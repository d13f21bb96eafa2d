/* What the spec requires of a config beyond the type of each field, and
 * what a runtime must refuse before it touches the kernel: paths that
 * leave their root (a cgroup file "../x", a sysctl "net/../../x"), ids that
 * setuid(2) reads as "unchanged", mappings the kernel would refuse. Each
 * problem names its JSON path, all of them at once. */
#include "oci/internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

struct ck {
	struct oci_messages *m;
	unsigned flags;
};

static void bad(struct ck *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(struct ck *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oci_msgv(k->m, false, fmt, ap);
	va_end(ap);
}

#define SHOW(s) oci_show((char[256]){0}, 256, (s))

static bool absolute(const char *p)
{
	return p && p[0] == '/';
}

/* A value of a field that the support table refuses (the time namespace,
 * SCMP_ACT_NOTIFY ...). */
static bool value_refused(const struct ck *k, const char *parent, const char *value,
			  const char **note)
{
	const struct oci_field *f = oci_field_find(parent, value);

	if (!f || f->support == OCI_SUPPORTED || (k->flags & OCI_ALLOW_UNSUPPORTED))
		return false;
	*note = f->note ? f->note : "";
	return true;
}

/* 1.0.x or 1.1.x, with SemVer's pre-release and build parts allowed. */
static bool version_readable(const char *v)
{
	const char *p;

	if (strncmp(v, "1.0.", 4) != 0 && strncmp(v, "1.1.", 4) != 0)
		return false;
	p = v + 4;
	if (!isdigit((unsigned char)*p))
		return false;
	if (*p == '0' && isdigit((unsigned char)p[1]))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0' || ((*p == '-' || *p == '+') && p[1]);
}

/* ---- process ------------------------------------------------------------- */

#define NO_ID UINT32_MAX

static void check_user(struct ck *k, const char *w, const struct oci_user *u)
{
	/* (uid_t)-1 tells setresuid(2) to leave the id as it is */
	if (u->uid == NO_ID)
		bad(k, "%suser.uid: 4294967295 is (uid_t)-1, which setuid(2) reads as 'unchanged'",
		    w);
	if (u->gid == NO_ID)
		bad(k, "%suser.gid: 4294967295 is (gid_t)-1, which setgid(2) reads as 'unchanged'",
		    w);
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] == NO_ID)
			bad(k, "%suser.additionalGids[%zu]: 4294967295 is (gid_t)-1, not a group",
			    w, i);
}

static void check_env(struct ck *k, const char *w, const struct oci_strv *env)
{
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		if (!eq || eq == env->v[i])
			bad(k, "%senv[%zu]: expected NAME=VALUE, got %s", w, i, SHOW(env->v[i]));
	}
}

static void check_rlimits(struct ck *k, const char *w, const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *rl = &p->rlimits[i];
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == rl->resource) {
				bad(k, "%srlimits[%zu].type: %s is given twice", w, i,
				    oci_rlimit_name(rl->resource));
				break;
			}
		if (rl->soft > rl->hard)
			bad(k,
			    "%srlimits[%zu]: the soft limit %" PRIu64
			    " is above the hard limit %" PRIu64,
			    w, i, rl->soft, rl->hard);
	}
}

int oci_check_process(const struct oci_process *p, const char *w, unsigned flags,
		      struct oci_messages *msgs)
{
	struct ck k = {msgs, flags};
	unsigned before = msgs->errors;

	if (!p->present)
		return 0;
	if (p->args.n == 0)
		bad(&k, "%sargs: needs at least one entry, the program to run", w);
	else if (!p->args.v[0][0])
		bad(&k, "%sargs[0]: the program to run must not be empty", w);
	if (p->cwd && !absolute(p->cwd))
		bad(&k, "%scwd: expected an absolute path, got %s", w, SHOW(p->cwd));
	check_env(&k, w, &p->env);
	check_user(&k, w, &p->user);
	check_rlimits(&k, w, p);
	return (int)(msgs->errors - before);
}

/* ---- mounts -------------------------------------------------------------- */

/* The option as the brief message shows it: 'bnid'. */
static void say_unknown_option(struct ck *k, size_t i, size_t j, const char *opt)
{
	char show[256];
	size_t n;

	oci_show(show, sizeof(show), opt);
	n = strlen(show);
	show[n - 1] = '\0'; /* drop the double quotes of oci_show */
	bad(k, "mounts[%zu].options[%zu]: unknown mount option '%s'", i, j, show + 1);
}

static void check_mappings(struct ck *k, const char *path, const struct oci_id_mappings *m)
{
	if (m->n > OCI_MAX_ID_MAPPINGS)
		bad(k, "%s: %zu ranges, more than the kernel takes (%d)", path, m->n,
		    OCI_MAX_ID_MAPPINGS);
	for (size_t i = 0; i < m->n; i++) {
		const struct oci_id_mapping *a = &m->v[i];
		if (a->size == 0)
			bad(k, "%s[%zu].size: must be above 0", path, i);
		if ((uint64_t)a->container_id + a->size > UINT64_C(1) << 32)
			bad(k, "%s[%zu]: containerID + size passes 4294967296", path, i);
		if ((uint64_t)a->host_id + a->size > UINT64_C(1) << 32)
			bad(k, "%s[%zu]: hostID + size passes 4294967296", path, i);
		for (size_t j = 0; j < i; j++) {
			const struct oci_id_mapping *b = &m->v[j];
			if ((uint64_t)a->container_id < (uint64_t)b->container_id + b->size &&
			    (uint64_t)b->container_id < (uint64_t)a->container_id + a->size)
				bad(k, "%s[%zu]: its container ids overlap those of [%zu]", path, i,
				    j);
			if ((uint64_t)a->host_id < (uint64_t)b->host_id + b->size &&
			    (uint64_t)b->host_id < (uint64_t)a->host_id + a->size)
				bad(k, "%s[%zu]: its host ids overlap those of [%zu]", path, i, j);
		}
	}
}

static void check_mount(struct ck *k, size_t i, struct oci_mount *m)
{
	char path[64];

	if (!absolute(m->destination))
		bad(k, "mounts[%zu].destination: expected an absolute path, got %s", i,
		    SHOW(m->destination ? m->destination : ""));
	for (size_t j = 0; j < m->options.n; j++)
		if (!oci_mount_option_known(m->options.v[j]))
			say_unknown_option(k, i, j, m->options.v[j]);
	if (oci_mount_parse_options(m) < 0) {
		bad(k, "mounts[%zu]: out of memory", i);
		return;
	}
	if ((m->flags & MS_BIND) && (!m->source || !*m->source))
		bad(k, "mounts[%zu].source: required for a bind mount", i);
	if (!(m->flags & (MS_BIND | MS_REMOUNT)) && (!m->type || !*m->type))
		bad(k, "mounts[%zu].type: required unless the mount is a bind mount", i);
	if (m->tmpcopyup && (!m->type || strcmp(m->type, "tmpfs") != 0))
		bad(k, "mounts[%zu].options: tmpcopyup is for tmpfs mounts", i);
	if ((m->uid_mappings.n == 0) != (m->gid_mappings.n == 0))
		bad(k, "mounts[%zu]: an idmapped mount needs both uidMappings and gidMappings", i);
	snprintf(path, sizeof(path), "mounts[%zu].uidMappings", i);
	check_mappings(k, path, &m->uid_mappings);
	snprintf(path, sizeof(path), "mounts[%zu].gidMappings", i);
	check_mappings(k, path, &m->gid_mappings);
}

/* ---- linux --------------------------------------------------------------- */

static void check_namespaces(struct ck *k, const struct oci_config *c)
{
	const struct oci_linux *l = &c->lnx;
	const char *note;

	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		const char *name = oci_ns_name(ns->type);
		for (size_t j = 0; j < i; j++)
			if (l->namespaces[j].type == ns->type) {
				bad(k, "linux.namespaces[%zu].type: \"%s\" is given twice", i,
				    name);
				break;
			}
		if (ns->path && !absolute(ns->path))
			bad(k, "linux.namespaces[%zu].path: expected an absolute path, got %s", i,
			    SHOW(ns->path));
		if (value_refused(k, "linux.namespaces[].type", name, &note))
			bad(k,
			    "linux.namespaces[%zu].type: the %s namespace is not supported by this "
			    "runtime: %s",
			    i, name, note);
	}
	if ((l->uid_mappings.n || l->gid_mappings.n) && !oci_namespace_find(l, OCI_NS_USER))
		bad(k, "linux.%s: mappings need a user namespace (linux.namespaces)",
		    l->uid_mappings.n ? "uidMappings" : "gidMappings");
	if ((l->time_offsets.boottime.present || l->time_offsets.monotonic.present) &&
	    !oci_namespace_find(l, OCI_NS_TIME))
		bad(k, "linux.timeOffsets: needs a time namespace (linux.namespaces)");
	if (c->hostname && *c->hostname && !oci_namespace_find(l, OCI_NS_UTS))
		bad(k, "hostname: needs a uts namespace (linux.namespaces), or it would be the "
		       "host's");
	if (c->domainname && *c->domainname && !oci_namespace_find(l, OCI_NS_UTS))
		bad(k, "domainname: needs a uts namespace (linux.namespaces), or it would be the "
		       "host's");
}

static void check_devices(struct ck *k, const struct oci_linux *l)
{
	for (size_t i = 0; i < l->n_devices; i++) {
		if (!absolute(l->devices[i].path))
			bad(k, "linux.devices[%zu].path: expected an absolute path, got %s", i,
			    SHOW(l->devices[i].path ? l->devices[i].path : ""));
		for (size_t j = 0; j < i && l->devices[i].path; j++)
			if (l->devices[j].path &&
			    strcmp(l->devices[j].path, l->devices[i].path) == 0) {
				bad(k, "linux.devices[%zu].path: %s is given twice", i,
				    SHOW(l->devices[i].path));
				break;
			}
	}
	for (size_t i = 0; i < l->resources.n_devices; i++) {
		const char *a = l->resources.devices[i].access;
		bool ok = a && *a && strlen(a) <= 3;
		for (size_t j = 0; ok && a[j]; j++)
			ok = strchr("rwm", a[j]) && !strchr(a + j + 1, a[j]);
		if (a && !ok)
			bad(k,
			    "linux.resources.devices[%zu].access: expected some of r, w and m, got "
			    "%s",
			    i, SHOW(a));
	}
}

/* No empty and no ".." component, so that the path stays below its root. */
static bool tame_path(const char *p, const char *seps)
{
	size_t n;

	if (!*p)
		return false;
	for (;;) {
		n = strcspn(p, seps);
		if (n == 0 || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
				return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static void check_cgroup_names(struct ck *k, const struct oci_linux *l)
{
	const struct oci_map *u = &l->resources.unified;

	if (l->cgroups_path) {
		const char *p = l->cgroups_path + (l->cgroups_path[0] == '/');
		if (*p && !tame_path(p, "/"))
			bad(k, "linux.cgroupsPath: %s leaves the cgroup tree or has an empty part",
			    SHOW(l->cgroups_path));
	}
	for (size_t i = 0; i < u->n; i++) {
		const char *key = u->v[i].key;
		if (strchr(key, '/') || key[0] == '.' || !strchr(key, '.') || !tame_path(key, "/"))
			bad(k,
			    "linux.resources.unified[%s]: expected a file of the cgroup such as "
			    "\"memory.max\"",
			    SHOW(key));
	}
	for (size_t i = 0; i < l->sysctl.n; i++)
		if (!tame_path(l->sysctl.v[i].key, "./"))
			bad(k, "linux.sysctl[%s]: expected a name such as \"net.ipv4.ip_forward\"",
			    SHOW(l->sysctl.v[i].key));
}

/* "0-3,5": numbers and ranges separated by commas. */
static bool cpu_list(const char *s)
{
	if (!*s)
		return true;
	for (;;) {
		char *e;
		unsigned long a, b;
		if (!isdigit((unsigned char)*s))
			return false;
		a = strtoul(s, &e, 10);
		s = e;
		if (*s == '-') {
			if (!isdigit((unsigned char)*++s))
				return false;
			b = strtoul(s, &e, 10);
			if (b < a)
				return false;
			s = e;
		}
		if (!*s)
			return true;
		if (*s++ != ',')
			return false;
	}
}

static void check_cpu_memory(struct ck *k, const struct oci_resources *r)
{
	const struct oci_cpu *c = &r->cpu;
	const struct oci_memory *m = &r->memory;

	if (c->period.set && (c->period.v < 1000 || c->period.v > 1000000))
		bad(k,
		    "linux.resources.cpu.period: expected 1000 to 1000000 microseconds, got "
		    "%" PRIu64,
		    c->period.v);
	if (c->quota.set && c->quota.v > 0 && c->quota.v < 1000)
		bad(k,
		    "linux.resources.cpu.quota: expected -1 or at least 1000 microseconds, got "
		    "%" PRId64,
		    c->quota.v);
	if (c->burst.set && c->quota.set && c->quota.v > 0 && c->burst.v > (uint64_t)c->quota.v)
		bad(k, "linux.resources.cpu.burst: above the quota");
	if (c->cpus && !cpu_list(c->cpus))
		bad(k, "linux.resources.cpu.cpus: expected a list such as \"0-3,5\", got %s",
		    SHOW(c->cpus));
	if (c->mems && !cpu_list(c->mems))
		bad(k, "linux.resources.cpu.mems: expected a list such as \"0-1\", got %s",
		    SHOW(c->mems));
	if (m->limit.set && m->swap.set && m->limit.v > 0 && m->swap.v > 0 &&
	    m->swap.v < m->limit.v)
		bad(k,
		    "linux.resources.memory.swap: %" PRId64 " is below the limit %" PRId64
		    " (swap counts memory and swap together)",
		    m->swap.v, m->limit.v);
}

/* "2MB" -> 2097152: a number and K, M or G, then B, in powers of 1024. */
static bool page_size(const char *s, uint64_t *bytes)
{
	char *e;
	unsigned long long n;
	unsigned shift;

	if (!isdigit((unsigned char)*s) || *s == '0')
		return false;
	n = strtoull(s, &e, 10);
	shift = *e == 'K' ? 10 : *e == 'M' ? 20 : *e == 'G' ? 30 : 0;
	if (!shift || strcmp(e + 1, "B") != 0 || n > (UINT64_MAX >> shift))
		return false;
	*bytes = (uint64_t)n << shift;
	return true;
}

static void check_hugepages(struct ck *k, struct oci_resources *r)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		struct oci_hugepage_limit *h = &r->hugepage_limits[i];
		if (!page_size(h->page_size, &h->page_bytes)) {
			bad(k,
			    "linux.resources.hugepageLimits[%zu].pageSize: expected a size such as "
			    "\"2MB\" or \"1GB\", got %s",
			    i, SHOW(h->page_size));
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (r->hugepage_limits[j].page_bytes == h->page_bytes) {
				bad(k,
				    "linux.resources.hugepageLimits[%zu].pageSize: %s is given "
				    "twice",
				    i, SHOW(h->page_size));
				break;
			}
	}
}

static bool takes_errno(uint32_t action)
{
	return action == SCMP_ACT_ERRNO(0) || action == SCMP_ACT_TRACE(0);
}

static void check_action(struct ck *k, const char *path, uint32_t action,
			 struct oci_opt_u64 errno_ret, const char *errno_key,
			 const struct oci_seccomp *s)
{
	const char *name = oci_name_of(oci_seccomp_actions, action), *note;

	if (errno_ret.set && !takes_errno(action))
		bad(k, "%s%s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one", path, errno_key);
	if (errno_ret.set && errno_ret.v > 0xffff)
		bad(k, "%s%s: expected at most 65535, what the kernel keeps, got %" PRIu64, path,
		    errno_key, errno_ret.v);
	if (value_refused(k, "SeccompAction", name, &note))
		bad(k, "%s: %s is not supported by this runtime: %s", path, name, note);
	else if (action == SCMP_ACT_NOTIFY && !s->listener_path)
		bad(k, "%s: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", path);
}

static void check_seccomp(struct ck *k, const struct oci_seccomp *s)
{
	char path[96];
	const char *note;

	if (!s->present)
		return;
	check_action(k, "linux.seccomp.defaultAction", s->default_action, s->default_errno_ret, "",
		     s);
	for (size_t i = 0; i < s->n_architectures; i++)
		for (size_t j = 0; j < i; j++)
			if (s->architectures[i] == s->architectures[j]) {
				bad(k, "linux.seccomp.architectures[%zu]: given twice", i);
				break;
			}
	for (const struct oci_name *f = oci_seccomp_flags; f->name; f++)
		if ((s->flags & (unsigned)f->value) &&
		    value_refused(k, "linux.seccomp.flags", f->name, &note))
			bad(k, "linux.seccomp.flags: %s is not supported by this runtime: %s",
			    f->name, note);
	if (s->listener_metadata && !s->listener_path)
		bad(k, "linux.seccomp.listenerMetadata: only with listenerPath");
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_syscall *sc = &s->syscalls[i];
		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].action", i);
		check_action(k, path, sc->action, sc->errno_ret, "", s);
		if (sc->names.n == 0)
			bad(k, "linux.seccomp.syscalls[%zu].names: needs at least one name", i);
		for (size_t j = 0; j < sc->names.n; j++)
			if (!sc->names.v[j][0])
				bad(k, "linux.seccomp.syscalls[%zu].names[%zu]: must not be empty",
				    i, j);
	}
}

static void check_paths(struct ck *k, const char *what, const struct oci_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (!absolute(v->v[i]))
			bad(k, "linux.%s[%zu]: expected an absolute path, got %s", what, i,
			    SHOW(v->v[i]));
}

static void check_intel_rdt(struct ck *k, const struct oci_intel_rdt *r)
{
	if (!r->present)
		return;
	/* a directory of the resctrl filesystem */
	if (r->clos_id && (!tame_path(r->clos_id, "/") || strchr(r->clos_id, '/') ||
			   strcmp(r->clos_id, ".") == 0))
		bad(k, "linux.intelRdt.closID: expected a directory name, got %s",
		    SHOW(r->clos_id));
	if (r->mem_bw_schema &&
	    (strncmp(r->mem_bw_schema, "MB:", 3) != 0 || strchr(r->mem_bw_schema, '\n')))
		bad(k, "linux.intelRdt.memBwSchema: expected one line starting with MB:, got %s",
		    SHOW(r->mem_bw_schema));
}

static void check_linux(struct ck *k, struct oci_config *c)
{
	struct oci_linux *l = &c->lnx;

	check_namespaces(k, c);
	check_mappings(k, "linux.uidMappings", &l->uid_mappings);
	check_mappings(k, "linux.gidMappings", &l->gid_mappings);
	check_devices(k, l);
	check_cgroup_names(k, l);
	check_cpu_memory(k, &l->resources);
	check_hugepages(k, &l->resources);
	check_seccomp(k, &l->seccomp);
	check_paths(k, "maskedPaths", &l->masked_paths);
	check_paths(k, "readonlyPaths", &l->readonly_paths);
	check_intel_rdt(k, &l->intel_rdt);
}

/* ---- the whole --------------------------------------------------------- */

static void check_hooks(struct ck *k, const struct oci_config *c)
{
	for (int h = 0; h < OCI_HOOK_COUNT; h++)
		for (size_t i = 0; i < c->hooks[h].n; i++)
			if (!absolute(c->hooks[h].v[i].path))
				bad(k, "hooks.%s[%zu].path: expected an absolute path, got %s",
				    oci_hook_name((enum oci_hook_kind)h), i,
				    SHOW(c->hooks[h].v[i].path ? c->hooks[h].v[i].path : ""));
}

int oci_config_check(struct oci_config *c, unsigned flags, struct oci_messages *msgs)
{
	struct ck k = {msgs, flags};
	unsigned before = msgs->errors;

	if (!c->oci_version)
		bad(&k, "ociVersion: required field is missing");
	else if (!version_readable(c->oci_version))
		bad(&k, "ociVersion: expected a version 1.0.x or 1.1.x, got %s",
		    SHOW(c->oci_version));
	if (!c->root.present)
		bad(&k, "root: required field is missing");
	else if (!c->root.path || !*c->root.path)
		bad(&k, "root.path: must not be empty");
	oci_check_process(&c->process, "process.", flags, msgs);
	if (c->hostname && strlen(c->hostname) > 64)
		bad(&k, "hostname: longer than the kernel's 64 bytes");
	if (c->domainname && strlen(c->domainname) > 64)
		bad(&k, "domainname: longer than the kernel's 64 bytes");
	for (size_t i = 0; i < c->n_mounts; i++)
		check_mount(&k, i, &c->mounts[i]);
	check_hooks(&k, c);
	check_linux(&k, c);
	return (int)(msgs->errors - before);
}
