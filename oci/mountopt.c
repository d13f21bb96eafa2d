/* Mount options of config.json into what mount(2) and mount_setattr(2)
 * take. The spec says to pass unknown options to the filesystem; this
 * reader passes on only "key=value" options and the few bare words that
 * filesystems define (newinstance, ...): any other bare word is refused,
 * since a misspelt "bind" would otherwise mount something else. */
#include "oci/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

enum opt_kind {
	OPT_NONE,      /* defaults */
	OPT_SET,       /* flags |= v */
	OPT_CLEAR,     /* flags &= ~v */
	OPT_PROPAGATE, /* one propagation change */
	OPT_REC_SET,   /* recursive.set |= v */
	OPT_REC_CLEAR, /* recursive.clr |= v */
	OPT_REC_ATIME, /* the recursive atime mode becomes v */
	OPT_TMPCOPYUP,
};

static const struct mount_option {
	const char *name;
	enum opt_kind kind;
	unsigned long v;
} options[] = {
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"bind", OPT_SET, MS_BIND},
    {"defaults", OPT_NONE, 0},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"noatime", OPT_SET, MS_NOATIME},
    {"nodev", OPT_SET, MS_NODEV},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"private", OPT_PROPAGATE, MS_PRIVATE},
    {"ratime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rbind", OPT_SET, MS_BIND | MS_REC},
    {"rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV},
    {"rdiratime", OPT_REC_CLEAR, MOUNT_ATTR_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"remount", OPT_SET, MS_REMOUNT},
    {"rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC},
    {"rnoatime", OPT_REC_ATIME, MOUNT_ATTR_NOATIME},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    /* without relatime or strictatime the kernel's default is relatime,
     * as for mount(2) without MS_RELATIME */
    {"rnorelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rnostrictatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"ro", OPT_SET, MS_RDONLY},
    {"rprivate", OPT_PROPAGATE, MS_PRIVATE | MS_REC},
    {"rrelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY},
    {"rshared", OPT_PROPAGATE, MS_SHARED | MS_REC},
    {"rslave", OPT_PROPAGATE, MS_SLAVE | MS_REC},
    {"rstrictatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID},
    {"rsymfollow", OPT_REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    {"runbindable", OPT_PROPAGATE, MS_UNBINDABLE | MS_REC},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"shared", OPT_PROPAGATE, MS_SHARED},
    {"silent", OPT_SET, MS_SILENT},
    {"slave", OPT_PROPAGATE, MS_SLAVE},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"tmpcopyup", OPT_TMPCOPYUP, 0},
    {"unbindable", OPT_PROPAGATE, MS_UNBINDABLE},
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* Bare words that filesystems define themselves: devpts, overlay, tmpfs,
 * and the ext4/xfs words that bind-mounted volumes' users write. */
static const char *const fs_words[] = {
    "newinstance",  "userxattr", "volatile",  "inode32",    "inode64", "noswap",
    "quota",	    "usrquota",	 "grpquota",  "acl",	    "noacl",   "user_xattr",
    "nouser_xattr", "discard",	 "nodiscard", "norecovery", "noload",
};

const char *oci_mount_option_name(size_t i)
{
	return i < N_OPTIONS ? options[i].name : NULL;
}

static const struct mount_option *find_option(const char *name)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

static bool is_fs_option(const char *opt)
{
	if (strchr(opt, '=') && opt[0] != '=')
		return true;
	for (size_t i = 0; i < sizeof(fs_words) / sizeof(fs_words[0]); i++)
		if (strcmp(fs_words[i], opt) == 0)
			return true;
	return false;
}

static void apply(struct oci_mount *m, const struct mount_option *o)
{
	switch (o->kind) {
	case OPT_NONE:
		break;
	case OPT_SET:
		m->flags |= o->v;
		m->clear &= ~o->v;
		break;
	case OPT_CLEAR:
		m->flags &= ~o->v;
		m->clear |= o->v;
		break;
	case OPT_PROPAGATE:
		m->propagation[m->n_propagation++] = o->v;
		break;
	case OPT_REC_SET:
		m->recursive.set |= o->v;
		m->recursive.clr &= ~o->v;
		break;
	case OPT_REC_CLEAR:
		m->recursive.clr |= o->v;
		m->recursive.set &= ~o->v;
		break;
	case OPT_REC_ATIME:
		/* the kernel takes the atime mode only as a whole */
		m->recursive.set = (m->recursive.set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->v;
		m->recursive.clr |= MOUNT_ATTR__ATIME;
		break;
	case OPT_TMPCOPYUP:
		m->tmpcopyup = true;
		break;
	}
}

static bool append_data(char **data, size_t *len, const char *opt)
{
	size_t ol = strlen(opt);
	char *n = realloc(*data, *len + ol + 2);

	if (!n)
		return false;
	if (*len)
		n[(*len)++] = ',';
	memcpy(n + *len, opt, ol + 1);
	*len += ol;
	*data = n;
	return true;
}

bool oci_mount_option_known(const char *opt)
{
	return find_option(opt) || is_fs_option(opt);
}

int oci_mount_parse_options(struct oci_mount *m)
{
	size_t dlen = 0;

	free(m->propagation);
	free(m->data);
	m->flags = m->clear = 0;
	m->propagation = NULL;
	m->n_propagation = 0;
	m->recursive.set = m->recursive.clr = 0;
	m->data = NULL;
	m->tmpcopyup = false;
	if (m->options.n && !(m->propagation = calloc(m->options.n, sizeof(*m->propagation))))
		return -1;
	for (size_t i = 0; i < m->options.n; i++) {
		const char *opt = m->options.v[i];
		const struct mount_option *o = find_option(opt);

		if (o)
			apply(m, o);
		else if (is_fs_option(opt) && !append_data(&m->data, &dlen, opt))
			return -1;
	}
	return 0;
}
