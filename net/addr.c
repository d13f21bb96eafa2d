/* IPv4 addresses and subnets. Everything is in network byte order at the
 * edges and converted only to do arithmetic. */
#include "net/internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t mask_of(int prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int addr_parse(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

int cidr_parse(const char *s, struct in_addr *net, int *prefix)
{
	char buf[INET_ADDRSTRLEN], *end;
	const char *slash = strchr(s, '/');
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(buf) || !isdigit((unsigned char)slash[1]))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	p = strtol(slash + 1, &end, 10);
	if (*end || p < 0 || p > 32 || addr_parse(buf, net) < 0)
		return -1;
	if (ntohl(net->s_addr) & ~mask_of((int)p))
		return -1;
	*prefix = (int)p;
	return 0;
}

bool subnet_contains(struct in_addr net, int prefix, struct in_addr a)
{
	return ((ntohl(a.s_addr) ^ ntohl(net.s_addr)) & mask_of(prefix)) == 0;
}

bool subnets_overlap(struct in_addr a, int pa, struct in_addr b, int pb)
{
	return subnet_contains(a, pa, b) || subnet_contains(b, pb, a);
}

bool subnet_host(struct in_addr net, int prefix, struct in_addr a)
{
	uint32_t host = ntohl(a.s_addr) & ~mask_of(prefix);

	return subnet_contains(net, prefix, a) && host != 0 && host != ~mask_of(prefix);
}

struct in_addr addr_offset(struct in_addr net, uint32_t n)
{
	struct in_addr a = {.s_addr = htonl(ntohl(net.s_addr) + n)};
	return a;
}

const char *addr_str(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* Docker's rule for names, which also keeps them safe in file names, nft
 * comments and /etc/hosts: a letter or digit, then letters, digits, '_',
 * '.', '-'. */
bool name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NET_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

void net_format_subnet(const struct net_network *n, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s/%d", addr_str(n->subnet, a), n->prefix);
}
