/* cspawn-image: the image commands of cspawn (pull, push, load, save,
 * images, rmi, tag, image, login), which cspawn execs with its own argv.
 * A program of their own, so that only they load libcurl and libarchive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage/commands.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
    {"pull", cmd_pull},	    {"push", cmd_push},	    {"load", cmd_load}, {"save", cmd_save},
    {"images", cmd_images}, {"rmi", cmd_rmi},	    {"tag", cmd_tag},	{"image", cmd_image},
    {"login", cmd_login},   {"commit", cmd_commit},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: cspawn pull|push|load|save|images|rmi|tag|image|login ...\n");
	return 2;
}
