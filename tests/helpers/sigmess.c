/* Test helper: blocks and ignores every signal it can, then execs argv[1..],
 * like a careless parent would. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	sigset_t all;

	if (argc < 2)
		return 2;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			signal(s, SIG_IGN);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	execvp(argv[1], argv + 1);
	perror("execvp");
	return 127;
}
