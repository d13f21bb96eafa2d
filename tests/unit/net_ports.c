/* The -p syntax: what parses, into what, and what is refused. */
#include <arpa/inet.h>
#include <string.h>

#include "../tap.h"
#include "net/net.h"

static void parses(const char *spec, const char *ip, unsigned host, unsigned ctr, int proto)
{
	struct net_port p;
	struct spawn_error e;
	char got[INET_ADDRSTRLEN];
	int rc = net_parse_port(spec, &p, &e);

	inet_ntop(AF_INET, &p.host_ip, got, sizeof(got));
	ok(rc == 0 && strcmp(got, ip) == 0 && p.host_port == host && p.ctr_port == ctr &&
	       p.proto == proto,
	   "-p %s: %s:%u -> %u/%s", spec, ip, host, ctr, proto == IPPROTO_UDP ? "udp" : "tcp");
}

static void refused(const char *spec)
{
	struct net_port p;
	struct spawn_error e;

	ok(net_parse_port(spec, &p, &e) < 0 &&
	       strstr(e.msg, "expected [HOSTIP:][HOSTPORT:]CTRPORT"),
	   "-p '%s' is refused with the syntax", spec);
}

int main(void)
{
	static const char *const bad[] = {
	    "",	    "0",     "80000", "a:b",	 "8080:80/sctp", "1.2.3:80:80",
	    "::80", "8080:", "80/",   "1:2:3:4", "-1:80",	 "8080:80/tcp/udp"};
	struct net_port p = {.proto = IPPROTO_UDP, .host_port = 5353, .ctr_port = 53};
	char buf[64];

	tap_plan(6 + (int)(sizeof(bad) / sizeof(bad[0])));
	parses("8080:80", "0.0.0.0", 8080, 80, IPPROTO_TCP);
	parses("80", "0.0.0.0", 0, 80, IPPROTO_TCP);
	parses("53/udp", "0.0.0.0", 0, 53, IPPROTO_UDP);
	parses("127.0.0.1:8081:80/tcp", "127.0.0.1", 8081, 80, IPPROTO_TCP);
	parses("192.0.2.1::53/udp", "192.0.2.1", 0, 53, IPPROTO_UDP);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i]);
	net_format_port(&p, buf, sizeof(buf));
	is_str(buf, "0.0.0.0:5353->53/udp", "the PORTS column's form");
	return tap_done();
}
