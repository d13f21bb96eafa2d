/* The container's stdin, stdout and stderr when cspawn's own are files.
 * A container handed the caller's file could truncate or rewrite it (or,
 * for stdin, write into it) through /proc/self/fd/N reopened with other
 * flags, or through ftruncate on the descriptor itself. Such a stream gets
 * a pipe instead, which cspawn copies, as docker does. Terminals, pipes,
 * sockets and character devices such as /dev/null pass through as they
 * are: reopening them gives nothing new. */
#ifndef CSPAWN_RELAY_H
#define CSPAWN_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "spawn/util.h"

#define RELAY_BUF 65536

struct relay {
	int child[3]; /* what the container gets as 0, 1, 2; -1: cspawn's own */
	int ours[3];  /* our end of each pipe, non-blocking; -1: none */
	char in[RELAY_BUF];
	size_t in_len, in_off; /* stdin bytes read, not yet written to the pipe */
	bool in_eof;
	/* A pseudo-terminal's master instead of the pipes: cspawn's stdin
	 * goes to it (when interactive), its output to cspawn's stdout. */
	int console;
	bool console_in, raw;
	struct termios saved; /* cspawn's terminal before raw mode */
	char out[RELAY_BUF];
};

/* Decides per stream and makes the pipes. */
int relay_open(struct relay *r, struct spawn_error *e);
/* Makes r (not opened) relay the terminal whose master is given (r takes
 * it) instead of pipes; with interactive, cspawn's stdin is read and, when it is a
 * terminal, put in raw mode until relay_close, so that every key (Ctrl-C
 * too) reaches the container's terminal, which makes the signals. */
int relay_attach_console(struct relay *r, int master, bool interactive, struct spawn_error *e);
/* cspawn's terminal size onto the console (after SIGWINCH); nothing when
 * there is no console or no terminal here. */
void relay_resize(const struct relay *r);
/* At most this many pollfds are filled. */
#define RELAY_MAX_POLL 4

/* In the parent after clone: the container's ends are its own now. */
void relay_close_child_ends(struct relay *r);
/* Fills up to 3 pollfds with what to wait for; returns how many. */
size_t relay_poll_fds(const struct relay *r, struct pollfd *fds);
/* Moves what is ready, for the pollfds relay_poll_fds filled. */
void relay_service(struct relay *r, const struct pollfd *fds, size_t n);
/* After the container ended: copies what is left of its output. */
void relay_drain(struct relay *r);
void relay_close(struct relay *r);

#endif
