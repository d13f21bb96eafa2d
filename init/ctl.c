/* The client of the control socket. It sends one request line and copies
 * the reply to stdout and stderr; cinit does the formatting, so this side
 * stays small. The protocol is described in supervise/control.c. */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/conf.h"

#define CTL_PROTOCOL "cinit-ctl/1"
#define CTL_MAX_REQUEST 4096
#define CTL_MAX_LINE (1u << 20)

static const char *program_name(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	return slash ? slash + 1 : argv0;
}

bool ctl_wanted(int argc, char **argv)
{
	const char *name = program_name(argv[0]);

	return strcmp(name, "supervisorctl") == 0 || strcmp(name, "cinit-ctl") == 0 ||
	       (argc > 1 && strcmp(argv[1], "ctl") == 0);
}

static void usage(FILE *f, const char *name)
{
	fprintf(f,
		"usage: %s [-s SOCKET] [-c FILE] COMMAND [ARG...]\n"
		"\n"
		"Asks the cinit serving SOCKET (CINIT_CONTROL_SOCKET, the control socket of\n"
		"FILE, or " CTL_DEFAULT_SOCKET ").\n"
		"\n"
		"  status [--json] [NAME|GROUP:*...]   state, pid, uptime, last exit, restarts\n"
		"  start|stop|restart NAME|GROUP:*|all...\n"
		"  signal SIGNAL NAME|GROUP:*|all...\n"
		"  pid [NAME...]                       cinit's pid, or the services'\n"
		"  tail [-f] [-n LINES|-BYTES] NAME [stdout|stderr]\n"
		"  wait [--ready] NAME [TIMEOUT]       until running (or ready)\n"
		"  reread | update | reload            what a reload would change, or do it\n"
		"  shutdown | version | help\n"
		"\n"
		"Exit: 0 done, 1 failed, 2 usage, 3 a service is not running (status),\n"
		"4 no such service.\n",
		name);
}

/* The socket a config file names; its own messages are not shown. */
static char *socket_of_config(const char *path)
{
	struct cinit_conf c;
	char *s = NULL;

	if (access(path, R_OK) < 0 || conf_load(path, &c, NULL) != 0)
		return NULL;
	s = strdup(c.control_socket ? c.control_socket : CTL_DEFAULT_SOCKET);
	conf_free(&c);
	return s;
}

/* -s, then CINIT_CONTROL_SOCKET, then the file's (-c, else the one
 * CINIT_CONFIG names: in a container, the file the cinit that serves the
 * socket was started on), then the default. As supervisorctl it looks at
 * supervisord's usual files, as supervisorctl does. */
static char *find_socket(const char *flag, const char *config, bool supervisorctl)
{
	const char *env = getenv("CINIT_CONTROL_SOCKET");
	const char *env_config = getenv("CINIT_CONFIG");
	static const char *const usual[] = {"/etc/supervisor/supervisord.conf",
					    "/etc/supervisord.conf"};

	if (flag)
		return strdup(strncmp(flag, "unix://", 7) == 0 ? flag + 7 : flag);
	if (env && *env && strcmp(env, "none") != 0)
		return strdup(env);
	if (config)
		return socket_of_config(config);
	if (env_config && *env_config)
		return socket_of_config(env_config);
	for (size_t i = 0; supervisorctl && i < sizeof(usual) / sizeof(usual[0]); i++)
		if (access(usual[i], R_OK) == 0)
			return socket_of_config(usual[i]);
	return strdup(CTL_DEFAULT_SOCKET);
}

/* "cinit-ctl/1 WORD...\n"; -1 (said) when a word cannot be sent. */
static int build_request(char *req, size_t len, char **words, int n, const char *name)
{
	size_t off = (size_t)snprintf(req, len, "%s", CTL_PROTOCOL);

	for (int i = 0; i < n; i++) {
		for (const char *p = words[i]; *p; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
				fprintf(stderr,
					"%s: '%s': arguments are printable words, no blanks\n",
					name, words[i]);
				return -1;
			}
		if (!*words[i] || off + strlen(words[i]) + 2 >= len) {
			fprintf(stderr, "%s: %s\n", name,
				*words[i] ? "the request is longer than 4 KiB"
					  : "an empty argument");
			return -1;
		}
		off += (size_t)snprintf(req + off, len - off, " %s", words[i]);
	}
	req[off++] = '\n';
	req[off] = '\0';
	return (int)off;
}

static int connect_to(const char *path, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: %s: the path is too long for a socket\n", name, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s (is cinit serving it?)\n", name, path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One reply line; returns the exit code once "x" came, else -1. */
static int reply_line(const char *line, size_t n, const char *name)
{
	if (n >= 2 && line[1] == ' ' && (line[0] == 'o' || line[0] == 'e')) {
		FILE *f = line[0] == 'o' ? stdout : stderr;
		fwrite(line + 2, 1, n - 2, f);
		fputc('\n', f);
		return -1;
	}
	if (n >= 3 && line[0] == 'x' && line[1] == ' ')
		return atoi(line + 2);
	fprintf(stderr, "%s: a reply line this version does not know: '%.40s'\n", name, line);
	return 1;
}

static int read_reply(int fd, const char *name)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	int code = -1;

	while (buf && code < 0) {
		ssize_t r = read(fd, buf + len, cap - len);
		char *start = buf, *nl;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "%s: the connection ended before the reply did%s%s\n", name,
				r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			code = 1;
			break;
		}
		len += (size_t)r;
		while (code < 0 && (nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
			code = reply_line(start, (size_t)(nl - start), name);
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		fflush(stdout);
		if (len == cap) {
			char *b = cap < CTL_MAX_LINE ? realloc(buf, cap * 2) : NULL;
			if (!b) {
				fprintf(stderr, "%s: a reply line longer than 1 MiB\n", name);
				code = 1;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	free(buf);
	return code < 0 ? 1 : code;
}

int ctl_main(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"serverurl", required_argument, NULL, 's'},
	    {"configuration", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool supervisorctl = strcmp(program_name(argv[0]), "supervisorctl") == 0;
	const char *name = supervisorctl ? "supervisorctl" : "cinit ctl";
	const char *flag = NULL, *config = NULL;
	char req[CTL_MAX_REQUEST + 1], *path;
	int c, n, fd, code;

	if (!supervisorctl && strcmp(program_name(argv[0]), "cinit-ctl") != 0) {
		argv++; /* cinit ctl ...: the verb's options start after "ctl" */
		argc--;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:c:h", longs, NULL)) != -1) {
		if (c == 's')
			flag = optarg;
		else if (c == 'c')
			config = optarg;
		else if (c == 'h') {
			usage(stdout, name);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", name,
				argv[optind - 1]);
			usage(stderr, name);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr, name);
		return 2;
	}
	if ((n = build_request(req, sizeof(req), argv + optind, argc - optind, name)) < 0)
		return 2;
	if (!(path = find_socket(flag, config, supervisorctl))) {
		fprintf(stderr, "%s: %s names no control socket cinit could serve\n", name,
			config ? config : "the configuration");
		return 1;
	}
	fd = connect_to(path, name);
	free(path);
	if (fd < 0)
		return 1;
	/* a refusal (busy, permission) may close the socket before the
	 * request is taken; the reply is still there to read */
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n && errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "%s: cannot send the request: %s\n", name, strerror(errno));
		close(fd);
		return 1;
	}
	code = read_reply(fd, name);
	close(fd);
	return code;
}
