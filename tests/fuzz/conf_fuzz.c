/* libFuzzer target for the config loader. Any bytes are loaded as a config;
 * nothing may crash, leak or trip a sanitizer. When the bytes load, the
 * printed configuration must load again to an equal one, which checks
 * conf_print's quoting against the parser on every input the fuzzer finds.
 *
 * Includes resolve against a scratch directory holding a few files, so that
 * relative includes (and include cycles) have something to find; the
 * working directory stays libFuzzer's, whose paths are relative to it. */
#include "conf/conf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* State of the harness, not of the code under test. */
static FILE *sink;
static char scratch[] = "/tmp/conf_fuzz.XXXXXX";

static const struct {
	const char *path, *text;
} files[] = {
    {"conf.d/web.conf", "[program:web]\ncommand=nginx -g 'daemon off;'\n"},
    {"conf.d/worker.ini", "[service:worker]\ncommand=worker --queue %(ENV_HOME)s\n"},
    {"a.ini", "[include]\nfiles = b.ini\n"},
    {"b.ini", "[include]\nfiles = a.ini\n"},
    {"c.ini", "[service:c]\ncommand = c\ndepends = web\n"},
};

static void die(const char *what)
{
	fprintf(stderr, "conf_fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

static void remove_scratch(void)
{
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", scratch, files[i].path);
		unlink(path);
	}
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/conf.d", scratch);
	rmdir(dir);
	rmdir(scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[512];

	(void)argc, (void)argv;
	if (!(sink = fopen("/dev/null", "w")))
		die("/dev/null");
	if (!mkdtemp(scratch))
		die("mkdtemp");
	snprintf(path, sizeof(path), "%s/conf.d", scratch);
	if (mkdir(path, 0700) < 0)
		die(path);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", scratch, files[i].path);
		if (!(f = fopen(path, "w")) || fputs(files[i].text, f) < 0 || fclose(f) != 0)
			die(path);
	}
	atexit(remove_scratch);
	return 0;
}

static int confs_equal(const struct cinit_conf *a, const struct cinit_conf *b)
{
	if (a->shutdown_timeout_ms != b->shutdown_timeout_ms || a->grace_ms != b->grace_ms ||
	    a->log_format != b->log_format || a->verbosity != b->verbosity ||
	    (a->control_socket == NULL) != (b->control_socket == NULL) ||
	    (a->control_socket && strcmp(a->control_socket, b->control_socket) != 0) ||
	    a->n_services != b->n_services)
		return 0;
	for (int i = 0; i < a->n_services; i++)
		if (!conf_service_equal(&a->services[i], &b->services[i]))
			return 0;
	return 1;
}

static void round_trip(const struct cinit_conf *c, const char *input)
{
	struct cinit_conf again;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		die("open_memstream");
	conf_print(m, c);
	if (fclose(m) != 0)
		die("conf_print");
	if (conf_load_string("printed.ini", text, &again, sink) != 0) {
		fprintf(stderr, "input:\n%s\nprinted:\n%s\nreloading says:\n", input, text);
		conf_load_string("printed.ini", text, &again, stderr);
		abort();
	}
	if (!confs_equal(c, &again)) {
		fprintf(stderr, "input:\n%s\nprinted:\n%s\nreloads to a different config\n", input,
			text);
		abort();
	}
	conf_free(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cinit_conf c;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (conf_load_string_at("fuzz.ini", scratch, text, &c, sink) == 0) {
		round_trip(&c, text);
		conf_free(&c);
	}
	free(text);
	return 0;
}
