/* A container's attachment: <run>/.net/NAME/record says what net_attach
 * made, so that net_detach (even after a killed monitor, from another
 * process) removes exactly that:
 *
 *   network=bridge
 *   ip=10.88.0.2
 *   veth=veth1f2e3d4c
 *   hostname=web
 *   port=tcp 0.0.0.0 8080 80
 *   host=db.example 192.0.2.9      (an --add-host entry)
 */
#include "net/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RECORD_MAX (1 << 20)

/* A name no container can have (they start with a letter or digit), so
 * the runtime's own <run>/NAME directories and their sweep never meet it. */
int ctr_path(const struct net_roots *r, const char *ctr, const char *file, char *out,
	     struct spawn_error *e)
{
	int rc = file ? format_path(out, PATH_MAX, "%s/.net/%s/%s", r->run, ctr, file)
		      : format_path(out, PATH_MAX, "%s/.net/%s", r->run, ctr);

	if (rc < 0)
		return spawn_fail_errno(e, "the network directory of %s under %s", ctr, r->run);
	return 0;
}

int record_write(const struct net_roots *r, const char *ctr, const struct attach_record *rec,
		 struct spawn_error *e)
{
	char path[PATH_MAX], a[INET_ADDRSTRLEN], h[INET_ADDRSTRLEN];
	struct text t = {0};
	int rc;

	if (ctr_path(r, ctr, "record", path, e) < 0)
		return -1;
	text_add(&t, "network=%s\nip=%s\nveth=%s\nhostname=%s\n", rec->network,
		 addr_str(rec->ip, a), rec->veth, rec->hostname);
	for (size_t i = 0; i < rec->nports; i++) {
		const struct net_port *p = &rec->ports[i];
		text_add(&t, "port=%s %s %u %u\n", p->proto == IPPROTO_UDP ? "udp" : "tcp",
			 addr_str(p->host_ip, h), p->host_port, p->ctr_port);
	}
	for (size_t i = 0; i < rec->nhosts; i++)
		text_add(&t, "host=%s %s\n", rec->hosts[i].name, addr_str(rec->hosts[i].ip, a));
	rc = write_atomic(path, t.s, t.len, e);
	text_free(&t);
	return rc;
}

static int parse_port(const char *v, struct net_port *p)
{
	char proto[4], ip[INET_ADDRSTRLEN];
	unsigned hp, cp;
	int end = 0;

	if (sscanf(v, "%3s %15s %u %u%n", proto, ip, &hp, &cp, &end) != 4 || v[end] ||
	    addr_parse(ip, &p->host_ip) < 0 || hp == 0 || hp > 65535 || cp == 0 || cp > 65535)
		return -1;
	if (strcmp(proto, "tcp") == 0)
		p->proto = IPPROTO_TCP;
	else if (strcmp(proto, "udp") == 0)
		p->proto = IPPROTO_UDP;
	else
		return -1;
	p->host_port = (uint16_t)hp;
	p->ctr_port = (uint16_t)cp;
	return 0;
}

static int parse_host(const char *v, struct net_host_entry *h)
{
	const char *sp = strrchr(v, ' ');

	if (!sp || sp == v || (size_t)(sp - v) >= sizeof(h->name) || addr_parse(sp + 1, &h->ip) < 0)
		return -1;
	snprintf(h->name, sizeof(h->name), "%.*s", (int)(sp - v), v);
	return 0;
}

static int copy_field(char *dst, size_t len, const char *v, bool (*valid)(const char *))
{
	if (strlen(v) >= len || (valid && !valid(v)))
		return -1;
	snprintf(dst, len, "%s", v);
	return 0;
}

static int parse_field(struct attach_record *rec, const char *key, const char *v)
{
	if (strcmp(key, "network") == 0)
		return copy_field(rec->network, sizeof(rec->network), v, name_valid);
	if (strcmp(key, "ip") == 0)
		return addr_parse(v, &rec->ip);
	if (strcmp(key, "veth") == 0)
		return copy_field(rec->veth, sizeof(rec->veth), v, NULL);
	if (strcmp(key, "hostname") == 0)
		return copy_field(rec->hostname, sizeof(rec->hostname), v, NULL);
	if (strcmp(key, "port") == 0) {
		rec->ports = xrealloc(rec->ports, rec->nports + 1, sizeof(*rec->ports));
		return parse_port(v, &rec->ports[rec->nports++]);
	}
	if (strcmp(key, "host") == 0) {
		rec->hosts = xrealloc(rec->hosts, rec->nhosts + 1, sizeof(*rec->hosts));
		return parse_host(v, &rec->hosts[rec->nhosts++]);
	}
	return -1;
}

int record_read(const struct net_roots *r, const char *ctr, struct attach_record *rec,
		struct spawn_error *e)
{
	char path[PATH_MAX], *text, *save = NULL;
	int line = 0, rc = 0;

	memset(rec, 0, sizeof(*rec));
	if (ctr_path(r, ctr, "record", path, e) < 0)
		return -1;
	text = slurp(path, RECORD_MAX, e);
	if (!text)
		return -1;
	for (char *l = strtok_r(text, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');

		line++;
		if (!eq) {
			rc = spawn_fail(e, "attachment record %s: line %d: expected key=value",
					path, line);
			break;
		}
		*eq = '\0';
		if (parse_field(rec, l, eq + 1) < 0)
			rc = spawn_fail(e, "attachment record %s: line %d: bad %s '%s'", path, line,
					l, eq + 1);
	}
	if (rc == 0 && (!rec->network[0] || !rec->veth[0]))
		rc = spawn_fail(e, "attachment record %s: network or veth missing", path);
	free(text);
	if (rc < 0) {
		record_free(rec);
		errno = EINVAL;
	}
	return rc;
}

void record_free(struct attach_record *rec)
{
	free(rec->ports);
	free(rec->hosts);
	rec->ports = NULL;
	rec->hosts = NULL;
	rec->nports = rec->nhosts = 0;
}

int record_list(const struct net_roots *r, char ***names, size_t *n, struct spawn_error *e)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (format_path(dir, sizeof(dir), "%s/.net", r->run) < 0)
		return spawn_fail_errno(e, "%s/.net", r->run);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : spawn_fail_errno(e, "reading %s", dir);
	while ((de = readdir(d))) {
		if (!name_valid(de->d_name))
			continue;
		*names = xrealloc(*names, *n + 1, sizeof(**names));
		(*names)[*n] = strdup(de->d_name);
		if (!(*names)[(*n)++]) {
			perror("cspawn: strdup");
			exit(125);
		}
	}
	closedir(d);
	return 0;
}

int net_ports_of(const struct net_roots *r, const char *container, struct net_port **ports,
		 size_t *nports, struct spawn_error *e)
{
	struct attach_record rec;

	*ports = NULL;
	*nports = 0;
	if (!name_valid(container))
		return spawn_fail(e, "no such container: '%s'", container);
	if (record_read(r, container, &rec, e) < 0) {
		if (errno == ENOENT)
			spawn_fail(e,
				   "%s has no network attachment (not running, or --net none/host)",
				   container);
		return -1;
	}
	*ports = rec.ports;
	*nports = rec.nports;
	rec.ports = NULL;
	record_free(&rec);
	return 0;
}
