/* SHA-256 digests, the only algorithm the store names blobs by. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "image/internal.h"

int digester_init(struct digester *d, struct spawn_error *e)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	d->size = 0;
	d->ctx = ctx;
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		digester_free(d);
		return spawn_fail(e, "sha256: cannot set up a digest context (libcrypto)");
	}
	return 0;
}

void digester_update(struct digester *d, const void *p, size_t n)
{
	/* Cannot fail for an initialized SHA-256 context. */
	EVP_DigestUpdate(d->ctx, p, n);
	d->size += n;
}

void digester_final(struct digester *d, char out[IMAGE_DIGEST_LEN])
{
	unsigned char md[32];
	unsigned int n = 0;
	char *o = out + 7;

	EVP_DigestFinal_ex(d->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < n; i++, o += 2)
		snprintf(o, 3, "%02x", md[i]);
	digester_free(d);
}

void digester_free(struct digester *d)
{
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
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
