/* Test helper: the signal set-up of tini's sigconf test. Ignores TTOU (which
 * cinit ignores for itself), SEGV (which cinit leaves alone) and INT (which
 * cinit handles); blocks TTIN, ILL and TERM, the same three kinds; then
 * execs argv[1..]. A child of cinit must start with exactly these. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const int ignored[] = {SIGTTOU, SIGSEGV, SIGINT};
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigset_t block;

	if (argc < 2)
		return 2;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (sigaction(ignored[i], &ign, NULL) < 0) {
			perror("sigaction");
			return 1;
		}
	sigemptyset(&block);
	sigaddset(&block, SIGTTIN);
	sigaddset(&block, SIGILL);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, NULL) < 0) {
		perror("sigprocmask");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("execvp");
	return 127;
}
