#include "spawn/container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn/child.h"
#include "spawn/userns.h"

/* Namespaces this runtime joins around clone: the parent enters them for
 * the moment of the clone, so that a child in a new user namespace starts
 * there too (it could not setns into one the host's user namespace owns). */
static bool joined_by_parent(const struct oci_namespace *ns)
{
	return ns->path && (ns->type == OCI_NS_NETWORK || ns->type == OCI_NS_PID);
}

int container_check(const struct oci_config *c, struct spawn_error *e)
{
	for (size_t i = 0; i < c->lnx.n_namespaces; i++) {
		const struct oci_namespace *ns = &c->lnx.namespaces[i];

		if (ns->type == OCI_NS_TIME)
			return spawn_fail(e,
					  "linux.namespaces: the time namespace is not supported");
		if (ns->path && (ns->type == OCI_NS_USER || ns->type == OCI_NS_MOUNT))
			return spawn_fail(e,
					  "linux.namespaces: joining a %s namespace by path is not "
					  "supported",
					  oci_ns_name(ns->type));
	}
	if (!c->root.present || !c->root.path)
		return spawn_fail(e, "root.path: the container needs a root");
	if (!c->process.present)
		return spawn_fail(e, "process: the container needs a process to run");
	return 0;
}

static unsigned long clone_flags(const struct oci_config *c)
{
	unsigned long flags = 0;

	for (size_t i = 0; i < c->lnx.n_namespaces; i++) {
		const struct oci_namespace *ns = &c->lnx.namespaces[i];

		/* the cgroup namespace waits until the child is in its cgroup */
		if (!ns->path && ns->type != OCI_NS_CGROUP)
			flags |= (unsigned long)ns->clone_flag;
	}
	return flags;
}

struct saved_ns {
	int fd[2]; /* cspawn's own network and pid namespaces, to return to */
};

static const char *const own_ns[2] = {"/proc/self/ns/net", "/proc/self/ns/pid"};

/* Enters the namespaces the spec names by path for network and pid. */
static int enter_for_clone(const struct oci_config *c, struct saved_ns *s, struct spawn_error *e)
{
	s->fd[0] = s->fd[1] = -1;
	for (size_t i = 0; i < c->lnx.n_namespaces; i++) {
		const struct oci_namespace *ns = &c->lnx.namespaces[i];
		int slot = ns->type == OCI_NS_NETWORK ? 0 : 1, target;

		if (!joined_by_parent(ns))
			continue;
		target = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (target < 0)
			return spawn_fail_errno(e, "opening the %s namespace %s",
						oci_ns_name(ns->type), ns->path);
		s->fd[slot] = open(own_ns[slot], O_RDONLY | O_CLOEXEC);
		if (s->fd[slot] < 0 || setns(target, ns->clone_flag) < 0) {
			spawn_fail_errno(e, "setns to the %s namespace %s", oci_ns_name(ns->type),
					 ns->path);
			close(target);
			return -1;
		}
		close(target);
	}
	return 0;
}

/* Back to cspawn's own namespaces; failing that, cspawn must not go on in
 * the container's (its later containers would start there). */
static void leave_after_clone(struct saved_ns *s)
{
	static const int types[2] = {CLONE_NEWNET, CLONE_NEWPID};

	for (int i = 0; i < 2; i++) {
		if (s->fd[i] < 0)
			continue;
		if (setns(s->fd[i], types[i]) < 0) {
			fprintf(stderr, "cspawn: setns back to its own namespace: %s\n",
				strerror(errno));
			_exit(125);
		}
		close(s->fd[i]);
	}
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

static _Noreturn void run_child(const struct oci_config *c, const struct container_opts *o,
				int sync[2], int report[2])
{
	struct child_pipes p = {.sync_rd = sync[0], .report_wr = report[1]};
	struct spawn_error ce = {""};
	int st = 125;

	close(sync[1]);
	close(report[0]);
	if (install_stdio(o->stdio, &ce) == 0)
		child_setup(c, o, &p, &st, &ce);
	child_report_exit(p.report_wr, st, &ce);
}

static pid_t clone_child(const struct oci_config *c, const struct container_opts *o, int sync[2],
			 int report[2], struct spawn_error *e)
{
	struct saved_ns saved;
	pid_t pid = -1;

	/* Fork-like clone (no new stack): the child runs on a copy of ours,
	 * which keeps sanitizers and stack traces sane. */
	if (enter_for_clone(c, &saved, e) == 0) {
		pid = (pid_t)syscall(SYS_clone, clone_flags(c) | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid == 0)
			run_child(c, o, sync, report);
		if (pid < 0)
			spawn_fail_errno(e, "clone");
	}
	leave_after_clone(&saved);
	return pid;
}

static int send_go(int sync_wr, char what, struct spawn_error *e)
{
	if (write(sync_wr, &what, 1) != 1)
		return spawn_fail_errno(e, "starting the container");
	return 0;
}

/* With hooks the child learns its pid as the host sees it (the state its
 * hooks read names it) right after the go-ahead for its cgroup. */
static int send_pid(const struct container_opts *o, int sync_wr, pid_t pid, struct spawn_error *e)
{
	if (o->hook_state && write(sync_wr, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		return spawn_fail_errno(e, "starting the container");
	return 0;
}

/* The parent's half of the handshake: id maps, then the cgroup, then the
 * hooks of the runtime's namespace. */
static int prepare_child(const struct oci_config *c, const struct container_opts *o, pid_t pid,
			 int sync_wr, struct spawn_error *e)
{
	const struct oci_namespace *user = oci_namespace_find(&c->lnx, OCI_NS_USER);

	if (user && !user->path &&
	    userns_write_maps(pid, &c->lnx.uid_mappings, &c->lnx.gid_mappings, e) < 0)
		return -1;
	if (send_go(sync_wr, IDS_READY, e) < 0 || (o->cg && cgroup_attach(o->cg, pid, e) < 0))
		return -1;
	if (o->created && o->created(o->ctx, pid, e) < 0)
		return -1;
	if (send_go(sync_wr, CGROUP_READY, e) < 0)
		return -1;
	return send_pid(o, sync_wr, pid, e);
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

	if (!child_report_read(report_rd, &r) || r.status == CHILD_READY)
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
	if (child_report_read(report_rd, &r))
		take_report(&r, status, e);
	return -1;
}

pid_t container_start(const struct oci_config *c, const struct container_opts *o, int *status,
		      struct spawn_error *e)
{
	int sync[2], report[2];
	pid_t pid;

	*status = 125;
	if (container_check(c, e) < 0)
		return -1;
	if (c->process.terminal && o->console_sock <= 0)
		return spawn_fail(e, "process.terminal: needs a console socket");
	if (pipe2(sync, O_CLOEXEC) < 0)
		return spawn_fail_errno(e, "pipe");
	if (pipe2(report, O_CLOEXEC) < 0) {
		spawn_fail_errno(e, "pipe");
		close(sync[0]);
		close(sync[1]);
		return -1;
	}
	pid = clone_child(c, o, sync, report, e);
	close(sync[0]);
	close(report[1]);
	if (pid >= 0 && prepare_child(c, o, pid, sync[1], e) < 0)
		pid = abandon_child(pid, report[0], status, e);
	else if (pid >= 0)
		pid = await_exec(pid, report[0], status, e);
	close(sync[1]);
	close(report[0]);
	return pid;
}
