/* Network records: the default before first use, create with free subnets
 * and bridges, overlaps and bad values refused naming the culprit, remove,
 * and a corrupt record named with its line. Only files: no netlink. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "net/net.h"

static char lib[64];
static const struct net_roots roots = {.lib = lib, .run = "/nonexistent"};

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/networks/%s", lib, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void test_default(void)
{
	struct net_network n;
	struct spawn_error e;
	char sub[32];
	char **names;
	size_t count;

	ok(net_network_read(&roots, "bridge", &n, &e) == 0,
	   "the default network reads before first use");
	net_format_subnet(&n, sub, sizeof(sub));
	ok(strcmp(n.bridge, "cspawn0") == 0 && strcmp(sub, "10.88.0.0/16") == 0 && n.nleases == 0,
	   "... cspawn0, 10.88.0.0/16, no leases");
	net_network_free(&n);
	ok(net_network_names(&roots, &names, &count, &e) == 0 && count == 1 &&
	       strcmp(names[0], "bridge") == 0,
	   "it is listed before any record exists");
	free(names[0]);
	free(names);
}

static void create_ok(const char *name, const char *subnet, const char *want_subnet,
		      const char *want_bridge)
{
	struct net_network n;
	struct spawn_error e;
	char sub[32];
	int rc = net_network_create(&roots, name, subnet, NULL, &n, &e);

	net_format_subnet(&n, sub, sizeof(sub));
	ok(rc == 0 && strcmp(sub, want_subnet) == 0 && strcmp(n.bridge, want_bridge) == 0,
	   "create %s: %s on %s (got %s %s: %s)", name, want_subnet, want_bridge, sub, n.bridge,
	   rc == 0 ? "ok" : e.msg);
	net_network_free(&n);
}

static void create_refused(const char *name, const char *subnet, const char *gateway,
			   const char *want)
{
	struct net_network n;
	struct spawn_error e;

	ok(net_network_create(&roots, name, subnet, gateway, &n, &e) < 0 && strstr(e.msg, want),
	   "create %s %s: refused with \"%s\" (got \"%s\")", name, subnet ? subnet : "", want,
	   e.msg);
	net_network_free(&n);
}

static void test_create(void)
{
	create_ok("a", NULL, "10.89.0.0/24", "cspawn1");
	create_ok("b", NULL, "10.89.1.0/24", "cspawn2");
	create_ok("c", "172.30.0.0/16", "172.30.0.0/16", "cspawn3");
	create_refused("d", "10.89.1.128/25", NULL, "overlaps network b (10.89.1.0/24)");
	create_refused("d", "10.0.0.0/8", NULL, "overlaps network");
	create_refused("d", "10.88.5.0/24", NULL, "overlaps network bridge (10.88.0.0/16)");
	create_refused("d", "192.0.2.0/24", "192.0.3.1", "--gateway '192.0.3.1'");
	create_refused("d", "192.0.2.0/31", NULL, "prefix 8 to 30");
	create_refused("a", NULL, NULL, "network a already exists");
	create_refused("host", NULL, NULL, "reserved");
	create_refused("../x", NULL, NULL, "network name '../x'");
}

static void test_remove_and_corrupt(void)
{
	struct net_network n;
	struct spawn_error e;
	char **names;
	size_t count;

	ok(net_network_remove(&roots, "a", &e) == 0, "remove a");
	ok(net_network_read(&roots, "a", &n, &e) < 0 && errno == ENOENT &&
	       strstr(e.msg, "no such network: 'a'"),
	   "... then it is no such network");
	ok(net_network_remove(&roots, "bridge", &e) < 0 && strstr(e.msg, "cannot be removed"),
	   "the default cannot be removed");
	put("inuse",
	    "bridge=cspawn9\nsubnet=10.99.0.0/24\ngateway=10.99.0.1\nlease=10.99.0.2 db\n");
	ok(net_network_remove(&roots, "inuse", &e) < 0 && strstr(e.msg, "in use by container db"),
	   "a network with a lease is not removed: the container is named");
	put("broken", "bridge=cspawn8\nsubnet=10.98.0.0/24\ngateway=10.98.0.1\nlease=10.1.0.2 x\n");
	ok(net_network_read(&roots, "broken", &n, &e) < 0 &&
	       strstr(e.msg, "networks/broken: line 4") && strstr(e.msg, "bad lease"),
	   "a lease outside the subnet: the file and line are named (%s)", e.msg);
	put("garbage", "\x01\x02 not a record\n");
	ok(net_network_read(&roots, "garbage", &n, &e) < 0 &&
	       strstr(e.msg, "networks/garbage: line 1"),
	   "garbage: the file and line are named");
	put(".hidden.tmp1", "x");
	ok(net_network_names(&roots, &names, &count, &e) == 0 && count == 6 &&
	       strcmp(names[0], "bridge") == 0 && strcmp(names[1], "b") == 0,
	   "names: the default first, then sorted; the lock and temporary files are not networks");
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int main(void)
{
	char cmd[96];

	snprintf(lib, sizeof(lib), "/tmp/net_store.XXXXXX");
	if (!mkdtemp(lib)) {
		perror("mkdtemp");
		return 1;
	}
	tap_plan(3 + 11 + 7);
	test_default();
	test_create();
	test_remove_and_corrupt();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", lib);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", lib);
	return tap_done();
}
