/* Networks as the user names them: create, remove, the records behind
 * `network ls` and `inspect`. The bridge itself comes and goes with the
 * containers on it (attach.c). */
#include "net/internal.h"

#include <errno.h>
#include <string.h>

#define USER_POOL "10.89.0.0"
#define BRIDGE_PREFIX "cspawn"

static bool reserved(const char *name)
{
	return strcmp(name, NET_DEFAULT) == 0 || strcmp(name, "none") == 0 ||
	       strcmp(name, "host") == 0;
}

static const struct net_network *overlapping(const struct net_network *nets, size_t n,
					     struct in_addr subnet, int prefix)
{
	for (size_t i = 0; i < n; i++)
		if (subnets_overlap(nets[i].subnet, nets[i].prefix, subnet, prefix))
			return &nets[i];
	return NULL;
}

/* podman's way: the first 10.89.N.0/24 that no network overlaps. */
static int free_subnet(const struct net_network *nets, size_t n, struct net_network *out,
		       struct spawn_error *e)
{
	struct in_addr pool;

	addr_parse(USER_POOL, &pool);
	for (uint32_t i = 0; i < 256; i++) {
		struct in_addr s = addr_offset(pool, i << 8);
		if (!overlapping(nets, n, s, 24)) {
			out->subnet = s;
			out->prefix = 24;
			return 0;
		}
	}
	return spawn_fail(e, "no free subnet left in 10.89.0.0/16: give --subnet");
}

/* cspawn1, cspawn2, ...: the lowest that no network has. */
static void free_bridge(const struct net_network *nets, size_t n, struct net_network *out)
{
	for (unsigned short i = 1;; i++) {
		size_t j;

		snprintf(out->bridge, sizeof(out->bridge), BRIDGE_PREFIX "%hu", i);
		for (j = 0; j < n; j++)
			if (strcmp(nets[j].bridge, out->bridge) == 0)
				break;
		if (j == n)
			return;
	}
}

static int fill_new(const struct net_network *nets, size_t n, const char *subnet,
		    const char *gateway, struct net_network *out, struct spawn_error *e)
{
	const struct net_network *other;

	if (subnet) {
		if (cidr_parse(subnet, &out->subnet, &out->prefix) < 0 || out->prefix < 8 ||
		    out->prefix > 30)
			return spawn_fail(e,
					  "--subnet '%s': expected an IPv4 network such as "
					  "10.90.0.0/24 (prefix 8 to 30, no host bits)",
					  subnet);
		other = overlapping(nets, n, out->subnet, out->prefix);
		if (other) {
			char s[32];
			net_format_subnet(other, s, sizeof(s));
			return spawn_fail(e, "--subnet %s overlaps network %s (%s)", subnet,
					  other->name, s);
		}
	} else if (free_subnet(nets, n, out, e) < 0) {
		return -1;
	}
	if (!gateway) {
		out->gateway = addr_offset(out->subnet, 1);
	} else if (addr_parse(gateway, &out->gateway) < 0 ||
		   !subnet_host(out->subnet, out->prefix, out->gateway)) {
		return spawn_fail(e, "--gateway '%s': expected a host address of the subnet",
				  gateway);
	}
	free_bridge(nets, n, out);
	return 0;
}

int net_network_create(const struct net_roots *r, const char *name, const char *subnet,
		       const char *gateway, struct net_network *out, struct spawn_error *e)
{
	struct net_network *nets;
	size_t n;
	int lock, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!name_valid(name))
		return spawn_fail(e,
				  "network name '%s': use up to %d letters, digits, '_', '.', "
				  "'-', starting with a letter or digit",
				  name, NET_NAME_MAX);
	if (reserved(name))
		return spawn_fail(e, "network name '%s' is reserved", name);
	lock = netstore_lock(r, e);
	if (lock < 0)
		return -1;
	if (netstore_read_all(r, &nets, &n, e) == 0) {
		size_t i;

		for (i = 0; i < n; i++)
			if (strcmp(nets[i].name, name) == 0)
				break;
		snprintf(out->name, sizeof(out->name), "%s", name);
		if (i < n)
			spawn_fail(e, "network %s already exists", name);
		else if (fill_new(nets, n, subnet, gateway, out, e) == 0)
			rc = netstore_write(r, out, e);
		netstore_free_all(nets, n);
	}
	netstore_unlock(lock);
	return rc;
}

int net_network_remove(const struct net_roots *r, const char *name, struct spawn_error *e)
{
	struct net_network n;
	int lock, rc = -1;

	if (strcmp(name, NET_DEFAULT) == 0)
		return spawn_fail(e, "the default network %s cannot be removed", name);
	lock = netstore_lock(r, e);
	if (lock < 0)
		return -1;
	if (netstore_read(r, name, &n, e) == 0) {
		if (n.nleases > 0)
			spawn_fail(e, "network %s is in use by container %s%s", name,
				   n.leases[0].container, n.nleases > 1 ? " and others" : "");
		else
			rc = netstore_remove(r, name, e);
		net_network_free(&n);
	}
	netstore_unlock(lock);
	return rc;
}
