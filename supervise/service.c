/* The service state machine. Every transition of every service happens in
 * service_handle(): one function per state, each deciding what an event
 * means there. */
#include "internal.h"
#include "conf/units.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const state_names[] = {
    [SVC_STOPPED] = "stopped", [SVC_STARTING] = "starting", [SVC_RUNNING] = "running",
    [SVC_BACKOFF] = "backoff", [SVC_STOPPING] = "stopping", [SVC_EXITED] = "exited",
    [SVC_FATAL] = "fatal",
};

const char *service_state_name(enum svc_state st)
{
	return state_names[st];
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	service_handle(w->data, SVE_TIMER);
}

struct service *service_new(struct supervisor *sup, struct service_conf *conf)
{
	struct service *svc = calloc(1, sizeof(*svc));

	if (!svc)
		return NULL;
	svc->conf = *conf;
	memset(conf, 0, sizeof(*conf));
	svc->sup = sup;
	svc->state = SVC_STOPPED;
	ev_init(&svc->timer, timer_cb);
	svc->timer.data = svc;
	svc->out.svc = svc->err.svc = svc;
	svc->out.io.fd = svc->err.io.fd = -1;
	svc->probe.notify_fd = -1;
	return svc;
}

void service_free(struct service *svc)
{
	if (!svc)
		return;
	ev_timer_stop(svc->sup->loop, &svc->timer);
	ready_cancel(svc);
	log_stream_close(&svc->out);
	log_stream_close(&svc->err);
	tail_ring_free(svc->tail[0]);
	tail_ring_free(svc->tail[1]);
	conf_service_free(&svc->conf);
	if (svc->pending_conf) {
		conf_service_free(svc->pending_conf);
		free(svc->pending_conf);
	}
	free(svc);
}

bool service_active(const struct service *svc)
{
	return svc->pid > 0;
}

bool service_depends_on(const struct service *svc, const char *name)
{
	for (char **d = svc->conf.depends; d && *d; d++)
		if (strcmp(*d, name) == 0)
			return true;
	return false;
}

bool service_deps_ready(const struct service *svc)
{
	for (char **d = svc->conf.depends; d && *d; d++) {
		struct service *dep = supervisor_find(svc->sup, *d);
		if (dep && !dep->ready)
			return false;
	}
	return true;
}

/* The code a container would report for this service's last exit. */
int service_exit_code(const struct service *svc)
{
	int st = svc->last_status;

	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

static bool exit_was_expected(const struct service *svc)
{
	return WIFEXITED(svc->last_status) &&
	       conf_exit_expected(&svc->conf, WEXITSTATUS(svc->last_status));
}

static void describe_exit(const struct service *svc, char *buf, size_t len)
{
	char sb[16];

	if (WIFSIGNALED(svc->last_status))
		snprintf(buf, len, "killed by signal %s",
			 conf_signal_name(WTERMSIG(svc->last_status), sb, sizeof(sb)));
	else
		snprintf(buf, len, "exited with %d", WEXITSTATUS(svc->last_status));
}

static void arm_timer(struct service *svc, int64_t ms)
{
	ev_timer_stop(svc->sup->loop, &svc->timer);
	ev_timer_set(&svc->timer, (ev_tstamp)ms / 1000.0, 0.);
	ev_timer_start(svc->sup->loop, &svc->timer);
}

static void set_state(struct service *svc, enum svc_state st)
{
	cinit_log(3, "%s: %s -> %s", svc->conf.name, state_names[svc->state], state_names[st]);
	svc->state = st;
}

/* Sends sig to the service's process, or to its whole group when asked. */
static void signal_service(struct service *svc, int sig)
{
	pid_t target = svc->conf.kill_group ? -svc->pid : svc->pid;

	if (svc->pid <= 0)
		return;
	if (kill(target, sig) < 0 && errno != ESRCH)
		cinit_log(0, "%s: kill(%d, %d): %s", svc->conf.name, (int)target, sig,
			  strerror(errno));
}

static int open_stream_fd(struct service *svc, struct log_stream *ls, const struct log_conf *lc,
			  int inherit_fd, bool is_err)
{
	switch (lc->kind) {
	case LOG_INHERIT:
		(void)inherit_fd;
		return -3; /* exec.c leaves the descriptor as cinit has it */
	case LOG_NULL:
		return -2; /* exec.c opens /dev/null in the child */
	case LOG_PREFIX:
	case LOG_FILE:
		return log_stream_open(svc, ls, is_err);
	}
	return inherit_fd;
}

static int64_t next_backoff_ms(struct service *svc, ev_tstamp uptime);

/* fork, a pipe or a socket failed (a full pids cgroup, descriptors used
 * up): a failed start like any other, retried with backoff while the
 * policy allows, since the shortage may pass. */
static void spawn_failed(struct service *svc)
{
	svc->failed_starts++;
	if (svc->conf.restart == RESTART_NO || svc->failed_starts > svc->conf.start_retries ||
	    svc->sup->phase != PHASE_RUNNING) {
		set_state(svc, SVC_FATAL);
		cinit_log(0, "%s: cannot start, giving up", svc->conf.name);
		return;
	}
	int64_t delay = next_backoff_ms(svc, 0);
	set_state(svc, SVC_BACKOFF);
	cinit_log(0, "%s: cannot start, retrying in %lldms", svc->conf.name, (long long)delay);
	arm_timer(svc, delay);
}

static void spawn(struct service *svc)
{
	int out_fd, err_fd;
	pid_t pid;

	out_fd = open_stream_fd(svc, &svc->out, &svc->conf.out, STDOUT_FILENO, false);
	if (svc->conf.redirect_stderr)
		err_fd = out_fd == -3 ? STDOUT_FILENO : out_fd;
	else
		err_fd = open_stream_fd(svc, &svc->err, &svc->conf.err, STDERR_FILENO, true);
	if (out_fd == -1 || err_fd == -1 || ready_prepare(svc) < 0)
		pid = -1;
	else
		pid = exec_service(svc, out_fd, err_fd);
	/* the child holds the write ends now */
	if (out_fd > STDERR_FILENO)
		close(out_fd);
	if (err_fd > STDERR_FILENO && err_fd != out_fd)
		close(err_fd);
	if (pid < 0) {
		log_stream_close(&svc->out);
		log_stream_close(&svc->err);
		ready_cancel(svc);
		svc->last_status = 126 << 8;
		spawn_failed(svc);
		return;
	}
	svc->pid = pid;
	svc->started_at = ev_now(svc->sup->loop);
	svc->ready = false;
	set_state(svc, SVC_STARTING);
	cinit_log(2, "%s: started (pid %d)", svc->conf.name, (int)pid);
	if (svc->conf.type == SERVICE_SIMPLE)
		arm_timer(svc, svc->conf.start_secs_ms);
	if (svc->conf.type == SERVICE_SIMPLE && svc->conf.ready.kind == READY_NONE)
		svc->ready = true;
	else if (svc->conf.ready.kind != READY_NONE)
		ready_begin(svc);
}

static void begin_stop(struct service *svc)
{
	char sb[16];

	svc->stop_wanted = true;
	ready_cancel(svc);
	set_state(svc, SVC_STOPPING);
	cinit_log(2, "%s: stopping with %s", svc->conf.name,
		  conf_signal_name(svc->conf.stop_signal, sb, sizeof(sb)));
	signal_service(svc, svc->conf.stop_signal);
	/* a stopped process cannot act on the stop signal until continued */
	if (svc->conf.stop_signal != SIGCONT && svc->conf.stop_signal != SIGKILL)
		signal_service(svc, SIGCONT);
	arm_timer(svc, svc->conf.stop_timeout_ms);
}

static int64_t next_backoff_ms(struct service *svc, ev_tstamp uptime)
{
	int64_t delay;

	if (uptime * 1000.0 >= (double)svc->conf.backoff_reset_ms)
		svc->restarts = 0;
	if (svc->restarts == 0) {
		delay = 0;
	} else {
		int shift = svc->restarts - 1 > 30 ? 30 : svc->restarts - 1;
		delay = svc->conf.backoff_min_ms << shift;
		if (delay > svc->conf.backoff_max_ms || delay < 0)
			delay = svc->conf.backoff_max_ms;
	}
	svc->restarts++;
	return delay;
}

static bool wants_restart(const struct service *svc)
{
	if (svc->stop_wanted || svc->sup->phase != PHASE_RUNNING)
		return false;
	if (svc->conf.type == SERVICE_ONESHOT)
		return svc->conf.restart != RESTART_NO && !exit_was_expected(svc);
	switch (svc->conf.restart) {
	case RESTART_NO:
		return false;
	case RESTART_ON_FAILURE:
		return !exit_was_expected(svc);
	case RESTART_ALWAYS:
		return true;
	}
	return false;
}

static void finish_process(struct service *svc)
{
	svc->pid = 0;
	svc->has_exited = true;
	ev_timer_stop(svc->sup->loop, &svc->timer);
	ready_cancel(svc);
	log_stream_flush(&svc->out);
	log_stream_flush(&svc->err);
}

/* The process that led a service's group ended while the service was up,
 * and the service is to run again: what is left of the group (nginx's
 * workers after its master was killed, a shell's background jobs) belongs
 * to the instance that ended, and would hold its port and files against
 * the next one. systemd kills them likewise (KillMode=control-group);
 * supervisord leaves them, and a killed nginx then never comes back. The
 * group outlives its leader while it has members, so its id is not
 * another's. */
static void kill_leftovers(struct service *svc, pid_t group)
{
	if (group <= 0)
		return;
	if (kill(-group, SIGKILL) == 0)
		cinit_log(1, "%s: killed what was left of its process group %d", svc->conf.name,
			  (int)group);
	else if (errno != ESRCH)
		cinit_log(0, "%s: kill(%d, KILL): %s", svc->conf.name, -(int)group,
			  strerror(errno));
}

/* The process of a starting or running service ended. */
static void on_exit_while_up(struct service *svc)
{
	ev_tstamp uptime = ev_now(svc->sup->loop) - svc->started_at;
	bool early = svc->state == SVC_STARTING && svc->conf.type == SERVICE_SIMPLE;
	pid_t group = svc->pid;
	char how[64];

	finish_process(svc);
	describe_exit(svc, how, sizeof(how));
	if (svc->conf.type == SERVICE_ONESHOT && exit_was_expected(svc)) {
		svc->ready = true;
		set_state(svc, SVC_EXITED);
		cinit_log(1, "%s: finished", svc->conf.name);
		return;
	}
	svc->ready = false;
	if (!wants_restart(svc)) {
		set_state(svc, SVC_EXITED);
		cinit_log(1, "%s: %s", svc->conf.name, how);
		return;
	}
	kill_leftovers(svc, group);
	svc->failed_starts =
	    early || svc->conf.type == SERVICE_ONESHOT ? svc->failed_starts + 1 : 0;
	if (svc->failed_starts > svc->conf.start_retries) {
		set_state(svc, SVC_FATAL);
		cinit_log(0, "%s: %s, %d failed starts in a row, giving up", svc->conf.name, how,
			  svc->failed_starts);
		return;
	}
	int64_t delay = next_backoff_ms(svc, uptime);
	svc->total_restarts++;
	set_state(svc, SVC_BACKOFF);
	cinit_log(1, "%s: %s, restarting in %lldms", svc->conf.name, how, (long long)delay);
	arm_timer(svc, delay);
}

static void on_exit_while_stopping(struct service *svc)
{
	char how[64];

	finish_process(svc);
	svc->ready = false;
	describe_exit(svc, how, sizeof(how));
	cinit_log(2, "%s: stopped (%s)", svc->conf.name, how);
	set_state(svc, SVC_STOPPED);
}

/* A reload changed the definition: the service starts over as if new. */
static void take_pending_conf(struct service *svc)
{
	conf_service_free(&svc->conf);
	svc->conf = *svc->pending_conf;
	free(svc->pending_conf);
	svc->pending_conf = NULL;
	svc->stop_wanted = false;
	svc->failed_starts = 0;
	svc->restarts = 0;
	svc->ready = false;
	set_state(svc, SVC_STOPPED);
}

static void handle_idle(struct service *svc, enum svc_event ev)
{
	if (ev == SVE_START) {
		svc->stop_wanted = false;
		spawn(svc);
	} else if (ev == SVE_STOP) {
		svc->stop_wanted = true;
	} else if (ev == SVE_REDEFINE && svc->pending_conf) {
		take_pending_conf(svc);
	}
}

static void handle_up(struct service *svc, enum svc_event ev)
{
	switch (ev) {
	case SVE_TIMER: /* start_secs of uptime: the start counts as good */
		if (svc->state == SVC_STARTING) {
			svc->failed_starts = 0;
			set_state(svc, SVC_RUNNING);
		}
		break;
	case SVE_EXIT:
		on_exit_while_up(svc);
		break;
	case SVE_STOP:
		begin_stop(svc);
		break;
	case SVE_READY:
		if (!svc->ready)
			cinit_log(2, "%s: ready", svc->conf.name);
		svc->ready = true;
		break;
	case SVE_READY_FAILED:
		cinit_log(0, "%s: not ready after %lldms, stopping it", svc->conf.name,
			  (long long)svc->conf.ready.timeout_ms);
		begin_stop(svc);
		/* a service that never became ready has failed, not stopped */
		svc->stop_wanted = false;
		break;
	case SVE_START:
	case SVE_REDEFINE:
		break;
	}
}

static void handle_backoff(struct service *svc, enum svc_event ev)
{
	if (ev == SVE_TIMER) {
		if (service_deps_ready(svc))
			spawn(svc);
		else
			set_state(svc, SVC_STOPPED);
	} else if (ev == SVE_STOP) {
		ev_timer_stop(svc->sup->loop, &svc->timer);
		svc->stop_wanted = true;
		set_state(svc, SVC_STOPPED);
	}
}

static void handle_stopping(struct service *svc, enum svc_event ev)
{
	if (ev == SVE_TIMER) {
		cinit_log(1, "%s: still running after %lldms, sending KILL", svc->conf.name,
			  (long long)svc->conf.stop_timeout_ms);
		signal_service(svc, SIGKILL);
	} else if (ev == SVE_EXIT) {
		bool failed = !svc->stop_wanted;
		on_exit_while_stopping(svc);
		if (failed) {
			svc->stop_wanted = true;
			set_state(svc, SVC_FATAL);
		}
	}
}

void service_handle(struct service *svc, enum svc_event ev)
{
	switch (svc->state) {
	case SVC_STOPPED:
	case SVC_EXITED:
	case SVC_FATAL:
		handle_idle(svc, ev);
		break;
	case SVC_STARTING:
	case SVC_RUNNING:
		handle_up(svc, ev);
		break;
	case SVC_BACKOFF:
		handle_backoff(svc, ev);
		break;
	case SVC_STOPPING:
		handle_stopping(svc, ev);
		break;
	}
	supervisor_service_changed(svc->sup, svc);
}
