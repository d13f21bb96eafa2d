#include "manage/netglue.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strings(const char **v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *netglue_request(const struct spawn_opts *o)
{
	const struct spawn_net_request *q = &o->netreq;
	json_t *r;

	if (o->net != SPAWN_NET_JOIN || o->netns_path)
		return NULL;
	r = json_pack("{s:s, s:o, s:o, s:o, s:o}", "network", q->network ? q->network : NET_DEFAULT,
		      "publish", strings(q->publish, q->npublish), "dns", strings(q->dns, q->ndns),
		      "dns_search", strings(q->dns_search, q->ndns_search), "add_hosts",
		      strings(q->add_hosts, q->nadd_hosts));
	if (r && q->ip)
		json_object_set_new(r, "ip", json_string(q->ip));
	if (r && o->hostname)
		json_object_set_new(r, "hostname", json_string(o->hostname));
	return r;
}

static int add_bind(struct spawn_opts *o, const char *host, const char *ctr, struct spawn_error *e)
{
	struct spawn_bind *b = realloc(o->binds, (o->nbinds + 1) * sizeof(*o->binds));

	if (!b)
		return spawn_fail_errno(e, "realloc");
	o->binds = b;
	b = &o->binds[o->nbinds];
	/* writable, as docker's */
	*b = (struct spawn_bind){.host = strdup(host), .ctr = strdup(ctr)};
	if (!b->host || !b->ctr) {
		free(b->host);
		free(b->ctr);
		return spawn_fail_errno(e, "strdup");
	}
	o->nbinds++;
	return 0;
}

static int roots_of(struct netglue *g, struct spawn_error *e)
{
	if (paths_roots(&g->paths, e) < 0)
		return -1;
	g->roots.lib = g->paths.lib;
	g->roots.run = g->paths.run;
	return 0;
}

int netglue_spec(struct spawn_opts *o, const char *name, struct spawn_error *e)
{
	struct netglue g;

	if (o->net != SPAWN_NET_JOIN || o->netns_path)
		return 0;
	if (roots_of(&g, e) < 0 || net_attachment_paths(&g.roots, name, &g.a, e) < 0)
		return -1;
	free(o->netns_owned);
	o->netns_owned = strdup(g.a.netns);
	if (!o->netns_owned)
		return spawn_fail_errno(e, "strdup");
	o->netns_path = o->netns_owned;
	if (add_bind(o, g.a.hosts, "/etc/hosts", e) < 0 ||
	    add_bind(o, g.a.hostname, "/etc/hostname", e) < 0 ||
	    add_bind(o, g.a.resolv, "/etc/resolv.conf", e) < 0)
		return -1;
	return 0;
}

/* A record's array of strings as the request's pointers (into req). */
static const char **list(const json_t *req, const char *key, size_t *n)
{
	const json_t *a = json_object_get(req, key);
	const char **v = calloc(json_array_size(a) + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < json_array_size(a); i++)
		if (json_string_value(json_array_get(a, i)))
			v[(*n)++] = json_string_value(json_array_get(a, i));
	return v;
}

int netglue_attach(struct netglue *g, const json_t *req, const char *name, struct spawn_error *e)
{
	struct net_request r = {.container = name};
	const char **publish = NULL;
	size_t npublish = 0;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (!req)
		return 0;
	r.network = json_string_value(json_object_get(req, "network"));
	r.ip = json_string_value(json_object_get(req, "ip"));
	r.hostname = json_string_value(json_object_get(req, "hostname"));
	publish = list(req, "publish", &npublish);
	r.dns = list(req, "dns", &r.ndns);
	r.dns_search = list(req, "dns_search", &r.ndns_search);
	r.add_hosts = list(req, "add_hosts", &r.nadd_hosts);
	g->ports = calloc(npublish + 1, sizeof(*g->ports));
	if (!publish || !r.dns || !r.dns_search || !r.add_hosts || !g->ports) {
		spawn_fail_errno(e, "the network request");
		goto out;
	}
	for (size_t i = 0; i < npublish; i++)
		if (net_parse_port(publish[i], &g->ports[i], e) < 0)
			goto out;
	r.ports = g->ports;
	r.nports = npublish;
	if (roots_of(g, e) == 0 && net_attach(&g->roots, &r, &g->a, e) == 0) {
		g->attached = true;
		rc = 0;
	}
out:
	free(publish);
	free((void *)r.dns);
	free((void *)r.dns_search);
	free((void *)r.add_hosts);
	return rc;
}

void netglue_detach(struct netglue *g, const char *name, bool release)
{
	struct spawn_error e;

	free(g->ports);
	g->ports = NULL;
	if (!g->attached)
		return;
	net_attachment_close(&g->a);
	if (net_detach(&g->roots, name, release ? NET_LEASE_RELEASE : NET_LEASE_KEEP, &e) < 0)
		fprintf(stderr, "cspawn: %s: %s\n", name, e.msg);
	g->attached = false;
}

int netglue_lock_fd(const struct netglue *g)
{
	return g->attached ? g->a.lockfd : -1;
}

void netglue_adopt(struct netglue *g, int lockfd)
{
	struct spawn_error e;

	memset(g, 0, sizeof(*g));
	g->a.lockfd = lockfd;
	fcntl(lockfd, F_SETFD, FD_CLOEXEC);
	/* without the paths, netglue_detach could not reach the lease */
	if (roots_of(g, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return;
	}
	g->attached = true;
}

int netglue_release(const char *name, struct spawn_error *e)
{
	struct netglue g;

	if (roots_of(&g, e) < 0)
		return -1;
	return net_detach(&g.roots, name, NET_LEASE_RELEASE, e);
}
