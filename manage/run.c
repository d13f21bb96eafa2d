/* `cspawn run` in the foreground: a root filesystem as a container, with
 * cinit as PID 1, and cspawn staying outside as its monitor. */
#include "manage/commands.h"
#include "manage/lifecycle.h"
#include "manage/netglue.h"
#include "manage/paths.h"
#include "manage/runimage.h"
#include "manage/spec.h"
#include "manage/volume.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "manage/paths.h"
#include "manage/runimage.h"
#include "net/net.h"
#include "spawn/monitor.h"
#include "spawn/options.h"

/* Absolute copies of the paths the container is built from, freed at exit. */
struct host_paths {
	char *rootfs;
	char **layers;
	size_t nlayers;
	char *init;
	char *config;
	struct image_resolved image; /* run IMAGE: o points into it */
	bool has_image;
	struct volume_run volumes; /* -v NAME:CTR, -v CTR, the image's */
};

static int fail(const char *fmt, const char *arg, const char *why)
{
	fprintf(stderr, "cspawn: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": %s\n", why);
	return -1;
}

/* The host's root, and the kernel's own trees: a container built there
 * would create its mount points in the host's /dev or cgroup tree. */
static const char *unusable_root(const char *path)
{
	static const char *const kernel_trees[] = {"/proc", "/sys", "/dev"};
	struct statfs sfs;

	if (strcmp(path, "/") == 0)
		return "the host's own root cannot be a container's";
	for (size_t i = 0; i < sizeof(kernel_trees) / sizeof(kernel_trees[0]); i++) {
		size_t len = strlen(kernel_trees[i]);

		if (strncmp(path, kernel_trees[i], len) == 0 && (path[len] == '/' || !path[len]))
			return "on /proc, /sys or /dev: not a root filesystem";
	}
	if (statfs(path, &sfs) == 0 &&
	    (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC ||
	     sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC))
		return "on a kernel filesystem (proc, sysfs, cgroup): not a root filesystem";
	return NULL;
}

static int absolute_dir(const char *what, const char *path, char **out)
{
	struct stat st;
	const char *why;

	*out = realpath(path, NULL);
	if (!*out)
		return fail(what, path, strerror(errno));
	if (stat(*out, &st) < 0)
		return fail(what, path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(what, path, "not a directory");
	why = unusable_root(*out);
	if (why)
		return fail(what, path, why);
	return 0;
}

/* The cinit installed beside cspawn, or --init PATH. */
static int find_init(const struct spawn_opts *o, char **out)
{
	char self[PATH_MAX], path[PATH_MAX + 8];
	ssize_t n;

	if (o->init_path) {
		snprintf(path, sizeof(path), "%s", o->init_path);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return fail("%s", "readlink /proc/self/exe", strerror(errno));
		self[n] = '\0';
		*strrchr(self, '/') = '\0';
		snprintf(path, sizeof(path), "%s/cinit", self);
	}
	*out = realpath(path, NULL);
	if (!*out || access(*out, X_OK) < 0)
		return fail("cinit %s (give --init PATH)", path, strerror(errno));
	return 0;
}

/* Without --userns the container's root is the host's root: in a ROOTFS
 * it can write, it can leave setuid-root files and device nodes, and a
 * host user who owns or can write that directory could use them. */
static void warn_if_exposed(const struct spawn_opts *o)
{
	struct stat st;

	if (o->userns || spawn_has_overlay(o) || o->read_only || stat(o->rootfs, &st) < 0)
		return;
	if (st.st_uid != 0 || (st.st_mode & S_IWOTH) || (st.st_gid != 0 && (st.st_mode & S_IWGRP)))
		fprintf(
		    stderr,
		    "cspawn: warning: ROOTFS %s is owned or writable by a user other than root: "
		    "setuid files and device nodes the container's root makes there are theirs "
		    "to use on the host; use --userns (or --layer, or --read-only)\n",
		    o->rootfs);
}

/* ROOTFS as an image of the store: a name that is no path (no leading / or
 * ., and no directory of that name here). */
static int resolve_image(struct spawn_opts *o, struct host_paths *h)
{
	struct cspawn_roots roots;
	struct spawn_error e;
	struct stat st;
	int rc;

	if (o->rootfs[0] == '/' || o->rootfs[0] == '.' || stat(o->rootfs, &st) == 0)
		return 0;
	if (paths_roots(&roots, &e) < 0)
		return fail("%s", "--root", e.msg);
	rc = runimage_resolve(o, &roots, &h->image, &e);
	if (rc < 0)
		return fail("%s", o->rootfs, e.msg);
	if (rc == 0)
		return fail("%s", o->rootfs,
			    "no such directory, and no image of that name in the store "
			    "(cspawn pull it first)");
	h->has_image = true;
	return rc;
}

static int resolve_paths(struct spawn_opts *o, struct host_paths *h)
{
	struct stat st;
	int image = resolve_image(o, h);

	if (image < 0)
		return -1;
	/* an image's layers are the store's own directories, absolute */
	if (!image && absolute_dir("ROOTFS %s", o->rootfs, &h->rootfs) < 0)
		return -1;
	if (!image)
		o->rootfs = h->rootfs;
	h->layers = calloc(o->nlayers + 1, sizeof(*h->layers));
	if (!h->layers)
		return fail("%s", "calloc", strerror(errno));
	for (size_t i = 0; !image && i < o->nlayers; i++, h->nlayers++) {
		if (absolute_dir("--layer %s", o->layers[i], &h->layers[i]) < 0)
			return -1;
		o->layers[i] = h->layers[i];
	}
	/* With --no-init too: the command starts through cinit's exec
	 * trampoline (spawn/command.h). */
	if (find_init(o, &h->init) < 0)
		return -1;
	if (o->config) {
		h->config = realpath(o->config, NULL);
		if (!h->config || stat(h->config, &st) < 0)
			return fail("-c %s", o->config, strerror(errno));
		o->config = h->config;
	}
	return 0;
}

static void free_paths(struct host_paths *h)
{
	free(h->rootfs);
	for (size_t i = 0; i < h->nlayers; i++)
		free(h->layers[i]);
	free(h->layers);
	free(h->init);
	free(h->config);
	if (h->has_image)
		image_resolved_free(&h->image);
}

/* The volumes of the run, made and held before the spec names them. */
static int prepare_volumes(struct spawn_opts *o, struct host_paths *h,
			   const struct cspawn_roots *roots)
{
	struct spawn_error e;

	if (volume_run_prepare(o, roots, h->has_image ? h->image.config.volumes : NULL, &h->volumes,
			       &e) < 0)
		return fail("%s", "-v", e.msg);
	return 0;
}

/* The flags as a spec, run by the monitor. */
static int run_spec(struct spawn_opts *o, struct host_paths *h, const struct cspawn_roots *roots)
{
	const char *init = h->init;
	char upper[PATH_MAX], work[PATH_MAX];
	struct spec_inputs in = {.init_path = init, .upper = upper, .work = work};
	struct userns_map map;
	struct oci_config cfg;
	struct spawn_error e;
	int rc;

	if (o->detach && !o->print_spec) {
		json_t *vols = volume_run_record(o, &h->volumes);

		rc = lifecycle_run_detached(o, init, roots, vols);
		json_decref(vols);
		return rc;
	}
	if (o->userns && userns_default_map(&map, &e) < 0)
		return fail("%s", "--userns", e.msg), 125;
	in.map = &map;
	if (format_path(upper, sizeof(upper), "%s/%s/rw/upper", o->state_base, o->name) < 0 ||
	    format_path(work, sizeof(work), "%s/%s/rw/work", o->state_base, o->name) < 0)
		return fail("%s", "the writable layer's path", strerror(errno)), 125;
	if (spec_from_run(o, &in, &cfg, &e) < 0)
		return fail("%s", o->name, e.msg), 125;
	if (o->print_spec) {
		char *text = oci_config_write(&cfg);

		rc = text && fputs(text, stdout) >= 0 ? 0 : 125;
		free(text);
	} else {
		rc = monitor_run(o, &cfg, init);
	}
	oci_config_free(&cfg);
	return rc;
}

/* The network of a foreground run (`--net bridge`, the default, or a user
 * network): attached before the monitor starts the container, so every
 * restart joins the same namespace, and removed after its last run. A
 * detached container's monitor attaches its own at each start. */
static int attach_network(struct spawn_opts *o, struct netglue *g)
{
	json_t *req = netglue_request(o);
	struct spawn_error e;
	int rc = 0;

	memset(g, 0, sizeof(*g));
	if (!req || o->detach)
		goto out;
	/* the spec names the attachment's paths; --print-spec attaches nothing */
	if (netglue_spec(o, o->name, &e) < 0 ||
	    (!o->print_spec && netglue_attach(g, req, o->name, &e) < 0))
		rc = fail("%s", o->name, e.msg);
out:
	json_decref(req);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	struct netglue net = {0};
	struct host_paths paths = {0};
	struct cspawn_roots roots;
	struct spawn_opts o;
	struct spawn_error e;
	int rc;

	rc = spawn_parse_args(argc, argv, &o, &e);
	if (rc != 0) {
		if (rc < 0) {
			fprintf(stderr, "cspawn: %s\n", e.msg);
			spawn_usage(stderr);
		}
		spawn_opts_free(&o);
		return rc < 0 ? 125 : 0;
	}
	/* A child that dies early closes its pipes: cspawn must see EPIPE,
	 * not die of SIGPIPE (the child resets it for the container). */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("cspawn: signal(SIGPIPE)");
		rc = 125;
	} else if (geteuid() != 0) {
		fprintf(stderr, "cspawn: must run as root (namespaces, mounts and cgroups)\n");
		rc = 125;
	} else if (resolve_paths(&o, &paths) < 0 || attach_network(&o, &net) < 0) {
		rc = 125;
	} else if (paths_roots(&roots, &e) < 0) {
		fprintf(stderr, "cspawn: %s\n", e.msg);
		rc = 125;
	} else {
		o.state_base = roots.run;
		warn_if_exposed(&o);
		rc = prepare_volumes(&o, &paths, &roots) < 0 ? 125 : run_spec(&o, &paths, &roots);
		volume_run_release(&paths.volumes, &roots);
	}
	netglue_detach(&net, o.name, true);
	free_paths(&paths);
	spawn_opts_free(&o);
	return rc;
}
