/* The engine's console socket (--console-socket), as runc, crun, conmon
 * and containerd speak it: the runtime connects, and the pty's master goes
 * over it with SCM_RIGHTS, the pty's name as the data. create's child
 * sends its own (spawn/process.h); exec's master comes back to the runtime
 * (spawn/exec.h), which passes it on here. */
#include "runtime/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rt_console_connect(const char *path, struct spawn_error *e)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return spawn_fail(e, "--console-socket %s: the path is too long", path);
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return spawn_fail_errno(e, "socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		spawn_fail_errno(e, "connecting to the console socket %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int rt_console_send(int sock, int fd, const char *name, struct spawn_error *e)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n;

	memset(ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return spawn_fail_errno(e, "sending the pty to the console socket");
	return 0;
}
