/* oci_process_apply: an exec's command, -e, -w and -t over the process it
 * starts from, as `cspawn exec` and the runtime's exec make them. */
#include "oci/internal.h"
#include "tests/tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void process_of(struct oci_process *p)
{
	static const char *const args[] = {"sh", "-c", "true"};
	static const char *const env[] = {"PATH=/bin", "HOME=/root"};

	memset(p, 0, sizeof(*p));
	p->args.v = calloc(4, sizeof(char *));
	p->env.v = calloc(3, sizeof(char *));
	for (size_t i = 0; i < 3; i++)
		p->args.v[p->args.n++] = strdup(args[i]);
	for (size_t i = 0; i < 2; i++)
		p->env.v[p->env.n++] = strdup(env[i]);
	p->cwd = strdup("/");
}

static char *joined(const struct oci_strv *v)
{
	static char buf[512];

	buf[0] = '\0';
	for (size_t i = 0; i < v->n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 v->v[i]);
	return buf;
}

static void test_over(void)
{
	char *cmd[] = {"ls", "-l"}, *env[] = {"HOME=/home/app", "NEW=1", "OWN", "UNSET_HERE"};
	struct oci_exec_flags f = {
	    .args = cmd, .nargs = 2, .env = env, .nenv = 4, .cwd = "/srv", .terminal = true};
	struct oci_process p;
	const char *bad = "x";

	setenv("OWN", "mine", 1);
	unsetenv("UNSET_HERE");
	process_of(&p);
	is_int(oci_process_apply(&p, &f, &bad), 0, "flags over a process: applied");
	is_str(joined(&p.args), "ls -l", "the command replaces the process's");
	is_str(joined(&p.env), "PATH=/bin HOME=/home/app NEW=1 OWN=mine",
	       "KEY=VALUE replaces KEY or is added; a bare KEY takes the caller's value, or "
	       "is left out");
	is_str(p.cwd, "/srv", "-w replaces the working directory");
	ok(p.terminal && p.args.v[p.args.n] == NULL && p.env.v[p.env.n] == NULL && !bad,
	   "-t sets the terminal; both lists stay NULL-terminated");
	oci_process_free(&p);
}

static void test_keep(void)
{
	char *env[] = {"=oops"};
	struct oci_exec_flags f = {.env = env, .nenv = 1};
	struct oci_process p;
	const char *bad;

	process_of(&p);
	errno = 0;
	ok(oci_process_apply(&p, &f, &bad) < 0 && errno == EINVAL && bad == env[0],
	   "an env entry without a name: EINVAL, naming it");
	is_str(joined(&p.args), "sh -c true", "no command given: the process's own stays");
	is_str(p.cwd, "/", "no -w: its working directory stays");
	oci_process_free(&p);
}

int main(void)
{
	tap_plan(8);
	test_over();
	test_keep();
	return tap_done();
}
