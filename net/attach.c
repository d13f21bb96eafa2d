/* A container joins a network and leaves it. Every step runs under the one
 * lock of store.c; the attachment record is written before anything is
 * made, so that the teardown, which reads it, removes what a failed or
 * killed attach left as well as what a finished one made. */
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

static const char *const generated[] = {"hosts", "hostname", "resolv.conf", "record"};

/* The container's own lock: held by whoever runs it, so an attachment
 * whose lock is free is stale (its cspawn died). */
static int lock_container(const struct net_roots *r, const char *ctr, struct spawn_error *e)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd;

	if (ctr_path(r, ctr, NULL, dir, e) < 0 || ctr_path(r, ctr, "lock", path, e) < 0)
		return -1;
	if (mkdir_p(dir, 0755) < 0)
		return spawn_fail_errno(e, "creating %s", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			spawn_fail(e, "container %s is attached to a network by another cspawn",
				   ctr);
		else
			spawn_fail_errno(e, "locking %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

static bool has_record(const struct net_roots *r, const char *ctr)
{
	char path[PATH_MAX];
	struct spawn_error ignored;

	return ctr_path(r, ctr, "record", path, &ignored) == 0 && access(path, F_OK) == 0;
}

/* Drops ctr's leases on every network but keep (NULL: all). */
static int drop_leases(const struct net_roots *r, const char *ctr, const char *keep,
		       struct spawn_error *e)
{
	struct net_network *nets;
	size_t n;
	int rc = 0;

	if (netstore_read_all(r, &nets, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct net_network *net = &nets[i];
		size_t kept = 0;

		if (keep && strcmp(net->name, keep) == 0)
			continue;
		for (size_t j = 0; j < net->nleases; j++)
			if (strcmp(net->leases[j].container, ctr) != 0)
				net->leases[kept++] = net->leases[j];
		if (kept != net->nleases) {
			net->nleases = kept;
			rc = netstore_write(r, net, e);
		}
	}
	netstore_free_all(nets, n);
	return rc;
}

/* True when no network of cspawn has its bridge any more. */
static bool no_bridge_left(const struct net_roots *r, struct nl_sock *sk)
{
	struct net_network *nets;
	struct spawn_error ignored;
	size_t n;
	bool none = true;

	if (netstore_read_all(r, &nets, &n, &ignored) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (link_exists(sk, nets[i].bridge))
			none = false;
	netstore_free_all(nets, n);
	return none;
}

/* The bridge and the network's rules go with the last container on it. */
static int network_down_if_unused(const struct net_roots *r, struct nl_sock *sk,
				  const char *network, struct spawn_error *e)
{
	struct net_network net;
	bool removed;
	int rc;

	if (netstore_read(r, network, &net, e) < 0)
		return errno == ENOENT ? 0 : -1;
	rc = link_bridge_down_if_unused(sk, net.bridge, &removed, e);
	if (rc == 0 && removed)
		rc = rules_network_down(&net, no_bridge_left(r, sk), e);
	net_network_free(&net);
	return rc;
}

static void first_error(int *rc, struct spawn_error *e, int step, const struct spawn_error *se)
{
	if (step < 0 && *rc == 0) {
		*rc = -1;
		*e = *se;
	}
}

/* Everything of ctr's attachment, in the reverse order of its making; the
 * directory and the lock in it too, unless the caller (an attach that
 * found a stale attachment) holds the lock and goes on there. Goes on past
 * a failed step, and reports the first failure. */
static int teardown_locked(const struct net_roots *r, struct nl_sock *sk, const char *ctr,
			   enum net_lease_fate fate, bool keep_dir, struct spawn_error *e)
{
	struct attach_record rec;
	struct spawn_error se;
	char path[PATH_MAX];
	bool have = record_read(r, ctr, &rec, &se) == 0;
	int rc = 0;

	if (!have && errno != ENOENT)
		first_error(&rc, e, -1, &se);
	if (have) {
		first_error(&rc, e, rules_unpublish(rec.ports, rec.nports, &se), &se);
		first_error(&rc, e, link_delete(sk, rec.veth, &se), &se);
	}
	if (ctr_path(r, ctr, "netns", path, &se) == 0)
		first_error(&rc, e, netns_remove(path, &se), &se);
	for (size_t i = 0; i < sizeof(generated) / sizeof(*generated); i++)
		if (ctr_path(r, ctr, generated[i], path, &se) == 0 && unlink(path) < 0 &&
		    errno != ENOENT)
			first_error(&rc, e, spawn_fail_errno(&se, "removing %s", path), &se);
	if (fate == NET_LEASE_RELEASE)
		first_error(&rc, e, drop_leases(r, ctr, NULL, &se), &se);
	if (have) {
		first_error(&rc, e, files_refresh_hosts(r, rec.network, &se), &se);
		first_error(&rc, e, network_down_if_unused(r, sk, rec.network, &se), &se);
		record_free(&rec);
	}
	if (keep_dir)
		return rc;
	if (ctr_path(r, ctr, "lock", path, &se) == 0)
		unlink(path);
	if (ctr_path(r, ctr, NULL, path, &se) == 0 && rmdir(path) < 0 && errno != ENOENT)
		first_error(&rc, e, spawn_fail_errno(&se, "removing %s", path), &se);
	return rc;
}

static int leased_to(const struct net_network *n, struct in_addr ip, const char *ctr)
{
	for (size_t i = 0; i < n->nleases; i++)
		if (n->leases[i].ip.s_addr == ip.s_addr && strcmp(n->leases[i].container, ctr) != 0)
			return (int)i;
	return -1;
}

static int check_requested(const struct net_network *n, const char *s, const char *ctr,
			   struct in_addr *ip, struct spawn_error *e)
{
	char sub[32], gw[INET_ADDRSTRLEN];
	int other;

	net_format_subnet(n, sub, sizeof(sub));
	addr_str(n->gateway, gw);
	if (addr_parse(s, ip) < 0)
		return spawn_fail(e, "--ip '%s': expected an IPv4 address", s);
	if (!subnet_host(n->subnet, n->prefix, *ip) || ip->s_addr == n->gateway.s_addr)
		return spawn_fail(e,
				  "--ip %s: not a free host address of network %s (%s, gateway %s)",
				  s, n->name, sub, gw);
	other = leased_to(n, *ip, ctr);
	if (other >= 0)
		return spawn_fail(e, "--ip %s: already in use by container %s on network %s", s,
				  n->leases[other].container, n->name);
	return 0;
}

/* The lowest address that is neither the gateway nor leased. */
static int first_free(const struct net_network *n, struct in_addr *ip, struct spawn_error *e)
{
	uint32_t size = n->prefix == 0 ? 0 : 1u << (32 - n->prefix);
	uint32_t base = ntohl(n->subnet.s_addr);
	unsigned char *used = xcalloc(size / 8 + 1, 1);
	char sub[32];

	for (size_t i = 0; i < n->nleases; i++) {
		uint32_t off = ntohl(n->leases[i].ip.s_addr) - base;
		used[off / 8] |= (unsigned char)(1u << (off % 8));
	}
	for (uint32_t off = 1; off + 1 < size; off++) {
		struct in_addr a = addr_offset(n->subnet, off);
		if (!(used[off / 8] & (1u << (off % 8))) && a.s_addr != n->gateway.s_addr) {
			*ip = a;
			free(used);
			return 0;
		}
	}
	free(used);
	net_format_subnet(n, sub, sizeof(sub));
	return spawn_fail(e, "network %s: no free address left in %s", n->name, sub);
}

/* The container's lease: the one it holds (kept across restarts and
 * reboots), the one it asks for, or the first free one. */
static int take_lease(const struct net_roots *r, struct net_network *n, const char *ctr,
		      const char *want, struct in_addr *ip, bool *fresh, struct spawn_error *e)
{
	size_t i;

	for (i = 0; i < n->nleases; i++)
		if (strcmp(n->leases[i].container, ctr) == 0)
			break;
	*fresh = i == n->nleases;
	if (want && check_requested(n, want, ctr, ip, e) < 0)
		return -1;
	if (!want && !*fresh)
		*ip = n->leases[i].ip;
	else if (!want && first_free(n, ip, e) < 0)
		return -1;
	if (*fresh) {
		n->leases = xrealloc(n->leases, n->nleases + 1, sizeof(*n->leases));
		snprintf(n->leases[i].container, sizeof(n->leases[i].container), "%s", ctr);
		n->nleases++;
	}
	n->leases[i].ip = *ip;
	if (netstore_write(r, n, e) < 0)
		return -1;
	return drop_leases(r, ctr, n->name, e);
}

static int parse_add_hosts(const struct net_request *req, struct attach_record *rec,
			   struct spawn_error *e)
{
	rec->hosts = xcalloc(req->nadd_hosts, sizeof(*rec->hosts));
	for (size_t i = 0; i < req->nadd_hosts; i++) {
		const char *s = req->add_hosts[i], *colon = strrchr(s, ':');
		struct net_host_entry *h = &rec->hosts[i];

		if (!colon || colon == s || (size_t)(colon - s) >= sizeof(h->name) ||
		    strcspn(s, " \t\n#") < (size_t)(colon - s) || addr_parse(colon + 1, &h->ip) < 0)
			return spawn_fail(e, "--add-host '%s': expected NAME:IPv4-ADDRESS", s);
		snprintf(h->name, sizeof(h->name), "%.*s", (int)(colon - s), s);
		rec->nhosts++;
	}
	return 0;
}

static int check_request(const struct net_request *req, struct spawn_error *e)
{
	struct in_addr a;

	if (!req->container || !name_valid(req->container))
		return spawn_fail(e, "container name '%s' cannot name a network attachment",
				  req->container ? req->container : "");
	if (req->hostname && (strlen(req->hostname) > 64 ||
			      strcspn(req->hostname, " \t\n#") != strlen(req->hostname)))
		return spawn_fail(e, "hostname '%s' cannot go into /etc/hosts", req->hostname);
	for (size_t i = 0; i < req->ndns; i++)
		if (addr_parse(req->dns[i], &a) < 0)
			return spawn_fail(e, "--dns '%s': expected an IPv4 address", req->dns[i]);
	for (size_t i = 0; i < req->ndns_search; i++)
		if (!*req->dns_search[i] || strpbrk(req->dns_search[i], " \t\n#;"))
			return spawn_fail(e, "--dns-search '%s': expected a domain",
					  req->dns_search[i]);
	return 0;
}

static int random_veth(struct nl_sock *sk, char *name, struct spawn_error *e)
{
	for (int tries = 0; tries < 16; tries++) {
		uint32_t r;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return spawn_fail_errno(e, "getrandom");
		snprintf(name, 16, "veth%08x", r);
		if (!link_exists(sk, name))
			return 0;
	}
	return spawn_fail(e, "found no free veth name");
}

static int make_attachment(const struct net_roots *r, struct nl_sock *sk,
			   const struct net_request *req, const struct net_network *n,
			   struct attach_record *rec, struct net_attachment *a,
			   struct spawn_error *e)
{
	const char *ctr = req->container;

	if (random_veth(sk, rec->veth, e) < 0 ||
	    ports_reserve(r, ctr, rec->ports, rec->nports, e) < 0 ||
	    record_write(r, ctr, rec, e) < 0 || link_bridge_up(sk, n, e) < 0 ||
	    rules_network_up(n, e) < 0 || ctr_path(r, ctr, "netns", a->netns, e) < 0 ||
	    netns_create(a->netns, e) < 0 ||
	    link_veth_into(sk, rec->veth, n->bridge, a->netns, rec->ip, n->prefix, n->gateway, e) <
		0 ||
	    rules_publish(rec->ports, rec->nports, rec->ip, e) < 0 ||
	    files_write_static(r, ctr, rec, req, e) < 0 || files_refresh_hosts(r, n->name, e) < 0)
		return -1;
	if (ctr_path(r, ctr, "hosts", a->hosts, e) < 0 ||
	    ctr_path(r, ctr, "hostname", a->hostname, e) < 0 ||
	    ctr_path(r, ctr, "resolv.conf", a->resolv, e) < 0)
		return -1;
	addr_str(rec->ip, a->ip);
	addr_str(n->gateway, a->gateway);
	a->ports = xcalloc(rec->nports, sizeof(*a->ports));
	memcpy(a->ports, rec->ports, rec->nports * sizeof(*a->ports));
	a->nports = rec->nports;
	return 0;
}

static void fill_record(const struct net_request *req, const struct net_network *n,
			struct attach_record *rec)
{
	snprintf(rec->network, sizeof(rec->network), "%s", n->name);
	snprintf(rec->hostname, sizeof(rec->hostname), "%s",
		 req->hostname ? req->hostname : req->container);
	rec->ports = xcalloc(req->nports, sizeof(*rec->ports));
	memcpy(rec->ports, req->ports, req->nports * sizeof(*rec->ports));
	rec->nports = req->nports;
}

static int attach_locked(const struct net_roots *r, struct nl_sock *sk,
			 const struct net_request *req, struct net_attachment *a,
			 struct spawn_error *e)
{
	const char *ctr = req->container;
	struct attach_record rec = {0};
	struct net_network n;
	struct spawn_error se;
	bool fresh = false;
	int rc = -1;

	if (has_record(r, ctr) && teardown_locked(r, sk, ctr, NET_LEASE_KEEP, true, e) < 0)
		return -1;
	if (netstore_read(r, req->network ? req->network : NET_DEFAULT, &n, e) < 0)
		return -1;
	fill_record(req, &n, &rec);
	if (parse_add_hosts(req, &rec, e) < 0 ||
	    take_lease(r, &n, ctr, req->ip, &rec.ip, &fresh, e) < 0)
		goto out;
	rc = make_attachment(r, sk, req, &n, &rec, a, e);
	if (rc < 0)
		teardown_locked(r, sk, ctr, fresh ? NET_LEASE_RELEASE : NET_LEASE_KEEP, false, &se);
out:
	record_free(&rec);
	net_network_free(&n);
	return rc;
}

int net_attach(const struct net_roots *r, const struct net_request *req, struct net_attachment *a,
	       struct spawn_error *e)
{
	struct nl_sock *sk;
	int lock, rc = -1;

	memset(a, 0, sizeof(*a));
	a->lockfd = -1;
	if (check_request(req, e) < 0)
		return -1;
	lock = netstore_lock(r, e);
	if (lock < 0)
		return -1;
	if (link_open(&sk, e) == 0) {
		a->lockfd = lock_container(r, req->container, e);
		if (a->lockfd >= 0)
			rc = attach_locked(r, sk, req, a, e);
		link_close(sk);
	}
	if (rc < 0)
		net_attachment_close(a);
	netstore_unlock(lock);
	return rc;
}

void net_attachment_close(struct net_attachment *a)
{
	if (a->lockfd >= 0)
		close(a->lockfd);
	a->lockfd = -1;
	free(a->ports);
	a->ports = NULL;
	a->nports = 0;
}

int net_detach(const struct net_roots *r, const char *container, enum net_lease_fate fate,
	       struct spawn_error *e)
{
	struct nl_sock *sk = NULL;
	char dir[PATH_MAX];
	int lock, own = -1, rc = -1;

	if (!name_valid(container))
		return spawn_fail(e, "no such container: '%s'", container);
	lock = netstore_lock(r, e);
	if (lock < 0)
		return -1;
	if (ctr_path(r, container, NULL, dir, e) < 0)
		goto out;
	if (access(dir, F_OK) < 0) {
		/* Nothing attached (a reboot, a second teardown): only the lease. */
		rc = fate == NET_LEASE_RELEASE ? drop_leases(r, container, NULL, e) : 0;
		goto out;
	}
	own = lock_container(r, container, e);
	if (own >= 0 && link_open(&sk, e) == 0)
		rc = teardown_locked(r, sk, container, fate, false, e);
out:
	link_close(sk);
	if (own >= 0)
		close(own);
	netstore_unlock(lock);
	return rc;
}

int net_attachment_paths(const struct net_roots *r, const char *container, struct net_attachment *a,
			 struct spawn_error *e)
{
	memset(a, 0, sizeof(*a));
	a->lockfd = -1;
	if (ctr_path(r, container, "netns", a->netns, e) < 0 ||
	    ctr_path(r, container, "hosts", a->hosts, e) < 0 ||
	    ctr_path(r, container, "hostname", a->hostname, e) < 0 ||
	    ctr_path(r, container, "resolv.conf", a->resolv, e) < 0)
		return -1;
	return 0;
}
