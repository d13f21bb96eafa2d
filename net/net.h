/* Container networking: named networks (a Linux bridge, an IPv4 subnet and
 * its gateway), an address lease per container, a network namespace set up
 * on the host side (lo, eth0 from a veth whose host end is on the bridge,
 * the address, the default route), outbound masquerade and published ports
 * in cspawn's own nftables table, and the container's /etc/hosts,
 * /etc/hostname and /etc/resolv.conf.
 *
 * The library knows containers only by name: it never starts, signals or
 * waits for a process. State: networks and their leases are records under
 * <lib>/networks/, a container's attachment (its namespace pin, generated
 * files, published ports) lives in <run>/.net/NAME/. Every change is made
 * under one lock (<lib>/networks/.lock) and every record is replaced
 * atomically. Netlink goes through libnl-route-3, nftables through
 * libnftables.
 *
 * What runs when:
 *   each start     net_attach (then spawn joins a->netns and binds the files)
 *   each end       net_attachment_close, then net_detach(NET_LEASE_KEEP or
 *                  NET_LEASE_RELEASE); also after a killed monitor: idempotent
 *   rm             net_detach(NET_LEASE_RELEASE) (also when nothing is left
 *                  but the lease, e.g. after a reboot)
 *   any start      net_attach cleans a stale attachment of the same name */
#ifndef CSPAWN_NET_H
#define CSPAWN_NET_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spawn/util.h"

/* The network `--net bridge` (the default) joins: bridge cspawn0 with
 * 10.88.0.0/16, created on first use. */
#define NET_DEFAULT "bridge"
#define NET_DEFAULT_BRIDGE "cspawn0"
#define NET_DEFAULT_SUBNET "10.88.0.0/16"
#define NET_NAME_MAX 64

/* Where the state lives: <lib>/networks and <run>/net (see manage/paths.h). */
struct net_roots {
	const char *lib;
	const char *run;
};

/* One published port: `-p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|/udp]`. */
struct net_port {
	int proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct in_addr host_ip; /* INADDR_ANY: every address of the host */
	uint16_t host_port;	/* 0 (from `-p CTRPORT`): net_attach picks a free one */
	uint16_t ctr_port;
};

/* Parses a -p value; a bad one is described in e. */
int net_parse_port(const char *spec, struct net_port *p, struct spawn_error *e);
/* "0.0.0.0:8080->80/tcp", the form of docker's PORTS column. */
void net_format_port(const struct net_port *p, char *buf, size_t len);

/* What a container asks for. Only container is required. */
struct net_request {
	const char *container; /* its name (or id): [A-Za-z0-9][A-Za-z0-9_.-]* */
	const char *network;   /* NULL: NET_DEFAULT */
	const char *ip;	       /* NULL: the lowest free address */
	const char *hostname;  /* NULL: the container's name */
	const struct net_port *ports;
	size_t nports;
	const char *const *dns; /* nameservers; none: the host's, loopback ones replaced */
	size_t ndns;
	const char *const *dns_search; /* search domains; none: the host's */
	size_t ndns_search;
	const char *const *add_hosts; /* NAME:IP lines for /etc/hosts */
	size_t nadd_hosts;
};

/* A container's network, ready to join. */
struct net_attachment {
	char netns[PATH_MAX];	 /* the pinned namespace: SPAWN_NET_JOIN's netns_path */
	char hosts[PATH_MAX];	 /* bind onto /etc/hosts */
	char hostname[PATH_MAX]; /* bind onto /etc/hostname */
	char resolv[PATH_MAX];	 /* bind onto /etc/resolv.conf */
	char ip[INET_ADDRSTRLEN];
	char gateway[INET_ADDRSTRLEN];
	struct net_port *ports; /* as published: chosen host ports filled in */
	size_t nports;
	int lockfd; /* held while the container lives: its attachment is not stale */
};

/* Sets up the container's network completely, or fails having removed
 * what it made. Clear errors: an unknown network, an address outside the
 * subnet or leased to another container, a host port in use or published
 * by another container, the same name attached by a live cspawn. */
int net_attach(const struct net_roots *r, const struct net_request *req, struct net_attachment *a,
	       struct spawn_error *e);
/* The paths an attachment of container has (netns and the three files),
 * whether or not it is attached: what a spec names before the start. */
int net_attachment_paths(const struct net_roots *r, const char *container,
			 struct net_attachment *a, struct spawn_error *e);
/* Lets go of the attachment (its lock and memory); nothing is removed. */
void net_attachment_close(struct net_attachment *a);

enum net_lease_fate {
	NET_LEASE_KEEP,	   /* the container may start again: keep its address */
	NET_LEASE_RELEASE, /* it is gone for good */
};
/* Removes the container's veth, namespace pin, nft elements and files, and
 * the bridge and table once nothing uses them; with NET_LEASE_RELEASE its
 * lease too. Idempotent: what is already gone is skipped. Fails without
 * touching anything while another process holds the attachment. */
int net_detach(const struct net_roots *r, const char *container, enum net_lease_fate fate,
	       struct spawn_error *e);

/* The ports a container's attachment published (for `cspawn port` and a
 * PORTS column); *ports is malloc'ed, NULL when none. No attachment: -1. */
int net_ports_of(const struct net_roots *r, const char *container, struct net_port **ports,
		 size_t *nports, struct spawn_error *e);

struct net_lease {
	struct in_addr ip;
	char container[NET_NAME_MAX + 1];
};

struct net_network {
	char name[NET_NAME_MAX + 1];
	char bridge[16];
	struct in_addr subnet; /* network address */
	int prefix;
	struct in_addr gateway;
	struct net_lease *leases;
	size_t nleases;
};

/* `network create NAME [--subnet CIDR] [--gateway IP]`: subnet NULL takes
 * the first free 10.89.N.0/24, gateway NULL the subnet's first address.
 * A name in use or a subnet that overlaps another network's is refused,
 * naming it. Only the record is written; the bridge appears on first use. */
int net_network_create(const struct net_roots *r, const char *name, const char *subnet,
		       const char *gateway, struct net_network *out, struct spawn_error *e);
/* Refused while containers hold leases on it (named in e). */
int net_network_remove(const struct net_roots *r, const char *name, struct spawn_error *e);
/* Reads one network's record; the default one exists before first use. */
int net_network_read(const struct net_roots *r, const char *name, struct net_network *n,
		     struct spawn_error *e);
void net_network_free(struct net_network *n);
/* The names of all networks, sorted, the default first; *names is malloc'ed
 * (free each and the array). */
int net_network_names(const struct net_roots *r, char ***names, size_t *n, struct spawn_error *e);
/* "10.88.0.0/16" */
void net_format_subnet(const struct net_network *n, char *buf, size_t len);

#endif
