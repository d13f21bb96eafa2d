/* What net/'s modules share among themselves; the room's public face is
 * net/net.h. One module a concern: addresses (addr.c), records and the
 * lock (store.c, record.c), netlink (link.c), nftables (rules.c), host
 * ports (ports.c), the generated files (files.c), and the steps that tie
 * them together (attach.c, network.c). */
#ifndef CSPAWN_NET_INTERNAL_H
#define CSPAWN_NET_INTERNAL_H

#include "net/net.h"

/* ---- addr.c: IPv4 addresses and subnets, in network byte order. */
int addr_parse(const char *s, struct in_addr *a);
/* "10.88.0.0/16"; host bits set are an error (the caller names the value). */
int cidr_parse(const char *s, struct in_addr *net, int *prefix);
bool subnet_contains(struct in_addr net, int prefix, struct in_addr a);
bool subnets_overlap(struct in_addr a, int pa, struct in_addr b, int pb);
/* An address a container may hold: inside, neither network nor broadcast. */
bool subnet_host(struct in_addr net, int prefix, struct in_addr a);
struct in_addr addr_offset(struct in_addr net, uint32_t n);
const char *addr_str(struct in_addr a, char *buf); /* buf: INET_ADDRSTRLEN */
bool name_valid(const char *name);

/* ---- store.c: the networks' records and the lock over all of net/. */
/* Takes <lib>/networks/.lock (created as needed); returns its descriptor. */
int netstore_lock(const struct net_roots *r, struct spawn_error *e);
void netstore_unlock(int fd);
/* ENOENT in errno (and e) when there is no such network; the default one
 * is made up in memory until first written. */
int netstore_read(const struct net_roots *r, const char *name, struct net_network *n,
		  struct spawn_error *e);
int netstore_write(const struct net_roots *r, const struct net_network *n, struct spawn_error *e);
int netstore_remove(const struct net_roots *r, const char *name, struct spawn_error *e);
/* All networks (the default included); the caller frees with netstore_free_all. */
int netstore_read_all(const struct net_roots *r, struct net_network **nets, size_t *n,
		      struct spawn_error *e);
void netstore_free_all(struct net_network *nets, size_t n);
/* write, fsync, rename, fsync of the directory. */
int write_atomic(const char *path, const char *text, size_t len, struct spawn_error *e);
/* Reads a whole small text file (malloc'ed, NUL-terminated). */
char *slurp(const char *path, size_t max, struct spawn_error *e);

/* A growing text buffer; an allocation failure ends cspawn (as grow()
 * does in spawn/options.c): there is nothing sensible to go on with. */
struct text {
	char *s;
	size_t len, cap;
};
void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void text_free(struct text *t);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);

/* ---- record.c: a container's attachment, <run>/.net/NAME/record. */
struct net_host_entry {
	char name[256];
	struct in_addr ip;
};
struct attach_record {
	char network[NET_NAME_MAX + 1];
	struct in_addr ip;
	char veth[16];
	char hostname[65];
	struct net_port *ports;
	size_t nports;
	struct net_host_entry *hosts; /* --add-host */
	size_t nhosts;
};
/* <run>/.net/NAME[/file] */
int ctr_path(const struct net_roots *r, const char *ctr, const char *file, char *out,
	     struct spawn_error *e);
int record_write(const struct net_roots *r, const char *ctr, const struct attach_record *rec,
		 struct spawn_error *e);
/* ENOENT in errno when there is none. */
int record_read(const struct net_roots *r, const char *ctr, struct attach_record *rec,
		struct spawn_error *e);
void record_free(struct attach_record *rec);
/* Names of the containers with an attachment directory. */
int record_list(const struct net_roots *r, char ***names, size_t *n, struct spawn_error *e);
void free_names(char **names, size_t n);

/* ---- link.c: netlink through libnl-route-3. */
struct nl_sock;
int link_open(struct nl_sock **sk, struct spawn_error *e);
void link_close(struct nl_sock *sk);
/* Creates the bridge with the gateway's address, up, when missing. */
int link_bridge_up(struct nl_sock *sk, const struct net_network *n, struct spawn_error *e);
/* Deletes the bridge when no interface is enslaved to it any more. */
int link_bridge_down_if_unused(struct nl_sock *sk, const char *bridge, bool *removed,
			       struct spawn_error *e);
bool link_exists(struct nl_sock *sk, const char *name);
/* A deleted or missing link is success. */
int link_delete(struct nl_sock *sk, const char *name, struct spawn_error *e);
/* A new network namespace, pinned by a bind mount on pin. */
int netns_create(const char *pin, struct spawn_error *e);
/* Unmounts and unlinks the pin; missing is fine. */
int netns_remove(const char *pin, struct spawn_error *e);
/* The veth pair: host end `veth` on the bridge, the other end eth0 in the
 * namespace, configured there with ip/prefix, a default route via gw, lo up. */
int link_veth_into(struct nl_sock *sk, const char *veth, const char *bridge, const char *pin,
		   struct in_addr ip, int prefix, struct in_addr gw, struct spawn_error *e);

/* ---- rules.c: cspawn's nftables table `ip cspawn` through libnftables. */
int rules_network_up(const struct net_network *n, struct spawn_error *e);
/* Drops the network's subnet; the whole table once no bridge is left. */
int rules_network_down(const struct net_network *n, bool last, struct spawn_error *e);
int rules_publish(const struct net_port *p, size_t n, struct in_addr ctr, struct spawn_error *e);
/* Missing elements are fine. */
int rules_unpublish(const struct net_port *p, size_t n, struct spawn_error *e);

/* ---- ports.c */
/* Fails when a port clashes with another container's or is in use on the
 * host; fills in the host ports still 0 with free ones. */
int ports_reserve(const struct net_roots *r, const char *ctr, struct net_port *p, size_t n,
		  struct spawn_error *e);

/* ---- files.c: hosts, hostname, resolv.conf of a container. */
int files_write_static(const struct net_roots *r, const char *ctr, const struct attach_record *rec,
		       const struct net_request *req, struct spawn_error *e);
/* Rewrites in place (same inode: it is bind-mounted) the hosts file of
 * every attached member of the network. */
int files_refresh_hosts(const struct net_roots *r, const char *network, struct spawn_error *e);

#endif
