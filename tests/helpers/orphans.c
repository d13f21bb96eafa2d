/* Test helper: makes N orphans that exit at once (each a grandchild whose
 * parent exited first), then waits for argv[2] to exist before exiting, so
 * that the test can look for zombies while it still runs. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	struct stat st;

	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (p == 0) {
			if (fork() < 0)
				_exit(1);
			_exit(0); /* the grandchild is now an orphan */
		}
		if (waitpid(p, NULL, 0) < 0) {
			perror("waitpid");
			return 1;
		}
	}
	printf("made %d\n", n);
	fflush(stdout);
	/* bounded: the test creates the file, or 60 s pass */
	for (int i = 0; argc > 2 && i < 3000 && stat(argv[2], &st) < 0; i++)
		usleep(20000);
	return 0;
}
