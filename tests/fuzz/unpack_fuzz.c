/* libFuzzer target for the layer unpacker: any bytes are a layer blob
 * (tar, compressed or not) unpacked into an empty directory. Nothing may
 * crash or trip a sanitizer, and nothing may be made outside that
 * directory: the process works in a root of its own (a private mount
 * namespace, a tmpfs, chroot, a read-only /proc), whose top must hold only
 * the blob, the directory and /proc after each input, or the target
 * aborts. Give libFuzzer relative paths: absolute ones would be looked up
 * in that root. Run as root, as the
 * unpacker runs (ownership, device nodes, xattrs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "spawn/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "unpack_fuzz: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The working root: libFuzzer's own files (corpus, artifacts) are named
 * relative to the working directory, which stays outside it. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/unpack-fuzz.XXXXXX";

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		die("mkdtemp");
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare(CLONE_NEWNS) (run as root)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("making the mounts private");
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID, "size=256m,mode=0700") < 0)
		die("mounting a tmpfs");
	if (chroot(dir) < 0)
		die("chroot");
	/* LeakSanitizer reads /proc; read-only, so nothing escaping the layer
	 * could write to it */
	if (mkdir("/proc", 0555) < 0 ||
	    mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mounting a read-only /proc");
	/* the directory itself goes with the namespace's tmpfs; its name
	 * stays in /tmp of the host, empty */
	return 0;
}

static void only_ours_at_the_top(void)
{
	DIR *d = opendir("/");
	struct dirent *de;

	if (!d)
		die("opendir /");
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "layer") || !strcmp(de->d_name, "d") ||
		    !strcmp(de->d_name, "proc"))
			continue;
		fprintf(stderr, "unpack_fuzz: /%s was made outside the layer's directory\n",
			de->d_name);
		abort();
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char diff_id[IMAGE_DIGEST_LEN];
	struct spawn_error e;
	int fd = open("/layer", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		die("writing /layer");
	if (mkdir("/d", 0755) < 0 && errno != EEXIST)
		die("mkdir /d");
	(void)image_unpack_layer("/layer", "/d", diff_id, &e);
	only_ours_at_the_top();
	if (remove_tree("/d") < 0) {
		/* what the unpacker made must be removable: immutable flags
		 * and the like are not kept */
		fprintf(stderr, "unpack_fuzz: removing /d: %s\n", strerror(errno));
		abort();
	}
	return 0;
}
