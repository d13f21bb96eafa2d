/* The OCI runtime specification's documents as plain data: config.json
 * (runtime-spec 1.0.2 with the 1.1 additions), the state of a container and
 * the features of this runtime. A reader fills the structs from JSON and
 * names every problem by its JSON path; a writer turns them back into JSON.
 *
 * Nothing here knows about processes, mounts or the kernel's state: values
 * are only translated into the numbers the kernel takes (mount flags,
 * capability numbers, rlimit resources, clone flags, seccomp actions in
 * libseccomp's encoding), so that the runtime never parses a string again.
 *
 * Conventions: every string is owned and NUL-terminated; NULL means the
 * document did not give it. Arrays come with a count. Optional numbers are
 * oci_opt_* with a `set` flag. Objects are embedded, with `present` where
 * their absence means something. One call frees all: oci_config_free. */
#ifndef CSPAWN_OCI_H
#define CSPAWN_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* The version this runtime writes, and the range it reads: 1.0.x and 1.1.x
 * (pre-releases such as 1.0.2-dev and 1.1.0-rc.1 included). */
#define OCI_VERSION "1.1.0"
#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX "1.1.0"

/* Bounds that no real document comes near, so that hostile input costs
 * little: the size of a document, its values (each string, number,
 * literal, array and object counts one), its nesting, and any one array. */
#define OCI_MAX_DOCUMENT (4u << 20)
#define OCI_MAX_VALUES (1u << 17)
#define OCI_MAX_DEPTH 32
#define OCI_MAX_ITEMS 65536
/* The kernel takes at most this many lines in uid_map and gid_map. */
#define OCI_MAX_ID_MAPPINGS 340

/* ---- small building blocks ---------------------------------------------- */

struct oci_opt_i64 {
	bool set;
	int64_t v;
};
struct oci_opt_u64 {
	bool set;
	uint64_t v;
};
struct oci_opt_bool {
	bool set;
	bool v;
};

/* Strings in document order; v[n] is NULL too, so args and env go to
 * execve as they are. */
struct oci_strv {
	char **v;
	size_t n;
};

/* A JSON object of strings (annotations, sysctl, unified), in document
 * order. */
struct oci_pair {
	char *key, *value;
};
struct oci_map {
	struct oci_pair *v;
	size_t n;
};
/* The value of key, or NULL. */
const char *oci_map_get(const struct oci_map *m, const char *key);

struct oci_id_mapping {
	uint32_t container_id, host_id, size;
};
struct oci_id_mappings {
	struct oci_id_mapping *v;
	size_t n;
};

/* ---- process ------------------------------------------------------------- */

struct oci_rlimit {
	int resource; /* RLIMIT_NOFILE, ... */
	uint64_t soft, hard;
};

/* Bit N of each set is capability N (CAP_CHOWN is bit 0). A name this
 * runtime does not know is dropped with a warning, as the spec asks. */
struct oci_capabilities {
	bool present; /* absent: the runtime's own default applies */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_user {
	uint32_t uid, gid;
	struct oci_opt_u64 umask; /* 0 to 0777; unset: leave the umask alone */
	uint32_t *additional_gids;
	size_t n_additional_gids;
};

struct oci_scheduler {
	bool present;
	int policy; /* SCHED_OTHER, SCHED_FIFO, ... (SCHED_ISO is 4) */
	int32_t nice, priority;
	uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

struct oci_io_priority {
	bool present;
	int klass; /* IOPRIO_CLASS_RT 1, BE 2, IDLE 3 */
	int32_t priority;
};

struct oci_process {
	bool present;
	bool terminal;
	struct {
		bool present;
		unsigned short height, width; /* as TIOCSWINSZ takes them */
	} console_size;
	struct oci_user user;
	struct oci_strv args, env; /* env: NAME=VALUE each */
	char *cwd;		   /* absolute */
	struct oci_capabilities capabilities;
	struct oci_rlimit *rlimits; /* each resource at most once */
	size_t n_rlimits;
	bool no_new_privileges;
	struct oci_opt_i64 oom_score_adj; /* -1000 to 1000 */
	char *apparmor_profile;		  /* these three are refused unless empty */
	char *selinux_label;
	struct oci_scheduler scheduler;
	struct oci_io_priority io_priority;
};

/* ---- mounts -------------------------------------------------------------- */

/* mount_setattr(2)'s attributes (MOUNT_ATTR_*), applied with AT_RECURSIVE. */
struct oci_mount_attr {
	uint64_t set, clr;
};

/* options is what the document says; the rest is derived from it, in
 * order, with mount(8)'s rule that a later option wins ("ro,rw" is rw). */
struct oci_mount {
	char *destination; /* absolute, inside the container */
	char *type;	   /* NULL: not given (a bind mount needs none) */
	char *source;	   /* NULL: not given */
	struct oci_strv options;
	unsigned long flags; /* MS_* to pass to mount(2): MS_RDONLY, MS_NOSUID,
				MS_BIND (| MS_REC for rbind), MS_REMOUNT, ... */
	unsigned long clear; /* MS_* an option turned off (rw, suid, dev, ...) */
	/* propagation changes in the order given, one mount(2) each:
	 * MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, | MS_REC for the
	 * r-forms */
	unsigned long *propagation;
	size_t n_propagation;
	struct oci_mount_attr recursive; /* rro, rnosuid, ... (runtime-spec 1.1) */
	char *data;			 /* the filesystem's own options joined with
					    ',' (mode=755,size=65536k), or NULL */
	bool tmpcopyup;			 /* copy the directory's contents into the tmpfs */
	struct oci_id_mappings uid_mappings, gid_mappings; /* idmapped mount */
};

/* ---- hooks --------------------------------------------------------------- */

enum oci_hook_kind {
	OCI_HOOK_PRESTART, /* deprecated by the spec, still run */
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_COUNT
};

struct oci_hook {
	char *path; /* absolute */
	struct oci_strv args, env;
	struct oci_opt_i64 timeout; /* seconds, > 0 */
};
struct oci_hook_list {
	struct oci_hook *v;
	size_t n;
};

/* "prestart", "createRuntime", ... */
const char *oci_hook_name(enum oci_hook_kind k);

/* ---- linux --------------------------------------------------------------- */

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT
};

struct oci_namespace {
	enum oci_ns_type type;
	int clone_flag; /* CLONE_NEWPID, ... for clone(2), unshare(2), setns(2) */
	char *path;	/* NULL: a new namespace; else join this one */
};

struct oci_device {
	char *path;		      /* absolute, inside the container */
	char type;		      /* 'c', 'b', 'u' or 'p' as written */
	mode_t kind;		      /* S_IFCHR ('c' and 'u'), S_IFBLK or S_IFIFO, for mknod(2) */
	uint32_t major, minor;	      /* 0 for 'p' */
	struct oci_opt_u64 file_mode; /* permission bits, 0 to 07777 */
	struct oci_opt_u64 uid, gid;
};

/* One rule of the device cgroup, applied in order. */
struct oci_device_rule {
	bool allow;
	char type;	      /* 'a' (also when not given), 'c' or 'b' */
	int64_t major, minor; /* -1: any (also when not given) */
	char *access;	      /* some of "rwm"; NULL: not given */
};

struct oci_memory {
	bool present;
	struct oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp; /* -1: unlimited */
	struct oci_opt_u64 swappiness;					 /* 0 to 100 */
	bool disable_oom_killer;
	struct oci_opt_bool use_hierarchy, check_before_update;
};

struct oci_cpu {
	bool present;
	struct oci_opt_u64 shares, period, burst, realtime_period;
	struct oci_opt_i64 quota, realtime_runtime, idle;
	char *cpus, *mems; /* lists such as "0-3,5" */
};

struct oci_hugepage_limit {
	char *page_size;     /* as written, "2MB": the cgroup files are named so */
	uint64_t page_bytes; /* 2097152 */
	uint64_t limit;
};

struct oci_weight_device {
	int64_t major, minor;
	struct oci_opt_u64 weight, leaf_weight;
};
struct oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};
struct oci_throttle_list {
	struct oci_throttle_device *v;
	size_t n;
};

struct oci_block_io {
	bool present;
	struct oci_opt_u64 weight, leaf_weight;
	struct oci_weight_device *weight_device;
	size_t n_weight_device;
	struct oci_throttle_list read_bps, write_bps, read_iops, write_iops;
};

struct oci_net_priority {
	char *name;
	uint32_t priority;
};
struct oci_network {
	bool present;
	struct oci_opt_u64 class_id;
	struct oci_net_priority *priorities;
	size_t n_priorities;
};

struct oci_rdma_limit {
	char *device;
	struct oci_opt_u64 hca_handles, hca_objects;
};

struct oci_resources {
	bool present;
	struct oci_device_rule *devices;
	size_t n_devices;
	struct oci_memory memory;
	struct oci_cpu cpu;
	struct {
		bool present;
		int64_t limit; /* -1 or 0: no limit */
	} pids;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct oci_block_io block_io;
	struct oci_network network;
	struct oci_rdma_limit *rdma;
	size_t n_rdma;
	struct oci_map unified; /* cgroup v2 file name -> content */
};

struct oci_seccomp_arg {
	unsigned index; /* 0 to 5 */
	uint64_t value, value_two;
	int op; /* SCMP_CMP_NE .. SCMP_CMP_MASKED_EQ of <seccomp.h> */
};

struct oci_syscall {
	struct oci_strv names; /* at least one */
	uint32_t action;       /* SCMP_ACT_* of <seccomp.h>, errno part 0 */
	struct oci_opt_u64 errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	bool present;
	uint32_t default_action; /* SCMP_ACT_*, errno part 0 */
	struct oci_opt_u64 default_errno_ret;
	uint32_t *architectures; /* SCMP_ARCH_* */
	size_t n_architectures;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* */
	char *listener_path, *listener_metadata;
	struct oci_syscall *syscalls;
	size_t n_syscalls;
};

/* The action as libseccomp takes it: SCMP_ACT_ERRNO and SCMP_ACT_TRACE get
 * errno_ret, or EPERM when it is not set, as the spec says. */
uint32_t oci_seccomp_action(uint32_t action, struct oci_opt_u64 errno_ret);

struct oci_intel_rdt {
	bool present;
	char *clos_id, *l3_cache_schema, *mem_bw_schema;
	bool enable_cmt, enable_mbm;
};

struct oci_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs; /* below 1e9 */
};

struct oci_linux {
	bool present;
	struct oci_namespace *namespaces; /* each type at most once */
	size_t n_namespaces;
	struct oci_id_mappings uid_mappings, gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct oci_resources resources;
	struct oci_map sysctl;
	struct oci_seccomp seccomp;
	struct oci_strv masked_paths, readonly_paths;
	/* MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE (| MS_REC when
	 * written "rslave" ...); 0: not given */
	unsigned long rootfs_propagation;
	char *mount_label;
	struct oci_intel_rdt intel_rdt;
	struct {
		bool present;
		unsigned long domain; /* PER_LINUX or PER_LINUX32 */
	} personality;
	struct {
		struct oci_time_offset boottime, monotonic;
	} time_offsets;
};

/* ---- config.json --------------------------------------------------------- */

struct oci_config {
	char *oci_version;
	struct {
		bool present;
		char *path; /* absolute, or relative to the bundle */
		bool readonly;
	} root;
	struct oci_mount *mounts; /* in the order to mount them */
	size_t n_mounts;
	struct oci_process process;
	char *hostname, *domainname;
	struct oci_hook_list hooks[OCI_HOOK_COUNT];
	struct oci_map annotations;
	/* `linux` is a predefined macro under -std=gnu11, hence lnx */
	struct oci_linux lnx;
};

/* The namespace of that type, or NULL when the container shares the
 * runtime's. */
const struct oci_namespace *oci_namespace_find(const struct oci_linux *l, enum oci_ns_type t);

/* ---- messages ------------------------------------------------------------ */

/* Each text is "PATH: what is wrong" (mounts[3].options[1]: unknown mount
 * option 'bnid'), or without a path for the document as a whole. */
struct oci_message {
	bool warning;
	char *text;
};
#define OCI_MAX_MESSAGES 100
struct oci_messages {
	struct oci_message *v; /* the first OCI_MAX_MESSAGES */
	size_t n;
	unsigned errors, warnings;
	unsigned dropped; /* said past OCI_MAX_MESSAGES, counted only */
};
/* One line each, "PREFIX: TEXT" ("PREFIX: warning: TEXT"), and a line
 * with the count of the dropped ones. */
void oci_messages_print(const struct oci_messages *m, FILE *f, const char *prefix);
void oci_messages_free(struct oci_messages *m);

/* ---- reading, checking, writing ----------------------------------------- */

enum {
	/* Accept the fields of the spec that this runtime does not honour
	 * (see oci_support_*), for tools that only read or convert specs.
	 * Fields no spec version 1.0 or 1.1 defines stay errors. */
	OCI_ALLOW_UNSUPPORTED = 1,
};

/* Reads config.json. Every problem of the document is added to msgs (the
 * caller zeroes msgs first; messages accumulate). Returns 0 when the
 * document is valid, else the number of errors; *out is then freed and
 * zeroed. Warnings alone do not fail. */
int oci_config_parse(const char *text, size_t len, unsigned flags, struct oci_config *out,
		     struct oci_messages *msgs);
/* The same from a file, at most OCI_MAX_DOCUMENT bytes. */
int oci_config_load(const char *path, unsigned flags, struct oci_config *out,
		    struct oci_messages *msgs);
/* What the spec requires of a config beyond the types of its fields
 * (versions, absolute paths, unique namespaces, mapping ranges, ...), and
 * the derived fields: each mount's flags from its options. oci_config_parse
 * runs it; a config built in memory runs it before use. Returns the number
 * of errors. */
int oci_config_check(struct oci_config *c, unsigned flags, struct oci_messages *msgs);
void oci_config_free(struct oci_config *c);

/* A process object alone, as `exec --process FILE` gives it. */
int oci_process_parse(const char *text, size_t len, unsigned flags, struct oci_process *out,
		      struct oci_messages *msgs);
void oci_process_free(struct oci_process *p);

/* What an exec's flags (`cspawn exec`, the runtime's exec) change in the
 * process it starts from. */
struct oci_exec_flags {
	char *const *args; /* the command; nargs 0: the process's own */
	size_t nargs;
	/* KEY=VALUE over the process's KEY, or added; a bare KEY takes the
	 * caller's own value, or is left out when the caller has none */
	char *const *env;
	size_t nenv;
	const char *cwd; /* NULL: the process's own */
	bool terminal;
};
/* 0, or -1 with errno (EINVAL: an env entry without a name); *bad is the
 * env entry that failed, or NULL. */
int oci_process_apply(struct oci_process *p, const struct oci_exec_flags *f, const char **bad);

/* JSON text, malloc'd, NUL-terminated, ending in a newline. NULL with errno
 * ENOMEM, or EILSEQ when a string is not UTF-8 (JSON cannot hold it). */
char *oci_config_write(const struct oci_config *c);
char *oci_process_write(const struct oci_process *p);

/* A config like `runc spec` writes: sh in a read-only rootfs "rootfs",
 * new pid, network, ipc, uts and mount namespaces, the usual /proc /dev
 * /sys mounts, masked and read-only /proc paths, all devices denied, the
 * capabilities AUDIT_WRITE, KILL and NET_BIND_SERVICE. With rootless, as
 * `crun spec --rootless`: a user namespace too, mapping root to that uid
 * and gid, devpts without gid=5, and no device cgroup. Returns 0, or -1
 * with errno ENOMEM. */
struct oci_rootless {
	uid_t uid;
	gid_t gid;
};
int oci_config_default(struct oci_config *c, const struct oci_rootless *rootless);

/* ---- names --------------------------------------------------------------- */

/* "CAP_SYS_ADMIN" -> 21, -1 if unknown; the spec's names only (with CAP_). */
int oci_cap_from_name(const char *name);
/* "CAP_SYS_ADMIN" for 21; NULL if unknown. */
const char *oci_cap_name(int cap);
/* The highest capability number this runtime knows by name. */
int oci_cap_last(void);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, -1 if unknown; and back. */
int oci_rlimit_from_name(const char *name);
const char *oci_rlimit_name(int resource);
/* "pid", "network", ... */
const char *oci_ns_name(enum oci_ns_type t);

/* ---- the state of a container -------------------------------------------- */

enum oci_status { OCI_STATUS_CREATING, OCI_STATUS_CREATED, OCI_STATUS_RUNNING, OCI_STATUS_STOPPED };
const char *oci_status_name(enum oci_status s);

struct oci_state {
	char *oci_version; /* NULL when writing: OCI_VERSION */
	char *id;
	enum oci_status status;
	pid_t pid; /* 0: none (written only when above 0) */
	char *bundle;
	struct oci_map annotations;
};
/* The state as `state ID` prints it and hooks read it on stdin. */
char *oci_state_write(const struct oci_state *s);
/* Reads a state document; properties the spec does not define are
 * allowed there (the spec says so) and skipped. Returns as
 * oci_config_parse. */
int oci_state_parse(const char *text, size_t len, struct oci_state *out, struct oci_messages *msgs);
void oci_state_free(struct oci_state *s);

/* ---- what this runtime supports ------------------------------------------ */

enum oci_support {
	OCI_SUPPORTED,	    /* read and honoured */
	OCI_UNSUPPORTED,    /* read; refused unless empty or OCI_ALLOW_UNSUPPORTED */
	OCI_OTHER_PLATFORM, /* Windows, Solaris, VM, z/OS, FreeBSD: always refused */
	OCI_NEWER_SPEC,	    /* defined after 1.1: always refused, named as such */
};

/* One field of an object of the spec, or one value of a field (value set,
 * such as the "time" namespace type). parent is the object's path with []
 * for array entries ("linux.resources.memory", "mounts[]"), or the name of
 * a definition that several places share ("Hook", "IDMapping"). */
struct oci_field {
	const char *parent;
	const char *name;
	enum oci_support support;
	const char *note; /* why, for the README and the error; may be NULL */
	bool value;	  /* name is a value of the field parent */
};
/* The table, ended by an entry with parent NULL. */
extern const struct oci_field oci_fields[];
const struct oci_field *oci_field_find(const char *parent, const char *name);
/* The README's support matrix, generated from the table. */
void oci_support_markdown(FILE *f);

/* The features document of runtime-spec 1.1 (`features`), from the same
 * table; annotations (this runtime's version ...) may be NULL. */
char *oci_features_write(const struct oci_map *annotations);

#endif
