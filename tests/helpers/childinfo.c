/* Test helper: prints what a process inherited: blocked and ignored signal
 * masks, open descriptors, whether it leads its process group, and whether
 * its group owns the terminal. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	DIR *d;
	struct dirent *de;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			fputs(line, stdout);
	if (f)
		fclose(f);
	d = opendir("/proc/self/fd");
	printf("fds:");
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			printf(" %s", de->d_name);
	printf("\n");
	if (d)
		closedir(d);
	printf("pgleader: %s\n", getpgrp() == getpid() ? "yes" : "no");
	if (isatty(0))
		printf("foreground: %s\n", tcgetpgrp(0) == getpgrp() ? "yes" : "no");
	return 0;
}
