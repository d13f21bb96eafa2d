/* The messages of a reader: errors and warnings, each "PATH: what". */
#include "oci/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void oci_msgv(struct oci_messages *m, bool warning, const char *fmt, va_list ap)
{
	char *text = NULL;

	if (warning)
		m->warnings++;
	else
		m->errors++;
	if (m->n >= OCI_MAX_MESSAGES) {
		m->dropped++;
		return;
	}
	if (!m->v && !(m->v = calloc(OCI_MAX_MESSAGES, sizeof(*m->v)))) {
		m->dropped++;
		return;
	}
	if (vasprintf(&text, fmt, ap) < 0) {
		m->dropped++;
		return;
	}
	m->v[m->n].warning = warning;
	m->v[m->n].text = text;
	m->n++;
}

void oci_msg(struct oci_messages *m, bool warning, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oci_msgv(m, warning, fmt, ap);
	va_end(ap);
}

void oci_messages_print(const struct oci_messages *m, FILE *f, const char *prefix)
{
	const char *sep = prefix && *prefix ? ": " : "";

	prefix = prefix ? prefix : "";
	for (size_t i = 0; i < m->n; i++)
		fprintf(f, "%s%s%s%s\n", prefix, sep, m->v[i].warning ? "warning: " : "",
			m->v[i].text);
	if (m->dropped)
		fprintf(f, "%s%sand %u more messages\n", prefix, sep, m->dropped);
}

void oci_messages_free(struct oci_messages *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].text);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

const char *oci_show(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 16)
		return "";
	buf[o++] = '"';
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		else
			esc[0] = (char)c, esc[1] = '\0';
		size_t el = strlen(esc);
		/* cut only before a character, never inside one; the room
		 * kept covers the longest character and the "..." */
		if ((c & 0xc0) != 0x80 && (i >= OCI_SHOW_MAX || o + 6 + 4 + 5 > len)) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, esc, el);
		o += el;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
