/* consock PATH OUT: the engine's side of the OCI console socket, as conmon
 * plays it: listens on PATH, takes one pty master sent over SCM_RIGHTS,
 * and copies what the container writes on its terminal into OUT until the
 * terminal closes (EIO). Prints "pty DATA" (what was sent along) first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_on(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0) {
		perror("consock: socket");
		exit(1);
	}
	return fd;
}

static int take_fd(int conn, char *name, size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = len - 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	int fd;

	if (n < 0) {
		perror("consock: recvmsg");
		exit(1);
	}
	name[n] = '\0';
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "consock: no descriptor\n");
		exit(1);
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int main(int argc, char **argv)
{
	char name[256], buf[4096];
	int lfd, conn, master, out;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: consock PATH OUT\n");
		return 2;
	}
	lfd = listen_on(argv[1]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		perror("consock: accept");
		return 1;
	}
	master = take_fd(conn, name, sizeof(name));
	printf("pty %s\n", name);
	fflush(stdout);
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		perror("consock: open");
		return 1;
	}
	while ((n = read(master, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return 1;
	/* EIO: the last holder of the terminal's other end is gone */
	return n < 0 && errno != EIO;
}
