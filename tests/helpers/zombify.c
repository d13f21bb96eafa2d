/* Test helper: leaves N zombie children behind, then execs argv[2..], which
 * inherits them (as cinit does when exec'd by a shell with children). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int is_zombie(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	int z = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');
		z = p && p[2] == 'Z';
	}
	if (f)
		fclose(f);
	return z;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;

	if (argc < 3)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (p == 0)
			_exit(0);
		/* bounded wait until the child has become a zombie */
		for (int t = 0; t < 500 && !is_zombie(p); t++)
			usleep(10000);
	}
	execvp(argv[2], argv + 2);
	perror("execvp");
	return 127;
}
