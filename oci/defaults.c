/* The default config that `spec` writes: the shape `runc spec` and
 * `crun spec` give (sh in a read-only "rootfs", the usual /proc, /dev and
 * /sys mounts, masked /proc paths), with the smallest capability set. It
 * is kept as JSON and read by the reader itself, so that it is always a
 * config this runtime accepts. */
#include "oci/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* %1$s: more devpts options; %2$s: the start of "linux" (mappings or
 * resources); %3$s: more namespaces. */
static const char template[] =
    "{\"ociVersion\": \"" OCI_VERSION "\","
    " \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0},"
    "  \"args\": [\"sh\"],"
    "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "           \"TERM=xterm\"],"
    "  \"cwd\": \"/\","
    "  \"capabilities\": {"
    "   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
    "  \"noNewPrivileges\": true},"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"cspawn\","
    " \"mounts\": ["
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\","
    "                \"mode=0620\"%1$s]},"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
    "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
    " \"linux\": {%2$s"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
    "                 {\"type\": \"uts\"}, {\"type\": \"mount\"}%3$s],"
    "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
    "   \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
    "   \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
    "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
    "   \"/proc/sysrq-trigger\"]}}";

/* Root may deny every device to the container through its cgroup. */
static const char rootful_linux[] =
    "\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},";

/* A user namespace that maps root to the caller; the tty group of devpts
 * (gid 5) is not mapped there, and the device cgroup is root's to set. */
static const char rootless_linux[] =
    "\"uidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": 1}],"
    "\"gidMappings\": [{\"containerID\": 0, \"hostID\": %u, \"size\": 1}],";

int oci_config_default(struct oci_config *c, const struct oci_rootless *rootless)
{
	struct oci_messages msgs = {0};
	char linux_part[256], *text = NULL;
	int n, errors;

	memset(c, 0, sizeof(*c));
	if (rootless)
		snprintf(linux_part, sizeof(linux_part), rootless_linux, (unsigned)rootless->uid,
			 (unsigned)rootless->gid);
	else
		snprintf(linux_part, sizeof(linux_part), "%s", rootful_linux);
	n = asprintf(&text, template, rootless ? "" : ", \"gid=5\"", linux_part,
		     rootless ? ", {\"type\": \"user\"}" : "");
	if (n < 0) {
		errno = ENOMEM;
		return -1;
	}
	errors = oci_config_parse(text, (size_t)n, 0, c, &msgs);
	free(text);
	oci_messages_free(&msgs);
	if (errors) {
		/* only out of memory: the unit tests read both variants */
		errno = ENOMEM;
		return -1;
	}
	return 0;
}
