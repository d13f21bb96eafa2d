/* Test helper, linked statically so that it runs inside a busybox root:
 * makes the system calls named on its command line, each with harmless
 * arguments, and prints "NAME: ok" or "NAME: <error>" for each. The
 * arguments are chosen so that the kernel itself answers something other
 * than EPERM to a process with every capability: EPERM then means a
 * seccomp filter refused the call. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static int report(const char *name, long rc)
{
	if (rc < 0)
		printf("%s: %s\n", name, strerror(errno));
	else
		printf("%s: ok\n", name);
	return rc < 0;
}

/* TIOCSTI on our own controlling terminal, a new pty: the kernel refuses
 * it on any other terminal to a process without CAP_SYS_ADMIN. Runs in a
 * child, because a process group leader (PID 1 here) cannot setsid. */
static int tiocsti_child(const char *slave_path)
{
	char c = 'x';
	int fd;

	if (setsid() < 0)
		return report("setsid", -1);
	/* Without O_NOCTTY, a session leader's first terminal becomes its own. */
	fd = open(slave_path, O_RDWR);
	if (fd < 0)
		return report("open the pty", -1);
	return report("tiocsti", ioctl(fd, TIOCSTI, &c));
}

static int probe_tiocsti(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), status;
	const char *slave;
	pid_t pid;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return report("opening a pseudo-terminal", -1);
	slave = ptsname(master);
	if (!slave)
		return report("ptsname", -1);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return report("fork", -1);
	if (pid == 0)
		exit(tiocsti_child(slave));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return report("waitpid", -1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static long probe_vsock(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static int probe(const char *name)
{
	if (strcmp(name, "tiocsti") == 0)
		return probe_tiocsti();
	if (strcmp(name, "vsock") == 0)
		return report(name, probe_vsock());
	/* Flags no kernel knows: EINVAL (or ENOSYS without kexec). */
	if (strcmp(name, "kexec_load") == 0)
		return report(name, syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL));
	if (strcmp(name, "pivot_root") == 0)
		return report(name, syscall(SYS_pivot_root, "/nonexistent", "/nonexistent"));
	if (strcmp(name, "swapon") == 0)
		return report(name, syscall(SYS_swapon, "/nonexistent", 0));
	/* No pages and no nodes: nothing moves. */
	if (strcmp(name, "move_pages") == 0)
		return report(name, syscall(SYS_move_pages, 0, 0UL, NULL, NULL, NULL, 0));
	if (strcmp(name, "migrate_pages") == 0)
		return report(name, syscall(SYS_migrate_pages, 0, 0UL, NULL, NULL));
	/* A descriptor that is none: EBADF. */
	if (strcmp(name, "setns") == 0)
		return report(name, syscall(SYS_setns, -1, 0));
	/* ADDR_NO_RANDOMIZE: allowed by the kernel, not among docker's values. */
	if (strcmp(name, "personality") == 0)
		return report(name, syscall(SYS_personality, 0x0040000UL));
	printf("%s: unknown probe\n", name);
	return 2;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (probe(argv[i]) != 0)
			rc = 1;
	return rc;
}
