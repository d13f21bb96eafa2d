/* Test helper: closes every descriptor above 2, then execs argv[1..], so a
 * test sees only what the program under test opens itself. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (close_range(3, ~0U, 0) < 0) {
		perror("close_range");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("execvp");
	return 127;
}
