/* Test helper: catches every catchable signal and appends its number to
 * the file given as argv[1], one per line; exits 0 on the signal given as
 * argv[2] (default: never). Writes "ready" to argv[1].ready once set up. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got[NSIG];

static void on_signal(int sig)
{
	got[sig] = 1;
}

int main(int argc, char **argv)
{
	int exit_sig = argc > 2 ? atoi(argv[2]) : 0;
	struct sigaction sa;
	sigset_t none;
	char ready[4096];
	int fd, rfd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			sigaction(s, &sa, NULL);
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	rfd = open(ready, O_WRONLY | O_CREAT, 0644);
	if (rfd < 0)
		return 1;
	close(rfd);
	sigemptyset(&none);
	for (;;) {
		sigsuspend(&none);
		for (int s = 1; s < NSIG; s++) {
			char line[16];
			int n;
			if (!got[s])
				continue;
			got[s] = 0;
			n = snprintf(line, sizeof(line), "%d\n", s);
			if (write(fd, line, (size_t)n) != n)
				return 1;
			if (s == exit_sig)
				return 0;
		}
	}
}
