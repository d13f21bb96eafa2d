/* The supervisor: owns the services, starts them in dependency order, turns
 * signals and child exits into service events, and runs the shutdown. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* cinit's process-wide state besides the loop: how much it says, and where
 * (the non-blocking stderr sink once the supervisor exists). */
static int log_verbosity = 1;
static bool log_timestamps;
static struct supervisor *message_owner;

void cinit_log_set_verbosity(int level)
{
	log_verbosity = level;
}

void cinit_log_set_timestamps(bool on)
{
	log_timestamps = on;
}

/* Year, month and day of a count of days since 1970-01-01, by the usual
 * era arithmetic (400-year cycles of 146097 days, years starting in
 * March). Not gmtime_r: that links the C library's time-zone code, about
 * 100 KB of a static binary, for a calendar that needs a dozen lines. */
static void civil_date(long days, int *y, int *m, int *d)
{
	long z = days + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "cinit: ", or with log_format = timestamp "2026-11-23T12:00:00.123Z cinit: " */
static int log_prefix(char *buf, size_t len)
{
	struct timespec ts;
	int y, mo, d;
	long secs;

	if (!log_timestamps || clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return snprintf(buf, len, "cinit: ");
	civil_date((long)(ts.tv_sec / 86400), &y, &mo, &d);
	secs = (long)(ts.tv_sec % 86400);
	return snprintf(buf, len, "%04d-%02d-%02dT%02ld:%02ld:%02ld.%03ldZ cinit: ", y, mo, d,
			secs / 3600, secs / 60 % 60, secs % 60, ts.tv_nsec / 1000000);
}

void cinit_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (level > log_verbosity)
		return;
	int p = log_prefix(msg, 64);
	if (p < 0 || p >= 64)
		p = 0;
	va_start(ap, fmt);
	n = vsnprintf(msg + p, sizeof(msg) - (size_t)p - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += p;
	if (n > (int)sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	/* making the sink may itself fail and want to say so: that message, and
	 * any when no sink can be had, go straight to the descriptor */
	static bool logging;
	struct log_sink *sink = NULL;
	if (message_owner && !logging) {
		logging = true;
		sink = supervisor_sink(message_owner, true);
		logging = false;
	}
	if (sink) {
		log_sink_write_message(sink, msg, (size_t)n);
		return;
	}
	/* once running, write only what a pipe takes at once (a message is
	 * under PIPE_BUF), or lose the message rather than block PID 1 */
	struct pollfd pfd = {.fd = STDERR_FILENO, .events = POLLOUT};
	if (message_owner && (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLOUT)))
		return;
	if (write(STDERR_FILENO, msg, (size_t)n) < 0) {
		/* nothing else to tell it to */
	}
}

struct service *supervisor_find(struct supervisor *sup, const char *name)
{
	for (int i = 0; i < sup->n_svcs; i++)
		if (strcmp(sup->svcs[i]->conf.name, name) == 0)
			return sup->svcs[i];
	return NULL;
}

/* Services in start order: priority, then the order of the file. */
static int by_priority(const void *a, const void *b)
{
	const struct service *x = *(struct service *const *)a, *y = *(struct service *const *)b;

	if (x->conf.priority != y->conf.priority)
		return x->conf.priority < y->conf.priority ? -1 : 1;
	return 0;
}

static int add_service(struct supervisor *sup, struct service_conf *sc)
{
	struct service **v = realloc(sup->svcs, (size_t)(sup->n_svcs + 1) * sizeof(*v));
	struct service *svc;

	if (!v)
		return -1;
	sup->svcs = v;
	svc = service_new(sup, sc);
	if (!svc)
		return -1;
	sup->svcs[sup->n_svcs++] = svc;
	return 0;
}

static void sort_services(struct supervisor *sup)
{
	/* a stable sort keeps file order among equal priorities */
	for (int i = 1; i < sup->n_svcs; i++) {
		struct service *cur = sup->svcs[i];
		int j = i - 1;
		while (j >= 0 && by_priority(&sup->svcs[j], &cur) > 0) {
			sup->svcs[j + 1] = sup->svcs[j];
			j--;
		}
		sup->svcs[j + 1] = cur;
	}
}

static void take_services(struct supervisor *sup, struct cinit_conf *conf)
{
	for (int i = 0; i < conf->n_services; i++)
		if (add_service(sup, &conf->services[i]) < 0)
			cinit_log(0, "out of memory adding %s", conf->services[i].name);
	free(conf->services);
	conf->services = NULL;
	conf->n_services = 0;
	sort_services(sup);
}

/* Sinks for cinit's stdout and stderr are made on first use: cinit -- cmd
 * inherits its output and never needs them. */
struct log_sink *supervisor_sink(struct supervisor *sup, bool err)
{
	struct log_sink **s = err ? &sup->stderr_sink : &sup->stdout_sink;

	if (!*s)
		*s = log_sink_for_fd(sup->loop, err ? STDERR_FILENO : STDOUT_FILENO);
	return *s;
}

const char *supervisor_notify_dir(struct supervisor *sup)
{
	const char *base;

	if (sup->notify_dir)
		return sup->notify_dir;
	base = access("/run", W_OK) == 0 ? "/run" : "/tmp";
	if (asprintf(&sup->notify_dir, "%s/cinit-%d", base, (int)getpid()) < 0)
		sup->notify_dir = NULL;
	return sup->notify_dir;
}

static void start_eligible(struct supervisor *sup);

static bool is_idle(const struct service *svc)
{
	return !service_active(svc) && svc->state != SVC_BACKOFF && svc->state != SVC_STOPPING;
}

/* Frees services a reload removed and swaps in changed definitions, once
 * their old processes are gone; then starts what may start, by the new
 * priorities. */
static void sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct supervisor *sup = w->data;
	int n = 0;

	(void)loop;
	(void)revents;
	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *svc = sup->svcs[i];
		if (is_idle(svc) && svc->removed) {
			cinit_log(1, "%s: removed", svc->conf.name);
			if (sup->ctl)
				control_service_gone(sup->ctl, svc);
			service_free(svc);
			continue;
		}
		sup->svcs[n++] = svc;
	}
	sup->n_svcs = n;
	sup->sweeping = true;
	for (int i = 0; i < sup->n_svcs && sup->phase == PHASE_RUNNING; i++)
		if (is_idle(sup->svcs[i]) && sup->svcs[i]->pending_conf)
			service_handle(sup->svcs[i], SVE_REDEFINE);
	sup->sweeping = false;
	sort_services(sup);
	if (sup->phase == PHASE_RUNNING)
		start_eligible(sup);
}

struct supervisor *supervisor_new(struct ev_loop *loop, struct cinit_conf *conf,
				  const struct supervisor_options *opts)
{
	struct supervisor *sup = calloc(1, sizeof(*sup));

	if (!sup)
		return NULL;
	sup->loop = loop;
	sup->opts = *opts;
	sup->is_pid1 = opts->is_pid1;
	sup->reset_service_oom = oom_protect_self(&sup->service_oom_adj);
	message_owner = sup;
	ev_timer_init(&sup->sweep_timer, sweep_cb, 0., 0.);
	sup->sweep_timer.data = sup;
	take_services(sup, conf);
	sup->conf = *conf;
	memset(conf, 0, sizeof(*conf));
	return sup;
}

void supervisor_free(struct supervisor *sup)
{
	if (!sup)
		return;
	control_close(sup->ctl);
	sup->ctl = NULL;
	for (int i = 0; i < sup->n_svcs; i++)
		service_free(sup->svcs[i]);
	free(sup->svcs);
	ev_timer_stop(sup->loop, &sup->shutdown_timer);
	ev_timer_stop(sup->loop, &sup->grace_timer);
	ev_timer_stop(sup->loop, &sup->sweep_timer);
	message_owner = NULL;
	log_sink_free(sup->stdout_sink);
	log_sink_free(sup->stderr_sink);
	if (sup->notify_dir) {
		rmdir(sup->notify_dir);
		free(sup->notify_dir);
	}
	conf_free(&sup->conf);
	free(sup);
}

/* A dependency that ended without becoming ready blocks its dependents. */
static struct service *failed_dependency(struct supervisor *sup, const struct service *svc)
{
	for (char **d = svc->conf.depends; d && *d; d++) {
		struct service *dep = supervisor_find(sup, *d);
		if (dep && !dep->ready && (dep->state == SVC_FATAL || dep->state == SVC_EXITED))
			return dep;
	}
	return NULL;
}

static void start_eligible(struct supervisor *sup)
{
	if (ev_is_active(&sup->sweep_timer) || sup->sweeping)
		return; /* the sweep starts what may start */
	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *svc = sup->svcs[i];
		if (svc->state != SVC_STOPPED || svc->stop_wanted || !svc->conf.autostart)
			continue;
		if (!service_deps_ready(svc)) {
			struct service *dep = failed_dependency(sup, svc);
			if (dep) {
				cinit_log(0, "%s: not started: dependency %s failed",
					  svc->conf.name, dep->conf.name);
				svc->stop_wanted = true;
			}
			continue;
		}
		service_handle(svc, SVE_START);
		if (sup->phase != PHASE_RUNNING)
			return;
	}
}

void supervisor_start(struct supervisor *sup)
{
	/* made only when asked for: `cinit -- cmd` opens no socket */
	const char *path = sup->conf.control_socket;

	if (path && strcmp(path, "none") != 0)
		sup->ctl = control_open(sup, path);
	start_eligible(sup);
	if (sup->phase == PHASE_RUNNING && sup->n_svcs == 0)
		cinit_log(1, "no services to run");
}

static void begin_shutdown(struct supervisor *sup, const char *why);

static bool ended(const struct service *svc)
{
	return svc->state == SVC_EXITED || svc->state == SVC_FATAL;
}

/* The main service's code is the container's; one it expects counts as 0. */
static void set_main_code(struct supervisor *sup, const struct service *svc)
{
	int code = service_exit_code(svc);

	sup->exit_code = conf_exit_expected(&svc->conf, code) ? 0 : code;
	sup->exit_code_set = true;
}

/* A main service that a shutdown stopped still gives the container its
 * code, as in tini mode; a failure that began the shutdown keeps its own. */
static void note_main_stopped(struct supervisor *sup, const struct service *svc)
{
	if (svc->conf.main && !sup->exit_code_set && !service_active(svc) &&
	    (svc->state == SVC_STOPPED || ended(svc)))
		set_main_code(sup, svc);
}

/* critical and main services end the container when they end for good */
static void check_container_end(struct supervisor *sup, struct service *svc)
{
	if (!ended(svc) || svc->pid > 0)
		return;
	bool success = svc->conf.type == SERVICE_ONESHOT && svc->ready;
	if (svc->conf.main) {
		set_main_code(sup, svc);
		begin_shutdown(sup, svc->conf.name);
	} else if (svc->conf.critical && !success) {
		sup->exit_code = service_exit_code(svc);
		if (sup->exit_code == 0 && svc->state == SVC_FATAL)
			sup->exit_code = 1;
		sup->exit_code_set = true;
		cinit_log(0, "%s: critical service ended, shutting down", svc->conf.name);
		begin_shutdown(sup, svc->conf.name);
	}
}

static void stop_next_services(struct supervisor *sup);
static void finish_leftovers_if_gone(struct supervisor *sup);

static bool needs_sweep(const struct service *svc)
{
	return (svc->removed || svc->pending_conf) && !service_active(svc) &&
	       svc->state != SVC_BACKOFF;
}

void supervisor_service_changed(struct supervisor *sup, struct service *svc)
{
	if (sup->ctl)
		control_service_changed(sup->ctl, svc);
	switch (sup->phase) {
	case PHASE_RUNNING:
		if (needs_sweep(svc)) {
			/* not here: the caller may still be walking the service list */
			ev_timer_start(sup->loop, &sup->sweep_timer);
			break;
		}
		check_container_end(sup, svc);
		if (sup->phase == PHASE_RUNNING)
			start_eligible(sup);
		break;
	case PHASE_STOPPING_SERVICES:
		note_main_stopped(sup, svc);
		stop_next_services(sup);
		break;
	default:
		break;
	}
}

/* ---- shutdown ------------------------------------------------------ */

static bool has_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

static bool is_descendant(pid_t pid, pid_t root, const pid_t *ppid_of, int max)
{
	for (int depth = 0; pid > 1 && pid < max && depth < 4096; depth++) {
		if (ppid_of[pid] == root)
			return true;
		pid = ppid_of[pid];
	}
	return false;
}

/* The parent pid from /proc/PID/stat: the fourth field, after the command
 * name in parentheses (which may itself hold spaces and parentheses). */
static pid_t read_ppid(const char *pid)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;
	char *p;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || !p[1] || !p[2] || !p[3])
		return 0;
	return (pid_t)strtol(p + 4, NULL, 10);
}

/* The size of a table indexed by pid: the kernel's pid_max (32768 on most
 * hosts), or its upper bound when that cannot be read. */
static int pid_table_size(void)
{
	const int limit = 4 * 1024 * 1024; /* PID_MAX_LIMIT on 64-bit */
	char buf[32];
	ssize_t n;
	long v;
	int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return limit;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return limit;
	buf[n] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 0 && v < limit ? (int)v + 1 : limit;
}

/* Outside a pid namespace kill(-1) would reach the whole host; signal only
 * the processes that descend from cinit. */
static void signal_descendants(int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int max = pid_table_size();
	pid_t *ppid_of;

	if (!d) {
		cinit_log(0, "opendir /proc: %s", strerror(errno));
		return;
	}
	ppid_of = calloc((size_t)max, sizeof(pid_t));
	if (!ppid_of) {
		cinit_log(0, "cannot signal leftover processes: out of memory");
		closedir(d);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9') {
			long p = strtol(de->d_name, NULL, 10);
			if (p < max)
				ppid_of[p] = read_ppid(de->d_name);
		}
	rewinddir(d);
	while ((de = readdir(d))) {
		long p = strtol(de->d_name, NULL, 10);
		if (p > 0 && p < max && is_descendant((pid_t)p, self, ppid_of, max) &&
		    kill((pid_t)p, sig) < 0 && errno != ESRCH)
			cinit_log(0, "kill(%ld, %d): %s", p, sig, strerror(errno));
	}
	free(ppid_of);
	closedir(d);
}

static void signal_leftovers(struct supervisor *sup, int sig)
{
	if (sup->is_pid1) {
		if (kill(-1, sig) < 0 && errno != ESRCH)
			cinit_log(0, "kill(-1, %d): %s", sig, strerror(errno));
	} else {
		signal_descendants(sig);
	}
}

static void finish(struct supervisor *sup)
{
	sup->phase = PHASE_DONE;
	ev_timer_stop(sup->loop, &sup->grace_timer);
	ev_timer_stop(sup->loop, &sup->shutdown_timer);
	ev_break(sup->loop, EVBREAK_ALL);
}

static void finish_leftovers_if_gone(struct supervisor *sup)
{
	if (sup->phase == PHASE_LEFTOVERS && !has_children())
		finish(sup);
}

static void grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct supervisor *sup = w->data;

	(void)revents;
	if (sup->killed_leftovers) {
		/* SIGKILL was sent a while ago; whatever is left cannot be waited for */
		cinit_log(0, "processes remain after KILL; exiting anyway");
		finish(sup);
		return;
	}
	cinit_log(1, "processes remain after the grace period, sending KILL");
	signal_leftovers(sup, SIGKILL);
	sup->killed_leftovers = true;
	ev_timer_set(w, 2., 0.);
	ev_timer_start(loop, w);
}

static void enter_leftovers(struct supervisor *sup)
{
	ev_timer_stop(sup->loop, &sup->shutdown_timer);
	sup->phase = PHASE_LEFTOVERS;
	if (!has_children() || sup->conf.grace_ms == 0) {
		finish(sup);
		return;
	}
	cinit_log(2, "sending TERM to remaining processes");
	signal_leftovers(sup, SIGTERM);
	signal_leftovers(sup, SIGCONT);
	ev_timer_init(&sup->grace_timer, grace_cb, (double)sup->conf.grace_ms / 1000.0, 0.);
	sup->grace_timer.data = sup;
	ev_timer_start(sup->loop, &sup->grace_timer);
	finish_leftovers_if_gone(sup);
}

static bool has_active_dependent(struct supervisor *sup, const struct service *svc)
{
	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *o = sup->svcs[i];
		if (o != svc && service_active(o) && service_depends_on(o, svc->conf.name))
			return true;
	}
	return false;
}

/* Whether any service names another in depends: then the dependencies
 * order the shutdown, otherwise the priorities do. */
static bool any_dependencies(const struct supervisor *sup)
{
	for (int i = 0; i < sup->n_svcs; i++)
		if (sup->svcs[i]->conf.depends && sup->svcs[i]->conf.depends[0])
			return true;
	return false;
}

/* Whether svc stops in this round. With dependencies: when nothing
 * running depends on it. Without, as supervisord does: when it belongs to
 * the highest priority that still has a process, so that each level has
 * exited (or been killed after its stop_timeout) before the next is told. */
static bool stops_now(struct supervisor *sup, const struct service *svc, bool by_deps,
		      const struct service *highest)
{
	if (by_deps)
		return !has_active_dependent(sup, svc);
	return svc->conf.priority == highest->conf.priority;
}

/* Stops what may stop now, last priority first; moves on to leftover
 * processes once no service runs. */
static void stop_next_services(struct supervisor *sup)
{
	bool by_deps = any_dependencies(sup);
	const struct service *highest = NULL;

	/* a restart that is only scheduled must not happen during shutdown */
	for (int i = 0; i < sup->n_svcs; i++)
		if (sup->svcs[i]->state == SVC_BACKOFF)
			service_handle(sup->svcs[i], SVE_STOP);
	if (sup->phase != PHASE_STOPPING_SERVICES)
		return;
	/* services are sorted by priority: the last active one has the highest */
	for (int i = sup->n_svcs - 1; i >= 0; i--) {
		struct service *svc = sup->svcs[i];
		if (!service_active(svc))
			continue;
		if (!highest)
			highest = svc;
		if (svc->state != SVC_STOPPING && stops_now(sup, svc, by_deps, highest))
			service_handle(svc, SVE_STOP);
		if (sup->phase != PHASE_STOPPING_SERVICES)
			return;
	}
	if (!highest)
		enter_leftovers(sup);
}

static void shutdown_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct supervisor *sup = w->data;

	(void)loop;
	(void)revents;
	cinit_log(0, "services still running after shutdown_timeout, sending KILL");
	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *svc = sup->svcs[i];
		if (service_active(svc) && kill(-svc->pid, SIGKILL) < 0 && errno != ESRCH)
			cinit_log(0, "%s: kill(%d, KILL): %s", svc->conf.name, (int)-svc->pid,
				  strerror(errno));
	}
}

static void begin_shutdown(struct supervisor *sup, const char *why)
{
	if (sup->phase != PHASE_RUNNING)
		return;
	cinit_log(2, "shutting down (%s)", why);
	sup->phase = PHASE_STOPPING_SERVICES;
	ev_timer_init(&sup->shutdown_timer, shutdown_timeout_cb,
		      (double)sup->conf.shutdown_timeout_ms / 1000.0, 0.);
	sup->shutdown_timer.data = sup;
	ev_timer_start(sup->loop, &sup->shutdown_timer);
	stop_next_services(sup);
}

/* ---- events from cinit ---------------------------------------------- */

static struct service *main_service(struct supervisor *sup)
{
	for (int i = 0; i < sup->n_svcs; i++)
		if (sup->svcs[i]->conf.main)
			return sup->svcs[i];
	return NULL;
}

static void forward_signal(struct supervisor *sup, int sig)
{
	struct service *main = main_service(sup);

	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *svc = sup->svcs[i];
		if ((main && svc != main) || !service_active(svc))
			continue;
		pid_t target = sup->opts.forward_to_group ? -svc->pid : svc->pid;
		if (kill(target, sig) < 0 && errno != ESRCH)
			cinit_log(0, "%s: kill(%d, %d): %s", svc->conf.name, (int)target, sig,
				  strerror(errno));
	}
}

void supervisor_shutdown(struct supervisor *sup, const char *why)
{
	begin_shutdown(sup, why);
}

/* Loads the file for a reload. Its diagnostics go through cinit_log, which
 * never blocks, not to the stderr stream, whose writes wait on the reader
 * of cinit's output. */
int supervisor_load_config(struct supervisor *sup, struct cinit_conf *c,
			   void (*echo)(void *ctx, const char *line, bool error), void *ctx)
{
	char *text = NULL;
	size_t len = 0;
	FILE *diag = open_memstream(&text, &len);
	int r;

	if (!diag) {
		cinit_log(0, "open_memstream: %s", strerror(errno));
		return -1;
	}
	r = conf_load(sup->opts.config_path, c, diag);
	if (fclose(diag) != 0) {
		cinit_log(0, "fclose(memstream): %s", strerror(errno));
		free(text);
		return r;
	}
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		cinit_log(r != 0 ? 0 : 1, "%s", line);
		if (echo)
			echo(ctx, line, r != 0);
	}
	free(text);
	return r;
}

bool supervisor_signal(struct supervisor *sup, int sig)
{
	if (!sup->opts.forward_all && (sig == SIGTERM || sig == SIGINT)) {
		begin_shutdown(sup, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		return false;
	}
	if (!sup->opts.forward_all && sig == SIGHUP && sup->opts.config_path) {
		struct cinit_conf c;
		cinit_log(1, "reloading %s", sup->opts.config_path);
		if (supervisor_load_config(sup, &c, NULL, NULL) != 0) {
			cinit_log(0, "reload failed, keeping the running configuration");
			return false;
		}
		supervisor_reload(sup, &c);
		return false;
	}
	forward_signal(sup, sig);
	return !sup->stderr_sink || !log_sink_waiting(sup->stderr_sink);
}

void supervisor_child_exited(struct supervisor *sup, pid_t pid, int status)
{
	bool found = false;

	for (int i = 0; i < sup->n_svcs && !found; i++) {
		struct service *svc = sup->svcs[i];
		if (svc->pid == pid) {
			found = true;
			svc->last_status = status;
			service_handle(svc, SVE_EXIT);
		}
	}
	if (!found && !ready_probe_exited(sup, pid, status) && sup->opts.warn_orphans)
		cinit_log(0, "reaped orphan %d (status %d)", (int)pid, status);
	finish_leftovers_if_gone(sup);
}

bool supervisor_finished(const struct supervisor *sup)
{
	return sup->phase == PHASE_DONE;
}

int supervisor_exit_code(const struct supervisor *sup)
{
	return sup->exit_code_set ? sup->exit_code : 0;
}

/* ---- reload ---------------------------------------------------------- */

static struct service_conf *find_conf(struct cinit_conf *c, const char *name)
{
	for (int i = 0; i < c->n_services; i++)
		if (c->services[i].name && strcmp(c->services[i].name, name) == 0)
			return &c->services[i];
	return NULL;
}

int supervisor_diff(struct supervisor *sup, const struct cinit_conf *c,
		    void (*say)(void *ctx, const char *name, const char *what), void *ctx)
{
	struct cinit_conf *nc = (struct cinit_conf *)c;
	int n = 0;

	for (int i = 0; i < c->n_services; i++)
		if (!supervisor_find(sup, c->services[i].name)) {
			say(ctx, c->services[i].name, "added");
			n++;
		}
	for (int i = 0; i < sup->n_svcs; i++) {
		const struct service *svc = sup->svcs[i];
		struct service_conf *sc = find_conf(nc, svc->conf.name);
		if (svc->removed || (sc && conf_service_equal(&svc->conf, sc)))
			continue;
		say(ctx, svc->conf.name, sc ? "changed" : "removed");
		n++;
	}
	return n;
}

void supervisor_reload(struct supervisor *sup, struct cinit_conf *conf)
{
	int kept = 0, changed = 0, removed = 0, added = 0;

	if (sup->phase != PHASE_RUNNING) {
		conf_free(conf);
		return;
	}
	for (int i = 0; i < sup->n_svcs; i++) {
		struct service *svc = sup->svcs[i];
		struct service_conf *nc = find_conf(conf, svc->conf.name);
		if (nc && conf_service_equal(&svc->conf, nc)) {
			conf_service_free(nc);
			kept++;
			continue;
		}
		if (nc) {
			/* the new definition runs once the old process is gone */
			svc->pending_conf = malloc(sizeof(*nc));
			if (svc->pending_conf) {
				*svc->pending_conf = *nc;
				memset(nc, 0, sizeof(*nc));
			}
			changed++;
		} else {
			svc->removed = true;
			removed++;
		}
		service_handle(svc, SVE_STOP);
	}
	for (int i = 0; i < conf->n_services; i++)
		if (conf->services[i].name) {
			add_service(sup, &conf->services[i]);
			added++;
		}
	free(conf->services);
	conf->services = NULL;
	conf->n_services = 0;
	sup->conf.shutdown_timeout_ms = conf->shutdown_timeout_ms;
	sup->conf.grace_ms = conf->grace_ms;
	conf_free(conf);
	sort_services(sup);
	cinit_log(1, "reloaded: %d unchanged, %d changed, %d added, %d removed", kept, changed,
		  added, removed);
	start_eligible(sup);
}
