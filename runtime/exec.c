/* exec: a new process in a running container. */
#include "runtime/internal.h"

int rt_exec(const struct rt *rt, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return rt_error(rt, "exec: not supported yet");
}
