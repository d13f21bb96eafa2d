#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A week is more than any timeout cinit has a use for; the bound also keeps
 * the arithmetic below far from overflow. */
#define DURATION_MAX_MS (7LL * 24 * 3600 * 1000)

/* Plain decimal numbers only, in integer arithmetic: no "nan", "inf", hex
 * or exponents, and no strtod (which brings the C library's float parsing
 * into the static binary). Fractions finer than 1 ms are rounded. */
int conf_parse_duration_ms(const char *s, int64_t *ms)
{
	static const struct {
		const char *suffix;
		int64_t factor;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};
	int64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > DURATION_MAX_MS)
			return -1;
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			/* digits past the ninth cannot change a millisecond */
			if (scale < 1000000000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
		}
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(p, units[i].suffix) != 0)
			continue;
		int64_t f = units[i].factor;
		if (whole > DURATION_MAX_MS / f)
			return -1;
		int64_t r = whole * f + (frac * f + scale / 2) / scale;
		if (r > DURATION_MAX_MS)
			return -1;
		*ms = r;
		return 0;
	}
	return -1;
}

int conf_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mult = 1ull << 10;
		end++;
		break;
	case 'M':
		mult = 1ull << 20;
		end++;
		break;
	case 'G':
		mult = 1ull << 30;
		end++;
		break;
	case 'T':
		mult = 1ull << 40;
		end++;
		break;
	}
	if (mult > 1 && (*end == 'i' || *end == 'I'))
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*bytes = v * mult;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signal_names[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"IOT", SIGIOT},	     {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},	   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},	   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

static int parse_rt_signal(const char *s, int *sig)
{
	int base, off = 0;
	const char *rest;
	char *end;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		rest = s + 5;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		rest = s + 5;
	} else {
		return -1;
	}
	if (*rest) {
		if (*rest != '+' && *rest != '-')
			return -1;
		if (!isdigit((unsigned char)rest[1]))
			return -1;
		errno = 0;
		long v = strtol(rest, &end, 10);
		/* bound before narrowing: (int)4294967297 would pass as 1 */
		if (errno || *end || v < -64 || v > 64)
			return -1;
		off = (int)v;
	}
	if (base + off < SIGRTMIN || base + off > SIGRTMAX)
		return -1;
	*sig = base + off;
	return 0;
}

int conf_parse_signal(const char *s, int *sig)
{
	if (!s || !*s)
		return -1;
	if (isdigit((unsigned char)*s)) {
		int v;
		if (conf_parse_uint(s, &v) < 0 || v < 1 || v >= NSIG)
			return -1;
		*sig = v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (strcasecmp(s, signal_names[i].name) == 0) {
			*sig = signal_names[i].sig;
			return 0;
		}
	}
	return parse_rt_signal(s, sig);
}

const char *conf_signal_name(int sig, char *buf, unsigned len)
{
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].sig == sig)
			return signal_names[i].name;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "RTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

int conf_parse_bool(const char *s, bool *b)
{
	static const char *yes[] = {"true", "yes", "on", "1"};
	static const char *no[] = {"false", "no", "off", "0"};

	if (!s)
		return -1;
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

int conf_parse_uint(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

int conf_parse_int(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX || v < INT_MIN)
		return -1;
	*out = (int)v;
	return 0;
}

int conf_parse_umask(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '7')
			return -1;
	errno = 0;
	v = strtol(s, &end, 8);
	if (errno || *end || v > 0777)
		return -1;
	*out = (int)v;
	return 0;
}

struct word_buf {
	char *data;
	size_t len, cap;
};

static int word_putc(struct word_buf *w, char c)
{
	if (w->len + 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		char *d = realloc(w->data, cap);
		if (!d)
			return -1;
		w->data = d;
		w->cap = cap;
	}
	w->data[w->len++] = c;
	w->data[w->len] = '\0';
	return 0;
}

/* Appends word, doubling the room, since a command may have a hundred
 * thousand words and growing by one copies the array each time. */
static int argv_push(char ***argv, size_t *n, size_t *cap, char *word)
{
	if (*n + 2 > *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		char **a = reallocarray(*argv, c, sizeof(char *));
		if (!a)
			return -1;
		*argv = a;
		*cap = c;
	}
	(*argv)[(*n)++] = word;
	(*argv)[*n] = NULL;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A backslash before a newline joins two lines, as in a shell, so a long
 * command may be continued with "\" on an indented next line. */
static const char *skip_blanks(const char *p)
{
	for (;;) {
		if (is_blank(*p))
			p++;
		else if (p[0] == '\\' && p[1] == '\n')
			p += 2;
		else
			return p;
	}
}

static int read_single_quoted(const char **pp, struct word_buf *w, const char **err)
{
	const char *p = *pp + 1;
	const char *q = strchr(p, '\'');

	if (!q) {
		*err = "unterminated single quote";
		return -1;
	}
	for (; p < q; p++)
		if (word_putc(w, *p) < 0)
			return -2;
	*pp = q + 1;
	return 0;
}

static int read_double_quoted(const char **pp, struct word_buf *w, const char **err)
{
	const char *p = *pp + 1;

	for (; *p && *p != '"'; p++) {
		if (p[0] == '\\' && p[1] == '\n') {
			p++;
			continue;
		}
		if (*p == '\\' && p[1] && strchr("\\\"$`", p[1]))
			p++;
		if (word_putc(w, *p) < 0)
			return -2;
	}
	if (*p != '"') {
		*err = "unterminated double quote";
		return -1;
	}
	*pp = p + 1;
	return 0;
}

/* Reads one word starting at *pp; sets *pp past it. Returns 1 when a word
 * was read, 0 at the end of input, -1 on error. */
static int next_word(const char **pp, struct word_buf *w, const char **err)
{
	const char *p = skip_blanks(*pp);
	int r = 0;

	*pp = p;
	if (!*p)
		return 0;
	/* make sure an empty word ('' or "") still has a buffer */
	w->len = 0;
	if (word_putc(w, '\0') < 0)
		goto oom;
	w->len = 0;
	while (*p && !is_blank(*p)) {
		if (*p == '\'') {
			r = read_single_quoted(&p, w, err);
		} else if (*p == '"') {
			r = read_double_quoted(&p, w, err);
		} else if (*p == '\\') {
			if (!p[1]) {
				*err = "backslash at the end of the command";
				return -1;
			}
			if (p[1] != '\n' && word_putc(w, p[1]) < 0)
				goto oom;
			p += 2;
		} else if (word_putc(w, *p++) < 0) {
			goto oom;
		}
		if (r == -1)
			return -1;
		if (r < 0)
			goto oom;
	}
	*pp = p;
	return 1;
oom:
	*err = "out of memory";
	return -1;
}

int conf_split_command(const char *s, char ***argv, const char **err)
{
	struct word_buf w = {0};
	char **out = NULL;
	size_t n = 0, cap = 0;
	int r;

	if (argv_push(&out, &n, &cap, NULL) < 0) {
		*err = "out of memory";
		return -1;
	}
	n = 0;
	while ((r = next_word(&s, &w, err)) > 0) {
		char *word = strdup(w.data ? w.data : "");
		if (!word || argv_push(&out, &n, &cap, word) < 0) {
			free(word);
			*err = "out of memory";
			r = -1;
			break;
		}
	}
	free(w.data);
	if (r < 0) {
		conf_free_argv(out);
		return -1;
	}
	*argv = out;
	return 0;
}

void conf_free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

size_t conf_edit_distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (lb >= sizeof(row) / sizeof(row[0]) || (la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > limit ? limit + 1 : row[lb];
}
