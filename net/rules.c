/* cspawn's nftables table, `ip cspawn`, through libnftables (nft's own
 * syntax). cspawn creates it on first use, changes only elements of its
 * sets and maps afterwards, and deletes it once no bridge of its is left;
 * it never lists, flushes or changes any other table.
 *
 *   nets          the subnets of the networks in use
 *   published     proto . port : container address . port (every host address)
 *   published_at  host address . proto . port : ... (-p HOSTIP:...)
 *
 * DNAT in prerouting serves connections from other hosts and namespaces;
 * DNAT in output serves the host's own, 127.0.0.1 included: route_localnet
 * on the bridge (link.c) lets such a packet leave through it, and the
 * masquerade of 127.0.0.0/8 gives it a source the container can answer.
 * No proxy process is needed. Outbound traffic of the subnets is
 * masqueraded, and so is a container reaching a published port of another
 * on the same host (hairpin), whose answer must come back through the host. */
#include "net/internal.h"

#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#define TABLE "ip cspawn"

static const char table_def[] =
    "add table " TABLE "\n"
    "add set " TABLE " nets { type ipv4_addr; flags interval; }\n"
    "add map " TABLE " published { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
    "add map " TABLE " published_at { type ipv4_addr . inet_proto . inet_service : "
    "ipv4_addr . inet_service; }\n"
    "add chain " TABLE " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
    "add chain " TABLE " output { type nat hook output priority -100; policy accept; }\n"
    "add chain " TABLE
    " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
    "add rule " TABLE " prerouting fib daddr type local dnat ip to "
    "ip daddr . meta l4proto . th dport map @published_at\n"
    "add rule " TABLE " prerouting fib daddr type local dnat ip to "
    "meta l4proto . th dport map @published\n"
    "add rule " TABLE " output fib daddr type local dnat ip to "
    "ip daddr . meta l4proto . th dport map @published_at\n"
    "add rule " TABLE " output fib daddr type local dnat ip to "
    "meta l4proto . th dport map @published\n"
    "add rule " TABLE " postrouting ip saddr @nets ip daddr != @nets masquerade\n"
    "add rule " TABLE " postrouting ip saddr 127.0.0.0/8 ct status dnat masquerade\n"
    "add rule " TABLE " postrouting ct status dnat ip saddr @nets ip daddr @nets masquerade\n";

/* Runs cmds as one transaction. With missing_ok, "no such table, set or
 * element" counts as done: the teardown that meets it is a repeat. */
static int run(const char *cmds, bool missing_ok, struct spawn_error *e)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *err;
	int rc;

	if (!nft)
		return spawn_fail(e, "nftables: nft_ctx_new failed");
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, cmds);
	if (rc != 0) {
		err = nft_ctx_get_error_buffer(nft);
		if (missing_ok && err && strstr(err, "No such file or directory")) {
			rc = 0;
		} else {
			/* nft's message is several lines: the error, the
			 * command, a marker; the first line says it. */
			size_t n = err ? strcspn(err, "\n") : 0;
			spawn_fail(e, "nftables: %.*s (running: %.*s)", (int)n, err ? err : "",
				   (int)strcspn(cmds, "\n"), cmds);
		}
	}
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
}

static int ensure_table(struct spawn_error *e)
{
	struct spawn_error ignored;

	if (run("list table " TABLE, false, &ignored) == 0)
		return 0;
	return run(table_def, false, e);
}

int rules_network_up(const struct net_network *n, struct spawn_error *e)
{
	char cmd[256], subnet[32];

	if (ensure_table(e) < 0)
		return -1;
	net_format_subnet(n, subnet, sizeof(subnet));
	snprintf(cmd, sizeof(cmd), "add element " TABLE " nets { %s }", subnet);
	return run(cmd, false, e);
}

int rules_network_down(const struct net_network *n, bool last, struct spawn_error *e)
{
	char cmd[256], subnet[32];

	if (last)
		return run("delete table " TABLE, true, e);
	net_format_subnet(n, subnet, sizeof(subnet));
	snprintf(cmd, sizeof(cmd), "delete element " TABLE " nets { %s }", subnet);
	return run(cmd, true, e);
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* The element's key: which map, and what is looked up in it. */
static void port_key(const struct net_port *p, char *buf, size_t len, const char **map)
{
	char ip[INET_ADDRSTRLEN];

	if (p->host_ip.s_addr == INADDR_ANY) {
		*map = "published";
		snprintf(buf, len, "%s . %u", proto_name(p->proto), p->host_port);
	} else {
		*map = "published_at";
		snprintf(buf, len, "%s . %s . %u", addr_str(p->host_ip, ip), proto_name(p->proto),
			 p->host_port);
	}
}

int rules_publish(const struct net_port *p, size_t n, struct in_addr ctr, struct spawn_error *e)
{
	struct text t = {0};
	char key[64], ip[INET_ADDRSTRLEN];
	const char *map;
	int rc;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		port_key(&p[i], key, sizeof(key), &map);
		text_add(&t, "add element " TABLE " %s { %s : %s . %u }\n", map, key,
			 addr_str(ctr, ip), p[i].ctr_port);
	}
	rc = run(t.s, false, e);
	text_free(&t);
	return rc;
}

/* One by one: after a half-done publish some are there and some not. */
int rules_unpublish(const struct net_port *p, size_t n, struct spawn_error *e)
{
	char cmd[160], key[64];
	const char *map;

	for (size_t i = 0; i < n; i++) {
		port_key(&p[i], key, sizeof(key), &map);
		snprintf(cmd, sizeof(cmd), "delete element " TABLE " %s { %s }", map, key);
		if (run(cmd, true, e) < 0)
			return -1;
	}
	return 0;
}
