#include "spawn/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn/child.h"
#include "spawn/command.h"
#include "spawn/mounts.h"
#include "spawn/process.h"
#include "spawn/resolve.h"

/* The descriptors the intermediate process passes on; the rest it closes. */
struct exec_fds {
	int pidfd, trampoline;
	int report_wr;	/* failure reports, close-on-exec: end of file is success */
	int pid_wr;	/* the intermediate's one message: the process's pid */
	int console_wr; /* the pty master goes back on it (SCM_RIGHTS); -1: no tty */
};

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
    {"user", CLONE_NEWUSER},	 {"mnt", CLONE_NEWNS},	  {"pid", CLONE_NEWPID},
    {"net", CLONE_NEWNET},	 {"ipc", CLONE_NEWIPC},	  {"uts", CLONE_NEWUTS},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

/* The namespaces of target that are not cspawn's own: joining one we are
 * in already is refused for a user namespace, and means nothing for the
 * others. A type the kernel lacks is in neither. */
static int namespaces_to_join(pid_t target, int *flags, struct spawn_error *e)
{
	*flags = 0;
	for (size_t i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++) {
		char theirs[64], ours[64];
		struct stat a, b;

		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)target, ns_types[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_types[i].name);
		if (stat(theirs, &a) < 0) {
			if (errno == ENOENT && stat(ours, &b) < 0 && errno == ENOENT)
				continue;
			return spawn_fail_errno(e, "stat %s", theirs);
		}
		if (stat(ours, &b) < 0)
			return spawn_fail_errno(e, "stat %s", ours);
		if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			*flags |= ns_types[i].flag;
	}
	return 0;
}

static int keep_only(const struct exec_opts *o, const struct exec_fds *f, struct spawn_error *e)
{
	int keep[5] = {f->pidfd, f->trampoline, f->report_wr, f->pid_wr, f->console_wr};

	if (close_all_from_but(3 + o->pass_fds, keep, 5) < 0)
		return spawn_fail_errno(e, "close_range");
	return 0;
}

static int install_stdio(const int *stdio, struct spawn_error *e)
{
	for (int i = 0; stdio && i < 3; i++)
		if (stdio[i] >= 0 && stdio[i] != i && dup2(stdio[i], i) < 0)
			return spawn_fail_errno(e, "dup2 of the process's stdio");
	return 0;
}

static mode_t umask_of(const struct oci_process *p)
{
	return p->user.umask.set ? (mode_t)p->user.umask.v : 022;
}

/* Inside every namespace: the process's own setup, then its command. */
static _Noreturn void run_process(const struct exec_opts *o, const struct exec_fds *f, bool userns)
{
	const struct oci_process *p = o->process;
	struct spawn_error e = {""};
	struct spawn_command cmd;
	struct spawn_user u;
	int status = 125;

	close(f->pid_wr);
	if (userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		spawn_fail_errno(&e, "becoming root in the container's user namespace");
		child_report_exit(f->report_wr, status, &e);
	}
	if (setsid() < 0) {
		spawn_fail_errno(&e, "setsid");
		child_report_exit(f->report_wr, status, &e);
	}
	if ((f->console_wr >= 0 && process_take_terminal(p, f->console_wr, &e) < 0) ||
	    process_set_limits(p, &e) < 0 || process_resolve_user(o->user, &p->user, &u, &e) < 0 ||
	    process_enter_workdir(p->cwd ? p->cwd : "/", &e) < 0)
		child_report_exit(f->report_wr, status, &e);
	if (command_prepare(p, u.home, NULL, &cmd, &e) < 0)
		child_report_exit(f->report_wr, errno == ENOENT ? 127 : 126, &e);
	if (process_reset_signals(NULL, &e) < 0 || process_become(p, o->seccomp, &u, &e) < 0 ||
	    process_lock_down(p, o->seccomp, &e) < 0)
		child_report_exit(f->report_wr, status, &e);
	umask(umask_of(p));
	/* last, so nothing opened on the way reaches the container */
	if (process_pass_fds(o->pass_fds, &e) == 0)
		process_exec(&cmd, f->trampoline, &e);
	child_report_exit(f->report_wr, status, &e);
}

/* The intermediate process: joins the cgroup while it still sees the
 * host's, then the namespaces, and forks the process as a child of
 * cspawn (CLONE_PARENT), which so waits for it and gets its status: a
 * process entering a pid namespace is only born into it, and one whose
 * parent left would be reparented to the container's PID 1. */
static _Noreturn void intermediate(const struct exec_opts *o, const struct exec_fds *f, int flags)
{
	struct spawn_error e = {""};
	pid_t pid;

	if (install_stdio(o->stdio, &e) < 0 || keep_only(o, f, &e) < 0 ||
	    process_not_dumpable(&e) < 0 || (o->cg && cgroup_attach(o->cg, getpid(), &e) < 0))
		child_report_exit(f->report_wr, 125, &e);
	if (flags && setns(f->pidfd, flags) < 0) {
		spawn_fail_errno(&e, "setns into the container's namespaces");
		child_report_exit(f->report_wr, 125, &e);
	}
	close(f->pidfd);
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, NULL);
	if (pid == 0)
		run_process(o, f, (flags & CLONE_NEWUSER) != 0);
	if (pid < 0) {
		spawn_fail_errno(&e, "clone into the container");
		child_report_exit(f->report_wr, 125, &e);
	}
	if (write(f->pid_wr, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		_exit(125); /* cspawn is gone: the process runs on unwatched */
	_exit(0);
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* What the intermediate said: the process's pid, or nothing and a report. */
static pid_t wait_intermediate(pid_t mid, int pid_rd, struct spawn_error *e)
{
	pid_t pid = -1;
	ssize_t n;
	int ws;

	do
		n = read(pid_rd, &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	while (waitpid(mid, &ws, 0) < 0)
		if (errno != EINTR)
			return spawn_fail_errno(e, "waitpid");
	return n == (ssize_t)sizeof(pid) ? pid : -1;
}

static pid_t finish_start(pid_t pid, int report_rd, int *status, struct spawn_error *e)
{
	struct child_report r;
	int ws;

	if (!child_report_read(report_rd, &r)) {
		if (pid < 0)
			return spawn_fail(e, "entering the container failed");
		return pid;
	}
	*status = r.status;
	snprintf(e->msg, sizeof(e->msg), "%s", r.msg);
	if (pid > 0)
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
	return -1;
}

pid_t exec_start(const struct exec_opts *o, int *console, int *status, struct spawn_error *e)
{
	int report[2] = {-1, -1}, pids[2] = {-1, -1}, tty[2] = {-1, -1}, flags;
	int all[7] = {-1, -1, -1, -1, -1, -1, -1};
	pid_t mid, pid = -1;

	*console = -1;
	*status = 125;
	if (namespaces_to_join(o->target, &flags, e) < 0)
		return -1;
	all[0] = mounts_clone_one(AT_FDCWD, o->trampoline,
				  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
	if (all[0] < 0)
		return -1;
	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(pids, O_CLOEXEC) < 0 ||
	    (o->process->terminal && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tty) < 0)) {
		spawn_fail_errno(e, "pipe");
		goto out;
	}
	struct exec_fds f = {o->target_pidfd, all[0], report[1], pids[1], tty[1]};

	mid = fork();
	if (mid == 0) {
		close(report[0]);
		close(pids[0]);
		if (tty[0] >= 0)
			close(tty[0]);
		intermediate(o, &f, flags);
	}
	if (mid < 0) {
		spawn_fail_errno(e, "fork");
		goto out;
	}
	close_fds((int[]){report[1], pids[1], tty[1]}, 3);
	report[1] = pids[1] = tty[1] = -1;
	pid = wait_intermediate(mid, pids[0], e);
	if (pid > 0 && tty[0] >= 0) {
		*console = process_receive_terminal(tty[0], e);
		if (*console < 0) {
			/* its report says why, when it sent one */
			struct spawn_error saved = *e;

			if (finish_start(pid, report[0], status, e) >= 0) {
				*e = saved;
				kill(pid, SIGKILL);
				while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
					;
			}
			pid = -1;
			goto out;
		}
	}
	pid = finish_start(pid, report[0], status, e);
	if (pid < 0 && *console >= 0) {
		close(*console);
		*console = -1;
	}
out:
	all[1] = report[0], all[2] = report[1], all[3] = pids[0], all[4] = pids[1];
	all[5] = tty[0], all[6] = tty[1];
	close_fds(all, 7);
	return pid;
}
