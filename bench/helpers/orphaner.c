/* bench helper, run as the init's child: makes N orphans and exits only once
 * the init has reaped every one of them, so that "init exited" means "all N
 * orphans reaped" for every init alike (tini, dumb-init and catatonit exit as
 * soon as their child exits; they do not wait for orphans).
 *
 *   orphaner N [DONE_FIFO] [stream|burst|serial]
 *
 * stream (default): N times, fork a middle process that forks a grandchild
 *   and exits at once; the orphaner reaps the middle, the grandchild exits at
 *   once and is reparented to the init. Orphans reach the init one by one.
 * serial: stream, but each orphan is reaped before the next one is made, so
 *   every orphan costs the init exactly one wakeup (for instruction and
 *   syscall counts that do not depend on timing).
 * burst: fork one spawner, which forks N children that each wait until the
 *   spawner has exited, then exit; the init gets N orphans at once.
 *
 * Reaped is checked with kill(pid, 0): a zombie still exists (0), a reaped
 * process does not (ESRCH). In a fresh pid namespace no pid is reused while
 * N*2 < pid_max. The wait is bounded (30 s, then exit 3).
 * When DONE_FIFO is given, one line is written to it after the last orphan
 * was reaped and before exiting, so the bench can read the init's counters
 * at that moment. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int wait_reaped(pid_t pid, double deadline)
{
	while (kill(pid, 0) == 0) {
		struct timespec ts = {0, 20000};
		if (now() > deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* serial: stream, but each orphan is reaped before the next is made */
static int make_stream(int n, pid_t *pids, int serial)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		pid_t m = fork();
		if (m < 0) {
			perror("orphaner: fork");
			return -1;
		}
		if (m == 0) {
			pid_t g = fork();
			if (g == 0)
				_exit(0);
			/* tell the orphaner the grandchild's pid, then orphan it */
			if (write(p[1], &g, sizeof(g)) != sizeof(g))
				_exit(1);
			_exit(0);
		}
		pid_t g;
		if (read(p[0], &g, sizeof(g)) != sizeof(g) || g <= 0) {
			fprintf(stderr, "orphaner: middle process failed\n");
			return -1;
		}
		pids[i] = g;
		if (waitpid(m, NULL, 0) < 0) {
			perror("orphaner: waitpid");
			return -1;
		}
		if (serial && wait_reaped(g, now() + 30) < 0) {
			fprintf(stderr, "orphaner: orphan %d not reaped after 30 s\n", (int)g);
			return -1;
		}
	}
	close(p[0]);
	close(p[1]);
	return 0;
}

static int make_burst(int n, pid_t *pids)
{
	int p[2], gate[2];

	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(gate, O_CLOEXEC) < 0)
		return -1;
	pid_t s = fork();
	if (s < 0)
		return -1;
	if (s == 0) {
		close(p[0]);
		for (int i = 0; i < n; i++) {
			pid_t g = fork();
			if (g < 0)
				_exit(1);
			if (g == 0) {
				char c;
				/* wait until the spawner has died: the last write end of
				 * the gate closes with it */
				close(gate[1]);
				close(p[1]);
				while (read(gate[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
			if (write(p[1], &g, sizeof(g)) != sizeof(g))
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < n; i++)
		if (read(p[0], &pids[i], sizeof(pid_t)) != sizeof(pid_t)) {
			fprintf(stderr, "orphaner: spawner failed\n");
			return -1;
		}
	waitpid(s, NULL, 0);
	close(p[0]);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10000;
	const char *fifo = argc > 2 && argv[2][0] ? argv[2] : NULL;
	const char *mode = argc > 3 ? argv[3] : "stream";
	pid_t *pids = calloc((size_t)(n > 0 ? n : 1), sizeof(pid_t));
	double deadline;

	if (!pids)
		return 1;
	if (strcmp(mode, "burst") == 0 ? make_burst(n, pids)
				       : make_stream(n, pids, strcmp(mode, "serial") == 0))
		return 1;
	deadline = now() + 30;
	for (int i = 0; i < n; i++)
		if (wait_reaped(pids[i], deadline) < 0) {
			fprintf(stderr, "orphaner: %d of %d orphans not reaped after 30 s\n", n - i,
				n);
			return 3;
		}
	if (fifo) {
		int fd = open(fifo, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "done\n", 5) != 5) {
			perror("orphaner: fifo");
			return 1;
		}
		close(fd);
	}
	return 0;
}
