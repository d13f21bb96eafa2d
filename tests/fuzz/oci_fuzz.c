/* libFuzzer target for the OCI documents' readers. Any bytes are read as a
 * config.json (strictly, and with OCI_ALLOW_UNSUPPORTED, which reaches the
 * whole model), a process document and a state; nothing may crash, leak or
 * trip a sanitizer. A config that reads must write, read again and write
 * the same text: the writer and the reader agree on every input found. */
#include "oci/oci.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *input, size_t size, const char *text,
		 const struct oci_messages *m)
{
	fprintf(stderr, "oci_fuzz: %s\ninput:\n%.*s\nwritten:\n%s\n", what, (int)size, input,
		text ? text : "(none)");
	if (m)
		oci_messages_print(m, stderr, "reading it again");
	abort();
}

static void round_trip(const struct oci_config *c, unsigned flags, const char *input, size_t size)
{
	struct oci_config again;
	struct oci_messages m = {0};
	char *text = oci_config_write(c), *text2;

	if (!text)
		return; /* only when out of memory: what was read is UTF-8 */
	if (oci_config_parse(text, strlen(text), flags, &again, &m) != 0)
		fail("the written config does not read", input, size, text, &m);
	if (!(text2 = oci_config_write(&again)) || strcmp(text, text2) != 0)
		fail("the config reads back to another one", input, size, text, NULL);
	free(text2);
	free(text);
	oci_config_free(&again);
	oci_messages_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	static const unsigned modes[] = {0, OCI_ALLOW_UNSUPPORTED};
	struct oci_messages m = {0};
	struct oci_config c;
	struct oci_process p;
	struct oci_state s;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (oci_config_parse(text, size, modes[i], &c, &m) == 0) {
			round_trip(&c, modes[i], text, size);
			oci_config_free(&c);
		}
		oci_messages_free(&m);
	}
	if (oci_process_parse(text, size, OCI_ALLOW_UNSUPPORTED, &p, &m) == 0) {
		free(oci_process_write(&p));
		oci_process_free(&p);
	}
	oci_messages_free(&m);
	if (oci_state_parse(text, size, &s, &m) == 0) {
		free(oci_state_write(&s));
		oci_state_free(&s);
	}
	oci_messages_free(&m);
	return 0;
}
