/* The files a container's /etc gets from its network: hosts, hostname and
 * resolv.conf, made in <run>/.net/NAME/ and bind-mounted by the runtime, so
 * the root and its layers are never written. hosts lists the other
 * members of the network too; it is rewritten in place, keeping its inode
 * (the bind mount refers to the inode), whenever a member joins or leaves:
 * names between containers need no resident process. */
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOST_RESOLV "/etc/resolv.conf"
/* Where systemd-resolved keeps the real servers behind its 127.0.0.53. */
#define RESOLVED_RESOLV "/run/systemd/resolve/resolv.conf"
/* Docker's choice when the host names only servers unreachable from inside. */
static const char *const fallback_dns[] = {"8.8.8.8", "8.8.4.4"};

static bool usable_nameserver(const char *addr)
{
	struct in_addr a;

	/* A loopback server is the host's own; IPv6 ones cannot be reached
	 * from an IPv4-only container. */
	return addr_parse(addr, &a) == 0 && (ntohl(a.s_addr) >> 24) != 127;
}

/* The host's file, or resolved's when the host's points at the stub. */
static char *host_resolv(struct spawn_error *e)
{
	char *text = slurp(HOST_RESOLV, 1 << 20, e), *alt;

	if (!text && errno == ENOENT) {
		text = strdup("");
		if (!text)
			spawn_fail_errno(e, "strdup");
		return text;
	}
	if (text && strstr(text, "nameserver 127.0.0.53") &&
	    (alt = slurp(RESOLVED_RESOLV, 1 << 20, e))) {
		free(text);
		return alt;
	}
	return text;
}

static void keep_host_lines(char *host, const struct net_request *req, struct text *t, int *servers)
{
	char *save = NULL;

	for (char *l = strtok_r(host, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char word[16], value[64];

		if (sscanf(l, " %15s %63s", word, value) < 1)
			continue;
		if (strcmp(word, "nameserver") == 0) {
			if (req->ndns == 0 && usable_nameserver(value)) {
				text_add(t, "nameserver %s\n", value);
				(*servers)++;
			}
		} else if (strcmp(word, "search") == 0 || strcmp(word, "domain") == 0) {
			if (req->ndns_search == 0)
				text_add(t, "%s\n", l);
		} else if (strcmp(word, "options") == 0) {
			text_add(t, "%s\n", l);
		}
	}
}

static int write_resolv(const char *path, const struct net_request *req, struct spawn_error *e)
{
	struct text t = {0};
	char *host = host_resolv(e);
	int servers = 0, rc;

	if (!host)
		return -1;
	text_add(&t, "# made by cspawn from the host's %s\n", HOST_RESOLV);
	for (size_t i = 0; i < req->ndns; i++, servers++)
		text_add(&t, "nameserver %s\n", req->dns[i]);
	if (req->ndns_search) {
		text_add(&t, "search");
		for (size_t i = 0; i < req->ndns_search; i++)
			text_add(&t, " %s", req->dns_search[i]);
		text_add(&t, "\n");
	}
	keep_host_lines(host, req, &t, &servers);
	for (size_t i = 0; servers == 0 && i < sizeof(fallback_dns) / sizeof(*fallback_dns); i++)
		text_add(&t, "nameserver %s\n", fallback_dns[i]);
	rc = write_atomic(path, t.s, t.len, e);
	free(host);
	text_free(&t);
	return rc;
}

int files_write_static(const struct net_roots *r, const char *ctr, const struct attach_record *rec,
		       const struct net_request *req, struct spawn_error *e)
{
	char path[PATH_MAX], line[80];

	if (ctr_path(r, ctr, "hostname", path, e) < 0)
		return -1;
	snprintf(line, sizeof(line), "%s\n", rec->hostname);
	if (write_atomic(path, line, strlen(line), e) < 0)
		return -1;
	if (ctr_path(r, ctr, "resolv.conf", path, e) < 0)
		return -1;
	return write_resolv(path, req, e);
}

struct member {
	char name[NET_NAME_MAX + 1];
	struct attach_record rec;
};

static void add_names(struct text *t, const struct member *m)
{
	char ip[INET_ADDRSTRLEN];

	text_add(t, "%s\t%s", addr_str(m->rec.ip, ip), m->name);
	if (strcmp(m->rec.hostname, m->name) != 0)
		text_add(t, " %s", m->rec.hostname);
	text_add(t, "\n");
}

static void hosts_text(const struct member *self, const struct member *all, size_t n,
		       const char *network, struct text *t)
{
	char ip[INET_ADDRSTRLEN];

	text_add(t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	add_names(t, self);
	for (size_t i = 0; i < self->rec.nhosts; i++)
		text_add(t, "%s\t%s\n", addr_str(self->rec.hosts[i].ip, ip),
			 self->rec.hosts[i].name);
	text_add(t, "# the other containers on network %s\n", network);
	for (size_t i = 0; i < n; i++)
		if (&all[i] != self)
			add_names(t, &all[i]);
}

/* In place: the same inode, its content replaced, its tail cut. */
static int rewrite(const char *path, const struct text *t, struct spawn_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	for (size_t off = 0; off < t->len;) {
		ssize_t n = pwrite(fd, t->s + off, t->len - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			spawn_fail_errno(e, "writing %s", path);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (ftruncate(fd, (off_t)t->len) < 0) {
		spawn_fail_errno(e, "truncating %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int load_members(const struct net_roots *r, const char *network, struct member **out,
			size_t *n, struct spawn_error *e)
{
	char **names;
	size_t count;

	*out = NULL;
	*n = 0;
	if (record_list(r, &names, &count, e) < 0)
		return -1;
	*out = xcalloc(count, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		struct member *m = &(*out)[*n];
		struct spawn_error ignored;

		if (record_read(r, names[i], &m->rec, &ignored) < 0)
			continue;
		if (strcmp(m->rec.network, network) != 0) {
			record_free(&m->rec);
			continue;
		}
		snprintf(m->name, sizeof(m->name), "%s", names[i]);
		(*n)++;
	}
	free_names(names, count);
	return 0;
}

int files_refresh_hosts(const struct net_roots *r, const char *network, struct spawn_error *e)
{
	struct member *all;
	size_t n;
	int rc = 0;

	if (load_members(r, network, &all, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct text t = {0};
		char path[PATH_MAX];

		hosts_text(&all[i], all, n, network, &t);
		rc = ctr_path(r, all[i].name, "hosts", path, e);
		if (rc == 0)
			rc = rewrite(path, &t, e);
		text_free(&t);
	}
	for (size_t i = 0; i < n; i++)
		record_free(&all[i].rec);
	free(all);
	return rc;
}
