/* The clients attached to a detached container (`cspawn attach`), inside
 * its monitor: each gets the container's output as it is logged, and what
 * they type goes to the container's terminal. A client that cannot keep up
 * is dropped rather than let the monitor block on it. */
#ifndef CSPAWN_ATTACHERS_H
#define CSPAWN_ATTACHERS_H

#include <ev.h>
#include <stddef.h>

#define MAX_ATTACHERS 16

struct attacher {
	int fd;
	ev_io w;
	struct attachers *set;
};

struct attachers {
	struct ev_loop *loop;
	struct attacher v[MAX_ATTACHERS];
	size_t n;
	int input; /* the terminal's master, where typed bytes go; -1: none */
};

void attachers_init(struct attachers *a, struct ev_loop *loop);
/* A new client on fd (answered "ok", or "error ..." and closed). */
void attachers_add(struct attachers *a, int fd);
void attachers_send(struct attachers *a, const char *buf, size_t n);
/* The container ended: every client sees the end of its stream. */
void attachers_close_all(struct attachers *a);

#endif
