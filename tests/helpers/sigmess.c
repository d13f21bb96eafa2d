/* Test helper: blocks and ignores every signal it can, then execs argv[1..],
 * like a careless parent would. Raw system calls, because the C library
 * refuses to touch signals 32 and 33, and a parent need not use it. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* the kernel's struct sigaction on x86-64, arm64, arm and riscv */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

int main(int argc, char **argv)
{
	struct kernel_sigaction ign = {.handler = SIG_IGN};
	uint64_t all = ~UINT64_C(0);

	if (argc < 2)
		return 2;
	for (int s = 1; s < _NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP &&
		    syscall(SYS_rt_sigaction, s, &ign, NULL, sizeof(ign.mask)) < 0) {
			perror("rt_sigaction");
			return 1;
		}
	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, sizeof(all)) < 0) {
		perror("rt_sigprocmask");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("execvp");
	return 127;
}
