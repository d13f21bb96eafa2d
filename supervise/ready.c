/* Readiness: when may a service's dependents start. A probe runs every
 * ready_interval until it succeeds or ready_timeout passes: a TCP or unix
 * socket that accepts a connection, a file that exists, a check command that
 * exits 0, or READY=1 sent over the NOTIFY_SOCKET cinit gives the service.
 * Every probe is non-blocking: connects are started and checked on the next
 * tick, commands are children reaped like any other. */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

/* A connect in progress is kept in the probe between ticks. */
static int pending_connect_fd(struct service *svc, int set)
{
	/* the notify descriptor slot is unused by socket probes */
	if (set != -2)
		svc->probe.notify_fd = set;
	return svc->probe.notify_fd;
}

static int build_address(const struct ready_conf *rc, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (rc->kind == READY_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		if (strlen(rc->path) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, rc->path);
		*len = sizeof(*un);
		return 0;
	}
	const char *host = rc->host;
	int port = atoi(rc->port);
	/* names other than localhost would need a resolver that can block */
	if (!host || !*host || strcmp(host, "localhost") == 0 || strcmp(host, "*") == 0)
		host = "127.0.0.1";
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (host[0] == '[') {
		char buf[INET6_ADDRSTRLEN];
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(host + 1, "]"), host + 1);
		host = buf;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -1;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
		return -1;
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	*len = sizeof(*in6);
	return 0;
}

/* Returns 1 when connected, 0 to try again later, -1 on a bad address. */
static int probe_socket(struct service *svc)
{
	int fd = pending_connect_fd(svc, -2);
	struct sockaddr_storage ss;
	socklen_t len;

	if (fd >= 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int err = 0;
		socklen_t el = sizeof(err);
		if (poll(&pfd, 1, 0) == 0)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno; /* a failed probe: the next tick tries again */
		close(fd);
		pending_connect_fd(svc, -1);
		return err == 0 ? 1 : 0;
	}
	if (build_address(&svc->conf.ready, &ss, &len) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		cinit_log(0, "%s: readiness socket: %s", svc->conf.name, strerror(errno));
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
		close(fd);
		return 1;
	}
	if (errno == EINPROGRESS) {
		pending_connect_fd(svc, fd);
		return 0;
	}
	close(fd);
	return 0;
}

static void probe_once(struct service *svc)
{
	struct ready_conf *rc = &svc->conf.ready;
	struct stat st;
	int r = 0;

	switch (rc->kind) {
	case READY_TCP:
	case READY_UNIX:
		r = probe_socket(svc);
		if (r < 0) {
			cinit_log(0, "%s: ready: cannot use address '%s'", svc->conf.name,
				  rc->kind == READY_UNIX ? rc->path : rc->host);
			service_handle(svc, SVE_READY_FAILED);
			return;
		}
		break;
	case READY_FILE:
		r = stat(rc->path, &st) == 0;
		break;
	case READY_EXEC:
		if (svc->probe.exec_pid <= 0)
			svc->probe.exec_pid = exec_probe(svc, rc->argv);
		return; /* the answer comes with its exit */
	case READY_NOTIFY:
	case READY_NONE:
		return;
	}
	if (r == 1)
		service_handle(svc, SVE_READY);
}

static void poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct service *svc = w->data;

	(void)loop;
	(void)revents;
	if (svc->ready || !service_active(svc)) {
		ev_timer_stop(loop, w);
		return;
	}
	probe_once(svc);
	if (svc->ready || !service_active(svc))
		ev_timer_stop(loop, w);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct service *svc = w->data;

	(void)loop;
	(void)revents;
	if (!svc->ready && service_active(svc))
		service_handle(svc, SVE_READY_FAILED);
}

static void handle_notify_message(struct service *svc, char *msg)
{
	for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n")) {
		if (strcmp(line, "READY=1") == 0 && service_active(svc))
			service_handle(svc, SVE_READY);
		else if (strncmp(line, "STATUS=", 7) == 0)
			cinit_log(2, "%s: status: %s", svc->conf.name, line + 7);
	}
}

static void notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct service *svc = w->data;
	char buf[4096];
	ssize_t n;

	(void)loop;
	(void)revents;
	/* bounded: at most a few datagrams per wakeup */
	for (int i = 0; i < 8; i++) {
		n = recv(w->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n < 0)
			return;
		buf[n] = '\0';
		handle_notify_message(svc, buf);
		if (svc->probe.notify_fd < 0)
			return;
	}
}

static int open_notify_socket(struct service *svc)
{
	struct supervisor *sup = svc->sup;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	const char *dir = supervisor_notify_dir(sup);
	int fd;

	if (!dir || snprintf(un.sun_path, sizeof(un.sun_path), "%s/%s.sock", dir, svc->conf.name) >=
			(int)sizeof(un.sun_path)) {
		cinit_log(0, "%s: notify socket path too long", svc->conf.name);
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		cinit_log(0, "%s: mkdir %s: %s", svc->conf.name, dir, strerror(errno));
		return -1;
	}
	unlink(un.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
		cinit_log(0, "%s: notify socket %s: %s", svc->conf.name, un.sun_path,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* services may run as another user */
	if (chmod(un.sun_path, 0666) < 0)
		cinit_log(1, "%s: chmod %s: %s", svc->conf.name, un.sun_path, strerror(errno));
	svc->probe.notify_fd = fd;
	svc->probe.notify_path = strdup(un.sun_path);
	ev_io_init(&svc->probe.notify_io, notify_cb, fd, EV_READ);
	svc->probe.notify_io.data = svc;
	ev_io_start(sup->loop, &svc->probe.notify_io);
	return 0;
}

int ready_prepare(struct service *svc)
{
	if (svc->conf.ready.kind == READY_NOTIFY)
		return open_notify_socket(svc);
	return 0;
}

void ready_begin(struct service *svc)
{
	struct ready_probe *p = &svc->probe;
	struct ev_loop *loop = svc->sup->loop;
	double interval = (double)svc->conf.ready.interval_ms / 1000.0;

	if (svc->conf.ready.kind != READY_NOTIFY) {
		ev_timer_init(&p->poll, poll_cb, 0., interval > 0 ? interval : 0.1);
		p->poll.data = svc;
		ev_timer_start(loop, &p->poll);
	}
	if (svc->conf.ready.timeout_ms > 0) {
		ev_timer_init(&p->deadline, deadline_cb,
			      (double)svc->conf.ready.timeout_ms / 1000.0, 0.);
		p->deadline.data = svc;
		ev_timer_start(loop, &p->deadline);
	}
}

void ready_cancel(struct service *svc)
{
	struct ready_probe *p = &svc->probe;
	struct ev_loop *loop = svc->sup->loop;

	ev_timer_stop(loop, &p->poll);
	ev_timer_stop(loop, &p->deadline);
	if (p->notify_path) {
		ev_io_stop(loop, &p->notify_io);
		unlink(p->notify_path);
		free(p->notify_path);
		p->notify_path = NULL;
	}
	if (p->notify_fd >= 0) {
		close(p->notify_fd);
		p->notify_fd = -1;
	}
	if (p->exec_pid > 0) {
		/* reaped by the child watcher; its result no longer matters */
		if (kill(-p->exec_pid, SIGKILL) < 0 && errno != ESRCH)
			cinit_log(0, "kill(%d, KILL): %s", (int)-p->exec_pid, strerror(errno));
	}
}

bool ready_probe_exited(struct supervisor *sup, pid_t pid, int status)
{
	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *svc = sup->svcs[i];
		if (svc->probe.exec_pid != pid)
			continue;
		svc->probe.exec_pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && service_active(svc) &&
		    !svc->ready)
			service_handle(svc, SVE_READY);
		return true;
	}
	return false;
}
