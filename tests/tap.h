/* A small TAP producer for the C unit tests, run by prove. */
#ifndef CINIT_TAP_H
#define CINIT_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_state {
	int planned;
	int run;
	int failed;
};

static struct tap_state tap_state;

static inline void tap_plan(int n)
{
	tap_state.planned = n;
	printf("1..%d\n", n);
}

static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_state.run++;
	if (!cond)
		tap_state.failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_state.run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, name)                                                                    \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (!ok(g_ == w_, "%s", name))                                                     \
			printf("#   got %lld, want %lld\n", g_, w_);                               \
	} while (0)

#define is_str(got, want, name)                                                                    \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		int same_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0);       \
		if (!ok(same_, "%s", name))                                                        \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)",                    \
			       w_ ? w_ : "(null)");                                                \
	} while (0)

static inline int tap_done(void)
{
	if (tap_state.planned && tap_state.run != tap_state.planned)
		printf("# planned %d tests but ran %d\n", tap_state.planned, tap_state.run);
	return tap_state.failed || tap_state.run != tap_state.planned ? 1 : 0;
}

#endif
