/* cspawn's command line as plain data: what to run, where, with which
 * limits and privileges. Parsing never touches the system beyond reading
 * the environment for `-e KEY` and drawing a random name. */
#ifndef CSPAWN_OPTIONS_H
#define CSPAWN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spawn/util.h"

enum spawn_net {
	SPAWN_NET_NONE, /* a new namespace with only lo */
	SPAWN_NET_HOST, /* the host's */
	SPAWN_NET_JOIN, /* an existing namespace: netns_path, set up by net/ */
};

/* The network asked for on the command line, as given: manage/ hands it to
 * net/, which checks the values and fills in netns_path. */
struct spawn_net_request {
	const char *network;  /* --net NAME; "bridge" by default; NULL with none/host */
	const char *ip;	      /* --ip */
	const char **publish; /* -p, repeatable */
	size_t npublish;
	const char **dns; /* --dns */
	size_t ndns;
	const char **dns_search; /* --dns-search */
	size_t ndns_search;
	const char **add_hosts; /* --add-host NAME:IP */
	size_t nadd_hosts;
	bool publish_all; /* -P: every port the image exposes, on a free host port */
};

enum spawn_restart {
	SPAWN_RESTART_NO,
	SPAWN_RESTART_ON_FAILURE,
	SPAWN_RESTART_ALWAYS,
	SPAWN_RESTART_UNLESS_STOPPED,
};

struct spawn_bind {
	char *host;   /* absolute path on the host; NULL until manage/ resolves a volume */
	char *ctr;    /* absolute path inside the container */
	char *volume; /* -v NAME:CTR: the volume's name; "" for -v CTR (anonymous) */
	bool read_only;
};

struct spawn_tmpfs {
	char *path;	     /* absolute path inside the container */
	char *data;	     /* filesystem options passed to tmpfs (size=, mode=) */
	unsigned long flags; /* MS_* flags: nosuid, nodev, noexec unless "exec" */
};

/* Hard limits on container size so that fixed buffers (the overlay option
 * string, mount tables) can never overflow. */
#define SPAWN_MAX_NAME 64
/* The largest memory limit the kernel takes as a limit (LONG_MAX bytes,
 * in whole 4 KiB pages). */
#define SPAWN_MAX_MEMORY (UINT64_C(0x7fffffffffffffff) & ~UINT64_C(4095))

struct spawn_opts {
	char name[SPAWN_MAX_NAME + 1];
	const char *hostname; /* NULL: the name */
	char **env;	      /* KEY=VAL strings, owned */
	size_t nenv;
	const char *workdir; /* NULL: the image's / */
	const char *user;    /* NULL: root */

	uint64_t memory_bytes; /* 0: no limit */
	uint64_t cpu_quota_us; /* per cpu_period_us; 0: no limit */
	uint64_t cpu_period_us;
	int pids_limit; /* 0: no limit */

	struct spawn_bind *binds;
	size_t nbinds;
	struct spawn_tmpfs *tmpfs;
	size_t ntmpfs;
	const char **layers; /* lowest first; the rootfs is below all of them */
	size_t nlayers;
	bool read_only;

	enum spawn_net net;
	const char *netns_path; /* SPAWN_NET_JOIN: a bind-mounted namespace file */
	char *netns_owned;	/* netns_path when the options own it (freed with them) */
	struct spawn_net_request netreq;
	bool userns;
	uint64_t caps; /* effective, permitted and bounding set */

	enum spawn_restart restart;
	int max_restarts; /* on-failure:N; 0 = no limit */

	const char *state_base; /* NULL: STATE_BASE; the run root (manage/paths.h) */
	const char *init_path;	/* NULL: cinit beside cspawn */
	const char *config;	/* -c: host path of a cinit.ini */
	bool no_init;
	bool print_spec; /* print the config.json of the container, run nothing */

	/* run IMAGE (manage/runimage.c): the image, and the command's start */
	const char *image;	/* the image's name as given; NULL: ROOTFS is a directory */
	const char *image_id;	/* its id (sha256:...) */
	const char *entrypoint; /* --entrypoint: replaces the image's */
	char **owned_cmd;	/* o->cmd when the options own it */

	/* the container manager's (detached containers) */
	bool detach;	       /* -d */
	bool tty;	       /* -t: a pseudo-terminal of the container's own */
	bool interactive;      /* -i: with -t, stdin goes to it */
	bool name_given;       /* --name: else the store names it */
	uint64_t log_max_size; /* --log-opt max-size= (0: the default) */
	unsigned log_max_file; /* --log-opt max-file= (0: the default) */
	int stop_signal;       /* --stop-signal (0: SIGTERM) */
	int stop_timeout;      /* --stop-timeout seconds (-1: 10) */
	const char **labels;   /* --label KEY=VALUE, after an image's own */
	size_t nlabels;
	char **owned_labels; /* the image's, made KEY=VALUE (owned) */

	const char *rootfs;
	char **cmd; /* NULL-terminated, points into argv; ncmd == 0: default */
	int ncmd;
};

/* Whether the root gets an overlay with a writable layer (--layer, or an
 * image, whose layers are never written). */
bool spawn_has_overlay(const struct spawn_opts *o);

/* Parses argv. Returns 0 on success, 1 when --help or --version was asked
 * for (already printed), -1 on a usage error described in e. */
int spawn_parse_args(int argc, char **argv, struct spawn_opts *o, struct spawn_error *e);
void spawn_opts_free(struct spawn_opts *o);
void spawn_usage(FILE *out);

/* Parses "no", "on-failure", "on-failure:N", "always", "unless-stopped". */
int spawn_parse_restart(const char *s, enum spawn_restart *policy, int *max);
/* Parses "0.5" into a CFS quota per 100 ms period. */
int spawn_parse_cpus(const char *s, uint64_t *quota_us, uint64_t *period_us);
/* Docker's rule: a letter or digit, then letters, digits, '_', '.', '-'. */
bool spawn_name_valid(const char *name);
/* The same for a volume's name, with at least two characters. */
bool spawn_volume_name_valid(const char *name);
/* RFC 1123 host names, as docker checks --hostname, at most 64 bytes (the
 * kernel's limit). */
bool spawn_hostname_valid(const char *name);
/* True when an absolute path names "/" itself ("/", "/.", "/a/.."). */
bool spawn_path_is_root(const char *path);

#endif
