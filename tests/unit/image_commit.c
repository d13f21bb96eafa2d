/* image_commit on an upper directory made by a real overlay mount (in a
 * private mount namespace): the change, the deletion and the opaque
 * directory come back as .wh. entries, and the new image's layers, under
 * an overlay again, show what the container saw. Needs root. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/internal.h"
#include "tests/tap.h"

static char top[64];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void tar_file(struct archive *a, const char *name, mode_t type, const char *data)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
	archive_write_header(a, e);
	if (data)
		archive_write_data(a, data, strlen(data));
	archive_entry_free(e);
}

/* A base image "base:1" of one layer: f, keep, d/x, d/y. */
static int make_base(struct image_store *s, struct spawn_error *e)
{
	char path[PATH_MAX], layer[IMAGE_DIGEST_LEN], cfg[IMAGE_DIGEST_LEN], man[IMAGE_DIGEST_LEN];
	char text[2048];
	struct archive *a = archive_write_new();
	struct stat st;
	int dir = open(top, O_RDONLY | O_DIRECTORY), rc;

	snprintf(path, sizeof(path), "%s/base.tar", top);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, path);
	tar_file(a, "f", AE_IFREG, "f\n");
	tar_file(a, "keep", AE_IFREG, "keep\n");
	tar_file(a, "d", AE_IFDIR, NULL);
	tar_file(a, "d/x", AE_IFREG, "x\n");
	tar_file(a, "d/y", AE_IFREG, "y\n");
	archive_write_free(a);
	rc = imgstore_import_file(s, dir, "base.tar", NULL, -1, layer, e);
	close(dir);
	if (rc < 0 || imgstore_unpack(s, layer, layer, e) < 0)
		return -1;
	stat(path, &st);
	snprintf(text, sizeof(text),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		 layer);
	if (imgstore_put_blob(s, text, strlen(text), NULL, cfg, e) < 0)
		return -1;
	snprintf(text, sizeof(text),
		 "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_MANIFEST
		 "\",\"config\":{\"mediaType\":"
		 "\"" MT_OCI_CONFIG
		 "\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"" MT_OCI_LAYER
		 "\",\"digest\":\"%s\",\"size\":%lld}]}",
		 cfg, strlen(strchr(text, '{')), layer, (long long)st.st_size);
	if (imgstore_put_blob(s, text, strlen(text), NULL, man, e) < 0)
		return -1;
	return index_add_image(s, man, "docker.io/library/base:1", e);
}

static int overlay(const char *lower, const char *upper, const char *work, const char *mnt)
{
	char opts[3 * PATH_MAX + 64];

	if (upper)
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper,
			 work);
	else
		snprintf(opts, sizeof(opts), "lowerdir=%s", lower);
	return mount("overlay", mnt, "overlay", 0, opts);
}

/* What a container does: add, delete, and replace a directory whole. */
static void change(const char *mnt)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/new", mnt);
	put(p, "added\n");
	snprintf(p, sizeof(p), "%s/f", mnt);
	unlink(p);
	snprintf(p, sizeof(p), "%s/d/x", mnt);
	unlink(p);
	snprintf(p, sizeof(p), "%s/d/y", mnt);
	unlink(p);
	snprintf(p, sizeof(p), "%s/d", mnt);
	rmdir(p);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/d/z", mnt);
	put(p, "z\n");
}

static char *tar_names(const char *blob)
{
	static char names[1024];
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	names[0] = '\0';
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, blob, 65536) == ARCHIVE_OK)
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			const char *n;
			size_t sz;
			const void *v;
			strcat(names, archive_entry_pathname(e));
			archive_entry_xattr_reset(e);
			while (archive_entry_xattr_next(e, &n, &v, &sz) == ARCHIVE_OK)
				if (strncmp(n, "trusted.overlay.", 16) == 0)
					strcat(names, "(overlay xattr!)");
			strcat(names, " ");
		}
	archive_read_free(a);
	return names;
}

static const char *listing(const char *dir)
{
	static char out[512];
	char cmd[256];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd '%s' && find . | sort | tr '\\n' ' '", dir);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, sizeof(out) - 1, p) : 0;
	out[n] = '\0';
	if (p)
		pclose(p);
	return out;
}

int main(void)
{
	char store_dir[128], upper[128], work[128], mnt[128], lower[2 * PATH_MAX + 2];
	char id[IMAGE_DIGEST_LEN], p[PATH_MAX + 128], v[4] = "";
	struct image_commit_opts o = {.tag = "committed:2", .comment = "a test"};
	struct image_resolved base, img;
	struct image_store s = {.dir = -1};
	struct spawn_error e = {""};
	struct stat st;
	json_t *cfg;

	tap_plan(13);
	snprintf(top, sizeof(top), "/tmp/image-commit.XXXXXX");
	if (geteuid() != 0 || !mkdtemp(top) || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("Bail out! needs root and a private mount namespace\n");
		return 1;
	}
	snprintf(store_dir, sizeof(store_dir), "%s/store", top);
	snprintf(upper, sizeof(upper), "%s/upper", top);
	snprintf(work, sizeof(work), "%s/work", top);
	snprintf(mnt, sizeof(mnt), "%s/mnt", top);
	mkdir(upper, 0755);
	mkdir(work, 0755);
	mkdir(mnt, 0755);
	ok(image_store_open(&s, store_dir, &e) == 0 && make_base(&s, &e) == 0, "a base image: %s",
	   e.msg);
	ok(image_resolve(&s, "base:1", &base, &e) == 0 && base.nlayers == 1, "it resolves");
	ok(overlay(base.layers[0], upper, work, mnt) == 0, "a real overlay over its layer");
	change(mnt);
	ok(umount(mnt) == 0, "changed through it, unmounted");
	snprintf(p, sizeof(p), "%s/f", upper);
	ok(stat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
	   "the kernel left a whiteout for f in the upper dir");

	ok(image_commit(&s, "base:1", upper, &o, id, &e) == 0, "image_commit: %s", e.msg);
	ok(image_resolve(&s, "committed:2", &img, &e) == 0 && img.nlayers == 2 &&
	       strcmp(img.layers[0], base.layers[0]) == 0 && strcmp(img.id, id) == 0,
	   "the new image has the base layer and one more, and the id it said");
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", store_dir, strrchr(img.layers[1], '/') + 1);
	is_str(tar_names(p), "d/ d/.wh..wh..opq d/z .wh.f new ",
	       "its layer tar: a .wh. file, an opaque marker, the additions, no overlay xattrs");
	snprintf(p, sizeof(p), "%s/d", img.layers[1]);
	ok(getxattr(p, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y',
	   "unpacked again, d is opaque");
	snprintf(lower, sizeof(lower), "%s:%s", img.layers[1], img.layers[0]);
	ok(overlay(lower, NULL, NULL, mnt) == 0, "the new image's layers under an overlay");
	is_str(listing(mnt), ". ./d ./d/z ./keep ./new ", "show the change and the deletions");
	umount(mnt);
	is_str(img.config.cmd ? img.config.cmd[0] : NULL, "/bin/sh",
	       "the base config carries over");
	cfg = imgstore_read_json(&s, id, &e);
	ok(cfg &&
	       json_array_size(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids")) == 2 &&
	       strcmp(json_str(json_array_get(json_object_get(cfg, "history"), 0), "comment"),
		      "a test") == 0,
	   "the new config has two diff_ids and the history entry");
	json_decref(cfg);
	image_resolved_free(&base);
	image_resolved_free(&img);
	image_store_close(&s);
	remove_tree(top);
	return tap_done();
}
