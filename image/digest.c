/* SHA-256 digests, the only algorithm the store names blobs by. */
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "image/internal.h"

/* nettle, not libcrypto: cspawn itself reads the store (run IMAGE), and
 * libcrypto alone would add a millisecond to the start of every command. */
int digester_init(struct digester *d, struct spawn_error *e)
{
	(void)e;
	sha256_init(&d->ctx);
	d->size = 0;
	return 0;
}

void digester_update(struct digester *d, const void *p, size_t n)
{
	sha256_update(&d->ctx, n, p);
	d->size += n;
}

void digester_final(struct digester *d, char out[IMAGE_DIGEST_LEN])
{
	uint8_t md[SHA256_DIGEST_SIZE];
	char *o = out + 7;

	sha256_digest(&d->ctx, sizeof(md), md);
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < sizeof(md); i++, o += 2)
		snprintf(o, 3, "%02x", md[i]);
}

void digester_free(struct digester *d)
{
	(void)d; /* nothing is allocated */
}

int digest_buffer(const void *p, size_t n, char out[IMAGE_DIGEST_LEN], struct spawn_error *e)
{
	struct digester d;

	if (digester_init(&d, e) < 0)
		return -1;
	digester_update(&d, p, n);
	digester_final(&d, out);
	return 0;
}

bool digest_valid(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
		return false;
	for (const char *p = digest + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *digest_hex(const char *digest)
{
	return digest + 7;
}
