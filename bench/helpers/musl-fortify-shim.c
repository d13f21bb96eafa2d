/* bench helper for `bench/init --musl`: Debian's libev.a is built against
 * glibc with _FORTIFY_SOURCE and calls two glibc-only checking wrappers; this
 * maps them onto musl's plain functions so the archive links into a musl build
 * of cinit. Experiment only: a real musl build would compile libev itself. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dl)
{
	(void)dl;
	return memcpy(d, s, n);
}
