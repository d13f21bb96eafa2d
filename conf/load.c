/* conf_load and conf_load_string: files into the configuration, includes
 * followed, every error reported before giving up. */
#include "internal.h"
#include "units.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

/* ---- the loader's state ------------------------------------------------- */

static void loader_init(struct loader *L, FILE *errs)
{
	memset(L, 0, sizeof(*L));
	L->diag.errs = errs;
	L->supervisord_umask = -1;
	conf_defaults(&L->conf);
}

static void loader_release(struct loader *L)
{
	free(L->from_program);
	conf_free_argv(L->supervisord_env);
	free(L->supervisord_user);
	free(L->cinit_file);
	diag_dedupe(&L->diag, false);
	for (size_t i = 0; i < L->diag.held.n; i++)
		free(L->diag.held.v[i].text);
	free(L->diag.held.v);
	for (int i = 0; i < L->depth; i++)
		free(L->stack[i].name);
}

int loader_add_service(struct loader *L, struct service_conf *s, bool from_program)
{
	if (L->conf.n_services == L->cap_services) {
		int cap = L->cap_services ? L->cap_services * 2 : 8;
		struct service_conf *n = realloc(L->conf.services, (size_t)cap * sizeof(*n));
		bool *f;
		if (!n) {
			conf_service_free(s);
			return -1;
		}
		L->conf.services = n;
		f = realloc(L->from_program, (size_t)cap * sizeof(*f));
		if (!f) {
			conf_service_free(s);
			return -1;
		}
		L->from_program = f;
		L->cap_services = cap;
	}
	L->from_program[L->conf.n_services] = from_program;
	L->conf.services[L->conf.n_services++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

bool loader_room(struct loader *L, int n, size_t bytes, const struct where *w)
{
	if (L->conf.n_services > CONF_MAX_SERVICES - n) {
		diag_error(&L->diag, w,
			   "expected at most %d services in all; this section is not read",
			   CONF_MAX_SERVICES);
		return false;
	}
	if (bytes > (CONF_MAX_COPIED_BYTES - L->copied) / (size_t)n) {
		diag_error(&L->diag, w,
			   "expected at most %u MiB of sections with their numprocs copies; this "
			   "section is not read",
			   CONF_MAX_COPIED_BYTES >> 20);
		return false;
	}
	L->copied += bytes * (size_t)n;
	return true;
}

size_t section_bytes(const struct ini_section *sec)
{
	size_t n = strlen(sec->name ? sec->name : "");

	for (size_t i = 0; i < sec->n_entries; i++)
		n += strlen(sec->entries[i].key) + strlen(sec->entries[i].value) + 2;
	return n;
}

const char *loader_nodename(struct loader *L)
{
	struct utsname u;

	if (!L->nodename[0] && uname(&u) == 0) {
		strncpy(L->nodename, u.nodename, sizeof(L->nodename) - 1);
		L->nodename[sizeof(L->nodename) - 1] = '\0';
	}
	return L->nodename;
}

/* ---- one file ----------------------------------------------------------- */

/* "" for a file in the working directory, so that messages name included
 * files the way the user would: conf.d/web.conf, not ./conf.d/web.conf. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup("");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* %(here)s is absolute in supervisord; so it stays right after a service
 * changes its directory. */
static char *absolute_dir(const char *dir)
{
	char *abs = realpath(*dir ? dir : ".", NULL);

	return abs ? abs : strdup(dir);
}

static bool file_is_supervisord(const struct ini_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++)
		if (supervisord_section(doc->sections[i].name))
			return true;
	return false;
}

static void keys_before_sections(struct loader *L, const struct file_ctx *F,
				 const struct ini_section *sec)
{
	for (size_t i = 0; i < sec->n_entries; i++) {
		struct where w = {.file = F->name, .line = sec->entries[i].line};
		char buf[DIAG_SHOW_MAX];
		diag_error(&L->diag, &w,
			   "expected a [section] header before the first key, got '%s'",
			   diag_show(buf, sizeof(buf), sec->entries[i].key));
	}
}

static void unknown_section(struct loader *L, const struct file_ctx *F,
			    const struct ini_section *sec)
{
	struct where w = {.file = F->name, .line = sec->line, .section = sec->name};

	if (F->supervisord)
		diag_warn(&L->diag, &w, "unknown section, ignored");
	else
		diag_error(&L->diag, &w,
			   "unknown section; expected [cinit], [service:NAME] or [include]");
}

static void load_section(struct loader *L, const struct file_ctx *F, const struct ini_section *sec)
{
	if (sec->broken)
		return;
	if (!sec->name)
		keys_before_sections(L, F, sec);
	else if (strcmp(sec->name, "cinit") == 0)
		load_cinit_section(L, F, sec);
	else if (strncmp(sec->name, "service:", 8) == 0)
		load_service_section(L, F, sec);
	else if (strcmp(sec->name, "include") == 0)
		load_include_section(L, F, sec);
	else if (supervisord_section(sec->name))
		load_supervisord_section(L, F, sec);
	else
		unknown_section(L, F, sec);
}

static bool is_supervisord_header(const struct ini_section *sec)
{
	return sec->name && strcmp(sec->name, "supervisord") == 0;
}

static void load_prepared_section(struct loader *L, const struct file_ctx *F,
				  struct ini_section *sec)
{
	/* supervisord's parser cuts "; x" and "# x" inline comments from
	 * every line; cinit's own sections keep inih's rules */
	bool native = sec->name &&
		      (strcmp(sec->name, "cinit") == 0 || strncmp(sec->name, "service:", 8) == 0);

	for (size_t j = 0; F->supervisord && !native && j < sec->n_entries; j++)
		ini_strip_inline_comments(sec->entries[j].value);
	load_section(L, F, sec);
}

static void load_buffer(struct loader *L, const char *name, const char *dir, const char *buf,
			size_t len, bool supervisord)
{
	struct held_list outer = diag_hold(&L->diag);
	struct ini_doc doc;
	struct file_ctx F = {.name = name, .dir = dir};
	char *here;

	ini_doc_parse(&doc, name, buf, len, &L->diag);
	/* a conf.d file with only [program:x] sections is supervisord's, and
	 * so is one with no telling sections included by supervisord's */
	F.supervisord = file_is_supervisord(&doc) || supervisord;
	if (!(here = absolute_dir(dir))) {
		struct where w = {.file = name};
		diag_oom(&L->diag, &w);
		ini_doc_free(&doc);
		diag_unhold(&L->diag, outer);
		return;
	}
	F.here = here;
	/* supervisord reads [supervisord] before any program, wherever it
	 * stands in the file: its environment is every program's ENV_ */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < doc.n && L->diag.errors < DIAG_MAX_MESSAGES; i++)
			if (is_supervisord_header(&doc.sections[i]) == (pass == 0))
				load_prepared_section(L, &F, &doc.sections[i]);
	free(here);
	ini_doc_free(&doc);
	diag_unhold(&L->diag, outer);
}

/* Reads at most max bytes; EFBIG when there is more. */
static int read_all(int fd, size_t max, char **out, size_t *out_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t n;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;
			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			if (!(nb = realloc(buf, ncap + 1))) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

/* Reports a file problem at the include line, or at the file itself when
 * it is the one the user named. */
static void file_error(struct loader *L, const char *path, const struct where *from,
		       const char *what, const char *why)
{
	char buf[4096];

	if (from) {
		diag_error(&L->diag, from, "%s %s: %s", what, diag_show(buf, sizeof(buf), path),
			   why);
	} else {
		struct where w = {.file = path};
		diag_error(&L->diag, &w, "%s: %s", what, why);
	}
}

static bool include_cycle(struct loader *L, const struct stat *st, const char *path,
			  const struct where *from)
{
	int i;
	char *chain = NULL;
	size_t len = 0;
	FILE *m;

	for (i = 0; i < L->depth; i++)
		if (L->stack[i].dev == st->st_dev && L->stack[i].ino == st->st_ino)
			break;
	if (i == L->depth)
		return false;
	if (!(m = open_memstream(&chain, &len))) {
		diag_oom(&L->diag, from);
		return true;
	}
	for (int j = i; j < L->depth; j++)
		fprintf(m, "%s -> ", L->stack[j].name);
	fputs(path, m);
	if (fclose(m) != 0 || !chain)
		diag_oom(&L->diag, from);
	else
		diag_error(&L->diag, from, "expected no include cycle, got %s", chain);
	free(chain);
	return true;
}

/* Whether fd is on procfs or sysfs, whose "regular files" may be huge,
 * endless or blocking: a glob of the whole tree must not read them. */
static bool on_kernel_fs(int fd)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return false; /* then the read will say what is wrong */
	return fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC;
}

/* Opens a file to load. Includes are opened without blocking and must be
 * regular files: a glob may match a FIFO, and PID 1 must not hang on it.
 * The file the user named may be anything readable, /dev/stdin included. */
static int open_config(struct loader *L, const char *path, const struct where *from,
		       struct stat *st)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | (from ? O_NONBLOCK : 0);
	int fd = open(path, flags);

	if (fd < 0) {
		file_error(L, path, from, "cannot open", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		file_error(L, path, from, "cannot open", strerror(errno));
		close(fd);
		return -1;
	}
	if (from && !S_ISREG(st->st_mode)) {
		file_error(L, path, from, "cannot include", "not a regular file");
		close(fd);
		return -1;
	}
	if (from && on_kernel_fs(fd)) {
		file_error(L, path, from, "cannot include",
			   "not a config file: it is on /proc or /sys");
		close(fd);
		return -1;
	}
	return fd;
}

static size_t read_budget(const struct loader *L)
{
	size_t left = L->bytes < CONF_MAX_TOTAL_BYTES ? CONF_MAX_TOTAL_BYTES - L->bytes : 0;

	return left < CONF_MAX_FILE_BYTES ? left : CONF_MAX_FILE_BYTES;
}

void loader_load_file(struct loader *L, const char *path, bool supervisord,
		      const struct where *from)
{
	struct stat st;
	size_t len;
	char *buf, *dir;
	int fd, r;

	if (L->depth == CONF_MAX_INCLUDE_DEPTH) {
		file_error(L, path, from, "cannot include", "includes nest too deep");
		return;
	}
	if (L->files >= CONF_MAX_FILES) {
		if (!L->limit_said)
			file_error(L, path, from, "cannot include",
				   "more than 1024 files; the rest are skipped");
		L->limit_said = true;
		return;
	}
	L->files++;
	/* the includer's messages so far come before the included file's */
	if (from)
		diag_release(&L->diag, from->line);
	if ((fd = open_config(L, path, from, &st)) < 0)
		return;
	if (include_cycle(L, &st, path, from)) {
		close(fd);
		return;
	}
	r = read_all(fd, read_budget(L), &buf, &len);
	if (r < 0)
		file_error(L, path, from, "cannot read",
			   errno != EFBIG ? strerror(errno)
			   : read_budget(L) < CONF_MAX_FILE_BYTES
			       ? "the files add up to more than 16 MiB"
			       : "larger than 4 MiB");
	else
		L->bytes += len;
	if (close(fd) < 0 && r == 0)
		file_error(L, path, from, "cannot read", strerror(errno));
	if (r < 0)
		return;
	dir = dir_of(path);
	L->stack[L->depth].dev = st.st_dev;
	L->stack[L->depth].ino = st.st_ino;
	L->stack[L->depth].name = strdup(path);
	if (!dir || !L->stack[L->depth].name) {
		struct where w = {.file = path};
		diag_oom(&L->diag, &w);
		free(L->stack[L->depth].name);
	} else {
		L->depth++;
		load_buffer(L, path, dir, buf, len, supervisord);
		free(L->stack[--L->depth].name);
	}
	free(dir);
	free(buf);
}

/* ---- the whole configuration -------------------------------------------- */

/* What a supervisord program inherits from [supervisord]: its
 * environment, and the user and umask supervisord would have run as. */
static void inherit_from_supervisord(struct loader *L)
{
	for (int i = 0; i < L->conf.n_services; i++) {
		struct service_conf *s = &L->conf.services[i];
		struct where w = {.file = s->file, .line = s->line, .section = s->section};
		if (!L->from_program[i])
			continue;
		if (L->supervisord_env && env_merge_under(&s->env, L->supervisord_env) < 0)
			diag_oom(&L->diag, &w);
		if (L->supervisord_user && !s->user && !(s->user = strdup(L->supervisord_user)))
			diag_oom(&L->diag, &w);
		if (s->umask < 0)
			s->umask = L->supervisord_umask;
	}
}

static int loader_finish(struct loader *L, const char *name, struct cinit_conf *out)
{
	int errors;

	inherit_from_supervisord(L);
	L->diag.errors += conf_validate(&L->conf, L->diag.errs);
	errors = L->diag.errors;
	if (L->diag.unsaid && L->diag.errs)
		fprintf(L->diag.errs, "%s: and %d more errors and warnings\n", name ? name : "",
			L->diag.unsaid);
	if (!errors && L->conf.n_services == 0) {
		struct where w = {.file = name};
		diag_warn(&L->diag, &w, "no services defined");
	}
	loader_release(L);
	if (errors) {
		conf_free(&L->conf);
		memset(out, 0, sizeof(*out));
		return errors;
	}
	*out = L->conf;
	return 0;
}

int conf_load(const char *path, struct cinit_conf *out, FILE *errs)
{
	struct loader L;

	loader_init(&L, errs);
	loader_load_file(&L, path ? path : "", false, NULL);
	return loader_finish(&L, path, out);
}

int conf_load_string_at(const char *name, const char *dir, const char *text, struct cinit_conf *out,
			FILE *errs)
{
	struct loader L;

	if (!name)
		name = "(string)";
	loader_init(&L, errs);
	load_buffer(&L, name, dir ? dir : "", text ? text : "", text ? strlen(text) : 0, false);
	return loader_finish(&L, name, out);
}

int conf_load_string(const char *name, const char *text, struct cinit_conf *out, FILE *errs)
{
	return conf_load_string_at(name, NULL, text, out, errs);
}
