/* Shared between the files of oci/ and its tests: messages, name tables,
 * the JSON loader and the reader's helpers. Not part of the module's public
 * face, which is oci.h. */
#ifndef CSPAWN_OCI_INTERNAL_H
#define CSPAWN_OCI_INTERNAL_H

#include "oci/oci.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- messages ------------------------------------------------------------ */

void oci_msg(struct oci_messages *m, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void oci_msgv(struct oci_messages *m, bool warning, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* A string as messages show it: in double quotes, with JSON's escapes for
 * quotes, backslashes and control characters, cut short when long.
 * Returns buf. */
#define OCI_SHOW_MAX 96
const char *oci_show(char *buf, size_t len, const char *s);

/* ---- name tables --------------------------------------------------------- */

struct oci_name {
	const char *name;
	long value;
};
/* Tables end with a NULL name. Lookups are exact (the spec's spelling). */
bool oci_name_value(const struct oci_name *t, const char *name, long *value);
/* The first name of value, or NULL. */
const char *oci_name_of(const struct oci_name *t, long value);

extern const struct oci_name oci_seccomp_actions[];
extern const struct oci_name oci_seccomp_archs[];
extern const struct oci_name oci_seccomp_ops[];
extern const struct oci_name oci_seccomp_flags[];
extern const struct oci_name oci_sched_policies[];
extern const struct oci_name oci_sched_flags[];
extern const struct oci_name oci_ioprio_classes[];
extern const struct oci_name oci_personality_domains[];
extern const struct oci_name oci_rlimits[];
extern const struct oci_name oci_propagations[]; /* rootfsPropagation */
extern const struct oci_name oci_clocks[];	 /* timeOffsets keys */

bool oci_ns_from_name(const char *name, enum oci_ns_type *t);
int oci_ns_clone_flag(enum oci_ns_type t);
bool oci_hook_from_name(const char *name, enum oci_hook_kind *k);

/* ---- mount options ------------------------------------------------------- */

/* Fills the derived fields of m (flags, clear, propagation, recursive,
 * data, tmpcopyup) from its options, skipping unknown ones. Returns 0, or
 * -1 when out of memory. The derived fields are replaced, so it may run
 * again. */
int oci_mount_parse_options(struct oci_mount *m);
/* A mount flag of the table, or a filesystem's own option. */
bool oci_mount_option_known(const char *opt);
/* The i-th option name that oci_mount_parse_options knows as a mount
 * flag (not a filesystem's own word); NULL past the end. For features. */
const char *oci_mount_option_name(size_t i);

/* ---- JSON ---------------------------------------------------------------- */

/* Parses a document whose top is an object, within the OCI_MAX_* bounds.
 * jansson's integers are long long, but the spec's uint64 fields reach
 * 2^64-1 (RLIM_INFINITY as Go writes it): integers above INT64_MAX come
 * back as strings holding a NUL and the digits, which oci_json_u64 reads
 * and no string reader accepts. On error adds a message and returns NULL. */
json_t *oci_json_load(const char *text, size_t len, struct oci_messages *msgs);
bool oci_json_is_big(const json_t *v);
/* An integer >= 0, or a big one. */
bool oci_json_u64(const json_t *v, uint64_t *out);
/* A JSON value for a uint64, big ones as oci_json_load makes them. */
json_t *oci_json_from_u64(uint64_t v);
/* json_dumps with the big integers written as numbers again. */
char *oci_json_dump(const json_t *v);
/* The value as a message shows it: a string in quotes, a number, true,
 * false, null, "an object", "an array". Returns buf. */
const char *oci_json_show(const json_t *v, char *buf, size_t len);

/* ---- the reader's position and typed reads ------------------------------- */

#define OCI_PATH_MAX 512

/* path is the JSON path for messages (mounts[3].options[1]); schema the
 * same without indices (mounts[].options), or a shared definition's name,
 * for the support table. */
struct rd {
	struct oci_messages *msgs;
	unsigned flags;
	bool oom;
	size_t plen, slen;
	char path[OCI_PATH_MAX];
	char schema[OCI_PATH_MAX];
};
struct rd_mark {
	size_t plen, slen;
};

struct rd_mark rd_key(struct rd *r, const char *key);
struct rd_mark rd_index(struct rd *r, size_t i);
/* An entry of a map (annotations["key"], linux.resources.rdma["dev"]):
 * schema gets "{}". */
struct rd_mark rd_entry(struct rd *r, const char *key);
/* Enters a definition that several places share ("Hook"): schema becomes
 * its name. */
struct rd_mark rd_def(struct rd *r, const char *def);
void rd_pop(struct rd *r, struct rd_mark m);

void rd_error(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rd_warn(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PATH: expected WHAT, got VALUE" */
void rd_expected(struct rd *r, const char *what, const json_t *got);

/* Checks that v is an object and each of its keys a field the table
 * knows at r->schema; refuses unsupported ones. False if not an object. */
bool rd_fields(struct rd *r, const json_t *v);

/* Allocation that records a failure in r (reported once at the end). */
void *rd_alloc(struct rd *r, size_t n, size_t size);
char *rd_strdup(struct rd *r, const char *s);

/* Readers of the value at the current position. */
bool rd_string_value(struct rd *r, const json_t *v, char **out);
bool rd_bool_value(struct rd *r, const json_t *v, bool *out);
bool rd_int_value(struct rd *r, const json_t *v, int64_t min, int64_t max, int64_t *out);
bool rd_uint_value(struct rd *r, const json_t *v, uint64_t max, uint64_t *out);

/* Readers of the field key of object obj. A field that is absent or null
 * leaves *out alone and returns false; required ones say so. */
json_t *rd_field(const json_t *obj, const char *key);
void rd_missing(struct rd *r, const char *key);
bool rd_string(struct rd *r, const json_t *obj, const char *key, bool required, char **out);
bool rd_bool(struct rd *r, const json_t *obj, const char *key, bool *out);
bool rd_opt_bool(struct rd *r, const json_t *obj, const char *key, struct oci_opt_bool *out);
bool rd_int(struct rd *r, const json_t *obj, const char *key, bool required, int64_t min,
	    int64_t max, int64_t *out);
bool rd_uint(struct rd *r, const json_t *obj, const char *key, bool required, uint64_t max,
	     uint64_t *out);
bool rd_opt_int(struct rd *r, const json_t *obj, const char *key, int64_t min, int64_t max,
		struct oci_opt_i64 *out);
bool rd_opt_uint(struct rd *r, const json_t *obj, const char *key, uint64_t max,
		 struct oci_opt_u64 *out);
bool rd_strings(struct rd *r, const json_t *obj, const char *key, struct oci_strv *out);
bool rd_map(struct rd *r, const json_t *obj, const char *key, struct oci_map *out);
/* A string field that must name one entry of t. */
bool rd_named(struct rd *r, const json_t *obj, const char *key, bool required,
	      const struct oci_name *t, const char *what, long *out);

/* The child object or array at key, checked, with the position moved into
 * it (pop with *m); NULL when absent, null or of the wrong type. */
json_t *rd_object(struct rd *r, const json_t *obj, const char *key, struct rd_mark *m);
json_t *rd_array(struct rd *r, const json_t *obj, const char *key, struct rd_mark *m);

/* The part of the reader that oci_state_parse shares. */
void rd_begin(struct rd *r, struct oci_messages *msgs, unsigned flags);
/* Adds the out-of-memory error when one happened; returns the errors. */
int rd_end(struct rd *r, unsigned errors_before);

/* ---- the config reader's parts, for the process document ----------------- */

void oci_read_process(struct rd *r, const json_t *v, struct oci_process *p);
int oci_check_process(const struct oci_process *p, const char *where, unsigned flags,
		      struct oci_messages *msgs);

/* ---- freeing ------------------------------------------------------------- */

void oci_strv_free(struct oci_strv *v);
void oci_mount_free(struct oci_mount *m);
void oci_map_free(struct oci_map *m);

#endif
