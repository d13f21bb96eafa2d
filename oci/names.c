/* The spec's names and the numbers the kernel (or libseccomp) takes for
 * them. oci/ keeps its own capability table so that it depends on nothing
 * of spawn/. */
#include "oci/internal.h"

#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

bool oci_name_value(const struct oci_name *t, const char *name, long *value)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0) {
			*value = t->value;
			return true;
		}
	return false;
}

const char *oci_name_of(const struct oci_name *t, long value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

#define NAME(x)                                                                                    \
	{                                                                                          \
#x, (long)(x)                                                                      \
	}

static const char *const cap_names[] = {
#define CAP(x) [x] = #x
    CAP(CAP_CHOWN),
    CAP(CAP_DAC_OVERRIDE),
    CAP(CAP_DAC_READ_SEARCH),
    CAP(CAP_FOWNER),
    CAP(CAP_FSETID),
    CAP(CAP_KILL),
    CAP(CAP_SETGID),
    CAP(CAP_SETUID),
    CAP(CAP_SETPCAP),
    CAP(CAP_LINUX_IMMUTABLE),
    CAP(CAP_NET_BIND_SERVICE),
    CAP(CAP_NET_BROADCAST),
    CAP(CAP_NET_ADMIN),
    CAP(CAP_NET_RAW),
    CAP(CAP_IPC_LOCK),
    CAP(CAP_IPC_OWNER),
    CAP(CAP_SYS_MODULE),
    CAP(CAP_SYS_RAWIO),
    CAP(CAP_SYS_CHROOT),
    CAP(CAP_SYS_PTRACE),
    CAP(CAP_SYS_PACCT),
    CAP(CAP_SYS_ADMIN),
    CAP(CAP_SYS_BOOT),
    CAP(CAP_SYS_NICE),
    CAP(CAP_SYS_RESOURCE),
    CAP(CAP_SYS_TIME),
    CAP(CAP_SYS_TTY_CONFIG),
    CAP(CAP_MKNOD),
    CAP(CAP_LEASE),
    CAP(CAP_AUDIT_WRITE),
    CAP(CAP_AUDIT_CONTROL),
    CAP(CAP_SETFCAP),
    CAP(CAP_MAC_OVERRIDE),
    CAP(CAP_MAC_ADMIN),
    CAP(CAP_SYSLOG),
    CAP(CAP_WAKE_ALARM),
    CAP(CAP_BLOCK_SUSPEND),
    CAP(CAP_AUDIT_READ),
    CAP(CAP_PERFMON),
    CAP(CAP_BPF),
    CAP(CAP_CHECKPOINT_RESTORE),
#undef CAP
};
#define N_CAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int oci_cap_from_name(const char *name)
{
	for (int i = 0; i < N_CAPS; i++)
		if (cap_names[i] && strcmp(cap_names[i], name) == 0)
			return i;
	return -1;
}

const char *oci_cap_name(int cap)
{
	return cap >= 0 && cap < N_CAPS ? cap_names[cap] : NULL;
}

int oci_cap_last(void)
{
	return N_CAPS - 1;
}

const struct oci_name oci_rlimits[] = {
    NAME(RLIMIT_AS),	 NAME(RLIMIT_CORE),   NAME(RLIMIT_CPU),	       NAME(RLIMIT_DATA),
    NAME(RLIMIT_FSIZE),	 NAME(RLIMIT_LOCKS),  NAME(RLIMIT_MEMLOCK),    NAME(RLIMIT_MSGQUEUE),
    NAME(RLIMIT_NICE),	 NAME(RLIMIT_NOFILE), NAME(RLIMIT_NPROC),      NAME(RLIMIT_RSS),
    NAME(RLIMIT_RTPRIO), NAME(RLIMIT_RTTIME), NAME(RLIMIT_SIGPENDING), NAME(RLIMIT_STACK),
    {NULL, 0},
};

int oci_rlimit_from_name(const char *name)
{
	long v;
	return oci_name_value(oci_rlimits, name, &v) ? (int)v : -1;
}

const char *oci_rlimit_name(int resource)
{
	return oci_name_of(oci_rlimits, resource);
}

static const struct {
	const char *name;
	int flag;
} namespaces[OCI_NS_COUNT] = {
    [OCI_NS_PID] = {"pid", CLONE_NEWPID},	   [OCI_NS_NETWORK] = {"network", CLONE_NEWNET},
    [OCI_NS_MOUNT] = {"mount", CLONE_NEWNS},	   [OCI_NS_IPC] = {"ipc", CLONE_NEWIPC},
    [OCI_NS_UTS] = {"uts", CLONE_NEWUTS},	   [OCI_NS_USER] = {"user", CLONE_NEWUSER},
    [OCI_NS_CGROUP] = {"cgroup", CLONE_NEWCGROUP}, [OCI_NS_TIME] = {"time", CLONE_NEWTIME},
};

const char *oci_ns_name(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? namespaces[t].name : NULL;
}

int oci_ns_clone_flag(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? namespaces[t].flag : 0;
}

bool oci_ns_from_name(const char *name, enum oci_ns_type *t)
{
	for (int i = 0; i < OCI_NS_COUNT; i++)
		if (strcmp(namespaces[i].name, name) == 0) {
			*t = (enum oci_ns_type)i;
			return true;
		}
	return false;
}

const struct oci_namespace *oci_namespace_find(const struct oci_linux *l, enum oci_ns_type t)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == t)
			return &l->namespaces[i];
	return NULL;
}

static const char *const hook_names[OCI_HOOK_COUNT] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

const char *oci_hook_name(enum oci_hook_kind k)
{
	return (unsigned)k < OCI_HOOK_COUNT ? hook_names[k] : NULL;
}

bool oci_hook_from_name(const char *name, enum oci_hook_kind *k)
{
	for (int i = 0; i < OCI_HOOK_COUNT; i++)
		if (strcmp(hook_names[i], name) == 0) {
			*k = (enum oci_hook_kind)i;
			return true;
		}
	return false;
}

/* SCMP_ACT_KILL comes first: it is what 0 is written as, the 1.0 name. */
const struct oci_name oci_seccomp_actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
    {NULL, 0},
};

uint32_t oci_seccomp_action(uint32_t action, struct oci_opt_u64 errno_ret)
{
	uint32_t data = errno_ret.set ? (uint32_t)errno_ret.v : EPERM;

	if (action == SCMP_ACT_ERRNO(0))
		return SCMP_ACT_ERRNO(data);
	if (action == SCMP_ACT_TRACE(0))
		return SCMP_ACT_TRACE(data);
	return action;
}

const struct oci_name oci_seccomp_archs[] = {
    NAME(SCMP_ARCH_X86),	 NAME(SCMP_ARCH_X86_64),
    NAME(SCMP_ARCH_X32),	 NAME(SCMP_ARCH_ARM),
    NAME(SCMP_ARCH_AARCH64),	 NAME(SCMP_ARCH_MIPS),
    NAME(SCMP_ARCH_MIPS64),	 NAME(SCMP_ARCH_MIPS64N32),
    NAME(SCMP_ARCH_MIPSEL),	 NAME(SCMP_ARCH_MIPSEL64),
    NAME(SCMP_ARCH_MIPSEL64N32), NAME(SCMP_ARCH_PPC),
    NAME(SCMP_ARCH_PPC64),	 NAME(SCMP_ARCH_PPC64LE),
    NAME(SCMP_ARCH_S390),	 NAME(SCMP_ARCH_S390X),
    NAME(SCMP_ARCH_PARISC),	 NAME(SCMP_ARCH_PARISC64),
    NAME(SCMP_ARCH_RISCV64),	 {NULL, 0},
};

const struct oci_name oci_seccomp_ops[] = {
    NAME(SCMP_CMP_NE), NAME(SCMP_CMP_LT), NAME(SCMP_CMP_LE),	    NAME(SCMP_CMP_EQ),
    NAME(SCMP_CMP_GE), NAME(SCMP_CMP_GT), NAME(SCMP_CMP_MASKED_EQ), {NULL, 0},
};

const struct oci_name oci_seccomp_flags[] = {
    NAME(SECCOMP_FILTER_FLAG_TSYNC),
    NAME(SECCOMP_FILTER_FLAG_LOG),
    NAME(SECCOMP_FILTER_FLAG_SPEC_ALLOW),
    NAME(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV),
    {NULL, 0},
};

/* SCHED_ISO is reserved by the kernel (4) but never merged. */
const struct oci_name oci_sched_policies[] = {
    {"SCHED_OTHER", SCHED_NORMAL},
    NAME(SCHED_FIFO),
    NAME(SCHED_RR),
    NAME(SCHED_BATCH),
    {"SCHED_ISO", 4},
    NAME(SCHED_IDLE),
    NAME(SCHED_DEADLINE),
    {NULL, 0},
};

const struct oci_name oci_sched_flags[] = {
    NAME(SCHED_FLAG_RESET_ON_FORK),  NAME(SCHED_FLAG_RECLAIM),
    NAME(SCHED_FLAG_DL_OVERRUN),     NAME(SCHED_FLAG_KEEP_POLICY),
    NAME(SCHED_FLAG_KEEP_PARAMS),    NAME(SCHED_FLAG_UTIL_CLAMP_MIN),
    NAME(SCHED_FLAG_UTIL_CLAMP_MAX), {NULL, 0},
};

/* The values of linux/ioprio.h, which not every libc's headers have. */
const struct oci_name oci_ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
    {NULL, 0},
};

const struct oci_name oci_personality_domains[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
    {NULL, 0},
};

/* rootfsPropagation: the spec's four, and the r-forms that runc and
 * podman also write. */
const struct oci_name oci_propagations[] = {
    {"shared", MS_SHARED},
    {"slave", MS_SLAVE},
    {"private", MS_PRIVATE},
    {"unbindable", MS_UNBINDABLE},
    {"rshared", MS_SHARED | MS_REC},
    {"rslave", MS_SLAVE | MS_REC},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"runbindable", MS_UNBINDABLE | MS_REC},
    {NULL, 0},
};

const struct oci_name oci_clocks[] = {
    {"boottime", 0},
    {"monotonic", 1},
    {NULL, 0},
};
