/* Test helper: receives every signal but KILL, STOP and CHLD, 32 and 33
 * included, and appends its number to the file given as argv[1], one per
 * line; exits 0 on the signal given as argv[2] (default: never). Writes
 * argv[1].ready once set up. A signalfd through raw system calls, because
 * the C library refuses to block or catch 32 and 33. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

/* the kernel's struct sigaction on x86-64, arm64, arm and riscv */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static uint64_t bit(int sig)
{
	return UINT64_C(1) << (sig - 1);
}

int main(int argc, char **argv)
{
	int exit_sig = argc > 2 ? atoi(argv[2]) : 0;
	uint64_t mask = ~(bit(SIGKILL) | bit(SIGSTOP) | bit(SIGCHLD));
	struct kernel_sigaction dfl = {.handler = SIG_DFL};
	char ready[4096];
	int fd, rfd, sfd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		return 1;
	/* an ignored signal is dropped even while blocked: a shell's `&` or
	 * `trap ""` must not hide one */
	for (int s = 1; s < _NSIG; s++)
		if ((mask & bit(s)) &&
		    syscall(SYS_rt_sigaction, s, &dfl, NULL, sizeof(dfl.mask)) < 0)
			return 1;
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &mask, NULL, sizeof(mask)) < 0)
		return 1;
	sfd = (int)syscall(SYS_signalfd4, -1, &mask, sizeof(mask), 0);
	if (sfd < 0)
		return 1;
	snprintf(ready, sizeof(ready), "%s.ready", argv[1]);
	rfd = open(ready, O_WRONLY | O_CREAT, 0644);
	if (rfd < 0)
		return 1;
	close(rfd);
	for (;;) {
		struct signalfd_siginfo si;
		char line[16];
		int n;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			return 1;
		n = snprintf(line, sizeof(line), "%u\n", si.ssi_signo);
		if (write(fd, line, (size_t)n) != n)
			return 1;
		if ((int)si.ssi_signo == exit_sig)
			return 0;
	}
}
