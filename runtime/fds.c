/* The descriptors beyond stdio that create, run and exec pass to the
 * container's process, as runc passes them: those of systemd's socket
 * activation (LISTEN_FDS, to the first process only), then the N of
 * --preserve-fds, all numbered from 3 as the caller has them. */
#include "runtime/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rt_parse_preserve_fds(const struct rt *rt, const char *arg, unsigned *n)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > INT_MAX - 3)
		return rt_error(rt, "--preserve-fds %s: a number of descriptors", arg);
	*n = (unsigned)v;
	return 0;
}

/* Only when LISTEN_PID names this process, as sd_listen_fds(3) has it:
 * the variables may be left over from an ancestor that was activated. */
unsigned rt_listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	long n;

	if (!pid || !fds || strtol(pid, &end, 10) != (long)getpid() || *end)
		return 0;
	n = strtol(fds, &end, 10);
	return *end || n <= 0 || n > INT_MAX - 3 ? 0 : (unsigned)n;
}

int rt_check_pass_fds(const struct rt *rt, unsigned nlisten, unsigned npreserve)
{
	for (unsigned i = 0; i < nlisten + npreserve; i++) {
		int fd = (int)(3 + i);

		/* a closed one that --log took is not the caller's */
		if (rt->log && fileno(rt->log) == fd)
			errno = EBADF;
		else if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (i < nlisten)
			return rt_error(rt, "LISTEN_FDS=%u: descriptor %d: %s", nlisten, fd,
					strerror(errno));
		return rt_error(rt, "--preserve-fds %u: descriptor %d: %s", npreserve, fd,
				strerror(errno));
	}
	return 0;
}
