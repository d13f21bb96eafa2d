/* cspawn's entry: `cspawn COMMAND [ARGS]` picks a command; with no known
 * command word first, the arguments are those of `run`, so the form that
 * came first (`cspawn [options] ROOTFS [COMMAND...]`) keeps working. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manage/commands.h"
#include "manage/monitor/protocol.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    {"run", cmd_run},
    {"start", cmd_start},
    {"stop", cmd_stop},
    {"restart", cmd_restart},
    {"kill", cmd_kill},
    {"wait", cmd_wait},
    {"rm", cmd_rm},
    {"ps", cmd_ps},
    {"inspect", cmd_inspect},
    {"logs", cmd_logs},
    {"exec", cmd_exec},
    {"attach", cmd_attach},
    {"network", cmd_network},
    {"port", cmd_port},
    /* volumes, restarts across reboots, figures */
    {"volume", cmd_volume},
    {"boot", cmd_boot},
    {"generate", cmd_generate},
    {"stats", cmd_stats},
    /* not a user's: the monitor's way back from cspawn-monitor */
    {MONITOR_STEP_COMMAND, cmd_monitor_step},
};

/* The image commands live in cspawn-image, beside cspawn: they need
 * libcurl and libarchive, whose loading alone (some 50 libraries) would
 * add milliseconds to every start of a container. */
static const char *const image_commands[] = {"pull", "push", "load",  "save",  "images",
					     "rmi",  "tag",  "image", "login", "commit"};

static const struct command *find_command(const char *word)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, word) == 0)
			return &commands[i];
	return NULL;
}

/* `--root DIR` before the command word moves all state (manage/paths.h);
 * it travels as CSPAWN_ROOT, so commands and monitors they start agree. */
static int take_global_root(int *argc, char ***argv)
{
	if (*argc < 3 || strcmp((*argv)[1], "--root") != 0)
		return 0;
	if ((*argv)[2][0] != '/') {
		fprintf(stderr, "cspawn: --root '%s': expected an absolute path\n", (*argv)[2]);
		return -1;
	}
	if (setenv("CSPAWN_ROOT", (*argv)[2], 1) < 0) {
		fprintf(stderr, "cspawn: setenv CSPAWN_ROOT: %s\n", strerror(errno));
		return -1;
	}
	(*argv)[2] = (*argv)[0];
	*argv += 2;
	*argc -= 2;
	return 0;
}

static bool is_image_command(const char *word)
{
	for (size_t i = 0; i < sizeof(image_commands) / sizeof(image_commands[0]); i++)
		if (strcmp(image_commands[i], word) == 0)
			return true;
	return false;
}

static int exec_image_tool(char **argv)
{
	char self[PATH_MAX], tool[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0) {
		fprintf(stderr, "cspawn: readlink /proc/self/exe: %s\n", strerror(errno));
		return 125;
	}
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(tool, sizeof(tool), "%s/cspawn-image", self);
	execv(tool, argv);
	fprintf(stderr, "cspawn: %s: %s (it is installed beside cspawn)\n", tool, strerror(errno));
	return 125;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (take_global_root(&argc, &argv) < 0)
		return 125;
	if (argc > 1 && is_image_command(argv[1]))
		return exec_image_tool(argv);
	c = argc > 1 ? find_command(argv[1]) : NULL;
	if (!c)
		return cmd_run(argc, argv);
	return c->fn(argc - 1, argv + 1);
}
