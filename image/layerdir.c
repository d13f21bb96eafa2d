/* A layer unpacked into the store, once: in a file of its own, as only the
 * writers (pull, load, commit) need libarchive; cspawn reading the store
 * for run IMAGE does not. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"

int imgstore_unpack_from(struct image_store *s, const char *layer, const char *diff_id, int fd,
			 int feed, int64_t size, const char *tmp, struct spawn_error *e)
{
	char name[128], blob[128], blob_path[PATH_MAX], tmp_path[PATH_MAX];
	char got[IMAGE_DIGEST_LEN];
	int dfd, rc = -1;

	tmp_path[0] = '\0';
	imgstore_layer_name(diff_id, name, sizeof(name));
	if (imgstore_has(s, name))
		return 0;
	imgstore_blob_name(layer, blob, sizeof(blob));
	if (mkdirat(s->dir, tmp, 0755) < 0) {
		spawn_fail_errno(e, "create %s/%s", s->path, tmp);
		goto out;
	}
	if (imgstore_path(s, blob, blob_path, sizeof(blob_path), e) < 0 ||
	    imgstore_path(s, tmp, tmp_path, sizeof(tmp_path), e) < 0)
		goto out;
	if ((fd >= 0 ? unpack_layer_fd(fd, feed, size, blob_path, tmp_path, got, e)
		     : image_unpack_layer(blob_path, tmp_path, got, e)) < 0)
		goto out;
	if (strcmp(got, diff_id) != 0) {
		spawn_fail(e, "layer %s: its tar hashes to %s, the config says %s", layer, got,
			   diff_id);
		goto out;
	}
	/* Every file of the layer reaches the disk before the directory gets
	 * the name that readers trust. */
	if ((dfd = openat(s->dir, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    syncfs(dfd) < 0) {
		spawn_fail_errno(e, "syncfs %s", tmp_path);
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	if (renameat(s->dir, tmp, s->dir, name) < 0) {
		/* Someone else's copy landed first: theirs is as good. */
		if (errno == EEXIST || errno == ENOTEMPTY)
			rc = 0;
		else
			spawn_fail_errno(e, "rename %s to %s/%s", tmp_path, s->path, name);
		goto out;
	}
	rc = imgstore_sync_parent(s, name, e);
	tmp_path[0] = '\0';
out:
	if (tmp_path[0] && remove_tree(tmp_path) < 0 && rc == 0)
		rc = spawn_fail_errno(e, "remove %s", tmp_path);
	/* A layer that fails while its download runs says so once the
	 * download is over: a blob that does not hash to its digest is named
	 * as that, not by what its damage did to the tar. */
	if (rc < 0 && feed >= 0)
		unpack_wait_download(feed);
	return rc;
}

int imgstore_unpack(struct image_store *s, const char *layer, const char *diff_id,
		    struct spawn_error *e)
{
	char tmp[128];

	imgstore_tmp_name(tmp, sizeof(tmp), "dir");
	return imgstore_unpack_from(s, layer, diff_id, -1, -1, -1, tmp, e);
}
