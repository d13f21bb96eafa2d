/* bench/supervise's service: the same tiny long-running process under every
 * supervisor (built static, so that it starts the same everywhere).
 *
 *   supervise_svc DIR NAME
 *
 * At start it writes "PID START_NS\n" to DIR/NAME (through a temporary file
 * and rename(), so a reader never sees half a line), START_NS being
 * CLOCK_MONOTONIC in nanoseconds, the clock the bench reads too. Then it
 * sleeps in pause() for ever, like `sleep 100000`, and wakes for nothing.
 * On SIGTERM it writes the CLOCK_MONOTONIC time at which it took the signal
 * to DIR/NAME.term and exits 0: the bench tells a stop through the
 * supervisor's stop signal from a SIGKILL, and sees when the last service
 * went. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char term_path[4096];

static void on_term(int sig)
{
	struct timespec ts;
	char buf[32];
	unsigned long long ns;
	int fd, i = (int)sizeof(buf);

	(void)sig;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
	buf[--i] = '\n';
	do
		buf[--i] = (char)('0' + ns % 10);
	while ((ns /= 10) != 0);
	fd = open(term_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, buf + i, sizeof(buf) - (size_t)i) < 0)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	struct timespec ts;
	struct sigaction sa;
	char path[4096], tmp[4096], line[64];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc != 3)
		return 2;
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", argv[1], argv[2], (int)getpid());
	snprintf(term_path, sizeof(term_path), "%s/%s.term", argv[1], argv[2]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);

	n = snprintf(line, sizeof(line), "%d %llu\n", (int)getpid(),
		     (unsigned long long)ts.tv_sec * 1000000000ull +
			 (unsigned long long)ts.tv_nsec);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) != 0 || rename(tmp, path) != 0)
		return 1;
	for (;;)
		pause();
}
