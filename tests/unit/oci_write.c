/* The writer and the other documents: parse -> write -> parse gives the
 * same config, the default spec, the state and features documents, and the
 * README's support matrix made from the support table.
 * `oci_write.t --markdown` prints the matrix for the README. */
#include "oci/internal.h"
#include "tests/tap.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define FIXTURES "tests/oci/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0, got;

	if (!f)
		return NULL;
	do {
		if (len + 4096 > cap && !(text = realloc(text, cap = cap * 2 + 8192)))
			break;
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	fclose(f);
	if (text)
		text[len] = '\0';
	return text;
}

static char *reparse_write(const char *text, unsigned flags, struct oci_config *out)
{
	struct oci_messages m = {0};
	char *again = NULL;

	if (oci_config_parse(text, strlen(text), flags, out, &m) == 0)
		again = oci_config_write(out);
	else
		oci_messages_print(&m, stdout, "#  ");
	oci_messages_free(&m);
	return again;
}

/* parse -> write -> parse -> write: the two texts are the same. With
 * whole, the first text holds every value of the document too (the
 * document is written as the writer writes, so nothing may be lost). */
static void round_trip(const char *name, const char *text, unsigned flags, bool whole)
{
	struct oci_config a, b;
	char *t1 = text ? reparse_write(text, flags, &a) : NULL;
	char *t2 = t1 ? reparse_write(t1, flags, &b) : NULL;

	ok(t1 && t2 && strcmp(t1, t2) == 0, "%s: parse, write, parse, write gives the same text",
	   name);
	if (whole) {
		struct oci_messages m = {0};
		json_t *doc = oci_json_load(text, strlen(text), &m);
		json_t *out = t1 ? oci_json_load(t1, strlen(t1), &m) : NULL;
		ok(doc && out && json_equal(doc, out), "%s: ... and loses no value", name);
		json_decref(doc);
		json_decref(out);
		oci_messages_free(&m);
	}
	if (t1)
		oci_config_free(&a);
	if (t2)
		oci_config_free(&b);
	free(t1);
	free(t2);
}

static void test_round_trips(void)
{
	char *full = slurp(FIXTURES "full.json"), *example = slurp(FIXTURES "spec-example.json"),
	     *podman = slurp(FIXTURES "podman-like.json");
	struct oci_config c;

	round_trip("every field", full, OCI_ALLOW_UNSUPPORTED, true);
	round_trip("the spec's example", example, OCI_ALLOW_UNSUPPORTED, false);
	round_trip("podman's shape", podman, 0, false);
	free(example);
	free(podman);
	free(reparse_write(full, OCI_ALLOW_UNSUPPORTED, &c));
	/* values at the edges of their types, after the trip */
	ok(c.process.rlimits[1].hard == UINT64_MAX &&
	       c.process.rlimits[2].hard == UINT64_C(9223372036854775808) &&
	       c.lnx.seccomp.syscalls[1].args[1].value == UINT64_MAX &&
	       c.lnx.resources.hugepage_limits[1].limit == INT64_MAX &&
	       (c.process.capabilities.bounding >> CAP_CHECKPOINT_RESTORE & 1) &&
	       c.process.user.additional_gids[2] == 4294967294u &&
	       c.lnx.time_offsets.boottime.secs == -3600,
	   "uint64 and int64 extremes, the last capability and a negative offset stay exact");
	ok(strcmp(c.process.args.v[4], "echo \"quoted\" \\ and \xc3\xa9") == 0 &&
	       strcmp(oci_map_get(&c.annotations, "org.example.empty"), "") == 0,
	   "quotes, backslashes, UTF-8 and empty strings stay exact");
	oci_config_free(&c);
	free(full);
}

static void test_write_errors(void)
{
	struct oci_config c;
	char *bad_env[] = {"A=\xff", NULL};
	char *text;

	if (oci_config_default(&c, NULL) < 0) {
		ok(0, "the default config");
		return;
	}
	char **env = c.process.env.v;
	size_t n = c.process.env.n;
	c.process.env.v = bad_env;
	c.process.env.n = 1;
	errno = 0;
	text = oci_config_write(&c);
	ok(!text && errno == EILSEQ, "a string that is not UTF-8 cannot be written: EILSEQ");
	free(text);
	c.process.env.v = env;
	c.process.env.n = n;
	oci_config_free(&c);
}

static void test_defaults(void)
{
	struct oci_config c;
	struct oci_rootless me = {.uid = 1234, .gid = 5678};
	char *text;

	is_int(oci_config_default(&c, NULL), 0, "the default config is built");
	ok(strcmp(c.oci_version, OCI_VERSION) == 0 && strcmp(c.hostname, "cspawn") == 0 &&
	       strcmp(c.process.args.v[0], "sh") == 0 && c.root.readonly && c.n_mounts == 7 &&
	       oci_namespace_find(&c.lnx, OCI_NS_NETWORK) &&
	       !oci_namespace_find(&c.lnx, OCI_NS_USER) && c.lnx.resources.n_devices == 1 &&
	       c.lnx.masked_paths.n == 10,
	   "... like runc spec's: sh, read-only rootfs, seven mounts, devices denied");
	ok(c.process.capabilities.bounding ==
		   ((UINT64_C(1) << CAP_AUDIT_WRITE) | (UINT64_C(1) << CAP_KILL) |
		    (UINT64_C(1) << CAP_NET_BIND_SERVICE)) &&
	       c.process.capabilities.ambient == 0 && c.process.no_new_privileges,
	   "... with the three capabilities and no_new_privs");
	text = oci_config_write(&c);
	oci_config_free(&c);
	round_trip("the default config", text, 0, true);
	free(text);

	is_int(oci_config_default(&c, &me), 0, "the rootless config is built");
	ok(oci_namespace_find(&c.lnx, OCI_NS_USER) && c.lnx.uid_mappings.n == 1 &&
	       c.lnx.uid_mappings.v[0].host_id == 1234 &&
	       c.lnx.uid_mappings.v[0].container_id == 0 &&
	       c.lnx.gid_mappings.v[0].host_id == 5678 && !c.lnx.resources.present,
	   "... maps root to the caller, leaves the device cgroup alone");
	ok(!strstr(c.mounts[2].data, "gid=5"), "... and asks devpts for no unmapped group");
	text = oci_config_write(&c);
	oci_config_free(&c);
	round_trip("the rootless config", text, 0, true);
	free(text);
}

static void test_state(void)
{
	struct oci_pair ann[] = {{"org.example.k", "v"}};
	struct oci_state s = {.id = "c1",
			      .status = OCI_STATUS_RUNNING,
			      .pid = 4242,
			      .bundle = "/srv/bundles/c1",
			      .annotations = {ann, 1}};
	struct oci_state back;
	struct oci_messages m = {0};
	char *text = oci_state_write(&s);
	static const char extra[] =
	    "{\"ociVersion\": \"1.0.2\", \"id\": \"x\", \"status\": "
	    "\"stopped\", \"bundle\": \"/b\", \"rootfs\": \"/r\", \"owner\": \"\"}";
	static const char bad[] = "{\"ociVersion\": \"1.0.2\", \"id\": \"x\", \"status\": "
				  "\"paused\", \"bundle\": \"/b\"}";

	ok(text && strstr(text, "\"ociVersion\": \"" OCI_VERSION "\"") &&
	       strstr(text, "\"status\": \"running\"") && strstr(text, "\"pid\": 4242"),
	   "the state names the version, the status and the pid");
	is_int(oci_state_parse(text, strlen(text), &back, &m), 0, "... and reads back");
	ok(strcmp(back.id, "c1") == 0 && back.status == OCI_STATUS_RUNNING && back.pid == 4242 &&
	       strcmp(back.bundle, "/srv/bundles/c1") == 0 &&
	       strcmp(oci_map_get(&back.annotations, "org.example.k"), "v") == 0,
	   "... to the same state");
	oci_state_free(&back);
	free(text);
	s.status = OCI_STATUS_STOPPED;
	s.pid = 0;
	text = oci_state_write(&s);
	ok(text && !strstr(text, "\"pid\"") && strstr(text, "\"stopped\""),
	   "a stopped container without a pid has none written");
	free(text);
	is_int(oci_state_parse(extra, strlen(extra), &back, &m), 0,
	       "a state with more properties reads (the spec allows them)");
	oci_state_free(&back);
	is_int(oci_state_parse(bad, strlen(bad), &back, &m), 1, "an unknown status is an error");
	is_str(m.n ? m.v[0].text : NULL,
	       "status: expected creating, created, running or stopped, got \"paused\"",
	       "... that names the four");
	oci_messages_free(&m);
	ok(strcmp(oci_status_name(OCI_STATUS_CREATING), "creating") == 0 &&
	       strcmp(oci_status_name(OCI_STATUS_CREATED), "created") == 0,
	   "status names");
}

static bool has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) if (json_is_string(v) &&
					  strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static void test_features(void)
{
	struct oci_pair ann[] = {{"org.example.runtime.version", "0.1"}};
	struct oci_map annotations = {ann, 1};
	char *text = oci_features_write(&annotations);
	json_error_t err;
	json_t *f = text ? json_loads(text, 0, &err) : NULL, *lx, *sec;
	size_t i;
	json_t *v;
	bool all_read = true;

	if (!ok(f, "the features document is JSON")) {
		free(text);
		for (int k = 0; k < 6; k++)
			ok(0, "features: nothing to check");
		return;
	}
	lx = json_object_get(f, "linux");
	sec = json_object_get(lx, "seccomp");
	ok(strcmp(json_string_value(json_object_get(f, "ociVersionMin")), "1.0.0") == 0 &&
	       strcmp(json_string_value(json_object_get(f, "ociVersionMax")), "1.1.0") == 0 &&
	       json_array_size(json_object_get(f, "hooks")) == OCI_HOOK_COUNT,
	   "versions 1.0.0 to 1.1.0 and the six hooks");
	ok(has(json_object_get(lx, "namespaces"), "user") &&
	       !has(json_object_get(lx, "namespaces"), "time") &&
	       json_array_size(json_object_get(lx, "capabilities")) == (size_t)oci_cap_last() + 1,
	   "the namespaces of the support table (no time) and every capability name");
	ok(has(json_object_get(sec, "actions"), "SCMP_ACT_ERRNO") &&
	       !has(json_object_get(sec, "actions"), "SCMP_ACT_NOTIFY") &&
	       has(json_object_get(sec, "knownFlags"), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") &&
	       !has(json_object_get(sec, "supportedFlags"),
		    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
	   "seccomp: actions and flags as the support table says");
	ok(json_is_false(json_object_get(json_object_get(lx, "apparmor"), "enabled")) &&
	       json_is_true(json_object_get(json_object_get(lx, "cgroup"), "v2")) &&
	       strcmp(json_string_value(json_object_get(json_object_get(f, "annotations"),
							"org.example.runtime.version")),
		      "0.1") == 0,
	   "no AppArmor, cgroup v2, the caller's annotations");
	/* each mount option it names, the reader takes */
	json_array_foreach(json_object_get(f, "mountOptions"), i, v)
	{
		struct oci_mount m = {0};
		char *opt = (char *)json_string_value(v);
		all_read &= oci_mount_option_known(opt);
		m.options.v = &opt;
		m.options.n = 1;
		all_read &= oci_mount_parse_options(&m) == 0 && !m.data;
		free(m.propagation);
	}
	ok(all_read && has(json_object_get(f, "mountOptions"), "rro") &&
	       !has(json_object_get(f, "mountOptions"), "newinstance"),
	   "every mount option named is a flag the reader knows, none a filesystem's own");
	json_decref(f);
	free(text);
}

static char *matrix(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	oci_support_markdown(f);
	fclose(f);
	return text;
}

/* The README's matrix is the table's, as `--markdown` prints it. */
static void test_readme_matrix(void)
{
	static const char begin[] = "<!-- oci-support: begin, made by build/tests/unit/oci_write.t "
				    "--markdown -->\n",
			  end[] = "<!-- oci-support: end -->";
	char *readme = slurp("README.md"), *want = matrix(), *b, *e;

	b = readme ? strstr(readme, begin) : NULL;
	e = b ? strstr(b, end) : NULL;
	if (b && e) {
		b += sizeof(begin) - 1;
		*e = '\0';
	}
	ok(b && e && want && strcmp(b, want) == 0,
	   "README.md's support matrix is the support table's (run oci_write.t --markdown)");
	ok(oci_field_find("linux.resources.memory", "limit")->support == OCI_SUPPORTED &&
	       oci_field_find("process", "scheduler")->support == OCI_UNSUPPORTED &&
	       !oci_field_find("process", "nosuch"),
	   "the table answers by parent and name");
	free(readme);
	free(want);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--markdown") == 0) {
		oci_support_markdown(stdout);
		return 0;
	}
	tap_plan(6 + 1 + 10 + 8 + 6 + 2);
	test_round_trips();
	test_write_errors();
	test_defaults();
	test_state();
	test_features();
	test_readme_matrix();
	return tap_done();
}
