/* Test helper, linked statically so that it runs inside a busybox root:
 * makes a new pseudo-terminal its controlling terminal and pushes a
 * character into its input with TIOCSTI. Prints "injected" or the error.
 * Owning the terminal matters: the kernel refuses TIOCSTI on any other
 * terminal to a process without CAP_SYS_ADMIN, so only a filter can make
 * this one fail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int inject(const char *slave_path)
{
	char c = 'x';
	int fd;

	if (setsid() < 0) {
		printf("setsid: %s\n", strerror(errno));
		return 1;
	}
	/* Without O_NOCTTY, a session leader's first terminal becomes its own. */
	fd = open(slave_path, O_RDWR);
	if (fd < 0) {
		printf("open %s: %s\n", slave_path, strerror(errno));
		return 1;
	}
	if (ioctl(fd, TIOCSTI, &c) < 0) {
		printf("TIOCSTI: %s\n", strerror(errno));
		return 1;
	}
	printf("injected\n");
	return 0;
}

int main(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), status;
	const char *slave;
	pid_t pid;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		printf("opening a pseudo-terminal: %s\n", strerror(errno));
		return 1;
	}
	slave = ptsname(master);
	if (!slave) {
		printf("ptsname: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	/* A child, because a process group leader (PID 1 here) cannot setsid. */
	pid = fork();
	if (pid < 0) {
		printf("fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		exit(inject(slave));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			printf("waitpid: %s\n", strerror(errno));
			return 1;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
