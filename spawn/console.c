#include "spawn/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int console_connect(const char *path, struct spawn_error *e)
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

static int send_fd(int sock, int fd, const char *name, struct spawn_error *e)
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

/* The slave end as stdio; the child is a session leader already (setsid),
 * so TIOCSCTTY makes it the controlling terminal. */
static int take_slave(int master, uid_t uid, char *name, size_t len, struct spawn_error *e)
{
	int slave;

	if (ptsname_r(master, name, len) != 0)
		return spawn_fail_errno(e, "ptsname");
	/* By the master, never by the name: no path in the container's /dev
	 * is trusted to lead to this pty. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return spawn_fail_errno(e, "opening the pty's other end (TIOCGPTPEER)");
	/* EINVAL: uid not mapped in the container's user namespace */
	if (fchown(slave, uid, (gid_t)-1) < 0 && errno != EINVAL) {
		spawn_fail_errno(e, "chown of the pty %s", name);
		close(slave);
		return -1;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0) {
			spawn_fail_errno(e, "dup2 of the pty");
			close(slave);
			return -1;
		}
	close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return spawn_fail_errno(e, "TIOCSCTTY");
	return 0;
}

int console_attach(int sock, const struct oci_process *p, uid_t uid, struct spawn_error *e)
{
	char name[64];
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), rc = -1;

	if (master < 0) {
		spawn_fail_errno(e, "process.terminal: opening /dev/ptmx in the container");
		close(sock);
		return -1;
	}
	if (unlockpt(master) < 0)
		spawn_fail_errno(e, "unlockpt");
	else if (p->console_size.present &&
		 ioctl(master, TIOCSWINSZ,
		       &(struct winsize){.ws_row = p->console_size.height,
					 .ws_col = p->console_size.width}) < 0)
		spawn_fail_errno(e, "process.consoleSize: TIOCSWINSZ");
	else if (take_slave(master, uid, name, sizeof(name), e) == 0)
		rc = send_fd(sock, master, name, e);
	close(master);
	close(sock);
	return rc;
}
