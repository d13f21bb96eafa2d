/* bench helper: the timing driver of bench/init. It starts each init itself
 * (fork, optional unshare(CLONE_NEWPID) so that the init is PID 1 of a fresh
 * pid namespace, setsid, exec), interleaves the inits round by round in a
 * shuffled order, waits for them with pidfds and bounded timeouts, and prints
 * one line per sample:
 *
 *   sample MODE NAME key=value ...
 *
 * bench/init computes the medians. Modes:
 *
 *   initbench true ROUNDS NS NAME=CMD...
 *       wall time of `CMD -- /bin/true`; NS=1 runs the init as PID 1 of a new
 *       pid namespace, NS=0 as a plain child (subreaper flags are in CMD).
 *   initbench orphans REPS N HOW TMPDIR ORPHANER NAME=CMD...
 *       `CMD -- ORPHANER N FIFO HOW` as PID 1 of a new pid namespace: wall
 *       time from fork to the init's exit, and the init's own CPU time
 *       (/proc/PID/schedstat) and context switches read when the orphaner says
 *       all N orphans were reaped.
 *   initbench phases ROUNDS NS TMPDIR STAMP NAME=CMD...
 *       `CMD -- STAMP FIFO`: start-up (fork of the init to its child
 *       running) and shutdown (child about to exit to the init reaped).
 *   initbench signals N TMPDIR SIGECHO NAME=CMD...
 *       all inits at once, each PID 1 of a new pid namespace with SIGECHO as
 *       its child: peak RSS of each init once its child sleeps, then N rounds
 *       of one SIGUSR1 to each init (shuffled order) and the delay until the
 *       child took it, both stamped with CLOCK_MONOTONIC.
 *
 * Every process started here is waited for; on a timeout the init gets
 * SIGKILL, which in its own pid namespace takes every process in it along. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_INITS 16
#define MAX_ARGS 32

struct init {
	const char *name;
	char *argv[MAX_ARGS];
	int argc;
	/* signals mode */
	pid_t pid;
	int pidfd;
	int fifo;
	char fifo_path[4096];
};

static struct init inits[MAX_INITS];
static int n_inits;
static unsigned rng = 12345;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void parse_inits(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct init *in = &inits[n_inits++];
		char *eq = strchr(argv[i], '=');
		if (n_inits > MAX_INITS || !eq) {
			fprintf(stderr, "initbench: bad init '%s' (NAME=CMD)\n", argv[i]);
			exit(2);
		}
		*eq = 0;
		in->name = argv[i];
		for (char *t = strtok(eq + 1, " "); t && in->argc < MAX_ARGS - 8;
		     t = strtok(NULL, " "))
			in->argv[in->argc++] = t;
		in->pid = -1;
		in->pidfd = -1;
		in->fifo = -1;
	}
}

static void shuffle(int *order, int n)
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(rand_r(&rng) % (unsigned)(i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* Starts `init -- tail...`; returns its pid and sets *pidfd. */
static pid_t start(struct init *in, int newns, char **tail, int *pidfd)
{
	char *argv[MAX_ARGS + 8];
	int n = 0;
	pid_t pid;

	for (int i = 0; i < in->argc; i++)
		argv[n++] = in->argv[i];
	argv[n++] = "--";
	for (int i = 0; tail[i]; i++)
		argv[n++] = tail[i];
	argv[n] = NULL;
	/* clone3 with CLONE_PIDFD: the pidfd comes with the child, no race;
	 * with CLONE_NEWPID the child is PID 1 of a new pid namespace */
	struct clone_args ca = {
	    .flags = CLONE_PIDFD | (newns ? CLONE_NEWPID : 0),
	    .pidfd = (uint64_t)(uintptr_t)pidfd,
	    .exit_signal = SIGCHLD,
	};
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		die("initbench: clone3");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		/* no controlling terminal, as in `docker run` without -t; and
		 * if the bench dies, its inits (and their namespaces) go too */
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(null, 1);
		execv(argv[0], argv);
		fprintf(stderr, "initbench: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Waits up to timeout_ms for pid to exit; SIGKILL and wait if it does not.
 * Returns the wait status (-1 after a kill). */
static int finish(pid_t pid, int pidfd, int timeout_ms, struct rusage *ru)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int st = 0, r;

	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (r == 0) {
		fprintf(stderr, "initbench: pid %d still running after %d ms; killing it\n",
			(int)pid, timeout_ms);
		kill(pid, SIGKILL);
	}
	while (wait4(pid, &st, 0, ru) < 0)
		if (errno != EINTR)
			die("initbench: wait4");
	close(pidfd);
	return r == 0 ? -1 : st;
}

static int exit_code(int st)
{
	if (st < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A number from /proc/PID/FILE, on the line that starts with KEY and then a
 * colon, maybe after blanks: "VmHWM:   708 kB" (status), "se.nr_migrations
 *   :   3" (sched). -1 when there is none. */
static long proc_number(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl + strspn(line + kl, " ")] == ':') {
			v = strtol(strchr(line, ':') + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long status_field(pid_t pid, const char *key)
{
	return proc_number(pid, "status", key);
}

static long rollup_field(pid_t pid, const char *key)
{
	return proc_number(pid, "smaps_rollup", key);
}

static long long cpu_ns(pid_t pid)
{
	char path[64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int mode_true(int argc, char **argv)
{
	int rounds, newns, order[MAX_INITS];
	char *tail[] = {"/bin/true", NULL};

	if (argc < 3)
		return 2;
	rounds = atoi(argv[0]);
	newns = atoi(argv[1]);
	parse_inits(argc - 2, argv + 2);
	for (int r = 0; r < rounds; r++) {
		shuffle(order, n_inits);
		for (int k = 0; k < n_inits; k++) {
			struct init *in = &inits[order[k]];
			struct rusage ru;
			int pidfd, st;
			uint64_t t0 = now_ns();
			pid_t pid = start(in, newns, tail, &pidfd);
			st = finish(pid, pidfd, 10000, &ru);
			uint64_t t1 = now_ns();
			printf("sample true%s %s wall_ns=%llu minflt=%ld cpu_us=%ld code=%d\n",
			       newns ? "_ns" : "", in->name, (unsigned long long)(t1 - t0),
			       ru.ru_minflt,
			       (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
				   ru.ru_utime.tv_usec + ru.ru_stime.tv_usec,
			       exit_code(st));
		}
	}
	return 0;
}

/* Reads one 8-byte record from fd within timeout_ms; 0 on success. */
static int read_u64(int fd, uint64_t *v, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (got < sizeof(*v)) {
		uint64_t t = now_ns();
		if (t >= deadline)
			return -1;
		int r = poll(&p, 1, (int)((deadline - t) / 1000000u) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t n = read(fd, (char *)v + got, sizeof(*v) - got);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int mode_orphans(int argc, char **argv)
{
	int reps, order[MAX_INITS];
	char fifo[4096];

	if (argc < 6)
		return 2;
	reps = atoi(argv[0]);
	char *n = argv[1], *how = argv[2], *tmp = argv[3], *helper = argv[4];
	snprintf(fifo, sizeof(fifo), "%s/orphans.fifo", tmp);
	char *tail[] = {helper, n, fifo, how, NULL};
	parse_inits(argc - 5, argv + 5);
	unlink(fifo);
	if (mkfifo(fifo, 0600) < 0)
		die("initbench: mkfifo");
	/* O_RDWR: never EOF, never blocks on open; reads are bounded by poll */
	int fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("initbench: open fifo");
	for (int r = 0; r < reps; r++) {
		shuffle(order, n_inits);
		for (int k = 0; k < n_inits; k++) {
			struct init *in = &inits[order[k]];
			struct pollfd p = {.fd = fd, .events = POLLIN};
			char buf[64];
			long long cpu = -1;
			long vcs = -1, ivcs = -1;
			int pidfd, st, pr;
			uint64_t t0 = now_ns();
			pid_t pid = start(in, 1, tail, &pidfd);

			while ((pr = poll(&p, 1, 60000)) < 0 && errno == EINTR)
				;
			if (pr > 0) {
				/* all orphans reaped; the orphaner is about to exit */
				cpu = cpu_ns(pid);
				vcs = status_field(pid, "voluntary_ctxt_switches");
				ivcs = status_field(pid, "nonvoluntary_ctxt_switches");
				(void)!read(fd, buf, sizeof(buf));
			}
			st = finish(pid, pidfd, pr > 0 ? 30000 : 1, NULL);
			uint64_t t1 = now_ns();
			printf(
			    "sample orphans_%s %s wall_ns=%llu init_cpu_ns=%lld vcsw=%ld ivcsw=%ld "
			    "code=%d\n",
			    how, in->name, (unsigned long long)(t1 - t0), cpu, vcs, ivcs,
			    exit_code(st));
			fflush(stdout);
		}
	}
	close(fd);
	unlink(fifo);
	return 0;
}

/* `CMD -- STAMP FIFO`: the init's start-up (fork to the child running) and
 * shutdown (the child about to exit to the init reaped). */
static int mode_phases(int argc, char **argv)
{
	int rounds, newns, order[MAX_INITS];
	char fifo[4096];

	if (argc < 5)
		return 2;
	rounds = atoi(argv[0]);
	newns = atoi(argv[1]);
	snprintf(fifo, sizeof(fifo), "%s/phases.fifo", argv[2]);
	char *tail[] = {argv[3], fifo, NULL};
	parse_inits(argc - 4, argv + 4);
	unlink(fifo);
	if (mkfifo(fifo, 0600) < 0)
		die("initbench: mkfifo");
	int fd = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		die("initbench: open fifo");
	for (int r = 0; r < rounds; r++) {
		shuffle(order, n_inits);
		for (int k = 0; k < n_inits; k++) {
			struct init *in = &inits[order[k]];
			uint64_t ts[2];
			int pidfd, st, ok;
			uint64_t t0 = now_ns();
			pid_t pid = start(in, newns, tail, &pidfd);
			ok = read_u64(fd, &ts[0], 10000) == 0 && read_u64(fd, &ts[1], 10000) == 0;
			st = finish(pid, pidfd, ok ? 10000 : 1, NULL);
			uint64_t t1 = now_ns();
			if (ok)
				printf("sample phases%s %s start_ns=%lld exit_ns=%lld wall_ns=%lld "
				       "code=%d\n",
				       newns ? "_ns" : "", in->name, (long long)(ts[0] - t0),
				       (long long)(t1 - ts[1]), (long long)(t1 - t0),
				       exit_code(st));
		}
	}
	close(fd);
	unlink(fifo);
	return 0;
}

static void stop_all(void)
{
	for (int i = 0; i < n_inits; i++)
		if (inits[i].pid > 0)
			kill(inits[i].pid, SIGTERM);
	for (int i = 0; i < n_inits; i++) {
		struct init *in = &inits[i];
		if (in->pid > 0) {
			int st = finish(in->pid, in->pidfd, 10000, NULL);
			printf("sample stop %s code=%d\n", in->name, exit_code(st));
			in->pid = -1;
		}
		if (in->fifo >= 0)
			close(in->fifo);
		unlink(in->fifo_path);
	}
}

/* The first child of pid (the init's child in signals mode), or -1. */
static pid_t first_child(pid_t pid)
{
	char path[96];
	long c = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if ((f = fopen(path, "re"))) {
		if (fscanf(f, "%ld", &c) != 1)
			c = -1;
		fclose(f);
	}
	return (pid_t)c;
}

/* Wakeups (voluntary context switches) and CPU migrations of the init and of
 * its child: where a forwarded signal's time goes besides the path itself. */
struct sched_counts {
	long init_vcsw, init_migr, child_vcsw, child_migr;
};

static void sched_counts(const struct init *in, struct sched_counts *c)
{
	pid_t child = first_child(in->pid);

	c->init_vcsw = status_field(in->pid, "voluntary_ctxt_switches");
	c->init_migr = proc_number(in->pid, "sched", "se.nr_migrations");
	c->child_vcsw = child > 0 ? status_field(child, "voluntary_ctxt_switches") : -1;
	c->child_migr = child > 0 ? proc_number(child, "sched", "se.nr_migrations") : -1;
}

static int mode_signals(int argc, char **argv)
{
	int rounds, order[MAX_INITS], failed = 0;

	if (argc < 4)
		return 2;
	rounds = atoi(argv[0]);
	char *tmp = argv[1], *helper = argv[2];
	parse_inits(argc - 3, argv + 3);
	/* INITBENCH_CPU=N: the sender, every init and every child on one CPU, so
	 * that the latency is the forwarding path's and not where the scheduler
	 * happened to wake each process */
	const char *cpu = getenv("INITBENCH_CPU");
	if (cpu && *cpu) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(atoi(cpu), &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die("initbench: sched_setaffinity");
	}
	for (int i = 0; i < n_inits; i++) {
		struct init *in = &inits[i];
		uint64_t v;
		snprintf(in->fifo_path, sizeof(in->fifo_path), "%s/sig.%d.fifo", tmp, i);
		unlink(in->fifo_path);
		if (mkfifo(in->fifo_path, 0600) < 0)
			die("initbench: mkfifo");
		in->fifo = open(in->fifo_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (in->fifo < 0)
			die("initbench: open fifo");
		char *tail[] = {helper, in->fifo_path, NULL};
		in->pid = start(in, 1, tail, &in->pidfd);
		if (read_u64(in->fifo, &v, 10000) < 0) {
			fprintf(stderr, "initbench: %s: child not ready after 10 s\n", in->name);
			failed = 1;
			break;
		}
		/* both sleep now: the init in its wait, the child in sigtimedwait */
		printf("sample rss %s VmHWM_kB=%ld VmRSS_kB=%ld RssAnon_kB=%ld RssFile_kB=%ld "
		       "Pss_kB=%ld Private_kB=%ld\n",
		       in->name, status_field(in->pid, "VmHWM"), status_field(in->pid, "VmRSS"),
		       status_field(in->pid, "RssAnon"), status_field(in->pid, "RssFile"),
		       rollup_field(in->pid, "Pss"),
		       rollup_field(in->pid, "Private_Clean") +
			   rollup_field(in->pid, "Private_Dirty"));
	}
	struct sched_counts before[MAX_INITS];
	for (int i = 0; i < n_inits && !failed; i++)
		sched_counts(&inits[i], &before[i]);
	for (int r = 0; r < rounds && !failed; r++) {
		shuffle(order, n_inits);
		for (int k = 0; k < n_inits && !failed; k++) {
			struct init *in = &inits[order[k]];
			uint64_t t1;
			uint64_t t0 = now_ns();
			if (kill(in->pid, SIGUSR1) < 0 || read_u64(in->fifo, &t1, 5000) < 0) {
				fprintf(stderr, "initbench: %s: SIGUSR1 not forwarded within 5 s\n",
					in->name);
				failed = 1;
				break;
			}
			printf("sample signal %s latency_ns=%lld\n", in->name,
			       (long long)(t1 - t0));
		}
	}
	for (int i = 0; i < n_inits && !failed && rounds > 0; i++) {
		struct sched_counts after;
		sched_counts(&inits[i], &after);
		printf("sample sigsched %s init_vcsw=%ld init_migr=%ld child_vcsw=%ld "
		       "child_migr=%ld\n",
		       inits[i].name, after.init_vcsw - before[i].init_vcsw,
		       after.init_migr - before[i].init_migr,
		       after.child_vcsw - before[i].child_vcsw,
		       after.child_migr - before[i].child_migr);
	}
	stop_all();
	return failed;
}

int main(int argc, char **argv)
{
	int r = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "true") == 0)
		r = mode_true(argc - 2, argv + 2);
	else if (argc > 1 && strcmp(argv[1], "orphans") == 0)
		r = mode_orphans(argc - 2, argv + 2);
	else if (argc > 1 && strcmp(argv[1], "phases") == 0)
		r = mode_phases(argc - 2, argv + 2);
	else if (argc > 1 && strcmp(argv[1], "signals") == 0)
		r = mode_signals(argc - 2, argv + 2);
	if (r == 2)
		fprintf(stderr,
			"usage: initbench true|phases|orphans|signals ... (see the source)\n");
	return r;
}
