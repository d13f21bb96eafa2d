/* update: new limits for a running container's cgroup, from a resources
 * document (-r FILE, "-" for stdin, as runc's) and runc's flags, which win
 * over the document. */
#include "runtime/internal.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "conf/units.h"
#include "spawn/devfilter.h"

/* The document is linux.resources of a config: read as one, so that every
 * field is checked (and refused when unsupported) as create checks it. */
static int read_resources(const struct rt *rt, const char *file, struct oci_config *c)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	struct oci_messages msgs = {0};
	char *text, *doc;
	size_t len, cap = 1 << 20;
	int rc;

	if (!f)
		return rt_error(rt, "update -r %s: %s", file, strerror(errno));
	text = malloc(cap);
	len = text ? fread(text, 1, cap - 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (!text)
		return rt_error(rt, "update: out of memory");
	text[len] = '\0';
	if (asprintf(&doc,
		     "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"rootfs\"},"
		     "\"linux\":{\"resources\":%s}}",
		     OCI_VERSION, len ? text : "{}") < 0) {
		free(text);
		return rt_error(rt, "update: out of memory");
	}
	free(text);
	rc = oci_config_parse(doc, strlen(doc), 0, c, &msgs);
	free(doc);
	for (size_t i = 0; i < msgs.n; i++)
		rt_error(rt, "update -r %s: %s", file, msgs.v[i].text);
	oci_messages_free(&msgs);
	return rc ? 1 : 0;
}

enum { U_MEMORY = 256, U_SWAP, U_SHARES, U_QUOTA, U_PERIOD, U_PIDS, U_RES };

static int number(const struct rt *rt, const char *flag, const char *v, bool size, int64_t *out)
{
	uint64_t b;
	char *end;

	if (strcmp(v, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (size && conf_parse_size(v, &b) == 0) {
		*out = (int64_t)b;
		return 0;
	}
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return rt_error(rt, "update --%s %s: not a number", flag, v);
	return 0;
}

static int apply_flag(const struct rt *rt, int opt, const char *name, const char *v,
		      struct oci_resources *r)
{
	int64_t n;

	if (number(rt, name, v, opt == U_MEMORY || opt == U_SWAP, &n) != 0)
		return 1;
	switch (opt) {
	case U_MEMORY:
		r->memory.limit = (struct oci_opt_i64){true, n};
		break;
	case U_SWAP:
		r->memory.swap = (struct oci_opt_i64){true, n};
		break;
	case U_SHARES:
		r->cpu.shares = (struct oci_opt_u64){n > 0, (uint64_t)n};
		break;
	case U_QUOTA:
		r->cpu.quota = (struct oci_opt_i64){true, n};
		break;
	case U_PERIOD:
		r->cpu.period = (struct oci_opt_u64){n > 0, (uint64_t)n};
		break;
	case U_PIDS:
		r->pids.present = true;
		r->pids.limit = n;
		break;
	}
	return 0;
}

int rt_update(const struct rt *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"resources", required_argument, NULL, 'r'},
					     {"memory", required_argument, NULL, U_MEMORY},
					     {"memory-swap", required_argument, NULL, U_SWAP},
					     {"cpu-shares", required_argument, NULL, U_SHARES},
					     {"cpu-quota", required_argument, NULL, U_QUOTA},
					     {"cpu-period", required_argument, NULL, U_PERIOD},
					     {"pids-limit", required_argument, NULL, U_PIDS},
					     {NULL, 0, NULL, 0}};
	struct oci_config c = {0};
	struct spawn_error e;
	struct rt_record r;
	struct devfilter_rule *rules;
	struct cgroup_limits lim;
	int opt, idx, rc;
	const char *file = NULL;
	struct {
		int opt;
		const char *name, *v;
	} flags[8];
	int nflags = 0;

	while ((opt = getopt_long(argc, argv, "+r:", opts, &idx)) != -1) {
		if (opt == 'r')
			file = optarg;
		else if (opt >= U_MEMORY && opt <= U_PIDS && nflags < 8)
			flags[nflags++] = (typeof(flags[0])){opt, opts[idx].name, optarg};
		else
			return 1;
	}
	if (optind != argc - 1)
		return rt_error(rt, "update: give exactly one container id");
	if (file && read_resources(rt, file, &c) != 0)
		return 1;
	for (int i = 0; i < nflags; i++)
		if (apply_flag(rt, flags[i].opt, flags[i].name, flags[i].v, &c.lnx.resources) !=
		    0) {
			oci_config_free(&c);
			return 1;
		}
	if (rt_record_load(rt, argv[optind], true, &r) < 0) {
		oci_config_free(&c);
		return 1;
	}
	rc = cgroup_limits_of(&c.lnx.resources, &lim, &rules, &e) < 0 || !r.has_cgroup ||
	     cgroup_update(&r.cg, &lim, &e) < 0;
	if (rc)
		rt_error(rt, "update %s: %s", r.id, r.has_cgroup ? e.msg : "no cgroup");
	free(rules);
	rt_record_free(&r);
	oci_config_free(&c);
	return rc;
}
