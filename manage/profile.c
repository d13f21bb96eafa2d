#include "manage/profile.h"

#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define ALWAYS (-1) /* refused whatever the capabilities */
#define CAP(c) (UINT64_C(1) << (c))

struct refused_call {
	const char *name;
	int unless_cap; /* the capability that lets it through, or ALWAYS */
};

/* As in docker, kexec_*, migrate_pages, move_pages, pivot_root and
 * swapon/swapoff stay refused whatever the capabilities: they act on the
 * host as a whole (its kernel, its swap, other processes' memory) or only
 * serve a runtime nested inside, which docker also leaves to a custom
 * profile. Names the architecture lacks are skipped by the runtime. */
static const struct refused_call refused[] = {
    {"acct", CAP_SYS_PACCT},
    {"add_key", ALWAYS},
    {"bpf", CAP_SYS_ADMIN},
    {"clock_adjtime", CAP_SYS_TIME},
    {"clock_settime", CAP_SYS_TIME},
    {"clock_settime64", CAP_SYS_TIME},
    {"create_module", ALWAYS},
    {"delete_module", CAP_SYS_MODULE},
    {"fanotify_init", CAP_SYS_ADMIN},
    {"finit_module", CAP_SYS_MODULE},
    {"fsconfig", CAP_SYS_ADMIN},
    {"fsmount", CAP_SYS_ADMIN},
    {"fsopen", CAP_SYS_ADMIN},
    {"fspick", CAP_SYS_ADMIN},
    {"get_kernel_syms", ALWAYS},
    {"get_mempolicy", CAP_SYS_NICE},
    {"init_module", CAP_SYS_MODULE},
    {"ioperm", CAP_SYS_RAWIO},
    {"iopl", CAP_SYS_RAWIO},
    /* Its rings run system calls the filter never sees; docker refuses
     * it since 25.0 for the container escapes it has carried. */
    {"io_uring_enter", ALWAYS},
    {"io_uring_register", ALWAYS},
    {"io_uring_setup", ALWAYS},
    {"kcmp", CAP_SYS_PTRACE},
    {"kexec_file_load", ALWAYS},
    {"kexec_load", ALWAYS},
    {"keyctl", ALWAYS},
    {"lookup_dcookie", CAP_SYS_ADMIN},
    {"mbind", CAP_SYS_NICE},
    {"mount", CAP_SYS_ADMIN},
    {"mount_setattr", CAP_SYS_ADMIN},
    {"move_mount", CAP_SYS_ADMIN},
    {"migrate_pages", ALWAYS},
    {"move_pages", ALWAYS},
    {"name_to_handle_at", CAP_SYS_ADMIN},
    {"nfsservctl", ALWAYS},
    {"open_by_handle_at", CAP_DAC_READ_SEARCH},
    {"open_tree", CAP_SYS_ADMIN},
    {"perf_event_open", CAP_SYS_ADMIN},
    {"pidfd_getfd", CAP_SYS_PTRACE},
    {"pivot_root", ALWAYS},
    {"process_madvise", CAP_SYS_PTRACE},
    {"process_vm_readv", CAP_SYS_PTRACE},
    {"process_vm_writev", CAP_SYS_PTRACE},
    {"ptrace", CAP_SYS_PTRACE},
    {"query_module", ALWAYS},
    {"quotactl", CAP_SYS_ADMIN},
    {"quotactl_fd", CAP_SYS_ADMIN},
    {"reboot", CAP_SYS_BOOT},
    {"request_key", ALWAYS},
    {"set_mempolicy", CAP_SYS_NICE},
    {"set_mempolicy_home_node", CAP_SYS_NICE},
    {"setns", CAP_SYS_ADMIN},
    {"settimeofday", CAP_SYS_TIME},
    {"stime", CAP_SYS_TIME},
    {"swapoff", ALWAYS},
    {"swapon", ALWAYS},
    {"sysfs", ALWAYS},
    /* The kernel asks for no capability to read its log when
     * kernel.dmesg_restrict is 0. */
    {"syslog", CAP_SYSLOG},
    {"_sysctl", ALWAYS},
    {"umount", CAP_SYS_ADMIN},
    {"umount2", CAP_SYS_ADMIN},
    {"unshare", CAP_SYS_ADMIN},
    {"uselib", ALWAYS},
    {"userfaultfd", ALWAYS},
    {"ustat", ALWAYS},
    {"vhangup", CAP_SYS_TTY_CONFIG},
    {"vm86", ALWAYS},
    {"vm86old", ALWAYS},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,	 CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

static bool is_refused(const struct refused_call *c, uint64_t caps)
{
	return c->unless_cap == ALWAYS || !(caps & CAP(c->unless_cap));
}

void profile_list_refused(uint64_t caps, void (*visit)(const char *name, void *ctx), void *ctx)
{
	for (size_t i = 0; i < N(refused); i++)
		if (is_refused(&refused[i], caps) &&
		    seccomp_syscall_resolve_name(refused[i].name) != __NR_SCMP_ERROR)
			visit(refused[i].name, ctx);
}

/* {"names": [name], "action": "SCMP_ACT_ERRNO", "errnoRet": err, "args": args} */
static int add_rule(json_t *list, const char *name, int err, json_t *args)
{
	json_t *rule = json_pack("{s:[s], s:s, s:i}", "names", name, "action", "SCMP_ACT_ERRNO",
				 "errnoRet", err);

	if (!rule || (args && json_object_set_new(rule, "args", args) < 0))
		return json_decref(rule), -1;
	return json_array_append_new(list, rule);
}

static json_t *masked_arg(unsigned index, uint64_t mask, uint64_t value)
{
	return json_pack("[{s:i, s:I, s:I, s:s}]", "index", index, "value", (json_int_t)mask,
			 "valueTwo", (json_int_t)value, "op", "SCMP_CMP_MASKED_EQ");
}

/* personality(2) may only ask for what docker allows: PER_LINUX (0),
 * PER_LINUX32 (8), UNAME26 (0x20000), both (0x20008), and the query
 * 0xffffffff. A rule compares an argument once, so "anything else" is spelt
 * as bit tests: with bit 31 clear, any bit outside 0x20008 is refused; with
 * bit 31 set, any clear bit below it is. */
static int restrict_personality(json_t *list)
{
	const uint32_t allowed_bits = 0x20008, top = 0x80000000u;

	for (int b = 0; b < 31; b++) {
		uint32_t bit = 1u << b;

		if (!(bit & allowed_bits) &&
		    add_rule(list, "personality", 1, masked_arg(0, bit | top, bit)) < 0)
			return -1;
		if (add_rule(list, "personality", 1, masked_arg(0, bit | top, top)) < 0)
			return -1;
	}
	return 0;
}

/* Without CAP_SYS_ADMIN, no new namespaces: clone with any CLONE_NEW* flag
 * fails, and clone3, whose flags seccomp cannot read, says ENOSYS so that
 * the C library falls back to clone. */
static int restrict_clone(json_t *list, uint64_t caps)
{
	if (caps & CAP(CAP_SYS_ADMIN))
		return 0;
	for (size_t i = 0; i < N(namespace_flags); i++)
		if (add_rule(list, "clone", 1,
			     masked_arg(0, namespace_flags[i], namespace_flags[i])) < 0)
			return -1;
	return add_rule(list, "clone3", 38 /* ENOSYS */, NULL);
}

static json_t *arg_eq(unsigned index, uint64_t value)
{
	return json_pack("[{s:i, s:I, s:s}]", "index", index, "value", (json_int_t)value, "op",
			 "SCMP_CMP_EQ");
}

/* This machine's system call tables: 32-bit programs run through other
 * ones, and without their architectures they would be killed outright. */
static json_t *native_arches(void)
{
	uint32_t native = seccomp_arch_native();

	if (native == SCMP_ARCH_X86_64)
		return json_pack("[s,s,s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	if (native == SCMP_ARCH_AARCH64)
		return json_pack("[s,s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
	return json_array(); /* the native one only */
}

json_t *profile_seccomp(uint64_t caps)
{
	json_t *list = json_array(), *seccomp;

	if (!list)
		return NULL;
	for (size_t i = 0; i < N(refused); i++)
		if (is_refused(&refused[i], caps) && add_rule(list, refused[i].name, 1, NULL) < 0)
			goto fail;
	/* TIOCSTI pushes input into a terminal: a container could type
	 * commands into the shell of whoever shares its terminal. vsock
	 * reaches the hypervisor's side of a virtual machine, outside any
	 * network namespace. */
	if (restrict_personality(list) < 0 || restrict_clone(list, caps) < 0 ||
	    add_rule(list, "ioctl", 1, masked_arg(1, 0xffffffffu, TIOCSTI)) < 0 ||
	    add_rule(list, "socket", 1, arg_eq(0, AF_VSOCK)) < 0)
		goto fail;
	seccomp = json_pack("{s:s, s:o, s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
			    native_arches(), "syscalls", list);
	return seccomp;
fail:
	json_decref(list);
	return NULL;
}

json_t *profile_device_rules(void)
{
	static const struct {
		int major, minor; /* -1: any */
	} open_ok[] = {{1, 3}, {1, 5}, {1, 7},	  {1, 8},   {1, 9},
		       {5, 0}, {5, 2}, {136, -1}, {10, 200}};
	json_t *rules = json_pack("[{s:b, s:s}, {s:b, s:s, s:s}]", "allow", 0, "access", "rwm",
				  "allow", 1, "type", "a", "access", "m");

	for (size_t i = 0; rules && i < N(open_ok); i++) {
		json_t *r = json_pack("{s:b, s:s, s:i, s:s}", "allow", 1, "type", "c", "major",
				      open_ok[i].major, "access", "rwm");

		if (!r ||
		    (open_ok[i].minor >= 0 &&
		     json_object_set_new(r, "minor", json_integer(open_ok[i].minor)) < 0) ||
		    json_array_append_new(rules, r) < 0) {
			json_decref(rules);
			return NULL;
		}
	}
	return rules;
}

json_t *profile_masked_paths(void)
{
	return json_pack("[s,s,s,s,s,s,s,s,s,s,s]", "/proc/acpi", "/proc/asound", "/proc/kcore",
			 "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			 "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
			 "/sys/devices/virtual/powercap");
}

json_t *profile_readonly_paths(void)
{
	return json_pack("[s,s,s,s,s]", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
			 "/proc/sysrq-trigger");
}
