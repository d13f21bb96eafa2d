#include "spawn/process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "spawn/privs.h"
#include "spawn/resolve.h"
#include "spawn/sysfilter.h"

int process_not_dumpable(struct spawn_error *e)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return spawn_fail_errno(e, "prctl(PR_SET_DUMPABLE)");
	return 0;
}

static int set_rlimits(const struct oci_process *p, struct spawn_error *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit r = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};

		if (setrlimit(p->rlimits[i].resource, &r) < 0)
			return spawn_fail_errno(e, "process.rlimits %s",
						oci_rlimit_name(p->rlimits[i].resource));
	}
	return 0;
}

static int set_oom_score(const struct oci_process *p, struct spawn_error *e)
{
	char v[16];

	if (!p->oom_score_adj.set)
		return 0;
	snprintf(v, sizeof(v), "%lld", (long long)p->oom_score_adj.v);
	if (write_file("/proc/self/oom_score_adj", v) < 0)
		return spawn_fail_errno(e, "process.oomScoreAdj %s", v);
	return 0;
}

int process_set_limits(const struct oci_process *p, struct spawn_error *e)
{
	return set_oom_score(p, e) < 0 || set_rlimits(p, e) < 0 ? -1 : 0;
}

int process_resolve_user(const char *names, const struct oci_user *su, struct spawn_user *u,
			 struct spawn_error *e)
{
	char id[16];

	if (names)
		return users_resolve(names, "/etc/passwd", "/etc/group", u, e);
	snprintf(id, sizeof(id), "%u", su->uid);
	if (users_resolve(id, "/etc/passwd", "/etc/group", u, e) < 0)
		return -1;
	u->uid = su->uid;
	u->gid = su->gid;
	/* exactly the groups the spec lists, as runc gives them */
	u->ngroups = 0;
	for (size_t i = 0; i < su->n_additional_gids && i < USERS_MAX_GROUPS; i++)
		u->groups[u->ngroups++] = su->additional_gids[i];
	return 0;
}

int process_enter_workdir(const char *dir, struct spawn_error *e)
{
	char cwd[PATH_MAX];
	int root, fd;

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

int process_reset_signals(const sigset_t *held, struct spawn_error *e)
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

static struct privs_caps caps_of(const struct oci_capabilities *c)
{
	struct privs_caps p = {0};

	if (c->present)
		p = (struct privs_caps){c->bounding, c->effective, c->permitted, c->inheritable,
					c->ambient};
	return p;
}

int process_become(const struct oci_process *p, const struct oci_seccomp *s,
		   const struct spawn_user *u, struct spawn_error *e)
{
	struct privs_caps caps = caps_of(&p->capabilities);

	if (!p->no_new_privileges && s->present && sysfilter_load(s, e) < 0)
		return -1;
	return privs_become(u, &caps, e) < 0 ? -1 : process_not_dumpable(e);
}

int process_lock_down(const struct oci_process *p, const struct oci_seccomp *s,
		      struct spawn_error *e)
{
	if (!p->no_new_privileges)
		return 0;
	return privs_no_new_privs(e) < 0 || (s->present && sysfilter_load(s, e) < 0) ? -1 : 0;
}

int process_pass_fds(unsigned npass, struct spawn_error *e)
{
	if (close_range(3 + npass, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return spawn_fail_errno(e, "close_range");
	/* a caller may have made them close-on-exec; passing them is asked */
	for (unsigned fd = 3; fd < 3 + npass; fd++)
		if (fcntl((int)fd, F_SETFD, 0) < 0)
			return spawn_fail_errno(e, "fcntl(F_SETFD) of passed descriptor %u", fd);
	return 0;
}

int process_exec(const struct spawn_command *cmd, int trampoline, struct spawn_error *e)
{
	if (cmd->direct)
		execve(cmd->path, cmd->argv, cmd->envp);
	else
		syscall(SYS_execveat, trampoline, "", cmd->argv, cmd->envp, AT_EMPTY_PATH);
	spawn_fail_errno(e, "exec %s", cmd->direct ? cmd->path : "of cinit's trampoline");
	if (errno == ENOENT)
		/* The file is there; what is missing is its loader. */
		snprintf(e->msg + strlen(e->msg), sizeof(e->msg) - strlen(e->msg),
			 " (cinit must be statically linked to run in any root)");
	return -1;
}

static int send_fd(int sock, int fd, struct spawn_error *e)
{
	char byte = 't', ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != 1)
		return spawn_fail_errno(e, "sending the terminal to cspawn");
	return 0;
}

int process_receive_terminal(int sock, struct spawn_error *e)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	c = n == 1 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return n < 0 ? spawn_fail_errno(e, "receiving the terminal")
			     : spawn_fail(e, "the process ended before its terminal was made");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A terminal of the container's own devpts instance (never the host's),
 * made the controlling terminal and stdio of this new session; the master
 * goes to cspawn, which relays it. */
int process_take_terminal(const struct oci_process *p, int console_wr, struct spawn_error *e)
{
	int root, master, slave, unlock = 0;

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return spawn_fail_errno(e, "opening the root for the terminal");
	master = resolve_open(root, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, RESOLVE_AUTO);
	close(root);
	if (master < 0)
		return spawn_fail_errno(e, "opening the container's /dev/pts/ptmx");
	slave = -1;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		spawn_fail_errno(e, "opening the terminal's peer (TIOCGPTPEER)");
		close(master);
		return -1;
	}
	if (p->console_size.present) {
		struct winsize ws = {.ws_row = p->console_size.height,
				     .ws_col = p->console_size.width};
		(void)ioctl(master, TIOCSWINSZ, &ws); /* a size is a nicety */
	}
	if (send_fd(console_wr, master, e) < 0) {
		close(master);
		close(slave);
		return -1;
	}
	close(master);
	close(console_wr);
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		close(slave);
		return spawn_fail_errno(e, "making the terminal the controlling one (TIOCSCTTY)");
	}
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0) {
			close(slave);
			return spawn_fail_errno(e, "dup2 of the terminal");
		}
	close(slave);
	return 0;
}
