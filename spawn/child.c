#include "spawn/child.h"

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
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn/command.h"
#include "spawn/hooks.h"
#include "spawn/mounts.h"
#include "spawn/process.h"
#include "spawn/resolve.h"
#include "spawn/rootfs.h"

_Noreturn void child_report_exit(int fd, int status, const struct spawn_error *e)
{
	struct child_report r = {.status = status};
	ssize_t n;

	if (fd < 0) {
		/* after the OCI runtime's start: nobody waits for a report */
		dprintf(2, "cspawn-runtime: %s\n", e->msg);
		_exit(status);
	}
	snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
	do
		n = write(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(status);
}

int child_report_read(int fd, struct child_report *r)
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

static bool is_new(const struct oci_config *c, enum oci_ns_type t)
{
	const struct oci_namespace *ns = oci_namespace_find(&c->lnx, t);

	return ns && !ns->path;
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

/* Closes every descriptor but 0-2, those the caller asked to pass and
 * the pipes to cspawn, before anything else: one inherited from cspawn's
 * caller (a directory held open, a lock file) would otherwise be
 * reachable as /proc/self/fd/N by every path resolved from here on, and
 * lead out of the root. */
static int close_inherited_fds(const struct child_pipes *p, const struct container_opts *o,
			       struct spawn_error *e)
{
	int fds[4] = {p->sync_rd, p->report_wr, o->start_fd, o->console_sock};

	if (close_all_from_but(3 + o->pass_fds, fds, 4) < 0)
		return spawn_fail_errno(e, "close_range");
	return 0;
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

/* Namespaces the spec names by path that the child itself joins (pid and
 * network are joined around clone by the parent). */
static int join_namespaces(const struct oci_config *c, bool cgroup, struct spawn_error *e)
{
	for (size_t i = 0; i < c->lnx.n_namespaces; i++) {
		const struct oci_namespace *ns = &c->lnx.namespaces[i];
		int fd;

		if (!ns->path ||
		    (ns->type != OCI_NS_IPC && ns->type != OCI_NS_UTS &&
		     ns->type != OCI_NS_CGROUP) ||
		    (ns->type == OCI_NS_CGROUP) != cgroup)
			continue;
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return spawn_fail_errno(e, "opening the %s namespace %s",
						oci_ns_name(ns->type), ns->path);
		if (setns(fd, ns->clone_flag) < 0) {
			spawn_fail_errno(e, "joining the %s namespace %s", oci_ns_name(ns->type),
					 ns->path);
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int set_names(const struct oci_config *c, struct spawn_error *e)
{
	if ((c->hostname || c->domainname) && !is_new(c, OCI_NS_UTS))
		return spawn_fail(e, "hostname: the container has no uts namespace of its own");
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return spawn_fail_errno(e, "sethostname");
	if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return spawn_fail_errno(e, "setdomainname");
	return 0;
}

/* linux.sysctl, through a proc of the container's own namespaces that is
 * never attached anywhere: no name under the root is trusted for it. */
static int write_sysctls(const struct oci_map *sysctl, struct spawn_error *e)
{
	int proc;

	if (sysctl->n == 0)
		return 0;
	proc =
	    mounts_new("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e);
	if (proc < 0)
		return -1;
	for (size_t i = 0; i < sysctl->n; i++) {
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "sys/%s", sysctl->v[i].key);
		for (char *p = path + 4; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = resolve_open(proc, path, O_WRONLY | O_TRUNC, RESOLVE_AUTO);
		if (fd < 0 || write(fd, sysctl->v[i].value, strlen(sysctl->v[i].value)) < 0) {
			spawn_fail_errno(e, "linux.sysctl %s", sysctl->v[i].key);
			if (fd >= 0)
				close(fd);
			close(proc);
			return -1;
		}
		close(fd);
	}
	close(proc);
	return 0;
}

/* Before the root: what the namespaces and the host's /proc still give. */
static int set_up_process(const struct oci_config *c, struct spawn_error *e)
{
	if (is_new(c, OCI_NS_USER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return spawn_fail_errno(e, "becoming root in the user namespace");
	if (set_names(c, e) < 0 || join_namespaces(c, false, e) < 0)
		return -1;
	if (is_new(c, OCI_NS_NETWORK) && bring_up_loopback(e) < 0)
		return -1;
	if (write_sysctls(&c->lnx.sysctl, e) < 0 || process_set_limits(&c->process, e) < 0)
		return -1;
	if (c->lnx.personality.present && personality(c->lnx.personality.domain) < 0)
		return spawn_fail_errno(e, "linux.personality");
	return 0;
}

/* The trampoline, as a read-only mount of its own that nothing inside can
 * see: exec'd through its descriptor, its exe can never be written. */
static int open_trampoline(const struct container_opts *o, struct spawn_error *e)
{
	if (!o->trampoline)
		return spawn_fail(e, "no cinit to start the command through (give --init PATH)");
	return mounts_clone_one(AT_FDCWD, o->trampoline,
				MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e);
}

/* The user and capabilities, then no_new_privs and the seccomp filter,
 * with the parent-death signal armed between: the user switch clears it. */
static int drop_privileges(const struct oci_config *c, const struct spawn_user *u,
			   const struct container_opts *o, int sync_rd, struct spawn_error *e)
{
	if (process_become(&c->process, &c->lnx.seccomp, u, e) < 0)
		return -1;
	if (o->die_with_parent && arm_parent_death_signal(sync_rd, e) < 0)
		return -1;
	return process_lock_down(&c->process, &c->lnx.seccomp, e);
}

/* The OCI runtime's create/start: say so, then wait here, set up, until
 * `start`. create is gone by then: what fails later is said on stderr.
 * The fifo stays open (close-on-exec) until the command runs, so that
 * start returns only then, with the poststart hooks after it, as the spec
 * orders them. */
static int wait_for_start(int fd, struct child_pipes *p, struct spawn_error *e)
{
	struct child_report ready = {.status = CHILD_READY};
	char c;
	ssize_t n;

	if (fd < 0)
		return 0;
	if (write(p->report_wr, &ready, sizeof(ready)) != (ssize_t)sizeof(ready))
		return spawn_fail_errno(e, "telling cspawn the container is created");
	close(p->report_wr);
	p->report_wr = -1;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return spawn_fail_errno(e, "waiting for start");
	return 0;
}

/* The hooks that run inside (createContainer, startContainer), each with
 * the state of the container on its stdin. */
static int run_hooks(const struct oci_config *c, const struct container_opts *o,
		     const struct child_pipes *p, enum oci_hook_kind k, enum oci_status st,
		     struct spawn_error *e)
{
	char *state;
	int rc;

	if (!o->hook_state || c->hooks[k].n == 0)
		return 0;
	state = o->hook_state(o->ctx, p->host_pid, st);
	if (!state)
		return spawn_fail_errno(e, "the state for the %s hooks", oci_hook_name(k));
	rc = hooks_run(&c->hooks[k], k, state, e);
	free(state);
	return rc;
}

struct pivot_hooks {
	const struct oci_config *c;
	const struct container_opts *o;
	const struct child_pipes *p;
};

static int before_pivot(void *ctx, struct spawn_error *e)
{
	const struct pivot_hooks *h = ctx;

	return run_hooks(h->c, h->o, h->p, OCI_HOOK_CREATE_CONTAINER, OCI_STATUS_CREATING, e);
}

static int take_terminal(const struct oci_config *c, const struct container_opts *o,
			 struct spawn_error *e)
{
	if (!c->process.terminal)
		return 0;
	if (o->console_sock <= 0)
		return spawn_fail(e, "process.terminal: no console socket to send the terminal to");
	return process_take_terminal(&c->process, o->console_sock, e);
}

/* The terminal belongs to the process's user, as runc gives it (devpts
 * made it root's, its opener's). EINVAL: the uid is not mapped in the
 * container's user namespace. */
static int own_terminal(const struct oci_config *c, const struct spawn_user *u,
			struct spawn_error *e)
{
	if (c->process.terminal && fchown(0, u->uid, (gid_t)-1) < 0 && errno != EINVAL)
		return spawn_fail_errno(e, "chown of the container's terminal");
	return 0;
}

static int build_root(const struct oci_config *c, const struct container_opts *o,
		      const struct rootfs_params *rp, int *trampoline, struct spawn_error *e)
{
	/* Device nodes and mount points get exactly the modes asked for. */
	umask(0);
	*trampoline = open_trampoline(o, e);
	if (*trampoline < 0 || rootfs_enter(rp, e) < 0)
		return -1;
	umask(022);
	(void)c;
	return 0;
}

/* The go-ahead that the child is in its cgroup, and with hooks its pid as
 * the host sees it. */
static int wait_for_cgroup(const struct container_opts *o, struct child_pipes *p,
			   struct spawn_error *e)
{
	ssize_t n;

	if (wait_for_parent(p->sync_rd, CGROUP_READY, e) < 0)
		return -1;
	if (!o->hook_state)
		return 0;
	do
		n = read(p->sync_rd, &p->host_pid, sizeof(p->host_pid));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(p->host_pid))
		_exit(125); /* cspawn died or gave up on us */
	return 0;
}

/* In its cgroup before anything of the user's runs, and before the cgroup
 * namespace is made, so that its root is that cgroup. With hooks, the
 * wait came earlier, before the root (the runtime's hooks run first). */
static int enter_cgroup(const struct oci_config *c, const struct container_opts *o,
			const struct rootfs_params *rp, struct child_pipes *p,
			struct spawn_error *e)
{
	if ((!o->hook_state && wait_for_cgroup(o, p, e) < 0) || join_namespaces(c, true, e) < 0)
		return -1;
	if (is_new(c, OCI_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return spawn_fail_errno(e, "unshare(CLONE_NEWCGROUP)");
	return rootfs_mount_cgroups(rp, e);
}

int child_setup(const struct oci_config *c, const struct container_opts *o, struct child_pipes *p,
		int *status, struct spawn_error *e)
{
	struct pivot_hooks ph = {c, o, p};
	struct rootfs_params rp = {.c = c,
				   .bundle = o->bundle,
				   .userns = is_new(c, OCI_NS_USER),
				   .no_pivot = o->no_pivot,
				   .before_pivot = o->hook_state ? before_pivot : NULL,
				   .ctx = &ph};
	const char *check_arg = oci_map_get(&c->annotations, "org.cspawn.check-arg");
	struct spawn_command cmd;
	struct spawn_user user;
	int trampoline = -1;

	if (close_inherited_fds(p, o, e) < 0 || process_not_dumpable(e) < 0)
		return -1;
	if (o->die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_PDEATHSIG)");
	/* A session of its own: in cspawn's process group, `kill 0` inside
	 * would reach cspawn and whatever else shares its job on the host.
	 * cspawn forwards what its terminal sends instead. */
	if (setsid() < 0)
		return spawn_fail_errno(e, "setsid");
	if (wait_for_parent(p->sync_rd, IDS_READY, e) < 0 || set_up_process(c, e) < 0 ||
	    (o->hook_state && wait_for_cgroup(o, p, e) < 0) ||
	    build_root(c, o, &rp, &trampoline, e) < 0 || take_terminal(c, o, e) < 0)
		return -1;
	if (process_resolve_user(oci_map_get(&c->annotations, "org.cspawn.user"), &c->process.user,
				 &user, e) < 0 ||
	    process_enter_workdir(c->process.cwd, e) < 0 || own_terminal(c, &user, e) < 0)
		return -1;
	if (command_prepare(&c->process, user.home, o->direct_exec, &cmd, e) < 0 ||
	    (check_arg && command_check_arg(&c->process, check_arg, cmd.envp, e) < 0)) {
		*status = errno == ENOENT ? 127 : 126;
		return -1;
	}
	if (enter_cgroup(c, o, &rp, p, e) < 0 || process_reset_signals(o->held, e) < 0 ||
	    wait_for_start(o->start_fd, p, e) < 0 ||
	    run_hooks(c, o, p, OCI_HOOK_START_CONTAINER, OCI_STATUS_CREATED, e) < 0 ||
	    drop_privileges(c, &user, o, p->sync_rd, e) < 0)
		return -1;
	umask(c->process.user.umask.set ? (mode_t)c->process.user.umask.v : 022);
	/* last, so nothing opened on the way reaches the container */
	if (process_pass_fds(o->pass_fds, e) < 0)
		return -1;
	return process_exec(&cmd, trampoline, e);
}
