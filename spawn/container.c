#include "spawn/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn/command.h"
#include "spawn/privs.h"
#include "spawn/resolve.h"
#include "spawn/sysfilter.h"
#include "spawn/users.h"

/* What the child sends back when it cannot exec: the exit status cspawn
 * should use and why. Nothing arrives when exec succeeds (the pipe is
 * close-on-exec). */
struct child_report {
	int status;
	char msg[sizeof(((struct spawn_error *)0)->msg)];
};

/* The parent's two go-aheads. The slow one, moving the child into its
 * cgroup (on v1 every move waits for an RCU grace period, ~10 ms), runs
 * while the child builds its root; the child waits for it only before it
 * enters its cgroup namespace and runs anything of the user's. */
#define IDS_READY 'i'	 /* uid and gid maps written (at once without --userns) */
#define CGROUP_READY 'c' /* the child is in its cgroup */

struct child_pipes {
	int sync_rd;   /* parent -> child: IDS_READY, then CGROUP_READY */
	int report_wr; /* child -> parent: failure report */
};

static const char *hostname_of(const struct spawn_opts *o)
{
	return o->hostname ? o->hostname : o->name;
}

static int bring_up_loopback(struct spawn_error *e)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (fd < 0)
		return spawn_fail_errno(e, "socket for bringing up lo");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		spawn_fail_errno(e, "SIOCGIFFLAGS lo");
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		spawn_fail_errno(e, "bringing up lo (SIOCSIFFLAGS)");
	else
		rc = 0;
out:
	close(fd);
	return rc;
}

static int wait_for_parent(int fd, char expected, struct spawn_error *e)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return spawn_fail_errno(e, "waiting for cspawn");
	if (n == 0 || c != expected)
		_exit(125); /* cspawn died or gave up on us: nobody to report to */
	return 0;
}

/* The parent-death signal is cleared whenever our uid changes, so it is
 * set again at the end; the sync pipe tells whether cspawn died before. */
static int arm_parent_death_signal(int sync_rd, struct spawn_error *e)
{
	struct pollfd p = {.fd = sync_rd, .events = POLLIN};

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_PDEATHSIG)");
	if (poll(&p, 1, 0) < 0)
		return spawn_fail_errno(e, "poll");
	if (p.revents & (POLLHUP | POLLERR))
		_exit(125);
	return 0;
}

static int set_up_namespaces(const struct container_spec *s, struct spawn_error *e)
{
	if (s->map && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return spawn_fail_errno(e, "becoming root in the user namespace");
	if (sethostname(hostname_of(s->o), strlen(hostname_of(s->o))) < 0)
		return spawn_fail_errno(e, "sethostname");
	if (s->o->net == SPAWN_NET_NONE && bring_up_loopback(e) < 0)
		return -1;
	return 0;
}

/* The working directory is resolved inside the root like every path
 * cspawn opens there (no magic link, no symlink out), created there when
 * missing, and entered by descriptor; then checked to lie under the root,
 * as a cwd reached any other way could be a directory of the host's. */
static int enter_workdir(const char *dir, struct spawn_error *e)
{
	char cwd[PATH_MAX];
	int root, fd;

	if (!dir)
		return 0;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return spawn_fail_errno(e, "opening the root for the working directory");
	fd = resolve_in_root(root, dir, RESOLVE_MKDIR, RESOLVE_AUTO, e);
	close(root);
	if (fd < 0) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		return spawn_fail(e, "working directory %s: %s", dir, why);
	}
	if (fchdir(fd) < 0) {
		spawn_fail_errno(e, "working directory %s: fchdir", dir);
		close(fd);
		return -1;
	}
	close(fd);
	/* getcwd names a directory outside the root "(unreachable)...". */
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return spawn_fail(e, "working directory %s: not under the container's root", dir);
	return 0;
}

/* Until it execs, this process runs the host's cspawn: nothing that joins
 * its namespaces may open its /proc/PID/exe (or ptrace it), which a
 * non-dumpable process refuses to all but CAP_SYS_PTRACE. Set again after
 * the user switch, which resets it to the host's suid_dumpable. */
static int not_dumpable(struct spawn_error *e)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_DUMPABLE)");
	return 0;
}

/* Closes every descriptor but 0-2 and the two pipes to cspawn, before
 * anything else: one inherited from cspawn's caller (a directory held
 * open, a lock file) would otherwise be reachable as /proc/self/fd/N by
 * every path resolved from here on, and lead out of the root. */
static int close_inherited_fds(const struct child_pipes *p, struct spawn_error *e)
{
	unsigned lo = (unsigned)(p->sync_rd < p->report_wr ? p->sync_rd : p->report_wr);
	unsigned hi = (unsigned)(p->sync_rd < p->report_wr ? p->report_wr : p->sync_rd);

	if ((lo > 3 && close_range(3, lo - 1, 0) < 0) ||
	    (hi > lo + 1 && close_range(lo + 1, hi - 1, 0) < 0) || close_range(hi + 1, ~0U, 0) < 0)
		return spawn_fail_errno(e, "close_range");
	return 0;
}

/* The container starts with every signal at its default and none blocked
 * but the held ones (see container_spec): whatever cspawn inherited (a
 * shell ignores SIGINT in background jobs, and a shell started with SIGINT
 * ignored may not trap it) stays outside. */
static int reset_signals(const sigset_t *held, struct spawn_error *e)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* EINVAL: a real-time signal the C library keeps for itself. */
		if (sigaction(sig, &dfl, NULL) < 0 && errno != EINVAL)
			return spawn_fail_errno(e, "resetting signal %d", sig);
	}
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, held ? held : &none, NULL) < 0)
		return spawn_fail_errno(e, "sigprocmask");
	return 0;
}

static int drop_privileges(const struct container_spec *s, const struct spawn_user *u, int sync_rd,
			   struct spawn_error *e)
{
	if (privs_drop_bounding(s->o->caps, e) < 0 || privs_switch_user(u, e) < 0 ||
	    not_dumpable(e) < 0 || privs_set_caps(s->o->caps, e) < 0 || privs_no_new_privs(e) < 0 ||
	    arm_parent_death_signal(sync_rd, e) < 0)
		return -1;
	return sysfilter_load(s->o->caps, e);
}

static int exec_command(const struct spawn_command *c, struct spawn_error *e)
{
	execve(c->path, c->argv, c->envp);
	return spawn_fail_errno(e, "exec %s", c->path);
}

/* Everything between clone and exec. Returns only on failure. */
static int child_setup(const struct container_spec *s, const struct child_pipes *p, int *status,
		       struct spawn_error *e)
{
	struct spawn_command cmd;
	struct spawn_user user;

	if (close_inherited_fds(p, e) < 0 || not_dumpable(e) < 0)
		return -1;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_PDEATHSIG)");
	/* A session of its own: in cspawn's process group, `kill 0` inside
	 * would reach cspawn and whatever else shares its job on the host.
	 * cspawn forwards what its terminal sends instead. */
	if (setsid() < 0)
		return spawn_fail_errno(e, "setsid");
	if (wait_for_parent(p->sync_rd, IDS_READY, e) < 0 || set_up_namespaces(s, e) < 0)
		return -1;
	/* Device nodes and mount points get exactly the modes asked for; the
	 * container itself starts with the usual 022. */
	umask(0);
	if (rootfs_enter(s->plan, e) < 0)
		return -1;
	umask(022);
	if (users_resolve(s->o->user, "/etc/passwd", "/etc/group", &user, e) < 0 ||
	    enter_workdir(s->o->workdir, e) < 0)
		return -1;
	if (command_build(s->o, access("/etc/cinit.ini", F_OK) == 0, hostname_of(s->o), &user, &cmd,
			  e) < 0)
		return -1;
	if (s->o->no_init && command_resolve(&cmd, e) < 0) {
		*status = errno == ENOENT ? 127 : 126;
		return -1;
	}
	/* In its cgroup before anything of the user's runs, and before the
	 * cgroup namespace is made, so that its root is that cgroup. */
	if (wait_for_parent(p->sync_rd, CGROUP_READY, e) < 0)
		return -1;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return spawn_fail_errno(e, "unshare(CLONE_NEWCGROUP)");
	if (reset_signals(s->held, e) < 0 || drop_privileges(s, &user, p->sync_rd, e) < 0)
		return -1;
	/* last, so nothing opened on the way (by a library, or a sanitizer's
	 * runtime) reaches the container */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return spawn_fail_errno(e, "close_range");
	exec_command(&cmd, e);
	if (errno == ENOENT)
		/* The file is there (bound); what is missing is its loader. */
		snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
			 " (cinit must be statically linked to run in any root)");
	return -1;
}

static _Noreturn void report_and_exit(int fd, int status, const struct spawn_error *e)
{
	struct child_report r = {.status = status};
	ssize_t n;

	snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
	do
		n = write(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(status);
}

static int read_report(int fd, struct child_report *r)
{
	size_t got = 0;

	while (got < sizeof(*r)) {
		ssize_t n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got == sizeof(*r) ? 1 : 0;
}

static unsigned long clone_flags(const struct container_spec *s)
{
	unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;

	if (s->o->net == SPAWN_NET_NONE)
		flags |= CLONE_NEWNET;
	if (s->map)
		flags |= CLONE_NEWUSER;
	return flags;
}

static int send_go(int sync_wr, char what, struct spawn_error *e)
{
	if (write(sync_wr, &what, 1) != 1)
		return spawn_fail_errno(e, "starting the container");
	return 0;
}

/* The parent's half of the handshake: id maps, then the cgroup. */
static int prepare_child(const struct container_spec *s, pid_t pid, int sync_wr,
			 struct spawn_error *e)
{
	if (s->map && userns_write_maps(pid, s->map, e) < 0)
		return -1;
	if (send_go(sync_wr, IDS_READY, e) < 0 || cgroup_attach(s->cg, pid, e) < 0)
		return -1;
	return send_go(sync_wr, CGROUP_READY, e);
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void take_report(const struct child_report *r, int *status, struct spawn_error *e)
{
	*status = r->status;
	snprintf(e->msg, sizeof(e->msg), "%s", r->msg);
}

/* Waits until the child has exec'd (its report pipe closes empty) or has
 * failed (a report arrives); returns its pid or -1. */
static pid_t await_exec(pid_t pid, int report_rd, int *status, struct spawn_error *e)
{
	struct child_report r;

	if (!read_report(report_rd, &r))
		return pid;
	take_report(&r, status, e);
	reap(pid);
	return -1;
}

/* The parent could not finish its half. A child that failed first explains
 * why (its cgroup move found it gone, say), so its report wins. */
static pid_t abandon_child(pid_t pid, int report_rd, int *status, struct spawn_error *e)
{
	struct child_report r;

	/* Our unreaped child: kill cannot miss it. */
	if (kill(pid, SIGKILL) < 0)
		spawn_fail_errno(e, "killing the half-started container");
	reap(pid);
	if (read_report(report_rd, &r))
		take_report(&r, status, e);
	return -1;
}

/* The relay's pipes become 0, 1 and 2; the originals go with the other
 * inherited descriptors in child_setup. */
static int install_stdio(const int *stdio, struct spawn_error *e)
{
	for (int i = 0; stdio && i < 3; i++)
		if (stdio[i] >= 0 && dup2(stdio[i], i) < 0)
			return spawn_fail_errno(e, "dup2 of the container's stdio");
	return 0;
}

static _Noreturn void run_child(const struct container_spec *s, int sync[2], int report[2])
{
	struct child_pipes p = {.sync_rd = sync[0], .report_wr = report[1]};
	struct spawn_error ce = {""};
	int st = 125;

	close(sync[1]);
	close(report[0]);
	if (install_stdio(s->stdio, &ce) == 0)
		child_setup(s, &p, &st, &ce);
	report_and_exit(report[1], st, &ce);
}

/* The network namespace to join is one that net/ set up on the host side
 * (owned by the host's user namespace): a child already inside a new user
 * namespace could not setns into it, so cspawn enters it around clone and
 * the child starts there. *saved gets cspawn's own, to return to. */
static int enter_netns_for_clone(const struct container_spec *s, int *saved, struct spawn_error *e)
{
	int target;

	*saved = -1;
	if (s->o->net != SPAWN_NET_JOIN)
		return 0;
	target = open(s->o->netns_path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return spawn_fail_errno(e, "opening the network namespace %s", s->o->netns_path);
	*saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0) {
		spawn_fail_errno(e, "opening /proc/self/ns/net");
	} else if (setns(target, CLONE_NEWNET) < 0) {
		spawn_fail_errno(e, "setns to the network namespace %s", s->o->netns_path);
		close(*saved);
		*saved = -1;
	}
	close(target);
	return *saved < 0 ? -1 : 0;
}

/* Back to cspawn's own namespace; failing that, cspawn must not go on in
 * the container's (its later containers would start there). */
static void leave_netns(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) < 0) {
		fprintf(stderr, "cspawn: setns back to its own network namespace: %s\n",
			strerror(errno));
		_exit(125);
	}
	close(saved);
}

static pid_t clone_child(const struct container_spec *s, int sync[2], int report[2],
			 struct spawn_error *e)
{
	int saved;
	pid_t pid;

	if (enter_netns_for_clone(s, &saved, e) < 0)
		return -1;
	/* Fork-like clone (no new stack): the child runs on a copy of ours,
	 * which keeps sanitizers and stack traces sane. */
	pid = (pid_t)syscall(SYS_clone, clone_flags(s) | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		run_child(s, sync, report);
	if (pid < 0)
		spawn_fail_errno(e, "clone");
	leave_netns(saved);
	return pid;
}

pid_t container_start(const struct container_spec *s, int *status, struct spawn_error *e)
{
	int sync[2], report[2];
	pid_t pid;

	*status = 125;
	if (pipe2(sync, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "pipe");
	if (pipe2(report, O_CLOEXEC) < 0) {
		spawn_fail_errno(e, "pipe");
		close(sync[0]);
		close(sync[1]);
		return -1;
	}
	pid = clone_child(s, sync, report, e);
	close(sync[0]);
	close(report[1]);
	if (pid >= 0 && prepare_child(s, pid, sync[1], e) < 0)
		pid = abandon_child(pid, report[0], status, e);
	else if (pid >= 0)
		pid = await_exec(pid, report[0], status, e);
	close(sync[1]);
	close(report[0]);
	return pid;
}
