/* bench helper, run as the init's child in place of /bin/true (built static,
 * so that it starts the same for every init): writes the CLOCK_MONOTONIC time
 * at which it started and the time just before it exits, 8 bytes each, to
 * FIFO. The bench splits `INIT -- CMD` into the init's start-up (to the
 * child running) and its shutdown (child exit to init exit).
 *
 *   stamp FIFO */
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t t[2];
	int fd;

	t[0] = now_ns();
	if (argc < 2 || (fd = open(argv[1], O_WRONLY | O_CLOEXEC)) < 0)
		return 1;
	t[1] = now_ns();
	return write(fd, t, sizeof(t)) == sizeof(t) ? 0 : 1;
}
