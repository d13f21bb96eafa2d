/* The registry client: HTTP API v2 over libcurl, with Bearer tokens from a
 * WWW-Authenticate challenge, basic auth, TLS with the system CAs (or a
 * registry's own ca.crt), and plain HTTP only for registries named
 * insecure. Blobs come down in parallel through one curl multi handle. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/internal.h"

#define PARALLEL_DOWNLOADS 3
#define PROGRESS_STEP (1u << 20)

struct registry {
	CURL *h;
	char base[320]; /* scheme://host */
	char host[256]; /* as in the reference: the auth file's key */
	char repo[256];
	char actions[32]; /* "pull" or "pull,push" */
	char basic[1500]; /* base64 user:password, or empty */
	char authorization[8192];
	char cafile[PATH_MAX];
};

struct upload {
	const char *data;
	size_t len, off;
	int fd;
};

static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct http_body *b = arg;
	size_t len = size * n;
	char line[2048];
	char *colon, *v;

	snprintf(line, sizeof(line), "%.*s", (int)len, buf);
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) { /* a new response, after a redirect */
		b->content_type[0] = b->digest[0] = b->location[0] = b->www_authenticate[0] = '\0';
		return len;
	}
	if (!(colon = strchr(line, ':')))
		return len;
	*colon = '\0';
	for (v = colon + 1; *v == ' '; v++)
		;
	if (strcasecmp(line, "Content-Type") == 0)
		snprintf(b->content_type, sizeof(b->content_type), "%s", v);
	else if (strcasecmp(line, "Docker-Content-Digest") == 0)
		snprintf(b->digest, sizeof(b->digest), "%s", v);
	else if (strcasecmp(line, "Location") == 0)
		snprintf(b->location, sizeof(b->location), "%s", v);
	else if (strcasecmp(line, "WWW-Authenticate") == 0)
		snprintf(b->www_authenticate, sizeof(b->www_authenticate), "%s", v);
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct http_body *b = arg;
	size_t len = size * n;
	char *p;

	if (b->len + len > SMALL_BLOB_MAX)
		return 0; /* a manifest or token this large is not one */
	if (!(p = realloc(b->data, b->len + len + 1)))
		return 0;
	memcpy(p + b->len, buf, len);
	b->data = p;
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t want = size * n;
	ssize_t r;

	if (u->fd >= 0) {
		do
			r = read(u->fd, buf, want);
		while (r < 0 && errno == EINTR);
		return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
	}
	if (want > u->len - u->off)
		want = u->len - u->off;
	memcpy(buf, u->data + u->off, want);
	u->off += want;
	return want;
}

void http_body_free(struct http_body *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* What every request of ours has in common. */
static void setup(struct registry *r, CURL *h, const char *url, struct curl_slist *headers)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cspawn");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A transfer that stalls for a minute has failed. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	if (r->cafile[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, r->cafile);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
}

static struct curl_slist *headers_with(struct registry *r, const char *extra1, const char *extra2)
{
	struct curl_slist *l = NULL, *t;
	const char *all[] = {r->authorization[0] ? r->authorization : NULL, extra1, extra2,
			     "Expect:"};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!all[i])
			continue;
		if (!(t = curl_slist_append(l, all[i]))) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = t;
	}
	return l;
}

/* The registry's own words, from an error document, for messages. */
static const char *error_text(const struct http_body *b, char *buf, size_t len)
{
	struct spawn_error ignored;
	json_t *j = b->data ? json_parse(b->data, b->len, "", &ignored) : NULL;
	json_t *first = json_array_get(json_object_get(j, "errors"), 0);

	if (first)
		snprintf(buf, len, ": %s %s",
			 json_str(first, "code") ? json_str(first, "code") : "",
			 json_str(first, "message") ? json_str(first, "message") : "");
	else
		buf[0] = '\0';
	json_decref(j);
	return buf;
}

static int perform(struct registry *r, const char *method, const char *url, const char *h1,
		   const char *h2, struct upload *up, struct http_body *b, struct spawn_error *e)
{
	struct curl_slist *headers = headers_with(r, h1, h2);
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	http_body_free(b);
	if (!headers)
		return spawn_fail(e, "curl: out of memory");
	setup(r, r->h, url, headers);
	curl_easy_setopt(r->h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(r->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->h, CURLOPT_HEADERDATA, b);
	curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(r->h, CURLOPT_WRITEDATA, b);
	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(r->h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(r->h, CURLOPT_POST, 1L);
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (up) {
		curl_easy_setopt(r->h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(r->h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(r->h, CURLOPT_READDATA, up);
		curl_easy_setopt(r->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	}
	rc = curl_easy_perform(r->h);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK)
		return spawn_fail(e, "%s %s: %s", method, url,
				  errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &b->status);
	return 0;
}

static int fetch_token(struct registry *r, const struct challenge *c, struct spawn_error *e)
{
	char url[4096], scope[600], basic[1600], *svc, *sc;
	struct http_body b = {0};
	const char *token;
	json_t *j;
	int rc = -1;

	if (strncmp(c->realm, "https://", 8) != 0 && strncmp(c->realm, "http://", 7) != 0)
		return spawn_fail(e, "%s: token realm '%s' is not an http(s) URL", r->host,
				  c->realm);
	if (c->scope[0])
		snprintf(scope, sizeof(scope), "%s", c->scope);
	else if (r->repo[0])
		snprintf(scope, sizeof(scope), "repository:%s:%s", r->repo, r->actions);
	else
		scope[0] = '\0'; /* login: a token for no repository */
	svc = curl_easy_escape(r->h, c->service, 0);
	sc = curl_easy_escape(r->h, scope, 0);
	snprintf(url, sizeof(url), "%s%sservice=%s%s%s", c->realm,
		 strchr(c->realm, '?') ? "&" : "?", svc ? svc : "", scope[0] ? "&scope=" : "",
		 scope[0] && sc ? sc : "");
	curl_free(svc);
	curl_free(sc);
	snprintf(basic, sizeof(basic), "Authorization: Basic %s", r->basic);
	r->authorization[0] = '\0'; /* the token server gets the password, not a token */
	if (perform(r, "GET", url, r->basic[0] ? basic : NULL, NULL, NULL, &b, e) < 0)
		return -1;
	if (b.status != 200) {
		spawn_fail(e, "%s: the token server %s answered %ld%s", r->host, c->realm, b.status,
			   b.status == 401 ? " (wrong or missing credentials: cspawn login)" : "");
		goto out;
	}
	if (!(j = json_parse(b.data ? b.data : "", b.len, "token response", e)))
		goto out;
	token = json_str(j, "token") ? json_str(j, "token") : json_str(j, "access_token");
	if (!token || !*token)
		spawn_fail(e, "%s: the token server %s gave no token", r->host, c->realm);
	else if (snprintf(r->authorization, sizeof(r->authorization), "Authorization: Bearer %s",
			  token) >= (int)sizeof(r->authorization))
		spawn_fail(e, "%s: token too long", r->host);
	else
		rc = 0;
	json_decref(j);
out:
	http_body_free(&b);
	return rc;
}

/* Answers a 401's challenge; the request is then tried once more. */
static int authenticate(struct registry *r, const struct http_body *b, struct spawn_error *e)
{
	struct challenge c;

	if (!b->www_authenticate[0] || challenge_parse(b->www_authenticate, &c) < 0)
		return spawn_fail(e, "%s: 401 Unauthorized without a usable challenge", r->host);
	if (strcasecmp(c.scheme, "Bearer") == 0)
		return fetch_token(r, &c, e);
	if (strcasecmp(c.scheme, "Basic") != 0)
		return spawn_fail(e, "%s: unsupported auth scheme '%s'", r->host, c.scheme);
	if (!r->basic[0])
		return spawn_fail(e, "%s: authentication required (cspawn login %s)", r->host,
				  r->host);
	snprintf(r->authorization, sizeof(r->authorization), "Authorization: Basic %s", r->basic);
	return 0;
}

static int request(struct registry *r, const char *method, const char *url, const char *h1,
		   const char *h2, struct upload *up, struct http_body *b, struct spawn_error *e)
{
	for (int attempt = 0;; attempt++) {
		if (up) {
			up->off = 0;
			if (up->fd >= 0 && lseek(up->fd, 0, SEEK_SET) < 0)
				return spawn_fail_errno(e, "lseek upload");
		}
		if (perform(r, method, url, h1, h2, up, b, e) < 0)
			return -1;
		if (b->status != 401 || attempt > 0)
			return 0;
		if (authenticate(r, b, e) < 0)
			return -1;
	}
}

static int status_fail(const char *method, const char *url, const struct http_body *b,
		       struct spawn_error *e)
{
	char why[600];

	return spawn_fail(e, "%s %s: HTTP %ld%s%s", method, url, b->status,
			  error_text(b, why, sizeof(why)),
			  b->status == 401 ? " (cspawn login?)" : "");
}

static bool listed_insecure(const char *file, const char *host)
{
	char line[512];
	bool found = false;
	FILE *f;

	if (!file || !(f = fopen(file, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n#")] = '\0';
		found = *p && strcmp(p, host) == 0;
	}
	fclose(f);
	return found;
}

int registry_open(struct registry **out, const struct image_ref *ref, const char *actions,
		  const struct image_registry_opts *o, struct spawn_error *e)
{
	struct registry *r = calloc(1, sizeof(*r));
	bool insecure = o->insecure || listed_insecure(o->insecure_file, ref->registry);
	const char *host =
	    strcmp(ref->registry, "docker.io") == 0 ? "registry-1.docker.io" : ref->registry;
	char ca[PATH_MAX];

	*out = NULL;
	if (!r)
		return spawn_fail_errno(e, "calloc");
	snprintf(r->host, sizeof(r->host), "%s", ref->registry);
	snprintf(r->repo, sizeof(r->repo), "%s", ref->repository);
	snprintf(r->actions, sizeof(r->actions), "%s", actions);
	snprintf(r->base, sizeof(r->base), "%s://%s", insecure ? "http" : "https", host);
	if (o->certs_dir &&
	    format_path(ca, sizeof(ca), "%s/%s/ca.crt", o->certs_dir, ref->registry) == 0 &&
	    access(ca, R_OK) == 0)
		snprintf(r->cafile, sizeof(r->cafile), "%s", ca);
	if (auth_lookup(o->authfile, ref->registry, r->basic, sizeof(r->basic), e) < 0) {
		free(r);
		return -1;
	}
	if (!(r->h = curl_easy_init())) {
		free(r);
		return spawn_fail(e, "curl_easy_init failed");
	}
	*out = r;
	return 0;
}

void registry_set_basic(struct registry *r, const char *b64)
{
	snprintf(r->basic, sizeof(r->basic), "%s", b64);
	r->authorization[0] = '\0';
}

void registry_close(struct registry *r)
{
	if (!r)
		return;
	curl_easy_cleanup(r->h);
	free(r);
}

int registry_get(struct registry *r, const char *path, const char *accept, struct http_body *b,
		 struct spawn_error *e)
{
	char url[2048], h[512];

	snprintf(url, sizeof(url), "%s/v2/%s/%s", r->base, r->repo, path);
	snprintf(h, sizeof(h), "Accept: %s", accept);
	if (request(r, "GET", url, h, NULL, NULL, b, e) < 0)
		return -1;
	if (b->status != 200)
		return status_fail("GET", url, b, e);
	return 0;
}

int registry_check(struct registry *r, struct spawn_error *e)
{
	struct http_body b = {0};
	char url[400];
	int rc;

	snprintf(url, sizeof(url), "%s/v2/", r->base);
	rc = request(r, "GET", url, NULL, NULL, NULL, &b, e);
	if (rc == 0 && b.status != 200)
		rc = status_fail("GET", url, &b, e);
	http_body_free(&b);
	return rc;
}

bool registry_has_blob(struct registry *r, const char *digest, struct spawn_error *e, int *err)
{
	struct http_body b = {0};
	char url[2048];
	long status;

	*err = 0;
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", r->base, r->repo, digest);
	if (request(r, "HEAD", url, NULL, NULL, NULL, &b, e) < 0) {
		*err = -1;
		return false;
	}
	status = b.status;
	http_body_free(&b);
	if (status != 200 && status != 404)
		*err = spawn_fail(e, "HEAD %s: HTTP %ld", url, status);
	return status == 200;
}

int registry_put_blob(struct registry *r, struct image_store *s, const char *digest, int64_t size,
		      struct spawn_error *e)
{
	struct http_body b = {0};
	struct upload up = {.len = (size_t)size, .fd = -1};
	char url[4096], name[128];
	int rc = -1;

	snprintf(url, sizeof(url), "%s/v2/%s/blobs/uploads/", r->base, r->repo);
	if (request(r, "POST", url, NULL, NULL, NULL, &b, e) < 0)
		return -1;
	if (b.status != 202 || !b.location[0]) {
		rc = status_fail("POST", url, &b, e);
		goto out;
	}
	snprintf(url, sizeof(url), "%s%s%sdigest=%s", b.location[0] == '/' ? r->base : "",
		 b.location, strchr(b.location, '?') ? "&" : "?", digest);
	imgstore_blob_name(digest, name, sizeof(name));
	if ((up.fd = openat(s->dir, name, O_RDONLY | O_CLOEXEC)) < 0) {
		spawn_fail_errno(e, "open %s/%s", s->path, name);
		goto out;
	}
	if (request(r, "PUT", url, "Content-Type: application/octet-stream", NULL, &up, &b, e) < 0)
		goto out;
	if (b.status != 201) {
		status_fail("PUT", url, &b, e);
		goto out;
	}
	rc = 0;
out:
	if (up.fd >= 0)
		close(up.fd);
	http_body_free(&b);
	return rc;
}

int registry_put_manifest(struct registry *r, const char *tag, const char *media_type,
			  const char *data, size_t len, struct spawn_error *e)
{
	struct http_body b = {0};
	struct upload up = {.data = data, .len = len, .fd = -1};
	char url[2048], ct[256];
	int rc = 0;

	snprintf(url, sizeof(url), "%s/v2/%s/manifests/%s", r->base, r->repo, tag);
	snprintf(ct, sizeof(ct), "Content-Type: %s", media_type);
	if (request(r, "PUT", url, ct, NULL, &up, &b, e) < 0)
		return -1;
	if (b.status != 201)
		rc = status_fail("PUT", url, &b, e);
	http_body_free(&b);
	return rc;
}

/* --- Parallel blob downloads ---------------------------------------------- */

struct fetch {
	struct registry *r;
	struct image_store *s;
	const struct image_progress *p;
	size_t count;
	struct unpack_pool *pool;
	struct spawn_error *e;
};

struct running {
	struct blob_job *job;
	struct fetch *f;
	CURL *h;
	struct curl_slist *headers;
	uint64_t reported;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct http_body hdr;
};

static void progress(const struct fetch *f, const struct blob_job *j, enum image_event ev)
{
	if (f->p && f->p->layer)
		f->p->layer(f->p->arg, j->index, f->count, j->d.digest, ev, j->got,
			    (uint64_t)j->d.size);
}

static size_t on_blob(char *buf, size_t size, size_t n, void *arg)
{
	struct running *run = arg;
	struct blob_job *j = run->job;
	size_t len = size * n, off = 0;

	if (j->got + len > (uint64_t)j->d.size) {
		run->too_big = true;
		return 0;
	}
	while (off < len) {
		ssize_t w = write(j->fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 0;
		off += (size_t)w;
	}
	digester_update(&j->dg, buf, len);
	j->got += len;
	if (j->got - run->reported >= PROGRESS_STEP || j->got == (uint64_t)j->d.size) {
		run->reported = j->got;
		progress(run->f, j, IMAGE_LAYER_DOWNLOADING);
		if (run->f->pool) /* its unpacking may be waiting for these bytes */
			unpack_pool_fed(run->f->pool, j->unpack);
	}
	return len;
}

static int start_job(struct fetch *f, CURLM *m, struct blob_job *j, struct running *run)
{
	char url[2048];
	CURL *h = curl_easy_init();

	memset(run, 0, sizeof(*run));
	run->job = j;
	run->f = f;
	if (!h)
		return spawn_fail(f->e, "curl_easy_init failed");
	if ((j->fd = imgstore_tmp_file(f->s, j->tmp, sizeof(j->tmp), f->e)) < 0 ||
	    digester_init(&j->dg, f->e) < 0) {
		curl_easy_cleanup(h);
		return -1;
	}
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", f->r->base, f->r->repo, j->d.digest);
	run->headers = headers_with(f->r, NULL, NULL);
	setup(f->r, h, url, run->headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, run->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_blob);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, run);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &run->hdr);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_PRIVATE, run);
	run->h = h;
	j->state = 1;
	j->got = 0;
	if (curl_multi_add_handle(m, h) != CURLM_OK) {
		run->h = NULL;
		curl_easy_cleanup(h);
		return spawn_fail(f->e, "curl_multi_add_handle failed");
	}
	/* Its layer may be unpacked as the bytes come. */
	return f->pool ? unpack_pool_stream(f->pool, j->unpack, j->fd, j->d.size) : 0;
}

/* Checks and names a finished download. */
static int finish_job(struct fetch *f, CURL *h, CURLcode code, struct running *run)
{
	struct blob_job *j = run->job;
	char got[IMAGE_DIGEST_LEN], url[2048];
	long status = 0;
	int rc;

	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", f->r->base, f->r->repo, j->d.digest);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	j->state = 2;
	if (run->too_big)
		rc = spawn_fail(f->e, "GET %s: more than the %lld bytes its descriptor says", url,
				(long long)j->d.size);
	else if (code != CURLE_OK)
		rc = spawn_fail(f->e, "GET %s: %s", url,
				run->errbuf[0] ? run->errbuf : curl_easy_strerror(code));
	else if (j->got != (uint64_t)j->d.size)
		rc = spawn_fail(f->e, "GET %s: %llu bytes, its descriptor says %lld", url,
				(unsigned long long)j->got, (long long)j->d.size);
	else
		rc = 0;
	if (rc < 0)
		return -1;
	digester_final(&j->dg, got);
	if (strcmp(got, j->d.digest) != 0)
		return spawn_fail(f->e, "GET %s: the blob hashes to %s", url, got);
	if (fsync(j->fd) < 0)
		return spawn_fail_errno(f->e, "fsync %s/%s", f->s->path, j->tmp);
	close(j->fd);
	j->fd = -1;
	if (imgstore_commit_blob(f->s, j->tmp, j->d.digest, f->e) < 0)
		return -1;
	j->tmp[0] = '\0';
	progress(f, j, IMAGE_LAYER_VERIFIED);
	return f->pool ? unpack_pool_ready(f->pool, j->unpack) : 0;
}

/* Waits for a transfer to move, or for an unpacking child to end. */
static int wait_any(struct fetch *f, CURLM *m)
{
	struct curl_waitfd w[UNPACK_PARALLEL];
	int fds[UNPACK_PARALLEL];
	size_t nw = f->pool ? unpack_pool_fds(f->pool, fds) : 0;

	for (size_t k = 0; k < nw; k++)
		w[k] = (struct curl_waitfd){.fd = fds[k], .events = CURL_WAIT_POLLIN};
	if (curl_multi_poll(m, w, (unsigned)nw, 1000, NULL) != CURLM_OK)
		return spawn_fail(f->e, "curl multi transfer failed");
	for (size_t k = 0; k < nw; k++)
		if (w[k].revents)
			return unpack_pool_reap(f->pool, 0);
	return 0;
}

static void drop_job(struct fetch *f, struct blob_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (j->tmp[0])
		unlinkat(f->s->dir, j->tmp, 0);
	j->tmp[0] = '\0';
	digester_free(&j->dg);
}

int registry_fetch_blobs(struct registry *r, struct image_store *s, struct blob_job *jobs, size_t n,
			 size_t count, const struct image_progress *p, struct unpack_pool *pool,
			 struct spawn_error *e)
{
	struct fetch f = {r, s, p, count, pool, e};
	struct running runs[PARALLEL_DOWNLOADS];
	size_t next = 0, active = 0;
	CURLM *m = curl_multi_init();
	CURLMsg *msg;
	int still, left, rc = 0;

	if (!m)
		return spawn_fail(e, "curl_multi_init failed");
	for (size_t i = 0; i < n; i++)
		jobs[i].fd = -1;
	memset(runs, 0, sizeof(runs));
	while (rc == 0 && (next < n || active > 0)) {
		for (size_t slot = 0; rc == 0 && slot < PARALLEL_DOWNLOADS && next < n; slot++) {
			if (runs[slot].job)
				continue;
			rc = start_job(&f, m, &jobs[next++], &runs[slot]);
			active++;
		}
		if (rc < 0 || curl_multi_perform(m, &still) != CURLM_OK) {
			if (rc == 0)
				rc = spawn_fail(e, "curl multi transfer failed");
			break;
		}
		while (rc == 0 && (msg = curl_multi_info_read(m, &left))) {
			struct running *run;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&run);
			rc = finish_job(&f, msg->easy_handle, msg->data.result, run);
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			curl_slist_free_all(run->headers);
			http_body_free(&run->hdr);
			run->job = NULL;
			active--;
		}
		/* Waiting is for the transfers still running, and only when no
		 * slot is free for the next: after the last one ended the wait
		 * would see no socket and sleep its whole timeout. */
		if (rc == 0 && still > 0 && !(next < n && active < PARALLEL_DOWNLOADS))
			rc = wait_any(&f, m);
	}
	/* After an error, the transfers still running are dropped. */
	for (size_t slot = 0; slot < PARALLEL_DOWNLOADS; slot++) {
		if (!runs[slot].job)
			continue;
		if (runs[slot].h) {
			curl_multi_remove_handle(m, runs[slot].h);
			curl_easy_cleanup(runs[slot].h);
		}
		curl_slist_free_all(runs[slot].headers);
		http_body_free(&runs[slot].hdr);
	}
	for (size_t i = 0; i < n; i++)
		drop_job(&f, &jobs[i]);
	curl_multi_cleanup(m);
	return rc;
}
