/* `cspawn network create|ls|inspect|rm` and `cspawn port`: the user's view
 * of net/'s records. */
#include "manage/commands.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage/paths.h"
#include "net/net.h"

static int usage(void)
{
	fputs("usage: cspawn network create NAME [--subnet CIDR] [--gateway IP]\n"
	      "       cspawn network ls [-q]\n"
	      "       cspawn network inspect NAME...\n"
	      "       cspawn network rm NAME...\n"
	      "       cspawn port CONTAINER [CTRPORT[/tcp|/udp]]\n",
	      stderr);
	return 125;
}

static int roots_of(struct cspawn_roots *paths, struct net_roots *r)
{
	struct spawn_error e;

	if (paths_roots(paths, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return -1;
	}
	r->lib = paths->lib;
	r->run = paths->run;
	return 0;
}

static int report(const struct spawn_error *e)
{
	fprintf(stderr, "cspawn: %s\n", e->msg);
	return 1;
}

static int network_create(const struct net_roots *r, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"subnet", required_argument, NULL, 's'},
	    {"gateway", required_argument, NULL, 'g'},
	    {NULL, 0, NULL, 0},
	};
	const char *subnet = NULL, *gateway = NULL;
	struct net_network n;
	struct spawn_error e;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			subnet = optarg;
		else if (c == 'g')
			gateway = optarg;
		else
			return usage();
	}
	if (optind != argc - 1)
		return usage();
	if (net_network_create(r, argv[optind], subnet, gateway, &n, &e) < 0)
		return report(&e);
	puts(n.name);
	net_network_free(&n);
	return 0;
}

static int network_ls(const struct net_roots *r, int argc, char **argv)
{
	bool quiet = argc == 2 && strcmp(argv[1], "-q") == 0;
	struct spawn_error e;
	char **names;
	size_t n;
	int rc = 0;

	if (argc > 2 || (argc == 2 && !quiet))
		return usage();
	if (net_network_names(r, &names, &n, &e) < 0)
		return report(&e);
	if (!quiet)
		printf("%-20s %-10s %-18s %-15s %s\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY",
		       "CONTAINERS");
	for (size_t i = 0; i < n; i++) {
		struct net_network net;
		char sub[32], gw[INET_ADDRSTRLEN];

		if (quiet) {
			puts(names[i]);
		} else if (net_network_read(r, names[i], &net, &e) < 0) {
			rc = report(&e);
		} else {
			net_format_subnet(&net, sub, sizeof(sub));
			inet_ntop(AF_INET, &net.gateway, gw, sizeof(gw));
			printf("%-20s %-10s %-18s %-15s %zu\n", net.name, net.bridge, sub, gw,
			       net.nleases);
			net_network_free(&net);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static void print_json(const struct net_network *n, bool last)
{
	char sub[32], ip[INET_ADDRSTRLEN];

	net_format_subnet(n, sub, sizeof(sub));
	printf("  {\n    \"name\": \"%s\",\n    \"driver\": \"bridge\",\n", n->name);
	printf("    \"bridge\": \"%s\",\n    \"subnet\": \"%s\",\n", n->bridge, sub);
	printf("    \"gateway\": \"%s\",\n    \"containers\": [",
	       inet_ntop(AF_INET, &n->gateway, ip, sizeof(ip)));
	for (size_t i = 0; i < n->nleases; i++)
		printf("%s\n      {\"name\": \"%s\", \"ip\": \"%s\"}", i ? "," : "",
		       n->leases[i].container,
		       inet_ntop(AF_INET, &n->leases[i].ip, ip, sizeof(ip)));
	printf("%s]\n  }%s\n", n->nleases ? "\n    " : "", last ? "" : ",");
}

/* JSON, as `podman network inspect`: an array, one object a network. All
 * strings are names and addresses that cspawn checked: nothing to escape. */
static int network_inspect(const struct net_roots *r, int argc, char **argv)
{
	struct net_network *nets = calloc((size_t)argc, sizeof(*nets));
	struct spawn_error e;
	int rc = 0, n = 0;

	if (argc < 2)
		return usage();
	if (!nets) {
		perror("cspawn: calloc");
		return 125;
	}
	for (int i = 1; i < argc; i++)
		if (net_network_read(r, argv[i], &nets[n], &e) < 0)
			rc = report(&e);
		else
			n++;
	printf("[\n");
	for (int i = 0; i < n; i++) {
		print_json(&nets[i], i == n - 1);
		net_network_free(&nets[i]);
	}
	printf("]\n");
	free(nets);
	return rc;
}

static int network_rm(const struct net_roots *r, int argc, char **argv)
{
	struct spawn_error e;
	int rc = 0;

	if (argc < 2)
		return usage();
	for (int i = 1; i < argc; i++)
		if (net_network_remove(r, argv[i], &e) < 0)
			rc = report(&e);
		else
			puts(argv[i]);
	return rc;
}

int cmd_network(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const struct net_roots *, int, char **);
	} subs[] = {
	    {"create", network_create},	  {"ls", network_ls}, {"list", network_ls},
	    {"inspect", network_inspect}, {"rm", network_rm}, {"remove", network_rm},
	};
	struct cspawn_roots paths;
	struct net_roots r;

	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (roots_of(&paths, &r) < 0)
			return 125;
		optind = 0;
		return subs[i].fn(&r, argc - 1, argv + 1);
	}
	return usage();
}

/* `cspawn port NAME [CTRPORT[/PROTO]]`, docker's format. */
int cmd_port(int argc, char **argv)
{
	struct cspawn_roots paths;
	struct net_roots r;
	struct net_port *ports, want = {0};
	struct spawn_error e;
	size_t n;
	int shown = 0;

	if (argc < 2 || argc > 3)
		return usage();
	if (argc == 3 && net_parse_port(argv[2], &want, &e) < 0)
		return report(&e);
	if (roots_of(&paths, &r) < 0)
		return 125;
	if (net_ports_of(&r, argv[1], &ports, &n, &e) < 0)
		return report(&e);
	for (size_t i = 0; i < n; i++) {
		char ip[INET_ADDRSTRLEN];
		const char *proto = ports[i].proto == IPPROTO_UDP ? "udp" : "tcp";

		inet_ntop(AF_INET, &ports[i].host_ip, ip, sizeof(ip));
		if (argc == 2)
			printf("%u/%s -> %s:%u\n", ports[i].ctr_port, proto, ip,
			       ports[i].host_port);
		else if (ports[i].ctr_port == want.ctr_port && ports[i].proto == want.proto)
			printf("%s:%u\n", ip, ports[i].host_port);
		else
			continue;
		shown++;
	}
	free(ports);
	if (argc == 3 && shown == 0) {
		fprintf(stderr, "cspawn: %s: no published port %s\n", argv[1], argv[2]);
		return 1;
	}
	return 0;
}
