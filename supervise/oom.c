/* cinit and the OOM killer. When a container's memory runs out, the kernel
 * kills the process it scores highest; were that cinit, every service would
 * go with it. So cinit asks for the lowest score (-1000: never chosen) and
 * gives each service, between fork and exec, the score cinit was started
 * with: the services compete for the OOM killer as they would without
 * cinit. Lowering a score needs CAP_SYS_RESOURCE, or a floor that a
 * privileged process set; without either cinit stays where it is. A cinit
 * started at -1000 (cspawn does that: README, "cinit and the OOM killer")
 * was protected by its runtime, and its services start at 0, the kernel's
 * default. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OOM_FILE "/proc/self/oom_score_adj"
#define OOM_SCORE_ADJ_MIN (-1000)

static int read_own(int *adj)
{
	char buf[16];
	int fd = open(OOM_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*adj = (int)strtol(buf, NULL, 10);
	return 0;
}

int oom_set_own(int adj)
{
	char buf[16];
	int fd = open(OOM_FILE, O_WRONLY | O_CLOEXEC), len;
	ssize_t n;

	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", adj);
	n = write(fd, buf, (size_t)len);
	if (close(fd) < 0 || n != len)
		return -1;
	return 0;
}

bool oom_protect_self(int *services)
{
	int base;

	if (read_own(&base) < 0) {
		cinit_log(3, "%s: %s; the OOM killer may choose cinit", OOM_FILE, strerror(errno));
		return false;
	}
	if (base == OOM_SCORE_ADJ_MIN) {
		*services = 0;
		return true;
	}
	if (oom_set_own(OOM_SCORE_ADJ_MIN) < 0) {
		cinit_log(3, "oom_score_adj %d: %s; the OOM killer may choose cinit",
			  OOM_SCORE_ADJ_MIN, strerror(errno));
		return false;
	}
	*services = base;
	return true;
}
