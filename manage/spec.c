#include "manage/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "manage/profile.h"
#include "spawn/privs.h"
#include "spawn/command.h"
#include "spawn/resolve.h"
#include "spawn/rootfs.h"

/* Sets key on obj to v, which it takes; false when either is missing. */
static bool put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

static bool push(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0;
}

static json_t *caps_list(uint64_t caps)
{
	json_t *list = json_array();

	for (int c = 0; list && c < 64; c++) {
		const char *name = oci_cap_name(c);

		if ((caps & (UINT64_C(1) << c)) && name && !push(list, json_string(name))) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/* The root's /etc/cinit.ini, in the top layer that has it. */
bool spec_root_has_config(const struct spawn_opts *o)
{
	for (size_t i = o->nlayers + 1; i-- > 0;) {
		const char *dir = i < o->nlayers ? o->layers[i] : o->rootfs;
		int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;

		if (root >= 0) {
			fd = resolve_open(root, "/etc/cinit.ini", O_PATH, RESOLVE_AUTO);
			close(root);
		}
		if (fd >= 0) {
			close(fd);
			return true;
		}
	}
	return false;
}

bool spec_env_names_config(const struct spawn_opts *o)
{
	for (size_t i = 0; i < o->nenv; i++)
		if (strncmp(o->env[i], "CINIT_CONFIG=", 13) == 0 && o->env[i][13])
			return true;
	return false;
}

/* cinit -- COMMAND, cinit -c CONFIG, or with --no-init the command. */
static json_t *args_of(const struct spawn_opts *o)
{
	json_t *args = json_array();
	bool ok = args != NULL;

	if (!o->no_init) {
		ok = ok && push(args, json_string(ROOTFS_INIT_PATH));
		if (o->config ||
		    (o->ncmd == 0 && !spec_env_names_config(o) && spec_root_has_config(o)))
			return ok && push(args, json_string("-c")) &&
				       push(args, json_string(o->config ? ROOTFS_CONFIG_PATH
									: "/etc/cinit.ini"))
				   ? args
				   : (json_decref(args), NULL);
		/* -e CINIT_CONFIG=PATH: cinit reads it itself, and gets no
		 * arguments at all */
		if (o->ncmd == 0 && spec_env_names_config(o))
			return ok ? args : (json_decref(args), NULL);
		ok = ok && push(args, json_string("--"));
	}
	if (o->ncmd == 0)
		ok = ok && push(args, json_string("/bin/sh"));
	for (int i = 0; ok && i < o->ncmd; i++)
		ok = push(args, json_string(o->cmd[i]));
	if (!ok) {
		json_decref(args);
		return NULL;
	}
	return args;
}

/* docker's defaults, then -e: a later KEY replaces an earlier one. */
static json_t *env_of(const struct spawn_opts *o)
{
	json_t *env = json_array();
	char host[SPAWN_MAX_NAME + 80];
	bool ok;

	snprintf(host, sizeof(host), "HOSTNAME=%s", o->hostname ? o->hostname : o->name);
	ok = env && push(env, json_string("PATH=" COMMAND_DEFAULT_PATH)) &&
	     push(env, json_string(host));
	for (size_t i = 0; ok && i < o->nenv; i++) {
		size_t key = strcspn(o->env[i], "=");
		size_t j;

		for (j = 0; j < json_array_size(env); j++) {
			const char *have = json_string_value(json_array_get(env, j));

			if (strncmp(have, o->env[i], key + 1) == 0)
				break;
		}
		if (j < json_array_size(env))
			ok = json_array_set_new(env, j, json_string(o->env[i])) == 0;
		else
			ok = push(env, json_string(o->env[i]));
	}
	if (!ok) {
		json_decref(env);
		return NULL;
	}
	return env;
}

/* With -t, the terminal starts at the size of cspawn's own, so that the
 * command never sees it unsized before the relay begins. */
static json_t *with_console_size(json_t *process, bool tty)
{
	struct winsize ws;

	if (process && tty && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		json_object_set_new(
		    process, "consoleSize",
		    json_pack("{s:i, s:i}", "height", ws.ws_row, "width", ws.ws_col));
	return process;
}

static json_t *process_of(const struct spawn_opts *o)
{
	json_t *caps = caps_list(o->caps);
	json_t *p = with_console_size(
	    json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:O, s:O}, s:b}", "terminal",
		      o->tty, "user", "uid", 0, "gid", 0, "args", args_of(o), "env", env_of(o),
		      "cwd", o->workdir ? o->workdir : "/", "capabilities", "bounding", caps,
		      "effective", caps, "permitted", caps, "noNewPrivileges", 1),
	    o->tty);

	/* cinit is never the OOM killer's victim: the runtime, which may,
	 * gives it SPEC_INIT_OOM_SCORE_ADJ, and cinit starts its services at
	 * 0 again (README, "cinit and the OOM killer"). Lowering a score
	 * takes CAP_SYS_RESOURCE, which some hosts (a container's) lack. */
	if (p && !o->no_init && privs_have_cap(CAP_SYS_RESOURCE) &&
	    json_object_set_new(p, "oomScoreAdj", json_integer(SPEC_INIT_OOM_SCORE_ADJ)) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static json_t *mount_of(const char *dest, const char *type, const char *source, json_t *options)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source",
			 source, "options", options);
}

/* A copy as long as the list: an overlay's lowerdir of many layers is
 * longer than any fixed buffer, and a cut one names a layer that is not
 * there. NULL when out of memory (json_pack then fails). */
static json_t *words(const char *list)
{
	json_t *arr = json_array();
	char *buf = strdup(list), *save = NULL;

	if (!buf) {
		json_decref(arr);
		return NULL;
	}
	for (char *w = strtok_r(buf, ",", &save); arr && w; w = strtok_r(NULL, ",", &save))
		if (!push(arr, json_string(w))) {
			json_decref(arr);
			arr = NULL;
		}
	free(buf);
	return arr;
}

/* overlayfs splits its options at ',' and lowerdir at ':' (and takes '\\'
 * as an escape): a path holding one, such as a ROOTFS or a --layer symlink
 * that resolved to "/img,upperdir=/etc", would be read as other options. */
static int check_overlay_paths(const struct spec_overlay *p, struct spawn_error *e)
{
	const char *paths[] = {p->rootfs, p->upper, p->work};

	for (size_t i = 0; i < p->nlayers + 3; i++) {
		const char *path = i < p->nlayers ? p->layers[i] : paths[i - p->nlayers];

		if (strpbrk(path, ":,\\"))
			return spawn_fail(e, "overlayfs cannot take ':', ',' or '\\' in a path: %s",
					  path);
	}
	return 0;
}

int spec_overlay_options(const struct spec_overlay *p, char *buf, size_t len, struct spawn_error *e)
{
	size_t off;

	if (check_overlay_paths(p, e) < 0)
		return -1;
	off = (size_t)snprintf(buf, len, "lowerdir=");
	/* overlayfs lists lower layers top first; the rootfs is the bottom. */
	for (size_t i = p->nlayers; i-- > 0 && off < len;)
		off += (size_t)snprintf(buf + off, len - off, "%s:", p->layers[i]);
	if (off < len)
		off +=
		    (size_t)snprintf(buf + off, len - off, "%s,upperdir=%s,workdir=%s%s", p->rootfs,
				     p->upper, p->work, p->userns ? ",userxattr" : "");
	if (off >= len)
		return spawn_fail(e, "overlay options are longer than %zu bytes", len - 1);
	return 0;
}

char *spec_overlay_options_new(const struct spec_overlay *p, struct spawn_error *e)
{
	size_t len = strlen(p->rootfs) + strlen(p->upper) + strlen(p->work) + 64;
	char *buf;

	for (size_t i = 0; i < p->nlayers; i++)
		len += strlen(p->layers[i]) + 1;
	buf = malloc(len);
	if (!buf)
		spawn_fail_errno(e, "the overlay's options");
	else if (spec_overlay_options(p, buf, len, e) < 0) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* overlayfs on the root: the writable layer on top of the layers and the
 * root, in the container's own mount namespace (a mount whose destination
 * is / takes the root's place: cspawn's convention, see README). */
static bool add_overlay(json_t *mounts, const struct spawn_opts *o, const struct spec_inputs *in,
			struct spawn_error *e)
{
	struct spec_overlay ov = {.rootfs = o->rootfs,
				  .layers = o->layers,
				  .nlayers = o->nlayers,
				  .upper = in->upper,
				  .work = in->work,
				  .userns = o->userns};
	char *data = spec_overlay_options_new(&ov, e);
	bool done = data && push(mounts, mount_of("/", "overlay", "overlay", words(data)));

	free(data);
	return done;
}

static json_t *tmpfs_options(const struct spawn_tmpfs *t)
{
	json_t *opts = json_pack("[s,s,s,s]", t->flags & MS_RDONLY ? "ro" : "rw",
				 t->flags & MS_NOSUID ? "nosuid" : "suid",
				 t->flags & MS_NODEV ? "nodev" : "dev",
				 t->flags & MS_NOEXEC ? "noexec" : "exec");
	json_t *data = words(t->data);
	size_t i;
	json_t *w;

	json_array_foreach(data, i, w) if (!push(opts, json_incref(w))) break;
	json_decref(data);
	return opts;
}

static bool add_user_mounts(json_t *mounts, const struct spawn_opts *o)
{
	for (size_t i = 0; i < o->ntmpfs; i++)
		if (!push(mounts, mount_of(o->tmpfs[i].path, "tmpfs", "tmpfs",
					   tmpfs_options(&o->tmpfs[i]))))
			return false;
	for (size_t i = 0; i < o->nbinds; i++)
		if (!push(mounts, mount_of(o->binds[i].ctr, "bind", o->binds[i].host,
					   json_pack("[s,s]", "rbind",
						     o->binds[i].read_only ? "ro" : "rw"))))
			return false;
	return true;
}

/* Read-only, so no process inside can write the host's cinit through
 * /proc/1/exe; on cspawn's own /dev, so nothing is written into the root. */
static bool add_cinit(json_t *mounts, const struct spawn_opts *o, const struct spec_inputs *in)
{
	if (!o->no_init &&
	    !push(mounts, mount_of(ROOTFS_INIT_PATH, "bind", in->init_path,
				   json_pack("[s,s,s,s]", "bind", "ro", "nosuid", "nodev"))))
		return false;
	return !o->config ||
	       push(mounts,
		    mount_of(ROOTFS_CONFIG_PATH, "bind", o->config,
			     json_pack("[s,s,s,s,s]", "bind", "ro", "nosuid", "nodev", "noexec")));
}

static json_t *mounts_of(const struct spawn_opts *o, const struct spec_inputs *in,
			 struct spawn_error *e)
{
	json_t *m = json_array();
	bool ok = m && (!spawn_has_overlay(o) || add_overlay(m, o, in, e));

	ok = ok && push(m, mount_of("/proc", "proc", "proc", words("nosuid,nodev,noexec"))) &&
	     push(m, mount_of("/sys", "sysfs", "sysfs", words("ro,nosuid,nodev,noexec"))) &&
	     push(m, mount_of("/dev", "tmpfs", "tmpfs",
			      words("nosuid,noexec,strictatime,mode=755,size=65536k"))) &&
	     push(m, mount_of("/dev/pts", "devpts", "devpts",
			      words("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"))) &&
	     push(m, mount_of("/dev/shm", "tmpfs", "shm",
			      words("nosuid,nodev,noexec,mode=1777,size=65536k"))) &&
	     push(m, mount_of("/dev/mqueue", "mqueue", "mqueue", words("nosuid,nodev,noexec"))) &&
	     add_user_mounts(m, o) && add_cinit(m, o, in);
	if (!ok) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static json_t *namespaces_of(const struct spawn_opts *o)
{
	json_t *ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type",
			       "mount", "type", "uts", "type", "ipc", "type", "cgroup");
	bool ok = ns != NULL;

	if (o->net == SPAWN_NET_NONE)
		ok = ok && push(ns, json_pack("{s:s}", "type", "network"));
	else if (o->net == SPAWN_NET_JOIN && o->netns_path)
		ok = ok &&
		     push(ns, json_pack("{s:s, s:s}", "type", "network", "path", o->netns_path));
	else if (o->net == SPAWN_NET_JOIN)
		ok = false; /* attached by the caller before the spec is made */
	if (o->userns)
		ok = ok && push(ns, json_pack("{s:s}", "type", "user"));
	if (!ok) {
		json_decref(ns);
		return NULL;
	}
	return ns;
}

static json_t *resources_of(const struct spawn_opts *o)
{
	json_t *r = json_pack("{s:o}", "devices", profile_device_rules());

	/* swap equal to the limit: memory and swap together, so no swap
	 * beyond it (docker allows as much swap again by default) */
	if (r && o->memory_bytes &&
	    !put(r, "memory",
		 json_pack("{s:I, s:I}", "limit", (json_int_t)o->memory_bytes, "swap",
			   (json_int_t)o->memory_bytes)))
		goto fail;
	if (r && o->cpu_quota_us &&
	    !put(r, "cpu",
		 json_pack("{s:I, s:I}", "quota", (json_int_t)o->cpu_quota_us, "period",
			   (json_int_t)o->cpu_period_us)))
		goto fail;
	if (r && o->pids_limit && !put(r, "pids", json_pack("{s:i}", "limit", o->pids_limit)))
		goto fail;
	return r;
fail:
	json_decref(r);
	return NULL;
}

static json_t *mapping(unsigned host, unsigned count)
{
	return json_pack("[{s:i, s:I, s:I}]", "containerID", 0, "hostID", (json_int_t)host, "size",
			 (json_int_t)count);
}

static json_t *linux_of(const struct spawn_opts *o, const struct spec_inputs *in)
{
	json_t *l =
	    json_pack("{s:o, s:o, s:o, s:o, s:o}", "namespaces", namespaces_of(o), "resources",
		      resources_of(o), "seccomp", profile_seccomp(o->caps), "maskedPaths",
		      profile_masked_paths(), "readonlyPaths", profile_readonly_paths());

	if (l && o->userns &&
	    (!put(l, "uidMappings", mapping(in->map->uid_base, in->map->uid_count)) ||
	     !put(l, "gidMappings", mapping(in->map->gid_base, in->map->gid_count)))) {
		json_decref(l);
		return NULL;
	}
	return l;
}

/* cspawn's own: the user by name, resolved inside the root; the command
 * cinit runs, looked up before the start (so that a missing one fails it
 * with 127, as without cinit). */
static json_t *annotations_of(const struct spawn_opts *o)
{
	json_t *a = json_object();

	if (a && o->user && json_object_set_new(a, "org.cspawn.user", json_string(o->user)) < 0)
		return json_decref(a), NULL;
	if (a && !o->no_init && !o->config && o->ncmd > 0 &&
	    json_object_set_new(a, "org.cspawn.check-arg", json_string("2")) < 0)
		return json_decref(a), NULL;
	return a;
}

static json_t *config_of(const struct spawn_opts *o, const struct spec_inputs *in,
			 struct spawn_error *e)
{
	json_t *c = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", OCI_VERSION,
			      "process", process_of(o), "root", "path", o->rootfs, "readonly",
			      o->read_only, "hostname", o->hostname ? o->hostname : o->name,
			      "mounts", mounts_of(o, in, e), "linux", linux_of(o, in));

	if (c && !put(c, "annotations", annotations_of(o))) {
		json_decref(c);
		return NULL;
	}
	return c;
}

char *spec_json_from_run(const struct spawn_opts *o, const struct spec_inputs *in,
			 struct spawn_error *e)
{
	json_t *c;
	char *text;

	e->msg[0] = '\0';
	c = config_of(o, in, e);
	if (!c) {
		if (!e->msg[0])
			spawn_fail(e, "building the container's spec: out of memory");
		return NULL;
	}
	text = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(c);
	if (!text)
		spawn_fail(e, "building the container's spec: out of memory");
	return text;
}

int spec_from_run(const struct spawn_opts *o, const struct spec_inputs *in, struct oci_config *out,
		  struct spawn_error *e)
{
	struct oci_messages msgs = {0};
	char *text = spec_json_from_run(o, in, e);
	int errors;

	if (!text)
		return -1;
	errors = oci_config_parse(text, strlen(text), 0, out, &msgs);
	free(text);
	if (errors)
		spawn_fail(e, "the container's spec is refused: %s",
			   msgs.n ? msgs.v[0].text : "(no message)");
	oci_messages_free(&msgs);
	return errors ? -1 : 0;
}
