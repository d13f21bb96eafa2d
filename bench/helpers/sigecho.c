/* bench helper, run as the init's child: the "sleeping child" of the RSS and
 * signal-latency rows.
 *
 *   sigecho FIFO
 *
 * Blocks SIGUSR1, opens FIFO for writing, writes one 8-byte 0 ("ready"),
 * then for every SIGUSR1 taken with sigwaitinfo() writes the CLOCK_MONOTONIC
 * time of receipt in nanoseconds (8 bytes). SIGTERM, SIGINT and SIGHUP keep
 * their default action, so the init's forwarded TERM ends it. It also exits
 * when the reader goes away (EPIPE) or after 120 s without a signal. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sigset_t set;
	struct timespec timeout = {120, 0};
	uint64_t t = 0;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: sigecho FIFO\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("sigecho: open");
		return 1;
	}
	if (write(fd, &t, sizeof(t)) != sizeof(t))
		return 1;
	for (;;) {
		struct timespec ts;
		int sig = sigtimedwait(&set, NULL, &timeout);
		if (sig < 0)
			return 4; /* nobody signalled for 120 s */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		if (write(fd, &t, sizeof(t)) != sizeof(t))
			return 0;
	}
}
