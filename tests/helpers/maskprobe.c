/* Test helper (static, runs inside the container): checks that the /proc
 * and /sys it sees carry every mask and read-only mount cspawn promises.
 * Arguments are paths as "ro:/proc/sys" (must be on a read-only mount),
 * "file:/proc/kcore" (must be masked by /dev/null) or "dir:/sys/firmware"
 * (must be an empty tmpfs), for the paths that exist on the host. Prints
 * one line: "ok", "noproc" when /proc (or /sys) is not that filesystem
 * at all (a swap hid it: nothing is exposed), or "LEAK path: why". */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

/* Each check opens the mount once and looks beneath that descriptor: the
 * attacker keeps swapping names while the probe runs, and a path looked up
 * twice could meet the empty decoy the second time. */
static int fs_is(int fd, long magic)
{
	struct statfs s;

	return fstatfs(fd, &s) == 0 && s.f_type == magic;
}

static int dir_is_empty(int fd)
{
	DIR *d = fdopendir(fd);
	struct dirent *ent;
	int n = 0;

	if (!d)
		return 0;
	while ((ent = readdir(d)))
		if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

/* NULL when mnt/rel is as promised, else why not. */
static const char *check(const char *kind, int mnt, const char *rel)
{
	int fd = openat(mnt, rel,
			O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW |
			    (strcmp(kind, "dir") == 0 ? O_DIRECTORY : 0));
	const char *why = NULL;
	struct statvfs v;
	struct stat st;

	if (fd < 0 && strcmp(kind, "file") == 0)
		fd = openat(mnt, rel, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return "cannot be opened";
	if (strcmp(kind, "ro") == 0)
		why = fstatvfs(fd, &v) == 0 && (v.f_flag & ST_RDONLY) ? NULL : "writable";
	else if (strcmp(kind, "file") == 0)
		why = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)
			  ? NULL
			  : "not masked by /dev/null";
	else if (strcmp(kind, "dir") == 0)
		why = fs_is(fd, TMPFS_MAGIC) && dir_is_empty(dup(fd)) ? NULL : "not an empty tmpfs";
	else
		why = "unknown kind";
	close(fd);
	return why;
}

int main(int argc, char **argv)
{
	int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int sys = open("/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (proc < 0 || sys < 0 || !fs_is(proc, PROC_SUPER_MAGIC) || !fs_is(sys, SYSFS_MAGIC)) {
		puts("noproc");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		char kind[8];
		const char *colon = strchr(argv[i], ':'), *why, *rel;
		int mnt;

		if (!colon || colon - argv[i] >= (int)sizeof(kind))
			return puts("bad argument"), 2;
		memcpy(kind, argv[i], (size_t)(colon - argv[i]));
		kind[colon - argv[i]] = '\0';
		rel = colon + 1;
		if (strncmp(rel, "/proc/", 6) == 0)
			mnt = proc, rel += 6;
		else if (strncmp(rel, "/sys/", 5) == 0)
			mnt = sys, rel += 5;
		else
			return puts("bad argument"), 2;
		why = check(kind, mnt, rel);
		if (why) {
			printf("LEAK %s: %s\n", colon + 1, why);
			return 1;
		}
	}
	puts("ok");
	return 0;
}
