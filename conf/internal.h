/* Shared between the files of conf/ and its unit tests: diagnostics, the INI
 * tokenizer, value parsers, expansions and the loader's state. Not part of
 * the module's public face, which is conf.h and units.h. */
#ifndef CINIT_CONF_INTERNAL_H
#define CINIT_CONF_INTERNAL_H

#include "conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- diagnostics: "FILE:LINE: [SECTION] KEY: message" ------------------- */

/* Messages about one file are held and written in line order when the
 * file is done, since the tokenizer finds syntax errors before the keys are
 * read. */
struct held_msg {
	int line;
	size_t seq; /* said in this order, for ties */
	char *text;
};

struct held_list {
	bool on;
	struct held_msg *v;
	size_t n, seq;
};

struct diag {
	FILE *errs; /* NULL: count only */
	int errors;
	int warnings;
	bool oom_said;
	/* While the copies of a numprocs program are built, each distinct
	 * message is said (and counted) once. */
	bool dedupe;
	char **said;
	size_t n_said;
	struct held_list held;
	int unsaid; /* messages past DIAG_MAX_MESSAGES, counted only */
};

/* After this many messages the rest are counted, not written: a binary
 * file read by mistake would otherwise say a line per line. */
#define DIAG_MAX_MESSAGES 1000

struct where {
	const char *file; /* NULL: the command line */
	int line;	  /* 0: none */
	const char *section;
	const char *key;
};

void diag_error(struct diag *d, const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Neither error nor warning: what is ignored and why. */
void diag_note(struct diag *d, const struct where *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "expected WHAT, got 'VALUE'", the one shape of a bad value. */
void diag_expected(struct diag *d, const struct where *w, const char *what, const char *value);
void diag_oom(struct diag *d, const struct where *w);
void diag_dedupe(struct diag *d, bool on);
/* Starts holding the messages of a file; returns the includer's. */
struct held_list diag_hold(struct diag *d);
/* Writes the held messages up to line (all: INT_MAX) in line order. */
void diag_release(struct diag *d, int line);
/* Writes what the file held and goes back to the includer's messages. */
void diag_unhold(struct diag *d, struct held_list outer);

#define DIAG_SHOW_MAX 100
/* The value as a message shows it: control characters escaped, cut short
 * when long. Returns buf. */
const char *diag_show(char *buf, size_t len, const char *v);

/* ---- the INI tokenizer (inih underneath) ------------------------------- */

struct ini_entry {
	char *key;
	char *value; /* continuation lines joined with '\n' */
	int line;
};

struct ini_section {
	char *name; /* trimmed; NULL for keys before the first header */
	int line;
	bool broken; /* header without ']': said once, its keys are skipped */
	struct ini_entry *entries;
	size_t n_entries, cap;
};

struct ini_doc {
	struct ini_section *sections;
	size_t n, cap;
};

/* Splits buf (len bytes; NULs are errors) into sections and entries.
 * Syntax errors go to d with the file name and line. Lines of any length
 * work although inih's own buffer holds 200 bytes. */
void ini_doc_parse(struct ini_doc *doc, const char *file, const char *buf, size_t len,
		   struct diag *d);
void ini_doc_free(struct ini_doc *doc);
/* Cuts supervisord's inline comments (';' or '#' after a blank) from each
 * line of a value, as Python's configparser does. In place. */
void ini_strip_inline_comments(char *value);

/* ---- values ------------------------------------------------------------ */

/* Each parser says what it expected through d and returns -1 on a bad
 * value; 0 on success. */
int value_plain(const char *v, struct diag *d, const struct where *w);
int value_service_name(const char *v, struct diag *d, const struct where *w);
int value_list(const char *v, char ***out, struct diag *d, const struct where *w);
int value_exit_codes(const char *v, struct service_conf *s, struct diag *d, const struct where *w);
int value_depends(const char *v, char ***out, struct diag *d, const struct where *w);
/* expand_dollar: ${VAR}, ${VAR:-default} and $$ (native files). */
int value_env(const char *v, bool expand_dollar, char ***env, struct diag *d,
	      const struct where *w);
int value_rlimit(const char *v, struct rlimit *out, struct diag *d, const struct where *w);
int value_ready(const char *v, struct ready_conf *r, struct diag *d, const struct where *w);
int value_log_target(const char *v, struct log_conf *l, struct diag *d, const struct where *w);
int value_command(const char *v, char ***argv, struct diag *d, const struct where *w);
/* Adds to *env the entries of base whose keys *env does not set, first. */
int env_merge_under(char ***env, char *const *base);

struct rlimit_name {
	const char *name;
	int resource;
};
extern const struct rlimit_name conf_rlimit_names[];
extern const size_t conf_n_rlimit_names;
int conf_rlimit_by_name(const char *name);

/* pathglob.c: the sorted existing paths that match pattern ('*', '?',
 * '[...]' per component, backslash escapes, no hidden files unless the
 * pattern starts the name with '.'), relative to dir unless absolute.
 * *paths is NULL-terminated, freed with conf_free_argv. -1: out of memory. */
int conf_glob(const char *dir, const char *pattern, char ***paths);

/* supervisord's Python %-format: %(name)s, %(name)02d, %%. */
struct percent_vars {
	const char *program_name;
	const char *group_name;
	const char *here;
	const char *host_node_name;
	int process_num;
	int numprocs;
	bool have_process; /* process_num and numprocs are defined */
	/* %(ENV_X)s looks in own (the program's environment=), then in
	 * global ([supervisord] environment=), then in cinit's environment,
	 * as supervisord 4.2.2 and later do; KEY=VALUE, NULL-terminated */
	char *const *env_own;
	char *const *env_global;
};
int expand_percent(const char *in, const struct percent_vars *vars, char **out, struct diag *d,
		   const struct where *w);

/* ---- printing ---------------------------------------------------------- */

/* Writes argv so that conf_split_command, after inih has read the line,
 * gives the same words back. */
void print_command(FILE *f, char *const *argv);
/* Writes an environment value for value_env to read back unchanged. */
void print_env_value(FILE *f, const char *v);
void print_duration(FILE *f, int64_t ms);
void print_size(FILE *f, uint64_t bytes);

/* ---- the loader -------------------------------------------------------- */

/* Bounds that keep a runaway include (a glob of the whole tree) from
 * stalling PID 1; a real configuration is nowhere near any of them. */
#define CONF_MAX_INCLUDE_DEPTH 32
#define CONF_MAX_FILE_BYTES (4u << 20)
#define CONF_MAX_TOTAL_BYTES (16u << 20)
#define CONF_MAX_FILES 1024
#define CONF_MAX_NUMPROCS 1024
/* numprocs multiplies a section: these bound what the copies add up to */
#define CONF_MAX_SERVICES 8192
#define CONF_MAX_COPIED_BYTES (64u << 20)

/* One file being loaded. */
struct file_ctx {
	const char *name; /* as shown in messages */
	const char *dir;  /* includes resolve against it; "" = cwd */
	const char *here; /* absolute directory, for %(here)s */
	bool supervisord; /* supervisord's rules: warnings, '#' comments */
};

struct include_frame {
	dev_t dev;
	ino_t ino;
	char *name;
};

struct loader {
	struct diag diag;
	struct cinit_conf conf;
	int cap_services;
	bool *from_program; /* parallel to conf.services: gets [supervisord] environment */
	/* [supervisord] settings its programs inherit, applied at the end */
	char **supervisord_env;
	char *supervisord_user;
	int supervisord_umask; /* -1: none */
	char *cinit_file;      /* where [cinit] was, to name a second one */
	int cinit_line;
	struct include_frame stack[CONF_MAX_INCLUDE_DEPTH];
	int depth;
	char nodename[256];
	int files;	 /* loaded so far */
	size_t bytes;	 /* read so far */
	bool limit_said; /* a file or size bound was reported */
	size_t copied;	 /* bytes of the sections read, times their copies */
};

/* Moves *s into the configuration (and zeroes *s); -1 when out of memory,
 * and *s is then freed. */
int loader_add_service(struct loader *L, struct service_conf *s, bool from_program);
const char *loader_nodename(struct loader *L);
/* Whether n more services, from a section of bytes, stay within
 * CONF_MAX_SERVICES and CONF_MAX_COPIED_BYTES; says why not at w. */
bool loader_room(struct loader *L, int n, size_t bytes, const struct where *w);
/* The bytes of a section's keys and values. */
size_t section_bytes(const struct ini_section *sec);
/* Loads a file named by an include; from names the include line. */
void loader_load_file(struct loader *L, const char *path, bool supervisord,
		      const struct where *from);

/* supervisord.c */
bool supervisord_section(const char *name);
void load_supervisord_section(struct loader *L, const struct file_ctx *F,
			      const struct ini_section *sec);
/* [include]: files = PATTERN... relative to the including file's directory. */
void load_include_section(struct loader *L, const struct file_ctx *F,
			  const struct ini_section *sec);

/* ---- keys: how a value lands in a struct (keys.c) ------------------------ */

enum key_type {
	KEY_DURATION, /* int64_t milliseconds */
	KEY_BOOL,     /* bool */
	KEY_UINT,     /* int, 0 and up */
	KEY_INT,      /* int */
	KEY_UNSIGNED, /* unsigned */
	KEY_SIZE,     /* uint64_t bytes */
	KEY_SIGNAL,   /* int */
	KEY_STRING,   /* char *, one plain line */
	KEY_FN,	      /* fn does it all */
	KEY_IGNORED,  /* known, not honoured: a warning says why */
};

struct key_spec {
	const char *name;
	enum key_type type;
	size_t offset; /* into the object the table describes */
	int (*fn)(void *obj, const char *value, struct diag *d, const struct where *w);
	const char *why; /* KEY_IGNORED: the reason the warning gives */
};

const struct key_spec *find_key(const struct key_spec *table, size_t n, const char *name);
int apply_key(void *obj, const struct key_spec *k, const char *value, struct diag *d,
	      const struct where *w);
/* Warns that a KEY_IGNORED key is not supported, with its reason. */
void ignored_key(struct diag *d, const struct where *w, const struct key_spec *k);
/* The closest known key to a misspelt one, or NULL. */
const char *suggest_key(const char *key, const struct key_spec *table, size_t n);
/* Says a key is unknown, with a suggestion when one is close. */
void unknown_key(struct diag *d, const struct where *w, const struct key_spec *table, size_t n,
		 bool warn_only);

/* Setters shared by [service:x] and [program:x] */
int set_command(struct service_conf *s, const char *v, struct diag *d, const struct where *w);
int set_umask(struct service_conf *s, const char *v, struct diag *d, const struct where *w);

/* The control socket's chmod ("0700") and chown ("user[:group]"), shared
 * by [cinit] and supervisord's [unix_http_server]; obj is a cinit_conf. */
int conf_set_socket_mode(void *obj, const char *v, struct diag *d, const struct where *w);
int conf_set_socket_owner(void *obj, const char *v, struct diag *d, const struct where *w);

/* native.c */
void load_cinit_section(struct loader *L, const struct file_ctx *F, const struct ini_section *sec);
void load_service_section(struct loader *L, const struct file_ctx *F,
			  const struct ini_section *sec);

#endif
