/* Which fields of config.json this runtime honours: the one table that the
 * reader checks every key against, that `features` and the README's
 * support matrix are made from. A field not in it is unknown, and an
 * error: a container less isolated than its config asks must not start.
 * To support a field, the runtime implements it and its entry here turns
 * OCI_SUPPORTED. */
#include "oci/internal.h"

#include <string.h>

#define S OCI_SUPPORTED
#define U OCI_UNSUPPORTED
#define OTHER OCI_OTHER_PLATFORM
#define NEWER OCI_NEWER_SPEC

#define NO_MAC "no AppArmor or SELinux support; an empty string is accepted"
#define V1_ONLY "cgroup v1 only"

const struct oci_field oci_fields[] = {
    {"", "ociVersion", S, NULL, false},
    {"", "root", S, NULL, false},
    {"", "mounts", S, NULL, false},
    {"", "process", S, NULL, false},
    {"", "hostname", S, NULL, false},
    {"", "domainname", S, NULL, false},
    {"", "hooks", S, NULL, false},
    {"", "annotations", S, NULL, false},
    {"", "linux", S, NULL, false},
    {"", "windows", OTHER, "Windows", false},
    {"", "solaris", OTHER, "Solaris", false},
    {"", "vm", OTHER, "virtual machines", false},
    {"", "zos", OTHER, "z/OS", false},
    {"", "freebsd", OTHER, "FreeBSD", false},

    {"root", "path", S, NULL, false},
    {"root", "readonly", S, NULL, false},

    {"mounts[]", "destination", S, NULL, false},
    {"mounts[]", "type", S, NULL, false},
    {"mounts[]", "source", S, NULL, false},
    {"mounts[]", "options", S, NULL, false},
    {"mounts[]", "uidMappings", U, "no idmapped mounts yet", false},
    {"mounts[]", "gidMappings", U, "no idmapped mounts yet", false},

    {"process", "terminal", S, NULL, false},
    {"process", "consoleSize", S, NULL, false},
    {"process", "user", S, NULL, false},
    {"process", "args", S, NULL, false},
    {"process", "env", S, NULL, false},
    {"process", "cwd", S, NULL, false},
    {"process", "capabilities", S, NULL, false},
    {"process", "rlimits", S, NULL, false},
    {"process", "noNewPrivileges", S, NULL, false},
    {"process", "oomScoreAdj", S, NULL, false},
    {"process", "apparmorProfile", U, NO_MAC, false},
    {"process", "selinuxLabel", U, NO_MAC, false},
    {"process", "scheduler", U, "no scheduler settings yet", false},
    {"process", "ioPriority", U, "no I/O priority yet", false},
    {"process", "commandLine", OTHER, "Windows", false},
    {"process", "execCPUAffinity", NEWER, "runtime-spec 1.2", false},
    {"process.consoleSize", "height", S, NULL, false},
    {"process.consoleSize", "width", S, NULL, false},
    {"process.user", "uid", S, NULL, false},
    {"process.user", "gid", S, NULL, false},
    {"process.user", "umask", S, NULL, false},
    {"process.user", "additionalGids", S, NULL, false},
    {"process.user", "username", OTHER, "Windows", false},
    {"process.capabilities", "bounding", S, NULL, false},
    {"process.capabilities", "effective", S, NULL, false},
    {"process.capabilities", "inheritable", S, NULL, false},
    {"process.capabilities", "permitted", S, NULL, false},
    {"process.capabilities", "ambient", S, NULL, false},
    {"process.rlimits[]", "type", S, NULL, false},
    {"process.rlimits[]", "soft", S, NULL, false},
    {"process.rlimits[]", "hard", S, NULL, false},
    {"process.scheduler", "policy", U, NULL, false},
    {"process.scheduler", "nice", U, NULL, false},
    {"process.scheduler", "priority", U, NULL, false},
    {"process.scheduler", "flags", U, NULL, false},
    {"process.scheduler", "runtime", U, NULL, false},
    {"process.scheduler", "deadline", U, NULL, false},
    {"process.scheduler", "period", U, NULL, false},
    {"process.ioPriority", "class", U, NULL, false},
    {"process.ioPriority", "priority", U, NULL, false},

    {"hooks", "prestart", S, "deprecated by the spec; run before createRuntime", false},
    {"hooks", "createRuntime", S, NULL, false},
    {"hooks", "createContainer", S, NULL, false},
    {"hooks", "startContainer", S, NULL, false},
    {"hooks", "poststart", S, NULL, false},
    {"hooks", "poststop", S, NULL, false},
    {"Hook", "path", S, NULL, false},
    {"Hook", "args", S, NULL, false},
    {"Hook", "env", S, NULL, false},
    {"Hook", "timeout", S, NULL, false},

    {"linux", "namespaces", S, NULL, false},
    {"linux", "uidMappings", S, NULL, false},
    {"linux", "gidMappings", S, NULL, false},
    {"linux", "devices", S, NULL, false},
    {"linux", "cgroupsPath", S, NULL, false},
    {"linux", "resources", S, NULL, false},
    {"linux", "sysctl", S, NULL, false},
    {"linux", "seccomp", S, NULL, false},
    {"linux", "maskedPaths", S, NULL, false},
    {"linux", "readonlyPaths", S, NULL, false},
    {"linux", "rootfsPropagation", S, NULL, false},
    {"linux", "mountLabel", U, NO_MAC, false},
    {"linux", "intelRdt", U, "no resctrl support", false},
    {"linux", "personality", U, "no execution domains yet", false},
    {"linux", "timeOffsets", U, "no time namespace yet", false},
    {"linux", "netDevices", NEWER, "runtime-spec 1.2", false},
    {"linux", "memoryPolicy", NEWER, "runtime-spec 1.3", false},
    {"linux.namespaces[]", "type", S, NULL, false},
    {"linux.namespaces[]", "path", S, NULL, false},
    {"linux.namespaces[].type", "pid", S, NULL, true},
    {"linux.namespaces[].type", "network", S, NULL, true},
    {"linux.namespaces[].type", "mount", S, NULL, true},
    {"linux.namespaces[].type", "ipc", S, NULL, true},
    {"linux.namespaces[].type", "uts", S, NULL, true},
    {"linux.namespaces[].type", "user", S, NULL, true},
    {"linux.namespaces[].type", "cgroup", S, NULL, true},
    {"linux.namespaces[].type", "time", U, "no time namespace yet", true},
    {"IDMapping", "containerID", S, NULL, false},
    {"IDMapping", "hostID", S, NULL, false},
    {"IDMapping", "size", S, NULL, false},
    {"linux.devices[]", "type", S, NULL, false},
    {"linux.devices[]", "path", S, NULL, false},
    {"linux.devices[]", "major", S, NULL, false},
    {"linux.devices[]", "minor", S, NULL, false},
    {"linux.devices[]", "fileMode", S, NULL, false},
    {"linux.devices[]", "uid", S, NULL, false},
    {"linux.devices[]", "gid", S, NULL, false},

    {"linux.resources", "devices", S, NULL, false},
    {"linux.resources", "memory", S, NULL, false},
    {"linux.resources", "cpu", S, NULL, false},
    {"linux.resources", "pids", S, NULL, false},
    {"linux.resources", "hugepageLimits", S, NULL, false},
    {"linux.resources", "blockIO", S, "where the host has the controller", false},
    {"linux.resources", "network", U, V1_ONLY " (net_cls, net_prio)", false},
    {"linux.resources", "rdma", U, "no rdma controller support yet", false},
    {"linux.resources", "unified", S, NULL, false},
    {"linux.resources.devices[]", "allow", S, NULL, false},
    {"linux.resources.devices[]", "type", S, NULL, false},
    {"linux.resources.devices[]", "major", S, NULL, false},
    {"linux.resources.devices[]", "minor", S, NULL, false},
    {"linux.resources.devices[]", "access", S, NULL, false},
    {"linux.resources.memory", "limit", S, NULL, false},
    {"linux.resources.memory", "reservation", S, NULL, false},
    {"linux.resources.memory", "swap", S, NULL, false},
    {"linux.resources.memory", "kernel", U, "kernel memory limits are gone from Linux 6.x", false},
    {"linux.resources.memory", "kernelTCP", U, V1_ONLY, false},
    {"linux.resources.memory", "swappiness", S, NULL, false},
    {"linux.resources.memory", "disableOOMKiller", S, NULL, false},
    {"linux.resources.memory", "useHierarchy", U, V1_ONLY, false},
    {"linux.resources.memory", "checkBeforeUpdate", U, "no update check yet", false},
    {"linux.resources.cpu", "shares", S, NULL, false},
    {"linux.resources.cpu", "quota", S, NULL, false},
    {"linux.resources.cpu", "period", S, NULL, false},
    {"linux.resources.cpu", "burst", U, "no cpu burst yet", false},
    {"linux.resources.cpu", "realtimeRuntime", U, V1_ONLY, false},
    {"linux.resources.cpu", "realtimePeriod", U, V1_ONLY, false},
    {"linux.resources.cpu", "cpus", S, NULL, false},
    {"linux.resources.cpu", "mems", S, NULL, false},
    {"linux.resources.cpu", "idle", U, "no SCHED_IDLE cgroups yet", false},
    {"linux.resources.pids", "limit", S, NULL, false},
    {"linux.resources.hugepageLimits[]", "pageSize", S, NULL, false},
    {"linux.resources.hugepageLimits[]", "limit", S, NULL, false},
    {"linux.resources.blockIO", "weight", S, NULL, false},
    {"linux.resources.blockIO", "leafWeight", U, "CFQ's, which Linux no longer has", false},
    {"linux.resources.blockIO", "weightDevice", S, NULL, false},
    {"linux.resources.blockIO", "throttleReadBpsDevice", S, NULL, false},
    {"linux.resources.blockIO", "throttleWriteBpsDevice", S, NULL, false},
    {"linux.resources.blockIO", "throttleReadIOPSDevice", S, NULL, false},
    {"linux.resources.blockIO", "throttleWriteIOPSDevice", S, NULL, false},
    {"linux.resources.blockIO.weightDevice[]", "major", S, NULL, false},
    {"linux.resources.blockIO.weightDevice[]", "minor", S, NULL, false},
    {"linux.resources.blockIO.weightDevice[]", "weight", S, NULL, false},
    {"linux.resources.blockIO.weightDevice[]", "leafWeight", U, "CFQ's, which Linux no longer has",
     false},
    {"blockIODeviceThrottle", "major", S, NULL, false},
    {"blockIODeviceThrottle", "minor", S, NULL, false},
    {"blockIODeviceThrottle", "rate", S, NULL, false},
    {"linux.resources.network", "classID", U, NULL, false},
    {"linux.resources.network", "priorities", U, NULL, false},
    {"linux.resources.network.priorities[]", "name", U, NULL, false},
    {"linux.resources.network.priorities[]", "priority", U, NULL, false},
    {"linux.resources.rdma{}", "hcaHandles", U, NULL, false},
    {"linux.resources.rdma{}", "hcaObjects", U, NULL, false},

    {"linux.seccomp", "defaultAction", S, NULL, false},
    {"linux.seccomp", "defaultErrnoRet", S, NULL, false},
    {"linux.seccomp", "architectures", S, NULL, false},
    {"linux.seccomp", "flags", S, NULL, false},
    {"linux.seccomp", "listenerPath", U, "no seccomp agents (SCMP_ACT_NOTIFY) yet", false},
    {"linux.seccomp", "listenerMetadata", U, "no seccomp agents (SCMP_ACT_NOTIFY) yet", false},
    {"linux.seccomp", "syscalls", S, NULL, false},
    {"linux.seccomp.syscalls[]", "names", S, NULL, false},
    {"linux.seccomp.syscalls[]", "action", S, NULL, false},
    {"linux.seccomp.syscalls[]", "errnoRet", S, NULL, false},
    {"linux.seccomp.syscalls[]", "args", S, NULL, false},
    {"linux.seccomp.syscalls[].args[]", "index", S, NULL, false},
    {"linux.seccomp.syscalls[].args[]", "value", S, NULL, false},
    {"linux.seccomp.syscalls[].args[]", "valueTwo", S, NULL, false},
    {"linux.seccomp.syscalls[].args[]", "op", S, NULL, false},
    {"SeccompAction", "SCMP_ACT_NOTIFY", U, "no seccomp agents yet", true},
    {"linux.seccomp.flags", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", U,
     "Debian 12's libseccomp 2.5 cannot set it", true},

    {"linux.intelRdt", "closID", U, NULL, false},
    {"linux.intelRdt", "l3CacheSchema", U, NULL, false},
    {"linux.intelRdt", "memBwSchema", U, NULL, false},
    {"linux.intelRdt", "enableCMT", U, NULL, false},
    {"linux.intelRdt", "enableMBM", U, NULL, false},
    {"linux.intelRdt", "schemata", NEWER, "runtime-spec 1.2", false},
    {"linux.intelRdt", "enableMonitoring", NEWER, "runtime-spec 1.3", false},
    {"linux.personality", "domain", U, NULL, false},
    {"linux.personality", "flags", U, NULL, false},
    {"linux.timeOffsets", "boottime", U, NULL, false},
    {"linux.timeOffsets", "monotonic", U, NULL, false},
    {"TimeOffset", "secs", U, NULL, false},
    {"TimeOffset", "nanosecs", U, NULL, false},
    {NULL, NULL, S, NULL, false},
};

const struct oci_field *oci_field_find(const char *parent, const char *name)
{
	for (const struct oci_field *f = oci_fields; f->parent; f++)
		if (strcmp(f->parent, parent) == 0 && strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* ---- the README's matrix ------------------------------------------------- */

static bool seen_before(const struct oci_field *f)
{
	for (const struct oci_field *g = oci_fields; g < f; g++)
		if (strcmp(g->parent, f->parent) == 0)
			return true;
	return false;
}

/* The names of parent with that support, "`a`, `b` (why)". */
static void list(FILE *out, const char *parent, enum oci_support want, bool *any)
{
	for (const struct oci_field *f = oci_fields; f->parent; f++) {
		if (strcmp(f->parent, parent) != 0 || f->support != want)
			continue;
		fprintf(out, "%s`%s`", *any ? ", " : "", f->name);
		if (f->note && want != OCI_SUPPORTED)
			fprintf(out, " (%s)", f->note);
		*any = true;
	}
}

void oci_support_markdown(FILE *out)
{
	fprintf(out, "| object | honoured | refused: not supported yet | refused: "
		     "not Linux, or newer than 1.1 |\n");
	fprintf(out, "|---|---|---|---|\n");
	for (const struct oci_field *f = oci_fields; f->parent; f++) {
		bool any = false;

		if (seen_before(f))
			continue;
		fprintf(out, "| %s%s%s | ", *f->parent ? "`" : "", *f->parent ? f->parent : "(top)",
			*f->parent ? "`" : "");
		list(out, f->parent, OCI_SUPPORTED, &any);
		if (f->value && !any)
			fprintf(out, "all others");
		fprintf(out, " | ");
		any = false;
		list(out, f->parent, OCI_UNSUPPORTED, &any);
		fprintf(out, " | ");
		any = false;
		list(out, f->parent, OCI_OTHER_PLATFORM, &any);
		list(out, f->parent, OCI_NEWER_SPEC, &any);
		fprintf(out, " |\n");
	}
}
