/* Links, addresses and routes over netlink (libnl-route-3), and the network
 * namespaces they live in. A namespace is made with unshare(CLONE_NEWNET)
 * and pinned by a bind mount of its nsfs file, as `ip netns add` does, so
 * it outlives the call and a container can join it by path. */
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

/* Back to cspawn's own namespace; failing that, cspawn must not go on in
 * another one (its later steps would act there). */
static void back_to(int own)
{
	if (setns(own, CLONE_NEWNET) < 0) {
		fprintf(stderr, "cspawn: setns back to its own network namespace: %s\n",
			strerror(errno));
		_exit(125);
	}
}

static int nl_fail(struct spawn_error *e, int err, const char *what, const char *name)
{
	return spawn_fail(e, "%s %s: %s", what, name, nl_geterror(err));
}

int link_open(struct nl_sock **sk, struct spawn_error *e)
{
	int err;

	*sk = nl_socket_alloc();
	if (!*sk)
		return spawn_fail(e, "netlink: out of memory");
	err = nl_connect(*sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return spawn_fail(e, "netlink: connecting: %s", nl_geterror(err));
	}
	return 0;
}

void link_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

bool link_exists(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = NULL;

	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return false;
	rtnl_link_put(l);
	return true;
}

static int link_index(struct nl_sock *sk, const char *name, struct spawn_error *e)
{
	struct rtnl_link *l = NULL;
	int err = rtnl_link_get_kernel(sk, 0, name, &l), ifindex;

	if (err < 0)
		return nl_fail(e, err, "looking up the link", name);
	ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return ifindex;
}

static int set_up(struct nl_sock *sk, const char *name, struct spawn_error *e)
{
	struct rtnl_link *old = NULL, *change;
	int err = rtnl_link_get_kernel(sk, 0, name, &old);

	if (err < 0)
		return nl_fail(e, err, "looking up the link", name);
	change = rtnl_link_alloc();
	if (!change) {
		rtnl_link_put(old);
		return spawn_fail(e, "netlink: out of memory");
	}
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(sk, old, change, 0);
	rtnl_link_put(change);
	rtnl_link_put(old);
	return err < 0 ? nl_fail(e, err, "bringing up", name) : 0;
}

static int add_address(struct nl_sock *sk, int ifindex, struct in_addr ip, int prefix,
		       const char *name, struct spawn_error *e)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &ip, sizeof(ip));
	int err = -NLE_NOMEM;

	if (a && local) {
		nl_addr_set_prefixlen(local, prefix);
		rtnl_addr_set_ifindex(a, ifindex);
		err = rtnl_addr_set_local(a, local);
		if (err == 0)
			err = rtnl_addr_add(sk, a, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(a);
	return err < 0 ? nl_fail(e, err, "adding an address to", name) : 0;
}

static int add_default_route(struct nl_sock *sk, int ifindex, struct in_addr gw,
			     struct spawn_error *e)
{
	struct in_addr any = {0};
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET, &any, sizeof(any));
	struct nl_addr *via = nl_addr_build(AF_INET, &gw, sizeof(gw));
	int err = -NLE_NOMEM;

	if (r && nh && dst && via) {
		nl_addr_set_prefixlen(dst, 0);
		rtnl_route_set_family(r, AF_INET);
		rtnl_route_set_dst(r, dst);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		rtnl_route_nh_set_gateway(nh, via);
		rtnl_route_add_nexthop(r, nh);
		nh = NULL; /* the route owns it now */
		err = rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_EXCL);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(via);
	rtnl_route_put(r);
	return err < 0 ? spawn_fail(e, "adding the default route: %s", nl_geterror(err)) : 0;
}

static int write_sysctl(const char *path, struct spawn_error *e)
{
	char now[8];

	/* Written only when it differs: a read costs less than a write, and
	 * a host that already forwards is left exactly as it was. */
	if (read_file(path, now, sizeof(now)) > 0 && now[0] == '1')
		return 0;
	if (write_file(path, "1") < 0)
		return spawn_fail_errno(e, "writing 1 to %s", path);
	return 0;
}

/* Forwarding, so containers reach beyond the bridge; route_localnet on
 * the bridge, so that a connection from the host to 127.0.0.1:PORT may be
 * DNATed out of it (see rules.c). */
static int bridge_sysctls(const char *bridge, struct spawn_error *e)
{
	char path[PATH_MAX];

	if (write_sysctl("/proc/sys/net/ipv4/ip_forward", e) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
	return write_sysctl(path, e);
}

int link_bridge_up(struct nl_sock *sk, const struct net_network *n, struct spawn_error *e)
{
	struct rtnl_link *br;
	int err, ifindex;

	if (link_exists(sk, n->bridge))
		return bridge_sysctls(n->bridge, e);
	br = rtnl_link_bridge_alloc();
	if (!br)
		return spawn_fail(e, "netlink: out of memory");
	rtnl_link_set_name(br, n->bridge);
	err = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(br);
	if (err < 0)
		return nl_fail(e, err, "creating the bridge", n->bridge);
	ifindex = link_index(sk, n->bridge, e);
	if (ifindex < 0 || add_address(sk, ifindex, n->gateway, n->prefix, n->bridge, e) < 0 ||
	    set_up(sk, n->bridge, e) < 0 || bridge_sysctls(n->bridge, e) < 0) {
		struct spawn_error ignored;
		link_delete(sk, n->bridge, &ignored);
		return -1;
	}
	return 0;
}

int link_delete(struct nl_sock *sk, const char *name, struct spawn_error *e)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int err;

	if (!l)
		return spawn_fail(e, "netlink: out of memory");
	rtnl_link_set_name(l, name);
	err = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (err < 0 && err != -NLE_NODEV && err != -NLE_OBJ_NOTFOUND)
		return nl_fail(e, err, "deleting the link", name);
	return 0;
}

int link_bridge_down_if_unused(struct nl_sock *sk, const char *bridge, bool *removed,
			       struct spawn_error *e)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int ifindex, err, ports = 0;

	*removed = false;
	if (!link_exists(sk, bridge)) {
		*removed = true;
		return 0;
	}
	ifindex = link_index(sk, bridge, e);
	if (ifindex < 0)
		return -1;
	err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (err < 0)
		return spawn_fail(e, "netlink: listing links: %s", nl_geterror(err));
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o))
		if (rtnl_link_get_master((struct rtnl_link *)o) == ifindex)
			ports++;
	nl_cache_free(cache);
	if (ports > 0)
		return 0;
	if (link_delete(sk, bridge, e) < 0)
		return -1;
	*removed = true;
	return 0;
}

int netns_create(const char *pin, struct spawn_error *e)
{
	char self[64];
	int own, made = -1, fd, rc = -1;

	own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		return spawn_fail_errno(e, "opening /proc/self/ns/net");
	fd = open(pin, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		spawn_fail_errno(e, "creating %s", pin);
		goto out;
	}
	close(fd);
	if (unshare(CLONE_NEWNET) < 0) {
		spawn_fail_errno(e, "unshare(CLONE_NEWNET)");
		goto out;
	}
	made = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	back_to(own);
	if (made < 0) {
		spawn_fail_errno(e, "opening the new network namespace");
		goto out;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", made);
	if (mount(self, pin, NULL, MS_BIND, NULL) < 0) {
		spawn_fail_errno(e, "pinning the network namespace on %s", pin);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(pin);
	if (made >= 0)
		close(made);
	close(own);
	return rc;
}

int netns_remove(const char *pin, struct spawn_error *e)
{
	if (umount2(pin, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return spawn_fail_errno(e, "unmounting %s", pin);
	if (unlink(pin) < 0 && errno != ENOENT)
		return spawn_fail_errno(e, "removing %s", pin);
	return 0;
}

static int create_veth(struct nl_sock *sk, const char *veth, int master, int nsfd,
		       struct spawn_error *e)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *peer;
	int err;

	if (!l)
		return spawn_fail(e, "netlink: out of memory");
	rtnl_link_set_name(l, veth);
	rtnl_link_set_master(l, master);
	rtnl_link_set_flags(l, IFF_UP);
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_fd(peer, nsfd);
	rtnl_link_put(peer);
	err = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	return err < 0 ? nl_fail(e, err, "creating the veth pair", veth) : 0;
}

/* A netlink socket talks to the namespace it was opened in. */
static int open_inside(int nsfd, struct nl_sock **sk, struct spawn_error *e)
{
	int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), rc;

	if (own < 0)
		return spawn_fail_errno(e, "opening /proc/self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		close(own);
		return spawn_fail_errno(e, "setns into the container's network namespace");
	}
	rc = link_open(sk, e);
	back_to(own);
	close(own);
	return rc;
}

static int configure_inside(int nsfd, struct in_addr ip, int prefix, struct in_addr gw,
			    struct spawn_error *e)
{
	struct nl_sock *in;
	int ifindex, rc = -1;

	if (open_inside(nsfd, &in, e) < 0)
		return -1;
	if (set_up(in, "lo", e) < 0)
		goto out;
	ifindex = link_index(in, "eth0", e);
	if (ifindex < 0 || add_address(in, ifindex, ip, prefix, "eth0", e) < 0 ||
	    set_up(in, "eth0", e) < 0 || add_default_route(in, ifindex, gw, e) < 0)
		goto out;
	rc = 0;
out:
	link_close(in);
	return rc;
}

int link_veth_into(struct nl_sock *sk, const char *veth, const char *bridge, const char *pin,
		   struct in_addr ip, int prefix, struct in_addr gw, struct spawn_error *e)
{
	int master = link_index(sk, bridge, e), nsfd, rc;

	if (master < 0)
		return -1;
	nsfd = open(pin, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return spawn_fail_errno(e, "opening %s", pin);
	rc = create_veth(sk, veth, master, nsfd, e);
	if (rc == 0)
		rc = configure_inside(nsfd, ip, prefix, gw, e);
	close(nsfd);
	return rc;
}
