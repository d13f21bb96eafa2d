/* The control socket: `cinit ctl` (or supervisorctl as a link to cinit)
 * asks, cinit answers. PID 1 must never block, crash or exit because of a
 * client, so everything here is bounded: a request is one line of at most
 * CTL_MAX_REQUEST bytes, a reply at most CTL_MAX_REPLY, at most
 * CTL_MAX_CLIENTS are served at once (the next get a "busy" reply), a
 * client that makes no progress for CTL_IDLE seconds is dropped, and a
 * follower of `tail -f` whose buffer fills is dropped. Sockets are
 * non-blocking and every write is MSG_DONTWAIT.
 *
 * The protocol (version 1), documented in the README and cinit(8):
 *   request: "cinit-ctl/1 VERB [ARG...]\n", words of printable ASCII
 *            separated by single spaces
 *   reply:   lines "o TEXT" (for stdout), "e TEXT" (for stderr), ending
 *            with "x CODE" (the exit code); then cinit closes. `tail -f`
 *            sends "o" lines until the client goes away. */
#include "internal.h"
#include "conf/units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CTL_PROTOCOL "cinit-ctl/1"
#define CTL_MAX_REQUEST 4096
#define CTL_MAX_WORDS 256
#define CTL_MAX_REPLY (1u << 20)
#define CTL_FOLLOW_BUFFER (64u * 1024)
#define CTL_MAX_CLIENTS 64
#define CTL_ACCEPT_BATCH 64
#define CTL_IDLE 10.0

/* supervisorctl's exit codes where it has them */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_BADARGS = 2, EXIT_NOTRUNNING = 3, EXIT_NOSUCH = 4 };

struct tail_ring {
	size_t cap, head, len;
	char buf[];
};

enum op { OP_NONE, OP_START, OP_STOP, OP_RESTART, OP_WAIT };

struct client {
	struct control *ctl;
	struct client *next;
	ev_io io;
	ev_timer idle;	   /* no progress for CTL_IDLE: dropped */
	ev_timer deadline; /* wait's timeout */
	char in[CTL_MAX_REQUEST];
	size_t in_len;
	char *out;
	size_t out_len, out_cap;
	bool have_request, closing, overflowed;
	bool dead; /* ended; freed by the sweep, as callers up the stack may hold it */
	/* start, stop, restart and wait: the services waited for */
	enum op op;
	struct service **targets;
	bool *done;
	int n_targets;
	bool stop_phase, wait_ready, failed, busy, again;
	/* tail -f */
	struct service *follow;
	bool follow_err;
};

struct control {
	struct supervisor *sup;
	ev_io io;
	char *path;
	dev_t dev;
	ino_t ino;
	uid_t owner_uid;
	gid_t owner_gid;
	struct client *clients;
	int n_clients, n_followers;
	ev_timer sweep; /* frees ended clients once no caller holds them */
};

/* ---- the ring of a service's last output ---------------------------------- */

void tail_ring_free(struct tail_ring *r)
{
	free(r);
}

static char ring_at(const struct tail_ring *r, size_t i)
{
	return r->buf[(r->head + i) % r->cap];
}

/* Drops whole lines from the front until n more bytes fit. */
static void ring_make_room(struct tail_ring *r, size_t n)
{
	while (r->len && r->len + n > r->cap) {
		size_t i = 0;
		while (i < r->len && ring_at(r, i) != '\n')
			i++;
		i = i < r->len ? i + 1 : r->len;
		r->head = (r->head + i) % r->cap;
		r->len -= i;
	}
}

static void ring_put(struct tail_ring *r, const char *p, size_t n)
{
	size_t tail = (r->head + r->len) % r->cap;
	size_t first = n < r->cap - tail ? n : r->cap - tail;

	memcpy(r->buf + tail, p, first);
	memcpy(r->buf, p + first, n - first);
	r->len += n;
}

/* One line; one longer than the ring keeps its start. */
static void ring_append(struct tail_ring *r, const char *line, size_t n)
{
	if (n && line[n - 1] == '\n')
		n--;
	if (n + 1 > r->cap)
		n = r->cap - 1;
	ring_make_room(r, n + 1);
	ring_put(r, line, n);
	ring_put(r, "\n", 1);
}

/* Where the last lines start: at most lines of them, within the last
 * bytes, and always at the start of a line. */
static size_t ring_tail_start(const struct tail_ring *r, int lines, size_t bytes)
{
	size_t min = bytes < r->len ? r->len - bytes : 0, i = r->len;
	int seen = 0;

	if (lines <= 0)
		return r->len;
	while (i > min) {
		i--;
		if ((i == 0 || ring_at(r, i - 1) == '\n') && ++seen == lines)
			return i;
	}
	while (i > 0 && i < r->len && ring_at(r, i - 1) != '\n')
		i++;
	return i;
}

/* ---- a client's output ------------------------------------------------- */

static void client_end(struct client *cl);
static void client_update_io(struct client *cl);

static size_t out_limit(const struct client *cl)
{
	return cl->follow ? CTL_FOLLOW_BUFFER : CTL_MAX_REPLY;
}

/* Queues one line "TAG TEXT\n", or marks the reply overflowed. */
static void client_put(struct client *cl, char tag, const char *text, size_t n)
{
	size_t need = cl->out_len + n + 3;

	if (cl->overflowed)
		return;
	if (need > out_limit(cl)) {
		cl->overflowed = true;
		return;
	}
	if (need > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *p;
		while (cap < need)
			cap *= 2;
		if (!(p = realloc(cl->out, cap))) {
			cl->overflowed = true;
			return;
		}
		cl->out = p;
		cl->out_cap = cap;
	}
	cl->out[cl->out_len++] = tag;
	cl->out[cl->out_len++] = ' ';
	memcpy(cl->out + cl->out_len, text, n);
	cl->out_len += n;
	cl->out[cl->out_len++] = '\n';
}

static void __attribute__((format(printf, 3, 4)))
say(struct client *cl, char tag, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	client_put(cl, tag, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Ends the reply with its exit code; the client is closed once it has it. */
static void finish(struct client *cl, int code)
{
	if (cl->overflowed) {
		cl->overflowed = false;
		cl->out_len = 0;
		say(cl, 'e', "cinit: the reply is longer than %u bytes; ask for less",
		    CTL_MAX_REPLY);
		code = EXIT_FAIL;
	}
	say(cl, 'x', "%d", code);
	cl->closing = true;
	cl->op = OP_NONE;
	ev_timer_stop(cl->ctl->sup->loop, &cl->deadline);
	client_update_io(cl);
}

/* Writes what the client takes now. Returns -1 when it went away. */
static int client_flush(struct client *cl)
{
	size_t off = 0;

	while (off < cl->out_len) {
		ssize_t w =
		    send(cl->io.fd, cl->out + off, cl->out_len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		off += (size_t)w;
	}
	if (off) {
		memmove(cl->out, cl->out + off, cl->out_len - off);
		cl->out_len -= off;
		ev_timer_again(cl->ctl->sup->loop, &cl->idle);
	}
	return 0;
}

/* Reads while a request is awaited or a reply is pending; writes while
 * there is output; the idle timer runs while the client owes cinit
 * something (its request, or reading its reply). */
static void client_update_io(struct client *cl)
{
	struct ev_loop *loop = cl->ctl->sup->loop;
	int events = EV_READ | (cl->out_len ? EV_WRITE : 0);

	if (cl->out_len && client_flush(cl) < 0) {
		client_end(cl);
		return;
	}
	if (cl->closing && !cl->out_len) {
		client_end(cl);
		return;
	}
	events = EV_READ | (cl->out_len ? EV_WRITE : 0);
	if ((cl->io.events & (EV_READ | EV_WRITE)) != events) {
		ev_io_stop(loop, &cl->io);
		ev_io_set(&cl->io, cl->io.fd, events);
		ev_io_start(loop, &cl->io);
	}
	if (!cl->have_request || cl->out_len) {
		if (!ev_is_active(&cl->idle))
			ev_timer_again(loop, &cl->idle);
	} else {
		ev_timer_stop(loop, &cl->idle);
	}
}

/* ---- naming services ----------------------------------------------------- */

/* A supervisord program's copies share its name as their group. */
static const char *group_of(const struct service *svc)
{
	const char *sec = svc->conf.section;

	if (sec && strncmp(sec, "program:", 8) == 0) {
		sec += 8;
		while (*sec == ' ')
			sec++;
		return sec;
	}
	return svc->conf.name;
}

static bool matches(const struct service *svc, const char *pat)
{
	const char *colon = strchr(pat, ':');
	size_t glen;

	if (!colon)
		return strcmp(svc->conf.name, pat) == 0;
	glen = (size_t)(colon - pat);
	if (strlen(group_of(svc)) != glen || strncmp(group_of(svc), pat, glen) != 0)
		return false;
	return strcmp(colon + 1, "*") == 0 || strcmp(colon + 1, svc->conf.name) == 0;
}

static bool listed(struct service **v, int n, const struct service *svc)
{
	for (int i = 0; i < n; i++)
		if (v[i] == svc)
			return true;
	return false;
}

/* The services the words name, in the supervisor's order, each once; an
 * unknown name is said and counted in *unknown. NULL when out of memory. */
static struct service **select_services(struct client *cl, char **words, int n, int *count,
					int *unknown)
{
	struct supervisor *sup = cl->ctl->sup;
	struct service **v = calloc((size_t)sup->n_svcs + 1, sizeof(*v));

	*count = 0;
	*unknown = 0;
	if (!v)
		return NULL;
	for (int w = 0; w < n; w++) {
		bool any = false;
		for (int i = 0; i < sup->n_svcs; i++) {
			struct service *svc = sup->svcs[i];
			if (svc->removed ||
			    !(strcmp(words[w], "all") == 0 || matches(svc, words[w])))
				continue;
			any = true;
			if (!listed(v, *count, svc))
				v[(*count)++] = svc;
		}
		if (!any) {
			say(cl, 'e', "%s: ERROR (no such process)", words[w]);
			(*unknown)++;
		}
	}
	return v;
}

/* ---- status ------------------------------------------------------------------ */

static void uptime_text(ev_tstamp secs, char *buf, size_t len)
{
	long s = secs > 0 ? (long)secs : 0;

	snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
}

static void last_exit_text(const struct service *svc, char *buf, size_t len)
{
	char sb[16];
	int st = svc->last_status;

	if (!svc->has_exited)
		snprintf(buf, len, "not started");
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %s",
			 conf_signal_name(WTERMSIG(st), sb, sizeof(sb)));
	else
		snprintf(buf, len, "exited with %d", WEXITSTATUS(st));
}

static bool finished_oneshot(const struct service *svc)
{
	return svc->conf.type == SERVICE_ONESHOT && svc->state == SVC_EXITED && svc->ready;
}

static void status_line(struct client *cl, const struct service *svc, int width)
{
	char state[16], what[96], up[32];
	ev_tstamp now = ev_now(cl->ctl->sup->loop);
	size_t i;

	for (i = 0; i + 1 < sizeof(state) && service_state_name(svc->state)[i]; i++)
		state[i] = (char)(service_state_name(svc->state)[i] - 'a' + 'A');
	state[i] = '\0';
	if (service_active(svc)) {
		uptime_text(now - svc->started_at, up, sizeof(up));
		snprintf(what, sizeof(what), "pid %d, uptime %s", (int)svc->pid, up);
	} else if (finished_oneshot(svc)) {
		snprintf(what, sizeof(what), "finished");
	} else {
		last_exit_text(svc, what, sizeof(what));
	}
	say(cl, 'o', "%-*s %-9s %s, restarts %u", width, svc->conf.name, state, what,
	    svc->total_restarts);
}

/* Names, groups and states are letters, digits and -_.@: no escaping,
 * except in a group taken from a section header. */
static void json_line(struct client *cl, const struct service *svc, bool last)
{
	ev_tstamp now = ev_now(cl->ctl->sup->loop);
	char group[160], code[16] = "null", sig[16] = "null";
	size_t g = 0;
	int st = svc->last_status;

	for (const char *p = group_of(svc); *p && g + 7 < sizeof(group); p++) {
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			g += (size_t)snprintf(group + g, sizeof(group) - g, "\\u%04x",
					      (unsigned char)*p);
		else
			group[g++] = *p;
	}
	group[g] = '\0';
	if (svc->has_exited && WIFEXITED(st))
		snprintf(code, sizeof(code), "%d", WEXITSTATUS(st));
	if (svc->has_exited && WIFSIGNALED(st))
		snprintf(sig, sizeof(sig), "%d", WTERMSIG(st));
	say(cl, 'o',
	    "{\"name\":\"%s\",\"group\":\"%s\",\"state\":\"%s\",\"pid\":%d,\"uptime\":%.3f,"
	    "\"exit_code\":%s,\"signal\":%s,\"restarts\":%u,\"ready\":%s}%s",
	    svc->conf.name, group, service_state_name(svc->state),
	    service_active(svc) ? (int)svc->pid : 0,
	    service_active(svc) ? now - svc->started_at : 0.0, code, sig, svc->total_restarts,
	    svc->ready ? "true" : "false", last ? "" : ",");
}

static void do_status(struct client *cl, char **args, int n)
{
	struct supervisor *sup = cl->ctl->sup;
	bool json = false;
	char *all[] = {"all"};
	char *names[CTL_MAX_WORDS];
	int k = 0, count, unknown, width = 1, code = EXIT_OK;
	struct service **v;

	for (int i = 0; i < n; i++) {
		if (strcmp(args[i], "--json") == 0)
			json = true;
		else
			names[k++] = args[i];
	}
	v = k ? select_services(cl, names, k, &count, &unknown)
	      : select_services(cl, all, 1, &count, &unknown);
	if (!v) {
		say(cl, 'e', "cinit: out of memory");
		finish(cl, EXIT_FAIL);
		return;
	}
	for (int i = 0; i < count; i++)
		if ((int)strlen(v[i]->conf.name) > width)
			width = (int)strlen(v[i]->conf.name);
	if (json)
		say(cl, 'o', "[");
	for (int i = 0; i < count; i++) {
		if (json)
			json_line(cl, v[i], i == count - 1);
		else
			status_line(cl, v[i], width);
		if (v[i]->state != SVC_RUNNING && v[i]->state != SVC_STARTING &&
		    !finished_oneshot(v[i]))
			code = EXIT_NOTRUNNING;
	}
	if (json)
		say(cl, 'o', "]");
	free(v);
	(void)sup;
	finish(cl, unknown ? EXIT_NOSUCH : code);
}

/* ---- start, stop, restart, wait ------------------------------------------------ */

static bool stop_done(const struct service *svc)
{
	return !service_active(svc) && svc->state != SVC_STOPPING && svc->state != SVC_BACKOFF;
}

static void begin_start(struct client *cl, int i)
{
	struct service *svc = cl->targets[i];

	if (cl->ctl->sup->phase != PHASE_RUNNING) {
		say(cl, 'e', "%s: ERROR (shutting down)", svc->conf.name);
		cl->done[i] = cl->failed = true;
		return;
	}
	if (svc->state == SVC_BACKOFF)
		service_handle(svc, SVE_STOP); /* a scheduled restart: start it now */
	service_handle(svc, SVE_START);
}

static void begin_stop(struct client *cl, int i)
{
	service_handle(cl->targets[i], SVE_STOP);
}

/* How a start ended: 1 started, -1 failed, 0 not yet. An exit before
 * start_secs (backoff) fails it, as for supervisorctl: a service that
 * keeps failing would otherwise hold the client for all its retries. */
static int start_outcome(const struct service *svc)
{
	if (svc->state == SVC_RUNNING || finished_oneshot(svc))
		return 1;
	if (svc->state == SVC_STARTING || svc->state == SVC_STOPPING)
		return 0;
	return -1;
}

static int wait_outcome(const struct client *cl, const struct service *svc)
{
	if (cl->wait_ready ? svc->ready : start_outcome(svc) == 1)
		return 1;
	if (svc->state == SVC_FATAL || (svc->state == SVC_EXITED && !svc->ready))
		return -1;
	return 0;
}

static bool all_done(const struct client *cl)
{
	for (int i = 0; i < cl->n_targets; i++)
		if (!cl->done[i])
			return false;
	return true;
}

static void report_starts(struct client *cl)
{
	for (int i = 0; i < cl->n_targets; i++) {
		struct service *svc = cl->targets[i];
		int r;
		if (cl->done[i] || !(r = start_outcome(svc)))
			continue;
		cl->done[i] = true;
		if (r > 0) {
			say(cl, 'o', "%s: %s", svc->conf.name,
			    finished_oneshot(svc) ? "finished" : "started");
		} else {
			char how[96];
			last_exit_text(svc, how, sizeof(how));
			say(cl, 'e', "%s: ERROR (abnormal termination: %s)", svc->conf.name, how);
			cl->failed = true;
		}
	}
}

/* After the stops of a restart: every target starts. */
static void begin_start_phase(struct client *cl)
{
	cl->stop_phase = false;
	for (int i = 0; i < cl->n_targets; i++)
		cl->done[i] = false;
	for (int i = 0; i < cl->n_targets; i++)
		if (!cl->done[i])
			begin_start(cl, i);
}

/* Looks at the targets again; says what finished. Re-entered from the
 * state changes its own actions cause: those are looked at after. */
static void op_progress(struct client *cl)
{
	if (cl->busy) {
		cl->again = true;
		return;
	}
	cl->busy = true;
	do {
		cl->again = false;
		if (cl->op == OP_WAIT) {
			int r = wait_outcome(cl, cl->targets[0]);
			const char *name = cl->targets[0]->conf.name;
			if (r > 0)
				say(cl, 'o', "%s: %s", name, cl->wait_ready ? "ready" : "running");
			else if (r < 0)
				say(cl, 'e', "%s: ERROR (ended without being %s)", name,
				    cl->wait_ready ? "ready" : "running");
			if (r) {
				cl->busy = false;
				finish(cl, r > 0 ? EXIT_OK : EXIT_FAIL);
				return;
			}
			continue;
		}
		if (cl->stop_phase) {
			for (int i = 0; i < cl->n_targets; i++)
				if (!cl->done[i] && stop_done(cl->targets[i])) {
					cl->done[i] = true;
					say(cl, 'o', "%s: stopped", cl->targets[i]->conf.name);
				}
			if (all_done(cl) && cl->op == OP_RESTART)
				begin_start_phase(cl);
		}
		if (!cl->stop_phase)
			report_starts(cl);
	} while (cl->again);
	cl->busy = false;
	if (all_done(cl))
		finish(cl, cl->failed ? EXIT_FAIL : EXIT_OK);
	else
		client_update_io(cl);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *cl = w->data;

	(void)loop;
	(void)revents;
	say(cl, 'e', "%s: ERROR (timed out)", cl->targets[0]->conf.name);
	finish(cl, EXIT_FAIL);
}

/* Whether a target is left out: with "all", the ones already as asked. */
static bool skip_target(enum op op, const struct service *svc, bool all, struct client *cl)
{
	bool up = service_active(svc) || svc->state == SVC_BACKOFF;

	/* all: a service in backoff is being restarted already */
	if (op == OP_START && (service_active(svc) || (all && svc->state == SVC_BACKOFF))) {
		if (!all)
			say(cl, 'e', "%s: ERROR (already started)", svc->conf.name);
		return true;
	}
	if (op == OP_STOP && !up) {
		if (!all)
			say(cl, 'e', "%s: ERROR (not running)", svc->conf.name);
		return true;
	}
	return false;
}

static void do_op(struct client *cl, enum op op, char **args, int n)
{
	int count, unknown, k = 0;
	bool all = n == 1 && strcmp(args[0], "all") == 0;
	struct service **v;

	if (n == 0) {
		say(cl, 'e', "cinit: name the services (NAME, GROUP:* or all)");
		finish(cl, EXIT_BADARGS);
		return;
	}
	if (!(v = select_services(cl, args, n, &count, &unknown)) ||
	    !(cl->done = calloc((size_t)count + 1, sizeof(bool)))) {
		free(v);
		say(cl, 'e', "cinit: out of memory");
		finish(cl, EXIT_FAIL);
		return;
	}
	for (int i = 0; i < count; i++)
		if (!skip_target(op, v[i], all, cl))
			v[k++] = v[i];
		else if (!all)
			cl->failed = true;
	cl->targets = v;
	cl->n_targets = k;
	cl->failed = cl->failed || unknown;
	cl->op = op;
	cl->stop_phase = op != OP_START;
	cl->busy = true;
	for (int i = 0; i < k; i++) {
		if (op == OP_START)
			begin_start(cl, i);
		else if (service_active(v[i]) || v[i]->state == SVC_BACKOFF)
			begin_stop(cl, i);
		else
			cl->done[i] = true; /* a restart of a stopped service only starts it */
	}
	cl->busy = false;
	op_progress(cl);
}

static void do_wait(struct client *cl, char **args, int n)
{
	int64_t ms = -1;
	int count, unknown, i = 0;
	struct service **v;

	if (i < n && strcmp(args[i], "--ready") == 0) {
		cl->wait_ready = true;
		i++;
	}
	if (n - i < 1 || n - i > 2 ||
	    (n - i == 2 && conf_parse_duration_ms(args[i + 1], &ms) < 0)) {
		say(cl, 'e', "usage: wait [--ready] NAME [TIMEOUT]   (TIMEOUT like 30s)");
		finish(cl, EXIT_BADARGS);
		return;
	}
	v = select_services(cl, args + i, 1, &count, &unknown);
	if (!v || count != 1 || !(cl->done = calloc(1, sizeof(bool)))) {
		int code = v && !count ? EXIT_NOSUCH : EXIT_FAIL;
		if (v && count > 1)
			say(cl, 'e', "%s: ERROR (names %d services; wait takes one)", args[i],
			    count);
		free(v);
		finish(cl, code);
		return;
	}
	cl->targets = v;
	cl->n_targets = 1;
	cl->op = OP_WAIT;
	if (ms >= 0) {
		ev_timer_init(&cl->deadline, deadline_cb, (double)ms / 1000.0, 0.);
		cl->deadline.data = cl;
		ev_timer_start(cl->ctl->sup->loop, &cl->deadline);
	}
	op_progress(cl);
}

/* ---- signal, pid, tail ------------------------------------------------------------ */

static void do_signal(struct client *cl, char **args, int n)
{
	int sig, count, unknown;
	struct service **v;

	if (n < 2 || conf_parse_signal(args[0], &sig) < 0) {
		say(cl, 'e', "usage: signal SIGNAL NAME|GROUP:*|all...   (SIGNAL like HUP or 1)");
		finish(cl, EXIT_BADARGS);
		return;
	}
	if (!(v = select_services(cl, args + 1, n - 1, &count, &unknown))) {
		finish(cl, EXIT_FAIL);
		return;
	}
	for (int i = 0; i < count; i++) {
		struct service *svc = v[i];
		pid_t target = svc->conf.kill_group ? -svc->pid : svc->pid;
		if (!service_active(svc)) {
			say(cl, 'e', "%s: ERROR (not running)", svc->conf.name);
			unknown++;
		} else if (kill(target, sig) < 0) {
			say(cl, 'e', "%s: ERROR (kill: %s)", svc->conf.name, strerror(errno));
			unknown++;
		} else {
			say(cl, 'o', "%s: signalled", svc->conf.name);
		}
	}
	free(v);
	finish(cl, unknown ? EXIT_FAIL : EXIT_OK);
}

static void do_pid(struct client *cl, char **args, int n)
{
	int count, unknown;
	struct service **v;

	if (n == 0) {
		say(cl, 'o', "%d", (int)getpid());
		finish(cl, EXIT_OK);
		return;
	}
	if (!(v = select_services(cl, args, n, &count, &unknown))) {
		finish(cl, EXIT_FAIL);
		return;
	}
	for (int i = 0; i < count; i++)
		say(cl, 'o', "%d", service_active(v[i]) ? (int)v[i]->pid : 0);
	free(v);
	finish(cl, unknown ? EXIT_NOSUCH : EXIT_OK);
}

struct tail_args {
	bool follow;
	int lines;
	size_t bytes;
	const char *name;
	bool err;
};

static int parse_tail(char **args, int n, struct tail_args *t)
{
	int i = 0;

	*t = (struct tail_args){.lines = 10, .bytes = SIZE_MAX};
	for (; i < n && args[i][0] == '-'; i++) {
		int v;
		if (strcmp(args[i], "-f") == 0)
			t->follow = true;
		else if (strcmp(args[i], "-n") == 0 && i + 1 < n &&
			 conf_parse_uint(args[i + 1], &v) == 0)
			t->lines = v, i++;
		else if (conf_parse_uint(args[i] + 1, &v) == 0) /* supervisorctl's -BYTES */
			t->bytes = (size_t)v, t->lines = 1 << 30;
		else
			return -1;
	}
	if (i >= n || n - i > 2)
		return -1;
	t->name = args[i++];
	if (i < n && strcmp(args[i], "stderr") == 0)
		t->err = true;
	else if (i < n && strcmp(args[i], "stdout") != 0)
		return -1;
	return 0;
}

/* The ring's lines from start on, each as an "o" line. logs.c cuts lines
 * at 16 KiB, so one fits the buffer. */
static void put_ring_lines(struct client *cl, const struct tail_ring *r, size_t start)
{
	char line[16 * 1024 + 64];
	size_t len = 0;

	for (size_t i = start; i < r->len; i++) {
		char ch = ring_at(r, i);
		if (ch == '\n') {
			client_put(cl, 'o', line, len);
			len = 0;
		} else if (len < sizeof(line)) {
			line[len++] = ch;
		}
	}
}

static void do_tail(struct client *cl, char **args, int n)
{
	struct tail_args t;
	struct service *svc;
	const struct log_conf *lc;
	struct tail_ring *r;

	if (parse_tail(args, n, &t) < 0) {
		say(cl, 'e', "usage: tail [-f] [-n LINES | -BYTES] NAME [stdout|stderr]");
		finish(cl, EXIT_BADARGS);
		return;
	}
	if (!(svc = supervisor_find(cl->ctl->sup, t.name)) || svc->removed) {
		say(cl, 'e', "%s: ERROR (no such process)", t.name);
		finish(cl, EXIT_NOSUCH);
		return;
	}
	if (t.err && svc->conf.redirect_stderr)
		t.err = false; /* it is in stdout's ring */
	lc = t.err ? &svc->conf.err : &svc->conf.out;
	if (lc->kind != LOG_PREFIX && lc->kind != LOG_FILE) {
		say(cl, 'e',
		    "%s: ERROR (%s is not captured: it goes %s; tail needs prefix or a file)",
		    t.name, t.err ? "stderr" : "stdout",
		    lc->kind == LOG_NULL ? "to /dev/null" : "straight to cinit's own");
		finish(cl, EXIT_FAIL);
		return;
	}
	if ((r = svc->tail[t.err]))
		put_ring_lines(cl, r, ring_tail_start(r, t.lines, t.bytes));
	if (!t.follow) {
		finish(cl, EXIT_OK);
		return;
	}
	cl->follow = svc;
	cl->follow_err = t.err;
	cl->ctl->n_followers++;
	client_update_io(cl);
}

void control_output(struct control *c, struct service *svc, bool is_err, const char *line, size_t n)
{
	struct tail_ring **r = &svc->tail[is_err];
	uint64_t cap = c->sup->conf.tail_buffer;

	if (!cap)
		return;
	if (!*r && (*r = malloc(sizeof(**r) + cap)))
		**r = (struct tail_ring){.cap = cap};
	if (*r)
		ring_append(*r, line, n);
	if (!c->n_followers)
		return;
	if (n && line[n - 1] == '\n')
		n--;
	for (struct client *cl = c->clients, *next; cl; cl = next) {
		next = cl->next;
		if (cl->dead || cl->follow != svc || cl->follow_err != is_err)
			continue;
		client_put(cl, 'o', line, n);
		if (cl->overflowed) {
			cinit_log(1, "control: a tail -f of %s reads too slowly, dropped",
				  svc->conf.name);
			client_end(cl);
			continue;
		}
		client_update_io(cl);
	}
}

/* ---- reread, update, shutdown, version --------------------------------------------- */

static void echo_diag(void *ctx, const char *line, bool error)
{
	say(ctx, error ? 'e' : 'o', "%s", line);
}

static void say_change(void *ctx, const char *name, const char *what)
{
	say(ctx, 'o', "%s: %s", name, what);
}

static void do_reload(struct client *cl, bool apply)
{
	struct supervisor *sup = cl->ctl->sup;
	struct cinit_conf c;

	if (!sup->opts.config_path) {
		say(cl, 'e', "cinit: ERROR (no configuration file: cinit runs a command)");
		finish(cl, EXIT_FAIL);
		return;
	}
	if (supervisor_load_config(sup, &c, echo_diag, cl) != 0) {
		say(cl, 'e', "cinit: ERROR (%s is not valid; the running services are kept)",
		    sup->opts.config_path);
		finish(cl, EXIT_FAIL);
		return;
	}
	if (supervisor_diff(sup, &c, say_change, cl) == 0)
		say(cl, 'o', "No config updates to processes");
	if (apply)
		supervisor_reload(sup, &c);
	else
		conf_free(&c);
	finish(cl, EXIT_OK);
}

static void do_shutdown(struct client *cl)
{
	say(cl, 'o', "Shut down");
	finish(cl, EXIT_OK);
	/* the reply goes out while the services stop */
	supervisor_shutdown(cl->ctl->sup, "cinit ctl shutdown");
}

static const char help_text[] =
    "status [--json] [NAME|GROUP:*...]|start|stop|restart NAME|GROUP:*|all...|"
    "signal SIG NAME...|pid [NAME...]|tail [-f] [-n N] NAME [stdout|stderr]|"
    "wait [--ready] NAME [TIMEOUT]|reread|update|reload|shutdown|version|help";

/* ---- requests ------------------------------------------------------------------------ */

/* Splits the request line in place; -1 when it is not printable words
 * separated by single spaces. */
static int split_words(char *line, char **words, int *n)
{
	*n = 0;
	if (!*line)
		return -1;
	for (char *p = line;;) {
		char *start = p;
		while ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
			p++;
		if (p == start || *n == CTL_MAX_WORDS || (*p && *p != ' '))
			return -1;
		words[(*n)++] = start;
		if (!*p)
			return 0;
		*p++ = '\0';
	}
}

static void dispatch(struct client *cl, char **w, int n)
{
	const char *verb = w[1];
	char **args = w + 2;
	int na = n - 2;

	if (strcmp(verb, "status") == 0)
		do_status(cl, args, na);
	else if (strcmp(verb, "start") == 0)
		do_op(cl, OP_START, args, na);
	else if (strcmp(verb, "stop") == 0)
		do_op(cl, OP_STOP, args, na);
	else if (strcmp(verb, "restart") == 0)
		do_op(cl, OP_RESTART, args, na);
	else if (strcmp(verb, "wait") == 0)
		do_wait(cl, args, na);
	else if (strcmp(verb, "signal") == 0)
		do_signal(cl, args, na);
	else if (strcmp(verb, "pid") == 0)
		do_pid(cl, args, na);
	else if (strcmp(verb, "tail") == 0)
		do_tail(cl, args, na);
	else if (strcmp(verb, "reread") == 0 && !na)
		do_reload(cl, false);
	else if ((strcmp(verb, "update") == 0 || strcmp(verb, "reload") == 0) && !na)
		do_reload(cl, true);
	else if (strcmp(verb, "shutdown") == 0 && !na)
		do_shutdown(cl);
	else if (strcmp(verb, "version") == 0 && !na) {
		say(cl, 'o', "%s", CTL_PROTOCOL);
		finish(cl, EXIT_OK);
	} else if (strcmp(verb, "help") == 0) {
		say(cl, 'o', "%s", help_text);
		finish(cl, EXIT_OK);
	} else {
		say(cl, 'e', "cinit: unknown or malformed command '%s'; try help", verb);
		finish(cl, EXIT_BADARGS);
	}
}

static void handle_request(struct client *cl, char *line)
{
	char *words[CTL_MAX_WORDS];
	int n;

	cl->have_request = true;
	if (line[0] && line[strlen(line) - 1] == '\r')
		line[strlen(line) - 1] = '\0';
	if (split_words(line, words, &n) < 0 || n < 2) {
		say(cl, 'e', "cinit: bad request: expected '%s VERB [ARG...]' in printable words",
		    CTL_PROTOCOL);
		finish(cl, EXIT_BADARGS);
		return;
	}
	if (strcmp(words[0], CTL_PROTOCOL) != 0) {
		say(cl, 'e', "cinit: this cinit speaks %s, not '%.40s'", CTL_PROTOCOL, words[0]);
		finish(cl, EXIT_BADARGS);
		return;
	}
	dispatch(cl, words, n);
}

/* Reads at most one buffer a wakeup; after the request, whatever else the
 * client sends is read and dropped, and its end of file ends it. */
static void client_readable(struct client *cl)
{
	char sink[1024];
	char *buf = cl->have_request ? sink : cl->in + cl->in_len;
	size_t room = cl->have_request ? sizeof(sink) : sizeof(cl->in) - cl->in_len - 1;
	ssize_t r = recv(cl->io.fd, buf, room, MSG_DONTWAIT);
	char *nl;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		client_end(cl);
		return;
	}
	if (r < 0 || cl->have_request)
		return;
	ev_timer_again(cl->ctl->sup->loop, &cl->idle);
	cl->in_len += (size_t)r;
	cl->in[cl->in_len] = '\0';
	if ((nl = memchr(cl->in, '\n', cl->in_len))) {
		/* a NUL inside would end the line early: not a word either */
		if (memchr(cl->in, '\0', (size_t)(nl - cl->in)))
			*cl->in = '\x01';
		*nl = '\0';
		handle_request(cl, cl->in);
	} else if (cl->in_len == sizeof(cl->in) - 1) {
		cl->have_request = true;
		say(cl, 'e', "cinit: bad request: longer than %d bytes", CTL_MAX_REQUEST - 1);
		finish(cl, EXIT_BADARGS);
	}
}

static void client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *cl = w->data;

	(void)loop;
	if ((revents & EV_WRITE) && client_flush(cl) < 0) {
		client_end(cl);
		return;
	}
	if (revents & EV_READ)
		client_readable(cl);
	if (!cl->dead)
		client_update_io(cl);
}

static void idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *cl = w->data;

	(void)loop;
	(void)revents;
	cinit_log(2, "control: a client made no progress for %.0fs, dropped", CTL_IDLE);
	client_end(cl);
}

static void client_free(struct client *cl)
{
	free(cl->out);
	free(cl->targets);
	free(cl->done);
	free(cl);
}

static void client_end(struct client *cl)
{
	struct control *c = cl->ctl;
	struct ev_loop *loop = c->sup->loop;

	if (cl->dead)
		return;
	cl->dead = true;
	cl->op = OP_NONE;
	c->n_clients--;
	if (cl->follow)
		c->n_followers--;
	cl->follow = NULL;
	ev_io_stop(loop, &cl->io);
	ev_timer_stop(loop, &cl->idle);
	ev_timer_stop(loop, &cl->deadline);
	close(cl->io.fd);
	ev_timer_start(loop, &c->sweep);
}

static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control *c = w->data;

	(void)loop;
	(void)revents;
	for (struct client **p = &c->clients; *p;) {
		struct client *cl = *p;
		if (!cl->dead) {
			p = &cl->next;
			continue;
		}
		*p = cl->next;
		client_free(cl);
	}
}

/* ---- the listening socket ------------------------------------------------------------------ */

static bool peer_allowed(struct control *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int mode = c->sup->conf.control_socket_mode;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		cinit_log(0, "control: getsockopt(SO_PEERCRED): %s", strerror(errno));
		return false;
	}
	return cred.uid == 0 || cred.uid == geteuid() || cred.uid == c->owner_uid ||
	       (cred.gid == c->owner_gid && (mode & 0020));
}

/* A short reply for a client cinit will not serve; what the socket does
 * not take at once is lost with it. */
static void refuse(int fd, const char *why)
{
	char msg[160];
	int n = snprintf(msg, sizeof(msg), "e cinit: %s\nx 1\n", why);

	if (n > 0 && send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the client is gone or not reading: nothing to tell it */
	}
	close(fd);
}

static void accept_one(struct control *c, int fd)
{
	struct client *cl;

	if (!peer_allowed(c, fd)) {
		refuse(fd, "permission denied");
		return;
	}
	if (c->n_clients >= CTL_MAX_CLIENTS) {
		refuse(fd, "busy: too many clients at once, try again");
		return;
	}
	if (!(cl = calloc(1, sizeof(*cl)))) {
		refuse(fd, "out of memory");
		return;
	}
	cl->ctl = c;
	ev_io_init(&cl->io, client_io_cb, fd, EV_READ);
	cl->io.data = cl;
	ev_init(&cl->idle, idle_cb);
	cl->idle.repeat = CTL_IDLE;
	cl->idle.data = cl;
	ev_init(&cl->deadline, deadline_cb);
	cl->next = c->clients;
	c->clients = cl;
	c->n_clients++;
	ev_io_start(c->sup->loop, &cl->io);
	ev_timer_again(c->sup->loop, &cl->idle);
}

static void listen_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *c = w->data;

	(void)loop;
	(void)revents;
	for (int i = 0; i < CTL_ACCEPT_BATCH; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* out of descriptors: the next accept is tried on the next
			 * wakeup; a pending connection keeps the socket readable */
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				cinit_log(0, "control: accept: %s", strerror(errno));
			return;
		}
		accept_one(c, fd);
	}
}

/* An existing socket at the path is taken over unless something answers
 * on it; anything else at the path is left alone. */
static int clear_path(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	r = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	close(probe);
	if (r == 0 || errno == EAGAIN) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int resolve_owner(struct control *c)
{
	const char *owner = c->sup->conf.control_socket_owner;
	char *user, *group, err[256];
	gid_t *groups = NULL;
	int n = 0, r;

	c->owner_uid = geteuid();
	c->owner_gid = getegid();
	if (!owner)
		return 0;
	if (!(user = strdup(owner)))
		return -1;
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	r = creds_resolve(user, group, &c->owner_uid, &c->owner_gid, &groups, &n, err, sizeof(err));
	if (r < 0)
		cinit_log(0, "control: control_socket_owner %s: %s", owner, err);
	free(groups);
	free(user);
	return r;
}

/* A root without /run (a small image, a busybox one) still gets the
 * default socket: its directory is made, one level, as systemd or an
 * image's init would have it. */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	mode_t old = umask(022);
	int r;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		umask(old);
		errno = ENOENT;
		return -1;
	}
	*slash = '\0';
	r = mkdir(dir, 0755);
	umask(old);
	if (r == 0)
		cinit_log(2, "control: made %s for the socket", dir);
	return r == 0 || errno == EEXIST ? 0 : -1;
}

static int bind_socket(struct control *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, mode = c->sup->conf.control_socket_mode;
	mode_t old;
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (clear_path(path, &sa) < 0 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* created with its mode: no moment in which others may connect */
	old = umask((mode_t)(~mode & 0777));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    (errno != ENOENT || make_parent(path) < 0 ||
	     bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)) {
		int e = errno;
		umask(old);
		close(fd);
		errno = e;
		return -1;
	}
	umask(old);
	if ((c->sup->conf.control_socket_owner && chown(path, c->owner_uid, c->owner_gid) < 0) ||
	    listen(fd, 128) < 0 || stat(path, &st) < 0) {
		int e = errno;
		unlink(path);
		close(fd);
		errno = e;
		return -1;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	return fd;
}

struct control *control_open(struct supervisor *sup, const char *path)
{
	struct control *c = calloc(1, sizeof(*c));
	int fd;

	if (c) {
		ev_timer_init(&c->sweep, sweep_cb, 0., 0.);
		c->sweep.data = c;
	}
	if (!c || !(c->path = strdup(path))) {
		cinit_log(0, "control: out of memory; no control socket");
		free(c);
		return NULL;
	}
	c->sup = sup;
	if (resolve_owner(c) < 0 || (fd = bind_socket(c, path)) < 0) {
		cinit_log(0, "control: cannot serve %s: %s; running without a control socket", path,
			  strerror(errno));
		free(c->path);
		free(c);
		return NULL;
	}
	ev_io_init(&c->io, listen_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(sup->loop, &c->io);
	cinit_log(2, "control: serving %s", path);
	return c;
}

void control_close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	for (struct client *cl = c->clients; cl; cl = cl->next) {
		/* what the socket takes at once; the rest is lost with cinit */
		if (!cl->dead && client_flush(cl) < 0) {
			/* gone already */
		}
		client_end(cl);
	}
	sweep_cb(c->sup->loop, &c->sweep, 0);
	ev_timer_stop(c->sup->loop, &c->sweep);
	ev_io_stop(c->sup->loop, &c->io);
	close(c->io.fd);
	/* only our own socket: another cinit may have taken the path since */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	free(c->path);
	free(c);
}

void control_service_changed(struct control *c, struct service *svc)
{
	for (struct client *cl = c->clients, *next; cl; cl = next) {
		next = cl->next;
		if (!cl->dead && cl->op != OP_NONE && listed(cl->targets, cl->n_targets, svc))
			op_progress(cl);
	}
}

void control_service_gone(struct control *c, struct service *svc)
{
	for (struct client *cl = c->clients, *next; cl; cl = next) {
		next = cl->next;
		if (cl->dead)
			continue;
		if (cl->follow == svc) {
			client_end(cl);
			continue;
		}
		for (int i = 0; cl->op != OP_NONE && i < cl->n_targets; i++)
			if (cl->targets[i] == svc && !cl->done[i]) {
				say(cl, 'e', "%s: ERROR (removed by a reload)", svc->conf.name);
				cl->done[i] = cl->failed = true;
			}
		if (cl->op != OP_NONE && all_done(cl))
			finish(cl, EXIT_FAIL);
	}
}
