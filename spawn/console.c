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

#include "spawn/resolve.h"

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

int console_send(int sock, int fd, const char *name, struct spawn_error *e)
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

int console_open_pty(const struct oci_process *p, int *slave, struct spawn_error *e)
{
	int root, master, unlock = 0;

	/* resolved inside the root: no link in the container's /dev is
	 * trusted to lead to a devpts, let alone the host's */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return spawn_fail_errno(e, "opening the root for the terminal");
	master = resolve_open(root, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, RESOLVE_AUTO);
	close(root);
	if (master < 0)
		return spawn_fail_errno(e,
					"process.terminal: opening the container's /dev/pts/ptmx");
	/* by the master, never by a name: the peer is this pty's */
	*slave = -1;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		spawn_fail_errno(e, "opening the terminal's peer (TIOCGPTPEER)");
		close(master);
		return -1;
	}
	if (p->console_size.present) {
		struct winsize ws = {.ws_row = p->console_size.height,
				     .ws_col = p->console_size.width};
		(void)ioctl(master, TIOCSWINSZ, &ws); /* a size is a nicety */
	}
	return master;
}

int console_take_slave(int slave, struct spawn_error *e)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		close(slave);
		return spawn_fail_errno(e, "making the terminal the controlling one (TIOCSCTTY)");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0) {
			close(slave);
			return spawn_fail_errno(e, "dup2 of the terminal");
		}
	close(slave);
	return 0;
}

int console_attach(int sock, const struct oci_process *p, uid_t uid, struct spawn_error *e)
{
	char name[64];
	int slave, master = console_open_pty(p, &slave, e);

	if (master < 0) {
		close(sock);
		return -1;
	}
	/* EINVAL: uid not mapped in the container's user namespace */
	if ((ptsname_r(master, name, sizeof(name)) != 0 && spawn_fail_errno(e, "ptsname")) ||
	    (fchown(slave, uid, (gid_t)-1) < 0 && errno != EINVAL &&
	     spawn_fail_errno(e, "chown of the pty %s", name)) ||
	    console_send(sock, master, name, e) < 0) {
		close(slave);
		close(master);
		close(sock);
		return -1;
	}
	close(master);
	close(sock);
	return console_take_slave(slave, e);
}
