#include "manage/attachers.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void on_input(struct ev_loop *loop, ev_io *w, int revents);

void attachers_init(struct attachers *a, struct ev_loop *loop)
{
	memset(a, 0, sizeof(*a));
	a->loop = loop;
	a->input = -1;
}

static void say(int fd, const char *text)
{
	ssize_t n = send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)n; /* a client that left is dropped when its stream ends */
}

static void drop(struct attachers *a, size_t i)
{
	size_t last = a->n - 1;

	ev_io_stop(a->loop, &a->v[i].w);
	close(a->v[i].fd);
	if (i != last) {
		/* libev holds the watcher's address: stop it before the move,
		 * start it again in its new place */
		ev_io_stop(a->loop, &a->v[last].w);
		a->v[i].fd = a->v[last].fd;
		ev_io_init(&a->v[i].w, on_input, a->v[i].fd, EV_READ);
		a->v[i].w.data = &a->v[i];
		ev_io_start(a->loop, &a->v[i].w);
	}
	a->n--;
}

static size_t index_of(const struct attachers *a, const struct attacher *t)
{
	return (size_t)(t - a->v);
}

/* Typed bytes to the terminal; end of file or an error: the client left. */
static void on_input(struct ev_loop *loop, ev_io *w, int revents)
{
	struct attacher *t = w->data;
	struct attachers *a = t->set;
	char buf[4096];
	ssize_t n = read(t->fd, buf, sizeof(buf));

	(void)loop;
	(void)revents;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(a, index_of(a, t));
		return;
	}
	/* the terminal's own buffer takes a typist's bytes; what it cannot
	 * take now is dropped, as a terminal that is not read drops keys */
	if (a->input >= 0 && write(a->input, buf, (size_t)n) < 0 && errno != EAGAIN)
		return;
}

void attachers_add(struct attachers *a, int fd)
{
	struct attacher *t;

	if (a->n == MAX_ATTACHERS || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		say(fd, "error too many clients attached\n");
		close(fd);
		return;
	}
	say(fd, "ok\n");
	t = &a->v[a->n++];
	t->fd = fd;
	t->set = a;
	ev_io_init(&t->w, on_input, fd, EV_READ);
	t->w.data = t;
	ev_io_start(a->loop, &t->w);
}

void attachers_send(struct attachers *a, const char *buf, size_t n)
{
	for (size_t i = 0; i < a->n;) {
		ssize_t w = send(a->v[i].fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w != (ssize_t)n) {
			drop(a, i); /* gone, or too slow to keep: never block on it */
			continue;
		}
		i++;
	}
}

void attachers_close_all(struct attachers *a)
{
	while (a->n)
		drop(a, a->n - 1);
}
