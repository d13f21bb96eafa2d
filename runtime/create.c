/* create, start and run: the container's first process is made by create
 * (spawn/container.h) and waits, set up, on the exec fifo until start
 * writes a byte into it. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn/container.h"
#include "spawn/hooks.h"

struct create_args {
	const char *bundle, *pid_file, *console_socket, *id;
	bool no_pivot, detach;
	unsigned preserve_fds;
};

static int parse_create(const struct rt *rt, int argc, char **argv, bool run, struct create_args *a)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"pid-file", required_argument, NULL, 'p'},
					     {"console-socket", required_argument, NULL, 'c'},
					     {"no-pivot", no_argument, NULL, 'P'},
					     {"no-new-keyring", no_argument, NULL, 'K'},
					     {"preserve-fds", required_argument, NULL, 'F'},
					     {"detach", no_argument, NULL, 'd'},
					     {"keep", no_argument, NULL, 'k'},
					     {NULL, 0, NULL, 0}};
	int opt;

	memset(a, 0, sizeof(*a));
	a->bundle = ".";
	while ((opt = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			a->bundle = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'P':
			a->no_pivot = true;
			break;
		case 'K': /* no session keyring is made anyway */
			break;
		case 'F':
			if (rt_parse_preserve_fds(rt, optarg, &a->preserve_fds) != 0)
				return 1;
			break;
		case 'd':
		case 'k':
			if (!run)
				return rt_error(rt, "%s: a flag of run only", argv[optind - 1]);
			a->detach = a->detach || opt == 'd';
			break;
		default:
			return 1;
		}
	}
	if (optind != argc - 1)
		return rt_error(rt, "%s: give exactly one container id", argv[0]);
	a->id = argv[optind];
	return 0;
}

/* The static cinit the container's process is exec'd through (spawn/
 * command.h): $CSPAWN_INIT, or the one installed beside this program. */
int rt_find_trampoline(const struct rt *rt, char *out, size_t len)
{
	const char *env = getenv("CSPAWN_INIT");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return rt_error(rt, "readlink /proc/self/exe: %s", strerror(errno));
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		if (format_path(out, len, "%s/cinit", self) < 0)
			return rt_error(rt, "%s/cinit: %s", self, strerror(errno));
	}
	if (access(out, X_OK) < 0)
		return rt_error(rt,
				"cinit %s (installed beside cspawn-runtime, or $CSPAWN_INIT): %s",
				out, strerror(errno));
	return 0;
}

static int load_config(const struct rt *rt, const char *bundle, struct oci_config *c)
{
	struct oci_messages msgs = {0};
	char path[PATH_MAX];
	int rc;

	if (format_path(path, sizeof(path), "%s/config.json", bundle) < 0)
		return rt_error(rt, "%s/config.json: %s", bundle, strerror(errno));
	rc = oci_config_load(path, 0, c, &msgs);
	for (size_t i = 0; i < msgs.n; i++) {
		if (msgs.v[i].warning)
			rt_warn(rt, "%s: %s", path, msgs.v[i].text);
		else
			rt_error(rt, "%s: %s", path, msgs.v[i].text);
	}
	oci_messages_free(&msgs);
	return rc ? 1 : 0;
}

static bool has_hooks(const struct oci_config *c)
{
	for (int k = 0; k < OCI_HOOK_COUNT; k++)
		if (c->hooks[k].n)
			return true;
	return false;
}

/* What a create in progress needs in its callbacks. */
struct creating {
	const struct rt *rt;
	struct rt_record *r;
	const struct oci_config *c;
};

static char *hook_state(void *ctx, pid_t pid, enum oci_status st)
{
	struct creating *cr = ctx;

	cr->r->pid = pid;
	return rt_state_json(cr->r, st);
}

/* prestart and createRuntime, in the runtime's namespaces, once the
 * container's namespaces exist (CNI plugins set up its network here). */
static int created(void *ctx, pid_t pid, struct spawn_error *e)
{
	struct creating *cr = ctx;
	char *state;
	int rc;

	if (!cr->c->hooks[OCI_HOOK_PRESTART].n && !cr->c->hooks[OCI_HOOK_CREATE_RUNTIME].n)
		return 0;
	state = hook_state(ctx, pid, OCI_STATUS_CREATING);
	if (!state)
		return spawn_fail_errno(e, "the state for the hooks");
	rc = hooks_run(&cr->c->hooks[OCI_HOOK_PRESTART], OCI_HOOK_PRESTART, state, e);
	if (rc == 0)
		rc = hooks_run(&cr->c->hooks[OCI_HOOK_CREATE_RUNTIME], OCI_HOOK_CREATE_RUNTIME,
			       state, e);
	free(state);
	return rc;
}

static int copy_map(struct oci_map *dst, const struct oci_map *src)
{
	dst->v = calloc(src->n + 1, sizeof(*dst->v));
	if (!dst->v)
		return -1;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].key = strdup(src->v[i].key);
		dst->v[i].value = strdup(src->v[i].value);
		dst->n++;
		if (!dst->v[i].key || !dst->v[i].value)
			return -1;
	}
	return 0;
}

/* The config as create read it, for exec (the process's defaults, the
 * seccomp filter) and the poststart and poststop hooks: the bundle may be
 * gone or changed by then. */
static int keep_config(const struct rt_record *r, const struct oci_config *c, struct spawn_error *e)
{
	char path[PATH_MAX], *text = oci_config_write(c);
	int fd, rc = -1;

	if (!text)
		return spawn_fail_errno(e, "writing the config");
	if (rt_path(r, "config.json", path, sizeof(path)) < 0)
		spawn_fail_errno(e, "config.json");
	else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		spawn_fail_errno(e, "creating %s", path);
	else {
		if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
			spawn_fail_errno(e, "writing %s", path);
		else
			rc = 0;
		close(fd);
	}
	free(text);
	return rc;
}

/* A new directory for the record: its mkdir is what makes the id ours. */
static int new_record(const struct rt *rt, const struct create_args *a, const struct oci_config *c,
		      struct rt_record *r)
{
	struct timespec ts;
	struct tm tm;

	memset(r, 0, sizeof(*r));
	r->lockfd = -1;
	if (!rt_valid_id(a->id))
		return rt_error(rt, "'%s' is not a container id (letters, digits, _ + - .)", a->id);
	snprintf(r->id, sizeof(r->id), "%s", a->id);
	if (!realpath(a->bundle, r->bundle))
		return rt_error(rt, "--bundle %s: %s", a->bundle, strerror(errno));
	if (mkdir_p(rt->root, 0700) < 0)
		return rt_error(rt, "--root %s: %s", rt->root, strerror(errno));
	if (format_path(r->dir, sizeof(r->dir), "%s/%s", rt->root, a->id) < 0)
		return rt_error(rt, "container %s: %s", a->id, strerror(errno));
	if (mkdir(r->dir, 0700) < 0)
		return errno == EEXIST ? rt_error(rt, "container %s already exists", a->id)
				       : rt_error(rt, "creating %s: %s", r->dir, strerror(errno));
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(r->created, sizeof(r->created), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(r->created + strlen(r->created), sizeof(r->created) - strlen(r->created),
		 ".%09ldZ", ts.tv_nsec);
	r->hooks = c->hooks[OCI_HOOK_POSTSTART].n > 0 || c->hooks[OCI_HOOK_POSTSTOP].n > 0;
	if (copy_map(&r->annotations, &c->annotations) < 0)
		return rt_error(rt, "container %s: out of memory", a->id);
	return 0;
}

/* The cgroup: the spec's cgroupsPath, or cspawn-runtime/ID beside this
 * program's own; in every tree, for pause and update later. */
static int make_cgroup(const struct rt *rt, const struct oci_config *c, struct rt_record *r,
		       struct spawn_error *e)
{
	const char *path = c->lnx.cgroups_path;
	char dflt[PATH_MAX];
	struct cgroup_layout l;
	struct devfilter_rule *rules;
	struct cgroup_limits lim;
	int rc;

	if (rt->systemd_cgroup || (path && strchr(path, ':')))
		return spawn_fail(e, "--systemd-cgroup: the systemd cgroup driver is not supported "
				     "(the cgroupfs one is: give cgroupsPath as a path)");
	if (!path || !*path) {
		snprintf(dflt, sizeof(dflt), "cspawn-runtime/%s", r->id);
		path = dflt;
	}
	if (cgroup_detect(&l, e) < 0 || cgroup_limits_of(&c->lnx.resources, &lim, &rules, e) < 0)
		return -1;
	lim.all_controllers = true;
	rc = cgroup_create(&l, r->id, path, &lim, &r->cg, e);
	free(rules);
	if (rc == 0)
		r->has_cgroup = true;
	return rc;
}

int rt_write_pid_file(const char *path, pid_t pid, struct spawn_error *e)
{
	char tmp[PATH_MAX], text[32];
	int fd;

	if (format_path(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) < 0)
		return spawn_fail_errno(e, "--pid-file %s", path);
	snprintf(text, sizeof(text), "%d", (int)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return spawn_fail_errno(e, "--pid-file: creating %s", tmp);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		spawn_fail_errno(e, "--pid-file %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The exec fifo, open for reading and writing: the child keeps it open,
 * so start's open for writing never blocks and never meets ENXIO while
 * the child waits. */
static int make_fifo(const struct rt_record *r, struct spawn_error *e)
{
	char path[PATH_MAX];
	int fd;

	if (rt_path(r, "exec.fifo", path, sizeof(path)) < 0 || mkfifo(path, 0600) < 0)
		return spawn_fail_errno(e, "mkfifo %s/exec.fifo", r->dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return spawn_fail_errno(e, "opening %s", path);
	return fd;
}

struct launch {
	int fifo, console;
	unsigned nlisten; /* socket activation's descriptors, passed before --preserve-fds' */
	char init[PATH_MAX];
};

/* The process learns of the sockets as runc tells it: LISTEN_PID 1, the
 * pid it has in its own pid namespace. Added after the config was kept:
 * a process exec'd later gets none of them. */
static int listen_env(struct oci_config *c, unsigned nlisten, struct spawn_error *e)
{
	char count[32], *env[2] = {count, "LISTEN_PID=1"};
	struct oci_exec_flags f = {.env = env, .nenv = 2, .terminal = c->process.terminal};
	const char *bad;

	if (!nlisten)
		return 0;
	snprintf(count, sizeof(count), "LISTEN_FDS=%u", nlisten);
	if (oci_process_apply(&c->process, &f, &bad) < 0)
		return spawn_fail_errno(e, "the process's environment");
	return 0;
}

static pid_t launch(const struct rt *rt, const struct create_args *a, const struct oci_config *c,
		    struct rt_record *r, struct launch *l, struct spawn_error *e)
{
	struct creating cr = {rt, r, c};
	struct container_opts co = {.bundle = r->bundle,
				    .trampoline = l->init,
				    .cg = &r->cg,
				    .no_pivot = a->no_pivot,
				    .start_fd = l->fifo,
				    .console_sock = l->console,
				    .pass_fds = l->nlisten + a->preserve_fds};
	int status;

	if (has_hooks(c)) {
		co.hook_state = hook_state;
		co.created = created;
		co.ctx = &cr;
	}
	return container_start(c, &co, &status, e);
}

/* Everything of a create but the exit: returns the container's pid, or
 * -1 with the error said and everything it made removed. */
static pid_t create(const struct rt *rt, const struct create_args *a, struct rt_record *r)
{
	struct launch l = {.fifo = -1, .console = -1};
	struct spawn_error e;
	struct oci_config c;
	pid_t pid = -1;

	/* before anything is opened, which could take a closed one's number */
	l.nlisten = rt_listen_fds();
	if (rt_check_pass_fds(rt, l.nlisten, a->preserve_fds) != 0 ||
	    load_config(rt, a->bundle, &c) != 0)
		return -1;
	if (c.process.terminal && !a->console_socket) {
		rt_error(rt, "process.terminal: needs --console-socket (there is no terminal to "
			     "give the container otherwise)");
		goto out_config;
	}
	if (!c.process.terminal && a->console_socket) {
		rt_error(rt, "--console-socket: the config asks for no terminal "
			     "(process.terminal is false)");
		goto out_config;
	}
	if (rt_find_trampoline(rt, l.init, sizeof(l.init)) != 0 || new_record(rt, a, &c, r) != 0)
		goto out_config;
	if (container_check(&c, &e) < 0 || make_cgroup(rt, &c, r, &e) < 0 ||
	    rt_record_save(r, &e) < 0 || keep_config(r, &c, &e) < 0 ||
	    listen_env(&c, l.nlisten, &e) < 0 || (l.fifo = make_fifo(r, &e)) < 0 ||
	    (a->console_socket && (l.console = rt_console_connect(a->console_socket, &e)) < 0))
		goto fail;
	pid = launch(rt, a, &c, r, &l, &e);
	if (pid < 0)
		goto fail;
	r->pid = pid;
	r->start_time = rt_start_time(pid);
	if (rt_record_save(r, &e) < 0 ||
	    (a->pid_file && rt_write_pid_file(a->pid_file, pid, &e) < 0))
		goto fail;
	goto out;
fail:
	rt_error(rt, "create %s: %s", r->id, e.msg);
	if (pid > 0)
		kill(pid, SIGKILL);
	if (r->dir[0])
		rt_destroy(rt, r);
	pid = -1;
out:
	if (l.fifo >= 0)
		close(l.fifo);
	if (l.console >= 0)
		close(l.console);
out_config:
	oci_config_free(&c);
	return pid;
}

int rt_create(const struct rt *rt, int argc, char **argv)
{
	struct create_args a;
	struct rt_record r = {.lockfd = -1};
	pid_t pid;

	if (parse_create(rt, argc, argv, false, &a) != 0)
		return 1;
	pid = create(rt, &a, &r);
	rt_record_free(&r);
	return pid < 0 ? 1 : 0;
}

/* Until the container's process has exec'd: its copy of the fifo, the
 * last writer, closes then (close-on-exec) or when it dies, and a reader
 * opened before our own writer sees POLLHUP (a pipe tells a hang-up only
 * to readers that have seen a writer come). events 0: the byte still in
 * the fifo is no wake-up. */
static int await_exec(int rd, struct spawn_error *e)
{
	struct pollfd p = {.fd = rd, .events = 0};
	int n;

	do
		n = poll(&p, 1, -1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return spawn_fail_errno(e, "poll on the exec fifo");
	return 0;
}

/* The go-ahead: a byte in the fifo, which the waiting child reads; the
 * fifo's removal is what makes the status running. */
static int start(const struct rt *rt, struct rt_record *r)
{
	char fifo[PATH_MAX];
	enum rt_status st = rt_status_of(r);
	struct spawn_error e;
	int rd, wr;

	if (st != RT_CREATED)
		return rt_error(rt, "cannot start container %s: it is %s, not created", r->id,
				rt_status_name(st));
	if (rt_path(r, "exec.fifo", fifo, sizeof(fifo)) < 0)
		return rt_error(rt, "start %s: %s", r->id, strerror(errno));
	rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rd < 0)
		return rt_error(rt, "start %s: opening %s: %s", r->id, fifo, strerror(errno));
	wr = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (wr < 0 || write(wr, "0", 1) != 1) {
		rt_error(rt, "start %s: writing %s: %s", r->id, fifo, strerror(errno));
		if (wr >= 0)
			close(wr);
		close(rd);
		return 1;
	}
	close(wr);
	if (await_exec(rd, &e) < 0) {
		close(rd);
		return rt_error(rt, "start %s: %s", r->id, e.msg);
	}
	close(rd);
	if (unlink(fifo) < 0)
		return rt_error(rt, "start %s: removing %s: %s", r->id, fifo, strerror(errno));
	/* the spec has a failed poststart hook warned about, not undone */
	rt_run_hooks(rt, r, OCI_HOOK_POSTSTART, OCI_STATUS_RUNNING);
	return 0;
}

int rt_start(const struct rt *rt, int argc, char **argv)
{
	struct rt_record r;
	int rc;

	if (argc != 2)
		return rt_error(rt, "start: give exactly one container id");
	if (rt_record_load(rt, argv[1], true, &r) < 0)
		return 1;
	rc = start(rt, &r);
	rt_record_free(&r);
	return rc;
}

/* run in the foreground: the container is this process's child; signals
 * that would end the runtime go to it instead, as runc forwards them. */
void rt_forwarded(sigset_t *fwd)
{
	static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

	sigemptyset(fwd);
	sigaddset(fwd, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(fwd, forwarded[i]);
}

int rt_wait_child(pid_t pid, const sigset_t *fwd)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(fwd, &si), st;

		if (sig < 0 && errno == EINTR)
			continue;
		if (sig != SIGCHLD) {
			if (sig > 0)
				kill(pid, sig);
			continue;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}

int rt_run(const struct rt *rt, int argc, char **argv)
{
	struct create_args a;
	struct rt_record r = {.lockfd = -1};
	sigset_t fwd, old;
	pid_t pid;
	int rc;

	if (parse_create(rt, argc, argv, true, &a) != 0)
		return 1;
	rt_forwarded(&fwd);
	/* blocked before the clone: the child unblocks what it must */
	if (!a.detach)
		sigprocmask(SIG_BLOCK, &fwd, &old);
	pid = create(rt, &a, &r);
	rc = pid < 0 ? 1 : start(rt, &r);
	if (rc == 0 && !a.detach) {
		rc = rt_wait_child(pid, &fwd);
		if (rt_destroy(rt, &r) != 0 && rc == 0)
			rc = 1;
	} else if (rc != 0 && pid > 0) {
		rt_destroy(rt, &r);
	}
	rt_record_free(&r);
	return rc;
}
