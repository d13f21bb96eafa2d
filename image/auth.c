/* Credentials: WWW-Authenticate challenges and docker-style auth files
 * ({"auths": {"HOST": {"auth": base64("user:password")}}}). */
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* A token or a quoted string (with \ escapes) into out. */
static const char *param_value(const char *p, char *out, size_t len)
{
	size_t o = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (o + 1 < len)
				out[o++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		for (; *p && *p != ',' && *p != ' '; p++)
			if (o + 1 < len)
				out[o++] = *p;
	}
	out[o] = '\0';
	return p;
}

int challenge_parse(const char *header, struct challenge *c)
{
	const char *p = skip_blanks(header);
	size_t n = strcspn(p, " \t");
	char key[64], value[1024];

	memset(c, 0, sizeof(*c));
	if (n == 0 || n >= sizeof(c->scheme))
		return -1;
	memcpy(c->scheme, p, n);
	for (p = skip_blanks(p + n); *p; p = skip_blanks(p)) {
		size_t k = strcspn(p, "=, ");
		if (p[k] != '=' || k >= sizeof(key))
			return -1;
		memcpy(key, p, k);
		key[k] = '\0';
		p = param_value(p + k + 1, value, sizeof(value));
		if (strcasecmp(key, "realm") == 0)
			snprintf(c->realm, sizeof(c->realm), "%.1023s", value);
		else if (strcasecmp(key, "service") == 0)
			snprintf(c->service, sizeof(c->service), "%.255s", value);
		else if (strcasecmp(key, "scope") == 0)
			snprintf(c->scope, sizeof(c->scope), "%.511s", value);
	}
	return 0;
}

int base64_encode(const char *in, size_t n, char *out, size_t len)
{
	if (len < BASE64_ENCODE_RAW_LENGTH(n) + 1)
		return -1;
	base64_encode_raw(out, n, (const uint8_t *)in);
	out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
	return 0;
}

static json_t *read_authfile(const char *authfile, bool *missing, struct spawn_error *e)
{
	json_error_t err;
	json_t *root;

	*missing = false;
	if (access(authfile, F_OK) < 0 && errno == ENOENT) {
		*missing = true;
		return json_object();
	}
	root = json_load_file(authfile, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		spawn_fail(e, "auth file %s: invalid JSON at line %d, column %d: %s", authfile,
			   err.line, err.column, err.text);
	else if (!json_is_object(root) || (json_object_get(root, "auths") &&
					   !json_is_object(json_object_get(root, "auths")))) {
		spawn_fail(e, "auth file %s: expected {\"auths\": {...}}", authfile);
		json_decref(root);
		root = NULL;
	}
	return root;
}

static int entry_auth(const json_t *ent, char *out, size_t len, const char *authfile,
		      const char *key, struct spawn_error *e)
{
	const char *auth = json_str(ent, "auth"), *user = json_str(ent, "username"),
		   *pass = json_str(ent, "password");
	char plain[1024];

	if (auth && *auth) {
		if (snprintf(out, len, "%s", auth) >= (int)len)
			return spawn_fail(e, "auth file %s: \"%s\": auth too long", authfile, key);
		return 0;
	}
	if (user && pass) {
		snprintf(plain, sizeof(plain), "%s:%s", user, pass);
		if (base64_encode(plain, strlen(plain), out, len) < 0)
			return spawn_fail(e, "auth file %s: \"%s\": credentials too long", authfile,
					  key);
	}
	return 0;
}

int auth_lookup(const char *authfile, const char *host, char *out, size_t len,
		struct spawn_error *e)
{
	char keys[4][300];
	bool missing;
	json_t *root, *auths;
	int rc = 0;

	out[0] = '\0';
	if (!authfile)
		return 0;
	if (!(root = read_authfile(authfile, &missing, e)))
		return -1;
	auths = json_object_get(root, "auths");
	snprintf(keys[0], sizeof(keys[0]), "%s", host);
	snprintf(keys[1], sizeof(keys[1]), "https://%s", host);
	snprintf(keys[2], sizeof(keys[2]), "http://%s", host);
	/* Docker Hub's key in docker's own files. */
	snprintf(keys[3], sizeof(keys[3]), "%s",
		 strcmp(host, "docker.io") == 0 ? "https://index.docker.io/v1/" : host);
	for (int i = 0; i < 4 && !out[0] && rc == 0; i++) {
		json_t *ent = json_object_get(auths, keys[i]);
		if (ent)
			rc = entry_auth(ent, out, len, authfile, keys[i], e);
	}
	json_decref(root);
	return rc;
}

int auth_store(const char *authfile, const char *host, const char *user, const char *password,
	       struct spawn_error *e)
{
	char plain[1024], b64[1500], tmp[PATH_MAX];
	bool missing;
	json_t *root = read_authfile(authfile, &missing, e), *auths;
	FILE *f;
	int fd, rc = -1;

	if (!root)
		return -1;
	if (snprintf(plain, sizeof(plain), "%s:%s", user, password) >= (int)sizeof(plain) ||
	    base64_encode(plain, strlen(plain), b64, sizeof(b64)) < 0) {
		json_decref(root);
		return spawn_fail(e, "login: credentials too long");
	}
	if (!(auths = json_object_get(root, "auths"))) {
		auths = json_object();
		json_object_set_new(root, "auths", auths);
	}
	json_object_set_new(auths, host, json_pack("{s:s}", "auth", b64));
	if (format_path(tmp, sizeof(tmp), "%s.tmp-%d", authfile, (int)getpid()) < 0) {
		json_decref(root);
		return spawn_fail_errno(e, "auth file %s", authfile);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		spawn_fail_errno(e, "create %s", tmp);
		if (fd >= 0)
			close(fd);
		json_decref(root);
		return -1;
	}
	if (json_dumpf(root, f, JSON_INDENT(1)) < 0 || fputc('\n', f) == EOF || fflush(f) != 0 ||
	    fsync(fd) < 0)
		spawn_fail_errno(e, "write %s", tmp);
	else
		rc = 0;
	if (fclose(f) != 0 && rc == 0)
		rc = spawn_fail_errno(e, "close %s", tmp);
	if (rc == 0 && rename(tmp, authfile) < 0)
		rc = spawn_fail_errno(e, "rename %s to %s", tmp, authfile);
	if (rc < 0)
		unlink(tmp);
	json_decref(root);
	return rc;
}

const char *image_authfile_default(const char *lib_auth, char *buf, size_t len)
{
	const char *env = getenv("REGISTRY_AUTH_FILE"), *home = getenv("HOME");

	if (env && *env)
		return env;
	if (lib_auth && access(lib_auth, F_OK) == 0)
		return lib_auth;
	if (home && *home && format_path(buf, len, "%s/.docker/config.json", home) == 0 &&
	    access(buf, F_OK) == 0)
		return buf;
	return lib_auth;
}
