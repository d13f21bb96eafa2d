/* `cspawn attach [--no-stdin] NAME`: the terminal (or the output) of a
 * detached container, through its monitor (manage/attachers.h). Ctrl-P
 * Ctrl-Q detaches and leaves it running, as docker's default keys do;
 * otherwise attach ends with the container and exits with its code. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "manage/commands.h"
#include "manage/monitor.h"
#include "manage/store.h"
#include "oci/oci.h"

#define DETACH_1 0x10 /* Ctrl-P */
#define DETACH_2 0x11 /* Ctrl-Q */

struct session {
	struct ctr *c;
	int sock, sigfd;
	bool input, raw, held_p, detached;
	struct termios saved;
};

static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

static void send_size(const struct session *s)
{
	struct winsize ws;
	char req[64], reply[64];

	if (ioctl(1, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return;
	snprintf(req, sizeof(req), "resize %u %u\n", ws.ws_row, ws.ws_col);
	(void)monitor_ask(s->c, req, reply, sizeof(reply), 2000); /* a nicety */
}

/* Typed bytes to the container, but the detach keys: a Ctrl-P is held
 * until the next byte says whether it starts them. */
static void forward_input(struct session *s, const char *buf, size_t n)
{
	char out[4096 + 1];
	size_t k = 0;

	for (size_t i = 0; i < n && !s->detached; i++) {
		if (s->held_p) {
			s->held_p = false;
			if (buf[i] == DETACH_2) {
				s->detached = true;
				break;
			}
			out[k++] = DETACH_1;
		}
		if (buf[i] == DETACH_1)
			s->held_p = true;
		else
			out[k++] = buf[i];
	}
	write_all(s->sock, out, k);
}

static int read_reply(int fd, struct spawn_error *e)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char line[128];
	ssize_t n = poll(&p, 1, 5000) > 0 ? read(fd, line, 3) : -1;

	if (n == 3 && memcmp(line, "ok\n", 3) == 0)
		return 0;
	if (n > 0) {
		ssize_t m = read(fd, line + n, sizeof(line) - 1 - (size_t)n);

		n += m > 0 ? m : 0;
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		return spawn_fail(e, "%s", strncmp(line, "error ", 6) == 0 ? line + 6 : line);
	}
	return spawn_fail(e, "the container's monitor does not answer");
}

static int set_up(struct session *s, bool terminal, struct spawn_error *e)
{
	sigset_t set;
	struct termios raw;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return spawn_fail_errno(e, "sigprocmask");
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd < 0)
		return spawn_fail_errno(e, "signalfd");
	if (!terminal || !isatty(0))
		return 0;
	if (tcgetattr(0, &s->saved) < 0)
		return spawn_fail_errno(e, "tcgetattr");
	raw = s->saved;
	cfmakeraw(&raw);
	if (tcsetattr(0, TCSANOW, &raw) < 0)
		return spawn_fail_errno(e, "tcsetattr (raw mode)");
	s->raw = true;
	send_size(s);
	return 0;
}

/* Until the stream ends (the container did) or the detach keys. */
static void relay(struct session *s)
{
	char buf[65536];

	while (!s->detached) {
		struct pollfd p[3] = {{.fd = s->sock, .events = POLLIN},
				      {.fd = s->sigfd, .events = POLLIN},
				      {.fd = s->input ? 0 : -1, .events = POLLIN}};
		ssize_t n;

		if (poll(p, 3, -1) < 0)
			continue; /* EINTR */
		if (p[0].revents) {
			n = read(s->sock, buf, sizeof(buf));
			if (n <= 0)
				return;
			write_all(1, buf, (size_t)n);
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				send_size(s);
		}
		if (p[2].revents) {
			n = read(0, buf, 4096);
			if (n > 0)
				forward_input(s, buf, (size_t)n);
			else
				s->input = false; /* our stdin ended; the output goes on */
		}
	}
}

/* How it ended: the container's code, once the monitor has written it. */
static int final_status(struct ctr *c)
{
	int64_t deadline = monotonic_ms() + 5000;

	for (;;) {
		store_reload_state(c);
		if (c->state.status == CTR_EXITED || c->state.status == CTR_DEAD)
			return c->state.exit_code >= 0 ? c->state.exit_code : 0;
		if (c->state.status == CTR_RESTARTING || monotonic_ms() > deadline)
			return 0;
		sleep_ms(20);
	}
}

static int attach(struct ctr *c, bool input, struct spawn_error *e)
{
	struct session s = {.c = c, .sock = -1, .sigfd = -1, .input = input};
	struct oci_config spec;
	bool terminal;
	int status = 125;

	store_refresh(c);
	if (c->state.status != CTR_RUNNING)
		return spawn_fail(e, "container %s is not running", c->name), 125;
	if (store_load_spec(c, &spec, e) < 0)
		return 125;
	terminal = spec.process.terminal;
	oci_config_free(&spec);
	s.input = input && terminal; /* without a terminal its stdin is closed */
	s.sock = monitor_connect(c, "attach\n");
	if (s.sock < 0) {
		spawn_fail_errno(e, "attaching to %s's monitor", c->name);
		return 125;
	}
	if (read_reply(s.sock, e) == 0 && set_up(&s, terminal, e) == 0) {
		e->msg[0] = '\0';
		relay(&s);
		status = s.detached ? 0 : -1;
	}
	if (s.raw)
		tcsetattr(0, TCSANOW, &s.saved);
	close(s.sock);
	if (s.sigfd >= 0)
		close(s.sigfd);
	if (status == -1)
		status = final_status(c);
	return status;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option longs[] = {{"no-stdin", no_argument, NULL, 'n'},
					      {NULL, 0, NULL, 0}};
	struct cspawn_roots roots;
	struct spawn_error e = {""};
	bool input = true;
	struct store st;
	struct ctr c;
	int opt, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
		if (opt != 'n')
			goto usage;
		input = false;
	}
	if (optind != argc - 1)
		goto usage;
	if (paths_roots(&roots, &e) < 0 || store_open(&st, &roots, &e) < 0 ||
	    store_find(&st, argv[optind], &c, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		return 125;
	}
	status = attach(&c, input, &e);
	if (e.msg[0])
		fprintf(stderr, "cspawn: %s\n", e.msg);
	ctr_free(&c);
	store_close(&st);
	return status;
usage:
	fprintf(stderr, "usage: cspawn attach [--no-stdin] NAME\n");
	return 125;
}
