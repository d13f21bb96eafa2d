#include "spawn/devfilter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define RWM (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* Not the console (5:1), which docker allows: a node for it, which
 * CAP_MKNOD can make, reaches the host's console, keystrokes typed there
 * included. */
static const struct devfilter_rule default_rules[] = {
    {true, 'c', 1, 3, RWM},    /* null */
    {true, 'c', 1, 5, RWM},    /* zero */
    {true, 'c', 1, 7, RWM},    /* full */
    {true, 'c', 1, 8, RWM},    /* random */
    {true, 'c', 1, 9, RWM},    /* urandom */
    {true, 'c', 5, 0, RWM},    /* tty */
    {true, 'c', 5, 2, RWM},    /* ptmx */
    {true, 'c', 136, -1, RWM}, /* pts */
};

const struct devfilter_rule *devfilter_default_rules(size_t *n)
{
	*n = sizeof(default_rules) / sizeof(default_rules[0]);
	return default_rules;
}

struct devfilter_rule devfilter_rule_of(const struct oci_device_rule *r)
{
	struct devfilter_rule d = {
	    .allow = r->allow, .type = r->type, .major = (int)r->major, .minor = (int)r->minor};
	const char *a = r->access ? r->access : "rwm";

	d.access = (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
		   (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0) |
		   (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0);
	return d;
}

/* Registers of the program: r1 the context, then the fields split out. */
enum { R0, R1, R2, R3, R4, R5, R6, R7 };

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}

#define PROLOGUE_LEN 5
#define EPILOGUE_LEN 2
#define MAX_RULE_LEN 10 /* type 3, major 1, minor 1, access 3, return 2 */

static size_t emit_prologue(struct bpf_insn *p)
{
	size_t n = 0;

	p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0); /* access_type */
	p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, 4, 0); /* major */
	p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R6, R1, 8, 0); /* minor */
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R4, R2, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, R4, 0, 0, 16); /* r4 = access */
	return n;
}

/* One rule: a run of "skip to the next rule unless ..." tests, then
 * return its verdict. A deny rule matches any access it names; an allow
 * rule, only accesses it grants all of. The type lives in the low half of r2, masked into r3. */
static size_t emit_rule(struct bpf_insn *p, const struct devfilter_rule *r)
{
	struct bpf_insn body[MAX_RULE_LEN];
	size_t n = 0;

	if (r->type != 'a') {
		body[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0);
		body[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, R3, 0, 0, 0xffff);
		body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R3, 0, 0,
				 r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	}
	if (r->major >= 0)
		body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, r->major);
	if (r->minor >= 0)
		body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R6, 0, 0, r->minor);
	/* Allowed: every access asked for (open may ask read and write at
	 * once) must be one the rule grants. Denied: any of them. */
	body[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R7, R4, 0, 0);
	if (r->allow) {
		body[n++] =
		    insn(BPF_ALU64 | BPF_AND | BPF_K, R7, 0, 0, (int32_t)(~r->access & RWM));
		body[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R7, 0, 0, 0);
	} else {
		body[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, R7, 0, 0, (int32_t)r->access);
		body[n++] = insn(BPF_JMP | BPF_JEQ | BPF_K, R7, 0, 0, 0);
	}
	body[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
	body[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		if (body[i].code == (BPF_JMP | BPF_JNE | BPF_K) ||
		    body[i].code == (BPF_JMP | BPF_JEQ | BPF_K))
			body[i].off = (int16_t)(n - i - 1);
		p[i] = body[i];
	}
	return n;
}

static size_t emit_program(struct bpf_insn *p, const struct devfilter_rule *rules, size_t nrules)
{
	size_t n = emit_prologue(p);

	/* the last matching rule decides: tried first */
	for (size_t i = nrules; i-- > 0;)
		n += emit_rule(p + n, &rules[i]);
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static int bpf_prog_load(const struct bpf_insn *prog, size_t n, char *log, size_t loglen)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insn_cnt = (uint32_t)n;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = (uint32_t)loglen;
		attr.log_level = 1;
	}
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

static int load_program(const struct devfilter_rule *rules, size_t nrules, struct spawn_error *e)
{
	size_t cap = PROLOGUE_LEN + EPILOGUE_LEN + MAX_RULE_LEN * nrules, n;
	struct bpf_insn *prog = calloc(cap, sizeof(*prog));
	char log[16384];
	int fd, saved;

	if (!prog)
		return spawn_fail_errno(e, "the device filter");
	n = emit_program(prog, rules, nrules);
	fd = bpf_prog_load(prog, n, NULL, 0);
	if (fd < 0) {
		/* Once more with the verifier's log, to say why. */
		saved = errno;
		log[0] = '\0';
		bpf_prog_load(prog, n, log, sizeof(log));
		errno = saved;
		spawn_fail_errno(e, "loading the device filter (BPF_PROG_LOAD%s%.200s)",
				 log[0] ? ": " : "", log);
	}
	free(prog);
	return fd;
}

int devfilter_attach(const char *dir, const struct devfilter_rule *rules, size_t n,
		     struct spawn_error *e)
{
	union bpf_attr attr;
	struct statfs sfs;
	int cgfd, progfd, rc = 0;

	if (statfs(dir, &sfs) < 0)
		return spawn_fail_errno(e, "statfs %s", dir);
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return 0;
	progfd = load_program(rules, n, e);
	if (progfd < 0)
		return -1;
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		rc = spawn_fail_errno(e, "opening cgroup %s", dir);
		close(progfd);
		return rc;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)progfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* The attachment holds the program; it goes away with the cgroup. */
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		rc = spawn_fail_errno(e, "attaching the device filter to %s", dir);
	close(cgfd);
	close(progfd);
	return rc;
}
