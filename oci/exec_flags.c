/* An exec's flags over a process (oci/oci.h, oci_process_apply): what
 * `cspawn exec` and the runtime's exec both make of their -e, -w, -t and
 * command. */
#include "oci/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The strings copied, in place of what v held. */
static int strv_replace(struct oci_strv *v, char *const *items, size_t n)
{
	struct oci_strv nv = {calloc(n + 1, sizeof(char *)), 0};

	if (!nv.v)
		return -1;
	for (; nv.n < n; nv.n++)
		if (!(nv.v[nv.n] = strdup(items[nv.n]))) {
			oci_strv_free(&nv);
			return -1;
		}
	oci_strv_free(v);
	*v = nv;
	return 0;
}

/* KEY=VALUE in place of the entry of that KEY, or added; a bare KEY takes
 * the caller's own value, or is left out when it has none, as docker's. */
static int env_set(struct oci_strv *v, const char *kv)
{
	size_t key = strcspn(kv, "=");
	const char *own = kv[key] ? NULL : getenv(kv);
	char *entry = NULL, **grown;

	if (key == 0)
		return errno = EINVAL, -1;
	if (!kv[key] && !own)
		return 0;
	if (own ? asprintf(&entry, "%s=%s", kv, own) < 0 : !(entry = strdup(kv)))
		return -1;
	for (size_t i = 0; i < v->n; i++)
		if (strncmp(v->v[i], entry, key + 1) == 0) {
			free(v->v[i]);
			v->v[i] = entry;
			return 0;
		}
	grown = realloc(v->v, (v->n + 2) * sizeof(char *));
	if (!grown) {
		free(entry);
		return -1;
	}
	v->v = grown;
	v->v[v->n++] = entry;
	v->v[v->n] = NULL;
	return 0;
}

int oci_process_apply(struct oci_process *p, const struct oci_exec_flags *f, const char **bad)
{
	*bad = NULL;
	if (f->nargs && strv_replace(&p->args, f->args, f->nargs) < 0)
		return -1;
	for (size_t i = 0; i < f->nenv; i++)
		if (env_set(&p->env, f->env[i]) < 0) {
			*bad = f->env[i];
			return -1;
		}
	if (f->cwd) {
		char *cwd = strdup(f->cwd);

		if (!cwd)
			return -1;
		free(p->cwd);
		p->cwd = cwd;
	}
	p->terminal = f->terminal;
	return 0;
}
