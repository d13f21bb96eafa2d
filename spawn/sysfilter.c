#include "spawn/sysfilter.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>

static int failed(int rc, const char *what, const char *name, struct spawn_error *e)
{
	errno = -rc;
	return spawn_fail_errno(e, "seccomp: %s %s", what, name);
}

static int add_arches(scmp_filter_ctx ctx, const struct oci_seccomp *s, struct spawn_error *e)
{
	for (size_t i = 0; i < s->n_architectures; i++) {
		int rc = seccomp_arch_add(ctx, s->architectures[i]);

		if (rc < 0 && rc != -EEXIST)
			return failed(rc, "adding architecture", "", e);
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct oci_syscall *sc, uint32_t dflt,
		    struct spawn_error *e)
{
	uint32_t action = oci_seccomp_action(sc->action, sc->errno_ret);
	struct scmp_arg_cmp args[6];

	if (action == dflt)
		return 0; /* libseccomp refuses it, and it would change nothing */
	if (sc->n_args > 6)
		return spawn_fail(e, "seccomp: a rule compares at most 6 arguments");
	for (size_t i = 0; i < sc->n_args; i++)
		args[i] = (struct scmp_arg_cmp){.arg = sc->args[i].index,
						.op = (enum scmp_compare)sc->args[i].op,
						.datum_a = sc->args[i].value,
						.datum_b = sc->args[i].value_two};
	for (size_t n = 0; n < sc->names.n; n++) {
		int nr = seccomp_syscall_resolve_name(sc->names.v[n]), rc;

		if (nr == __NR_SCMP_ERROR)
			continue;
		rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)sc->n_args, args);
		if (rc < 0)
			return failed(rc, "adding the rule for", sc->names.v[n], e);
	}
	return 0;
}

static int set_flags(scmp_filter_ctx ctx, unsigned flags, struct spawn_error *e)
{
	static const struct {
		unsigned flag;
		enum scmp_filter_attr attr;
	} map[] = {
	    {1u << 1, SCMP_FLTATR_CTL_LOG},   /* SECCOMP_FILTER_FLAG_LOG */
	    {1u << 2, SCMP_FLTATR_CTL_SSB},   /* SECCOMP_FILTER_FLAG_SPEC_ALLOW */
	    {1u << 0, SCMP_FLTATR_CTL_TSYNC}, /* SECCOMP_FILTER_FLAG_TSYNC */
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((flags & map[i].flag) && seccomp_attr_set(ctx, map[i].attr, 1) < 0)
			return spawn_fail(e, "seccomp: a filter flag this libseccomp lacks");
	return 0;
}

int sysfilter_load(const struct oci_seccomp *s, struct spawn_error *e)
{
	uint32_t dflt = oci_seccomp_action(s->default_action, s->default_errno_ret);
	scmp_filter_ctx ctx = seccomp_init(dflt);
	int rc = 0;

	if (!ctx)
		return spawn_fail(e, "seccomp_init failed");
	if (add_arches(ctx, s, e) < 0 || set_flags(ctx, s->flags, e) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < s->n_syscalls; i++)
		rc = add_rule(ctx, &s->syscalls[i], dflt, e);
	if (rc == 0 && (rc = seccomp_load(ctx)) < 0)
		rc = failed(rc, "loading the filter", "", e);
	seccomp_release(ctx);
	return rc < 0 ? -1 : 0;
}
