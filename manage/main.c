/* cspawn's entry: `cspawn COMMAND [ARGS]` picks a command; with no known
 * command word first, the arguments are those of `run`, so the form that
 * came first (`cspawn [options] ROOTFS [COMMAND...]`) keeps working. */
#include <stdio.h>
#include <string.h>

#include "manage/commands.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    {"run", cmd_run},
};

static const struct command *find_command(const char *word)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, word) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c = argc > 1 ? find_command(argv[1]) : NULL;

	if (!c)
		return cmd_run(argc, argv);
	return c->fn(argc - 1, argv + 1);
}
