/* References as docker normalizes them, WWW-Authenticate challenges, and
 * the platform picked from an index. */
#include "image/internal.h"
#include "tests/tap.h"

static void ref_is(const char *text, const char *full, const char *familiar)
{
	struct image_ref r;
	struct spawn_error e;
	char f[700] = "", s[700] = "";

	if (image_ref_parse(text, &r, &e) == 0) {
		image_ref_format(&r, f, sizeof(f));
		image_ref_familiar(&r, s, sizeof(s));
	} else {
		snprintf(f, sizeof(f), "error: %s", e.msg);
	}
	is_str(f, full, text);
	if (familiar)
		is_str(s, familiar, "  and its short form");
}

static void ref_bad(const char *text, const char *why)
{
	struct image_ref r;
	struct spawn_error e = {""};

	ok(image_ref_parse(text, &r, &e) < 0 && strstr(e.msg, why), "'%s' refused: %s", text, why);
}

static void challenges(void)
{
	struct challenge c;

	ok(challenge_parse(
	       "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
	       "scope=\"repository:library/busybox:pull\"",
	       &c) == 0,
	   "docker hub's challenge parses");
	is_str(c.scheme, "Bearer", "scheme");
	is_str(c.realm, "https://auth.docker.io/token", "realm");
	is_str(c.service, "registry.docker.io", "service");
	is_str(c.scope, "repository:library/busybox:pull", "scope");
	ok(challenge_parse("Basic realm=\"Registry Realm\"", &c) == 0 &&
	       strcmp(c.scheme, "Basic") == 0 && strcmp(c.realm, "Registry Realm") == 0,
	   "a basic challenge, quoted realm with a blank");
	ok(challenge_parse("Bearer realm=\"a\\\"b\", service=x", &c) == 0 &&
	       strcmp(c.realm, "a\"b") == 0 && strcmp(c.service, "x") == 0,
	   "escapes in quoted strings, tokens unquoted");
	ok(challenge_parse("", &c) < 0, "an empty challenge is refused");
}

static void platforms(void)
{
	struct spawn_error e;
	struct descriptor d;
	char plat[64];
	const char *idx =
	    "{\"manifests\":["
	    "{\"digest\":\"sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111\","
	    "\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}"
	    "},"
	    "{\"digest\":\"sha256:"
	    "2222222222222222222222222222222222222222222222222222222222222222\","
	    "\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}"
	    "},"
	    "{\"digest\":\"sha256:"
	    "3333333333333333333333333333333333333333333333333333333333333333\","
	    "\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}]}";
	json_t *j = json_parse(idx, strlen(idx), "index", &e);

	ok(index_pick(j, "linux/arm/v7", &d, "index", &e) == 0 && d.digest[7] == '2',
	   "an exact variant wins over the first of the architecture");
	ok(index_pick(j, "linux/arm64/v8", &d, "index", &e) == 0 && d.digest[7] == '3',
	   "arm64/v8 takes an arm64 entry that names no variant");
	ok(index_pick(j, "linux/amd64", &d, "index", &e) < 0 &&
	       strstr(e.msg, "no image for platform linux/amd64"),
	   "a missing platform is named");
	ok(index_pick(j, "linux", &d, "index", &e) < 0 && strstr(e.msg, "expected OS/ARCH"),
	   "a platform without an architecture is a usage error");
	platform_default(plat, sizeof(plat));
	ok(strncmp(plat, "linux/", 6) == 0, "this machine's platform: %s", plat);
	json_decref(j);
}

int main(void)
{
	tap_plan(35);
	ref_is("busybox", "docker.io/library/busybox:latest", "busybox:latest");
	ref_is("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36");
	ref_is("user/app", "docker.io/user/app:latest", "user/app:latest");
	ref_is("index.docker.io/library/nginx:1", "docker.io/library/nginx:1", "nginx:1");
	ref_is("127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1");
	ref_is("localhost/app", "localhost/app:latest", NULL);
	ref_is("quay.io/a/b/c:v-1.2_x", "quay.io/a/b/c:v-1.2_x", NULL);
	ref_is("app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	       "docker.io/library/"
	       "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	       NULL);
	ref_is("a.b__c-d", "docker.io/library/a.b__c-d:latest", NULL);
	ref_bad("Busybox", "bad repository name");
	ref_bad("app:", "bad tag");
	ref_bad("app:-x", "bad tag");
	ref_bad("a..b", "bad repository name");
	ref_bad("a/", "bad repository name");
	ref_bad("app@sha256:12", "bad digest");
	ref_bad("", "empty");
	challenges();
	platforms();
	ok(digest_valid(
	       "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") &&
	       !digest_valid(
		   "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef") &&
	       !digest_valid("sha512:00") && !digest_valid("sha256:../../etc/passwd"),
	   "only lowercase sha256 digests name files");
	return tap_done();
}
