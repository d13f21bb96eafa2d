/* libFuzzer target for what a registry or an archive hands the image code:
 * any bytes are read as a manifest, an index (with a platform picked), an
 * image config, a reference and a WWW-Authenticate challenge; nothing may
 * crash, leak or trip a sanitizer. A reference that parses must format to
 * a text that parses to the same reference. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void as_documents(const char *text, size_t size)
{
	struct spawn_error e;
	json_t *root = json_parse(text, size, "fuzz input", &e);
	const char *mt;

	if (!root)
		return;
	mt = manifest_media_type(root);
	if (mt && media_is_index(mt)) {
		struct descriptor d;

		(void)index_pick(root, NULL, &d, "fuzz index", &e);
		(void)index_pick(root, "linux/arm64/v8", &d, "fuzz index", &e);
	} else {
		struct manifest m = {0};

		if (manifest_parse(root, &m, "fuzz manifest", &e) == 0)
			manifest_free(&m);
	}
	{
		struct image_config c = {0};
		const char **ids = NULL;
		size_t n = 0;

		if (config_diff_ids(root, &ids, &n, "fuzz config", &e) == 0)
			free(ids);
		if (config_parse(root, &c, &e) == 0)
			config_free(&c);
	}
	json_decref(root);
}

static void as_reference(const char *text)
{
	struct image_ref r, again;
	struct spawn_error e;
	char out[2048], full[700];
	struct challenge ch;

	(void)ref_full_name(text, full, sizeof(full), &e);
	(void)challenge_parse(text, &ch);
	if (image_ref_parse(text, &r, &e) < 0)
		return;
	image_ref_format(&r, out, sizeof(out));
	if (image_ref_parse(out, &again, &e) < 0) {
		fprintf(stderr, "image_fuzz: '%s' formats to '%s', which does not parse: %s\n",
			text, out, e.msg);
		abort();
	}
	image_ref_format(&again, full, sizeof(full));
	if (strcmp(out, full) != 0) {
		fprintf(stderr, "image_fuzz: '%s' -> '%s' -> '%s'\n", text, out, full);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	as_documents(text, size);
	if (size < 1024 && !memchr(data, '\0', size))
		as_reference(text);
	free(text);
	return 0;
}
