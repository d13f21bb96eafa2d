#include "manage/paths.h"

#include <stdio.h>
#include <stdlib.h>

int paths_roots(struct cspawn_roots *r, struct spawn_error *e)
{
	const char *root = getenv("CSPAWN_ROOT");

	if (!root || !*root) {
		snprintf(r->lib, sizeof(r->lib), "%s", PATHS_DEFAULT_LIB);
		snprintf(r->run, sizeof(r->run), "%s", PATHS_DEFAULT_RUN);
		return 0;
	}
	if (root[0] != '/')
		return spawn_fail(e, "--root (CSPAWN_ROOT) '%s': expected an absolute path", root);
	if (format_path(r->lib, sizeof(r->lib), "%s/lib", root) < 0 ||
	    format_path(r->run, sizeof(r->run), "%s/run", root) < 0)
		return spawn_fail_errno(e, "--root (CSPAWN_ROOT) '%s'", root);
	return 0;
}
