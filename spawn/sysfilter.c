#include "spawn/sysfilter.h"

#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "spawn/privs.h"

#define ALWAYS (-1) /* refused whatever the capabilities */

struct refused_call {
	const char *name;
	int unless_cap; /* the capability that lets it through, or ALWAYS */
};

/* Names that do not exist on this architecture are skipped. As in docker,
 * kexec_*, migrate_pages, move_pages, pivot_root and swapon/swapoff stay
 * refused whatever the capabilities: they act on the host as a whole (its
 * kernel, its swap, other processes' memory) or only serve a runtime nested
 * inside, which docker also leaves to a custom profile. */
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

#define NREFUSED (sizeof(refused) / sizeof(refused[0]))

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,	 CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
};

static bool is_refused(const struct refused_call *c, uint64_t caps)
{
	return c->unless_cap == ALWAYS || !(caps & PRIVS_CAP(c->unless_cap));
}

void sysfilter_list_refused(uint64_t caps, void (*visit)(const char *name, void *ctx), void *ctx)
{
	for (size_t i = 0; i < NREFUSED; i++)
		if (is_refused(&refused[i], caps) &&
		    seccomp_syscall_resolve_name(refused[i].name) != __NR_SCMP_ERROR)
			visit(refused[i].name, ctx);
}

static int rule_failed(int rc, const char *what, struct spawn_error *e)
{
	errno = -rc;
	return spawn_fail_errno(e, "seccomp: adding the rule for %s", what);
}

static int refuse_listed(scmp_filter_ctx ctx, uint64_t caps, struct spawn_error *e)
{
	for (size_t i = 0; i < NREFUSED; i++) {
		int nr, rc;

		if (!is_refused(&refused[i], caps))
			continue;
		nr = seccomp_syscall_resolve_name(refused[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue;
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0)
			return rule_failed(rc, refused[i].name, e);
	}
	return 0;
}

/* personality(2) may only ask for what docker allows: PER_LINUX (0),
 * PER_LINUX32 (8), UNAME26 (0x20000), both (0x20008), and the query
 * 0xffffffff. libseccomp compares an argument once per rule, so "anything
 * else" is spelt as bit tests: with bit 31 clear, any bit outside 0x20008
 * is refused; with bit 31 set, any clear bit below it is. */
static int restrict_personality(scmp_filter_ctx ctx, struct spawn_error *e)
{
	const uint32_t allowed_bits = 0x20008, top = 0x80000000u;

	for (int b = 0; b < 31; b++) {
		uint32_t bit = 1u << b;
		int rc;

		if (!(bit & allowed_bits)) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
					      SCMP_A0(SCMP_CMP_MASKED_EQ, bit | top, bit));
			if (rc < 0)
				return rule_failed(rc, "personality", e);
		}
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, bit | top, top));
		if (rc < 0)
			return rule_failed(rc, "personality", e);
	}
	return 0;
}

/* Without CAP_SYS_ADMIN, no new namespaces: clone with any CLONE_NEW*
 * flag fails, and clone3, whose flags seccomp cannot read, says ENOSYS
 * so that libc falls back to clone. */
static int restrict_clone(scmp_filter_ctx ctx, uint64_t caps, struct spawn_error *e)
{
	int rc;

	if (caps & PRIVS_CAP(CAP_SYS_ADMIN))
		return 0;
	for (size_t i = 0; i < sizeof(namespace_flags) / sizeof(namespace_flags[0]); i++) {
		rc = seccomp_rule_add(
		    ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]));
		if (rc < 0)
			return rule_failed(rc, "clone", e);
	}
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0)
		return rule_failed(rc, "clone3", e);
	return 0;
}

/* TIOCSTI pushes input into a terminal: a container could type commands
 * into the shell of whoever shares its terminal. */
static int refuse_tiocsti(scmp_filter_ctx ctx, struct spawn_error *e)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				  SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));

	return rc < 0 ? rule_failed(rc, "ioctl(TIOCSTI)", e) : 0;
}

/* vsock reaches the hypervisor's side of a virtual machine, outside any
 * network namespace; docker refuses the family. (32-bit x86 reaches
 * socket through socketcall, whose arguments seccomp cannot read.) */
static int refuse_vsock(scmp_filter_ctx ctx, struct spawn_error *e)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
				  SCMP_A0(SCMP_CMP_EQ, AF_VSOCK));

	return rc < 0 ? rule_failed(rc, "socket(AF_VSOCK)", e) : 0;
}

/* 32-bit programs run through other system call tables; without their
 * architectures in the filter they would be killed outright. */
static int add_compat_arches(scmp_filter_ctx ctx, struct spawn_error *e)
{
	uint32_t native = seccomp_arch_native(), extra[2];
	int n = 0;

	if (native == SCMP_ARCH_X86_64) {
		extra[n++] = SCMP_ARCH_X86;
		extra[n++] = SCMP_ARCH_X32;
	} else if (native == SCMP_ARCH_AARCH64) {
		extra[n++] = SCMP_ARCH_ARM;
	}
	for (int i = 0; i < n; i++) {
		int rc = seccomp_arch_add(ctx, extra[i]);
		if (rc < 0 && rc != -EEXIST) {
			errno = -rc;
			return spawn_fail_errno(e, "seccomp_arch_add");
		}
	}
	return 0;
}

int sysfilter_load(uint64_t caps, struct spawn_error *e)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!ctx)
		return spawn_fail(e, "seccomp_init failed");
	if (add_compat_arches(ctx, e) < 0 || refuse_listed(ctx, caps, e) < 0 ||
	    restrict_personality(ctx, e) < 0 || restrict_clone(ctx, caps, e) < 0 ||
	    refuse_tiocsti(ctx, e) < 0 || refuse_vsock(ctx, e) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return spawn_fail_errno(e, "seccomp_load");
	}
	return 0;
}
