/* Freeing the model: one call for a config, one for each document. */
#include "oci/internal.h"

#include <stdlib.h>
#include <string.h>

const char *oci_map_get(const struct oci_map *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].key && strcmp(m->v[i].key, key) == 0)
			return m->v[i].value;
	return NULL;
}

void oci_strv_free(struct oci_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

void oci_map_free(struct oci_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void oci_mount_free(struct oci_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	oci_strv_free(&m->options);
	free(m->propagation);
	free(m->data);
	free(m->uid_mappings.v);
	free(m->gid_mappings.v);
	memset(m, 0, sizeof(*m));
}

void oci_process_free(struct oci_process *p)
{
	free(p->user.additional_gids);
	oci_strv_free(&p->args);
	oci_strv_free(&p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof(*p));
}

static void free_resources(struct oci_resources *r)
{
	for (size_t i = 0; i < r->n_devices; i++)
		free(r->devices[i].access);
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	free(r->block_io.weight_device);
	free(r->block_io.read_bps.v);
	free(r->block_io.write_bps.v);
	free(r->block_io.read_iops.v);
	free(r->block_io.write_iops.v);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	oci_map_free(&r->unified);
}

static void free_seccomp(struct oci_seccomp *s)
{
	free(s->architectures);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		oci_strv_free(&s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
}

static void free_linux(struct oci_linux *l)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		free(l->namespaces[i].path);
	free(l->namespaces);
	free(l->uid_mappings.v);
	free(l->gid_mappings.v);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	free_resources(&l->resources);
	oci_map_free(&l->sysctl);
	free_seccomp(&l->seccomp);
	oci_strv_free(&l->masked_paths);
	oci_strv_free(&l->readonly_paths);
	free(l->mount_label);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
}

void oci_config_free(struct oci_config *c)
{
	free(c->oci_version);
	free(c->root.path);
	for (size_t i = 0; i < c->n_mounts; i++)
		oci_mount_free(&c->mounts[i]);
	free(c->mounts);
	oci_process_free(&c->process);
	free(c->hostname);
	free(c->domainname);
	for (int k = 0; k < OCI_HOOK_COUNT; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].v[i].path);
			oci_strv_free(&c->hooks[k].v[i].args);
			oci_strv_free(&c->hooks[k].v[i].env);
		}
		free(c->hooks[k].v);
	}
	oci_map_free(&c->annotations);
	free_linux(&c->lnx);
	memset(c, 0, sizeof(*c));
}
