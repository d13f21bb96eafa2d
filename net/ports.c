/* Published ports: the -p syntax, and the checks that a host port is free
 * before the container starts. Nothing holds the port while the container
 * runs (the DNAT of rules.c needs no socket), so the checks are two: no
 * other container of cspawn publishes it (their records, read under the
 * lock), and nothing on the host has it bound now (a test bind). */
#include "net/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_number(const char *s, size_t len, uint16_t *out, bool zero_ok)
{
	unsigned long v = 0;

	if (len == 0 && zero_ok) {
		*out = 0;
		return 0;
	}
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int parse_proto(const char *s, int *proto)
{
	if (!s || strcmp(s, "tcp") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		*proto = IPPROTO_UDP;
	else
		return -1;
	return 0;
}

/* CTRPORT, HOSTPORT:CTRPORT, HOSTIP:HOSTPORT:CTRPORT, HOSTIP::CTRPORT. */
int net_parse_port(const char *spec, struct net_port *p, struct spawn_error *e)
{
	char buf[64], *slash, *last, *first;

	memset(p, 0, sizeof(*p));
	if (strlen(spec) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", spec);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (parse_proto(slash, &p->proto) < 0)
		goto bad;
	last = strrchr(buf, ':');
	if (!last) {
		if (parse_number(buf, strlen(buf), &p->ctr_port, false) < 0)
			goto bad;
		return 0;
	}
	if (parse_number(last + 1, strlen(last + 1), &p->ctr_port, false) < 0)
		goto bad;
	*last = '\0';
	first = strrchr(buf, ':');
	if (!first) {
		if (parse_number(buf, strlen(buf), &p->host_port, false) < 0)
			goto bad;
		return 0;
	}
	*first = '\0';
	if (addr_parse(buf, &p->host_ip) < 0 ||
	    parse_number(first + 1, strlen(first + 1), &p->host_port, true) < 0)
		goto bad;
	return 0;
bad:
	return spawn_fail(e,
			  "-p '%s': expected [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|/udp], "
			  "ports 1-65535, an IPv4 HOSTIP",
			  spec);
}

void net_format_port(const struct net_port *p, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s:%u->%u/%s", addr_str(p->host_ip, ip), p->host_port, p->ctr_port,
		 p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

static bool clash(const struct net_port *a, const struct net_port *b)
{
	return a->proto == b->proto && a->host_port == b->host_port &&
	       (a->host_ip.s_addr == INADDR_ANY || b->host_ip.s_addr == INADDR_ANY ||
		a->host_ip.s_addr == b->host_ip.s_addr);
}

struct published {
	struct net_port port;
	char owner[NET_NAME_MAX + 1];
};

/* Every port the other attached containers publish. A record that cannot
 * be read publishes nothing we know of; its error is not ours to report. */
static int collect(const struct net_roots *r, const char *self, struct published **out, size_t *n,
		   struct spawn_error *e)
{
	char **names;
	size_t count;

	*out = NULL;
	*n = 0;
	if (record_list(r, &names, &count, e) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct attach_record rec;
		struct spawn_error ignored;

		if (strcmp(names[i], self) == 0 || record_read(r, names[i], &rec, &ignored) < 0)
			continue;
		*out = xrealloc(*out, *n + rec.nports, sizeof(**out));
		for (size_t j = 0; j < rec.nports; j++, (*n)++) {
			(*out)[*n].port = rec.ports[j];
			snprintf((*out)[*n].owner, sizeof((*out)[*n].owner), "%s", names[i]);
		}
		record_free(&rec);
	}
	free_names(names, count);
	return 0;
}

/* A bind now, released at once: fails when something on the host holds
 * the port. With port 0 the kernel picks a free one, returned in *port. */
static int try_bind(const struct net_port *p, uint16_t *port, struct spawn_error *e)
{
	int type = p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM, one = 1, rc = -1;
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_addr = p->host_ip, .sin_port = htons(p->host_port)};
	socklen_t len = sizeof(sa);
	char ip[INET_ADDRSTRLEN];
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return spawn_fail_errno(e, "socket");
	/* A connection of the past in TIME_WAIT does not make a port busy. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		spawn_fail_errno(e, "setsockopt SO_REUSEADDR");
	else if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		spawn_fail_errno(e, "port %u/%s is not free on the host (bind %s:%u)", p->host_port,
				 p->proto == IPPROTO_UDP ? "udp" : "tcp", addr_str(p->host_ip, ip),
				 p->host_port);
	else if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		spawn_fail_errno(e, "getsockname");
	else
		rc = 0;
	*port = ntohs(sa.sin_port);
	close(fd);
	return rc;
}

static const struct published *find_clash(const struct net_port *p, const struct published *pub,
					  size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (clash(p, &pub[i].port))
			return &pub[i];
	return NULL;
}

/* A free port chosen by the kernel, unless another container publishes it
 * (the kernel does not know those): then another try. */
static int choose(struct net_port *p, const struct published *pub, size_t n, struct spawn_error *e)
{
	for (int tries = 0; tries < 64; tries++) {
		struct net_port want = *p;
		uint16_t got;

		want.host_port = 0;
		if (try_bind(&want, &got, e) < 0)
			return -1;
		want.host_port = got;
		if (!find_clash(&want, pub, n)) {
			p->host_port = got;
			return 0;
		}
	}
	return spawn_fail(e, "-p %u: found no free host port", p->ctr_port);
}

static int check_one(struct net_port *p, const struct published *pub, size_t n, size_t self_from,
		     struct spawn_error *e)
{
	const struct published *other;
	uint16_t got;

	if (p->host_port == 0)
		return choose(p, pub, n, e);
	other = find_clash(p, pub, n);
	if (other && (size_t)(other - pub) >= self_from)
		return spawn_fail(e, "-p: host port %u/%s is given twice", p->host_port,
				  p->proto == IPPROTO_UDP ? "udp" : "tcp");
	if (other)
		return spawn_fail(e, "host port %u/%s is already published by container %s",
				  p->host_port, p->proto == IPPROTO_UDP ? "udp" : "tcp",
				  other->owner);
	return try_bind(p, &got, e);
}

int ports_reserve(const struct net_roots *r, const char *ctr, struct net_port *p, size_t n,
		  struct spawn_error *e)
{
	struct published *pub;
	size_t npub, others;
	int rc = 0;

	if (n == 0)
		return 0;
	if (collect(r, ctr, &pub, &npub, e) < 0)
		return -1;
	others = npub;
	pub = xrealloc(pub, npub + n, sizeof(*pub));
	/* Fixed ports first, so that a chosen one cannot take a fixed one's. */
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			if ((p[i].host_port == 0) != (pass == 1))
				continue;
			rc = check_one(&p[i], pub, npub, others, e);
			if (rc == 0) {
				pub[npub].port = p[i];
				snprintf(pub[npub++].owner, sizeof(pub->owner), "%s", ctr);
			}
		}
	}
	free(pub);
	return rc;
}
