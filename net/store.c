/* The networks' records, <lib>/networks/NAME, and the one lock under which
 * net/ changes anything. A record is a few `key=value` lines:
 *
 *   bridge=cspawn1
 *   subnet=10.89.0.0/24
 *   gateway=10.89.0.1
 *   lease=10.89.0.2 db
 *
 * replaced whole (write, fsync, rename) on every change, so a reader sees
 * the old record or the new one, never half of either. */
#include "net/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (4 << 20)

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		perror("cspawn: calloc");
		exit(125);
	}
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	p = reallocarray(p, n ? n : 1, size);
	if (!p) {
		perror("cspawn: realloc");
		exit(125);
	}
	return p;
}

void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			perror("cspawn: vsnprintf");
			exit(125);
		}
		if (t->s && t->len + (size_t)n < t->cap)
			break;
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->s = xrealloc(t->s, t->cap, 1);
	}
	t->len += (size_t)n;
}

void text_free(struct text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static int networks_dir(const struct net_roots *r, char *out, struct spawn_error *e)
{
	if (format_path(out, PATH_MAX, "%s/networks", r->lib) < 0)
		return spawn_fail_errno(e, "the networks' directory under %s", r->lib);
	return 0;
}

int netstore_lock(const struct net_roots *r, struct spawn_error *e)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	int fd;

	if (networks_dir(r, dir, e) < 0)
		return -1;
	if (mkdir_p(dir, 0700) < 0)
		return spawn_fail_errno(e, "creating %s", dir);
	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			spawn_fail_errno(e, "locking %s", path);
			close(fd);
			return -1;
		}
	}
	return fd;
}

void netstore_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int write_atomic(const char *path, const char *text, size_t len, struct spawn_error *e)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, dfd;

	if (!slash || format_path(tmp, sizeof(tmp), "%.*s/.%s.tmp%d", (int)(slash - path), path,
				  slash + 1, (int)getpid()) < 0)
		return spawn_fail_errno(e, "writing %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return spawn_fail_errno(e, "creating %s", tmp);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			spawn_fail_errno(e, "writing %s", tmp);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		spawn_fail_errno(e, "fsync %s", tmp);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		spawn_fail_errno(e, "renaming %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		spawn_fail_errno(e, "fsync %s", dir);
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

char *slurp(const char *path, size_t max, struct spawn_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct text t = {0};
	char buf[4096];
	ssize_t n;

	if (fd < 0) {
		spawn_fail_errno(e, "reading %s", path);
		return NULL;
	}
	text_add(&t, "%s", "");
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || t.len + (size_t)n > max) {
			if (n < 0)
				spawn_fail_errno(e, "reading %s", path);
			else
				spawn_fail(e, "reading %s: larger than %zu bytes", path, max);
			close(fd);
			text_free(&t);
			return NULL;
		}
		text_add(&t, "%.*s", (int)n, buf);
	}
	close(fd);
	if (strlen(t.s) != t.len) {
		spawn_fail(e, "reading %s: a NUL byte in a text record", path);
		text_free(&t);
		return NULL;
	}
	return t.s;
}

static void default_network(struct net_network *n)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", NET_DEFAULT);
	snprintf(n->bridge, sizeof(n->bridge), "%s", NET_DEFAULT_BRIDGE);
	cidr_parse(NET_DEFAULT_SUBNET, &n->subnet, &n->prefix);
	n->gateway = addr_offset(n->subnet, 1);
}

static int add_lease(struct net_network *n, const char *value)
{
	char ip[INET_ADDRSTRLEN];
	struct net_lease *l;
	const char *sp = strchr(value, ' ');

	if (!sp || (size_t)(sp - value) >= sizeof(ip) || !name_valid(sp + 1))
		return -1;
	snprintf(ip, sizeof(ip), "%.*s", (int)(sp - value), value);
	n->leases = xrealloc(n->leases, n->nleases + 1, sizeof(*n->leases));
	l = &n->leases[n->nleases];
	if (addr_parse(ip, &l->ip) < 0 || !subnet_host(n->subnet, n->prefix, l->ip))
		return -1;
	snprintf(l->container, sizeof(l->container), "%s", sp + 1);
	n->nleases++;
	return 0;
}

static int parse_line(struct net_network *n, const char *key, const char *value)
{
	if (strcmp(key, "bridge") == 0) {
		if (!*value || strlen(value) >= sizeof(n->bridge))
			return -1;
		snprintf(n->bridge, sizeof(n->bridge), "%s", value);
		return 0;
	}
	if (strcmp(key, "subnet") == 0)
		return cidr_parse(value, &n->subnet, &n->prefix);
	if (strcmp(key, "gateway") == 0)
		return addr_parse(value, &n->gateway);
	if (strcmp(key, "lease") == 0)
		return add_lease(n, value);
	return -1;
}

/* Leases are checked against the subnet, so the subnet must come first. */
static int parse_record(const char *path, char *text, struct net_network *n, struct spawn_error *e)
{
	int line = 0;
	char *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');

		line++;
		if (!eq)
			return spawn_fail(e, "network record %s: line %d: expected key=value", path,
					  line);
		*eq = '\0';
		if ((strcmp(l, "lease") == 0 && n->prefix == 0) || parse_line(n, l, eq + 1) < 0)
			return spawn_fail(e, "network record %s: line %d: bad %s '%s'", path, line,
					  l, eq + 1);
	}
	if (!n->bridge[0] || n->prefix == 0 || !subnet_host(n->subnet, n->prefix, n->gateway))
		return spawn_fail(e, "network record %s: bridge, subnet or gateway missing or bad",
				  path);
	return 0;
}

int netstore_read(const struct net_roots *r, const char *name, struct net_network *n,
		  struct spawn_error *e)
{
	char dir[PATH_MAX], path[PATH_MAX + NET_NAME_MAX + 2], *text;
	int rc;

	memset(n, 0, sizeof(*n));
	if (!name_valid(name)) {
		errno = ENOENT;
		return spawn_fail(e, "no such network: '%s'", name);
	}
	if (networks_dir(r, dir, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = slurp(path, RECORD_MAX, e);
	if (!text) {
		if (errno != ENOENT)
			return -1;
		if (strcmp(name, NET_DEFAULT) == 0) {
			default_network(n);
			return 0;
		}
		spawn_fail(e, "no such network: '%s'", name);
		errno = ENOENT;
		return -1;
	}
	snprintf(n->name, sizeof(n->name), "%s", name);
	rc = parse_record(path, text, n, e);
	free(text);
	if (rc < 0) {
		net_network_free(n);
		errno = EINVAL;
	}
	return rc;
}

int netstore_write(const struct net_roots *r, const struct net_network *n, struct spawn_error *e)
{
	char dir[PATH_MAX], path[PATH_MAX + NET_NAME_MAX + 2], a[INET_ADDRSTRLEN];
	struct text t = {0};
	int rc;

	if (networks_dir(r, dir, e) < 0)
		return -1;
	if (mkdir_p(dir, 0700) < 0)
		return spawn_fail_errno(e, "creating %s", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, n->name);
	text_add(&t, "bridge=%s\nsubnet=%s/%d\n", n->bridge, addr_str(n->subnet, a), n->prefix);
	text_add(&t, "gateway=%s\n", addr_str(n->gateway, a));
	for (size_t i = 0; i < n->nleases; i++)
		text_add(&t, "lease=%s %s\n", addr_str(n->leases[i].ip, a), n->leases[i].container);
	rc = write_atomic(path, t.s, t.len, e);
	text_free(&t);
	return rc;
}

int netstore_remove(const struct net_roots *r, const char *name, struct spawn_error *e)
{
	char dir[PATH_MAX], path[PATH_MAX + NET_NAME_MAX + 2];

	if (networks_dir(r, dir, e) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (unlink(path) < 0 && errno != ENOENT)
		return spawn_fail_errno(e, "removing %s", path);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Record names: every valid name in the directory; the lock and the
 * temporary files start with '.', which no valid name does. */
static int list_names(const char *dir, char ***names, size_t *n, struct spawn_error *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : spawn_fail_errno(e, "reading %s", dir);
	while ((de = readdir(d))) {
		if (!name_valid(de->d_name))
			continue;
		*names = xrealloc(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = strdup(de->d_name);
		if (!(*names)[*n - 1]) {
			perror("cspawn: strdup");
			exit(125);
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), by_name);
	return 0;
}

void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int net_network_names(const struct net_roots *r, char ***names, size_t *n, struct spawn_error *e)
{
	char dir[PATH_MAX];
	size_t i;

	if (networks_dir(r, dir, e) < 0 || list_names(dir, names, n, e) < 0)
		return -1;
	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], NET_DEFAULT) == 0)
			break;
	if (i == *n) {
		*names = xrealloc(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = strdup(NET_DEFAULT);
	}
	/* The default first, the rest in order. */
	for (; i > 0; i--) {
		char *t = (*names)[i];
		(*names)[i] = (*names)[i - 1];
		(*names)[i - 1] = t;
	}
	return 0;
}

int netstore_read_all(const struct net_roots *r, struct net_network **nets, size_t *n,
		      struct spawn_error *e)
{
	char **names;
	size_t count;

	*nets = NULL;
	*n = 0;
	if (net_network_names(r, &names, &count, e) < 0)
		return -1;
	*nets = xcalloc(count, sizeof(**nets));
	for (size_t i = 0; i < count; i++) {
		if (netstore_read(r, names[i], &(*nets)[*n], e) < 0) {
			free_names(names, count);
			netstore_free_all(*nets, *n);
			*nets = NULL;
			*n = 0;
			return -1;
		}
		(*n)++;
	}
	free_names(names, count);
	return 0;
}

void netstore_free_all(struct net_network *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_network_free(&nets[i]);
	free(nets);
}

void net_network_free(struct net_network *n)
{
	free(n->leases);
	n->leases = NULL;
	n->nleases = 0;
}

int net_network_read(const struct net_roots *r, const char *name, struct net_network *n,
		     struct spawn_error *e)
{
	return netstore_read(r, name, n, e);
}
