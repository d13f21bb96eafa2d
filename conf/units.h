/* Value parsers shared by the config loader, the command line and cspawn.
 * Each returns 0 on success and -1 on a malformed value; none allocates
 * except conf_split_command. */
#ifndef CINIT_CONF_UNITS_H
#define CINIT_CONF_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "250ms", "10s", "2m", "1h", "1.5s"; a bare number is seconds. Plain
 * decimals only (no sign, exponent, "inf" or "nan"), at most a week. */
int conf_parse_duration_ms(const char *s, int64_t *ms);
/* "512", "10k", "10M", "1G" (powers of 1024, case-insensitive, optional B/iB). */
int conf_parse_size(const char *s, uint64_t *bytes);
/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3". */
int conf_parse_signal(const char *s, int *sig);
/* The name without SIG ("TERM"), or the number as text for unnamed signals.
 * Returns a static string or one written into buf. */
const char *conf_signal_name(int sig, char *buf, unsigned len);
/* true/false, yes/no, on/off, 1/0, case-insensitive. */
int conf_parse_bool(const char *s, bool *b);
/* A non-negative decimal integer that fits an int. */
int conf_parse_uint(const char *s, int *out);
/* A decimal integer, optionally negative, that fits an int. */
int conf_parse_int(const char *s, int *out);
/* Octal umask such as 022 or 0027. */
int conf_parse_umask(const char *s, int *out);

/* Splits a command line into words the way a POSIX shell would for a simple
 * command: single quotes, double quotes (with \\ \" \$ \` escapes), backslash
 * escapes, backslash-newline joins lines, no expansion. *argv is a NULL-terminated array, freed
 * with conf_free_argv. On a quoting error returns -1 and sets *err to a static description. An
 * empty command yields an argv with no words. */
int conf_split_command(const char *s, char ***argv, const char **err);
void conf_free_argv(char **argv);

/* Edit distance ignoring ASCII case, for "did you mean" hints; bounded:
 * anything above limit is limit + 1. */
size_t conf_edit_distance(const char *a, const char *b, size_t limit);

#endif
