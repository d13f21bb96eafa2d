/* Where cspawn's state goes: the defaults, CSPAWN_ROOT, and refusals. */
#include <stdlib.h>

#include "../tap.h"
#include "manage/paths.h"

int main(void)
{
	struct cspawn_roots r;
	struct spawn_error e;

	tap_plan(5);
	unsetenv("CSPAWN_ROOT");
	ok(paths_roots(&r, &e) == 0, "defaults");
	is_str(r.lib, "/var/lib/cspawn", "persistent state in /var/lib/cspawn");
	is_str(r.run, "/run/cspawn", "runtime state in /run/cspawn");
	setenv("CSPAWN_ROOT", "/tmp/t", 1);
	ok(paths_roots(&r, &e) == 0 && strcmp(r.lib, "/tmp/t/lib") == 0 &&
	       strcmp(r.run, "/tmp/t/run") == 0,
	   "CSPAWN_ROOT moves both");
	setenv("CSPAWN_ROOT", "rel", 1);
	ok(paths_roots(&r, &e) < 0 && strstr(e.msg, "absolute"), "a relative root is refused");
	return tap_done();
}
