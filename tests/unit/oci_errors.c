/* Every error of the config.json reader: one bad field per document, each
 * checked by the one message it must give (the JSON path and what was
 * expected), then the documents with many errors and the bounds. */
#include "oci/oci.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

#define BASE(x) "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"}" x "}"
#define PROC(x) BASE(", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"]" x "}")
#define LINUX(x) BASE(", \"linux\": {" x "}")
#define RES(x) LINUX("\"resources\": {" x "}")
#define SECCOMP(x) LINUX("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"" x "}")
#define MOUNT(x) BASE(", \"mounts\": [" x "]")
#define HOOKS(x) BASE(", \"hooks\": {" x "}")
#define USERNS "\"namespaces\": [{\"type\": \"user\"}], "

/* most cases read strictly: flags left out is 0 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct bad_case {
	const char *doc;
	const char *want; /* the one message */
	unsigned flags;
} cases[] = {
    /* the two of the brief */
    {RES("\"memory\": {\"limit\": \"256m\"}"),
     "linux.resources.memory.limit: expected an integer, got \"256m\""},
    {MOUNT("{\"destination\": \"/a\", \"type\": \"proc\"}, {\"destination\": \"/b\", \"type\": "
	   "\"proc\"}, {\"destination\": \"/c\", \"type\": \"proc\"}, {\"destination\": \"/d\", "
	   "\"type\": \"none\", \"source\": \"/x\", \"options\": [\"rw\", \"bnid\"]}"),
     "mounts[3].options[1]: unknown mount option 'bnid'"},

    /* the document */
    {"{\"root\": {\"path\": \"r\"}}", "ociVersion: required field is missing"},
    {"{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"}}",
     "ociVersion: expected a version 1.0.x or 1.1.x, got \"1.2.0\""},
    {"{\"ociVersion\": \"1.0\", \"root\": {\"path\": \"r\"}}",
     "ociVersion: expected a version 1.0.x or 1.1.x, got \"1.0\""},
    {"{\"ociVersion\": \"1.1.0-\", \"root\": {\"path\": \"r\"}}",
     "ociVersion: expected a version 1.0.x or 1.1.x, got \"1.1.0-\""},
    {"{\"ociVersion\": 1, \"root\": {\"path\": \"r\"}}", "ociVersion: expected a string, got 1"},
    {"{\"ociVersion\": 18446744073709551615, \"root\": {\"path\": \"r\"}}",
     "ociVersion: expected a string, got 18446744073709551615"},
    {"{\"ociVersion\": \"1.0.2\"}", "root: required field is missing"},
    {"{\"ociVersion\": \"1.0.2\", \"root\": {}}", "root.path: required field is missing"},
    {"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": null}}",
     "root.path: required field is missing"},
    {"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"\"}}", "root.path: must not be empty"},
    {"{\"ociVersion\": \"1.0.2\", \"root\": \"rootfs\"}",
     "root: expected an object, got \"rootfs\""},
    {"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\", \"readonly\": 1}}",
     "root.readonly: expected true or false, got 1"},
    {BASE(", \"foo\": 1"), "foo: unknown field"},
    {BASE(", \"proces\": {}"), "proces: unknown field; did you mean 'process'?"},
    {BASE(", \"Hostname\": \"x\""), "Hostname: unknown field; did you mean 'hostname'?"},
    {BASE(", \"windows\": {}"),
     "windows: not a field of Linux containers (Windows); this runtime runs only those"},
    {BASE(", \"hostname\": \"box\""),
     "hostname: needs a uts namespace (linux.namespaces), or it would be the host's"},
    {BASE(", \"domainname\": \"box.test\""),
     "domainname: needs a uts namespace (linux.namespaces), or it would be the host's"},
    {BASE(", \"hostname\": \"a123456789a123456789a123456789a123456789a123456789a123456789abcde\", "
	  "\"linux\": {\"namespaces\": [{\"type\": \"uts\"}]}"),
     "hostname: longer than the kernel's 64 bytes"},
    {BASE(", \"annotations\": {\"\": \"x\"}"), "annotations[\"\"]: a key must not be empty"},
    {BASE(", \"annotations\": {\"org.example.n\": 1}"),
     "annotations[\"org.example.n\"]: expected a string, got 1"},
    {BASE(", \"annotations\": []"), "annotations: expected an object of strings, got an array"},

    /* process */
    {BASE(", \"process\": {\"args\": [\"sh\"]}"), "process.cwd: required field is missing"},
    {PROC(", \"cwd\": \"tmp\""), ""}, /* a repeated key: said by jansson, see below */
    {BASE(", \"process\": {\"cwd\": \"tmp\", \"args\": [\"sh\"]}"),
     "process.cwd: expected an absolute path, got \"tmp\""},
    {BASE(", \"process\": {\"cwd\": \"/\"}"),
     "process.args: needs at least one entry, the program to run"},
    {BASE(", \"process\": {\"cwd\": \"/\", \"args\": []}"),
     "process.args: needs at least one entry, the program to run"},
    {BASE(", \"process\": {\"cwd\": \"/\", \"args\": [\"\"]}"),
     "process.args[0]: the program to run must not be empty"},
    {BASE(", \"process\": {\"cwd\": \"/\", \"args\": \"sh\"}"),
     "process.args: expected an array, got \"sh\""},
    {BASE(", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\", 1]}"),
     "process.args[1]: expected a string, got 1"},
    {PROC(", \"env\": [\"A=1\", \"FOO\"]"), "process.env[1]: expected NAME=VALUE, got \"FOO\""},
    {PROC(", \"env\": [\"=x\"]"), "process.env[0]: expected NAME=VALUE, got \"=x\""},
    {PROC(", \"terminal\": \"yes\""), "process.terminal: expected true or false, got \"yes\""},
    {PROC(", \"consoleSize\": {\"height\": 70000, \"width\": 80}"),
     "process.consoleSize.height: expected an integer from 0 to 65535, got 70000"},
    {PROC(", \"consoleSize\": {\"height\": 24}"),
     "process.consoleSize.width: required field is missing"},
    {PROC(", \"user\": {\"uid\": -1, \"gid\": 0}"),
     "process.user.uid: expected an integer from 0 to 4294967295, got -1"},
    {PROC(", \"user\": {\"uid\": 4294967295, \"gid\": 0}"),
     "process.user.uid: 4294967295 is (uid_t)-1, which setuid(2) reads as 'unchanged'"},
    {PROC(", \"user\": {\"uid\": 0, \"gid\": 4294967295}"),
     "process.user.gid: 4294967295 is (gid_t)-1, which setgid(2) reads as 'unchanged'"},
    {PROC(", \"user\": {\"uid\": 0}"), "process.user.gid: required field is missing"},
    {PROC(", \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 512}"),
     "process.user.umask: expected an integer from 0 to 511, got 512"},
    {PROC(", \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [\"5\"]}"),
     "process.user.additionalGids[0]: expected an integer, got \"5\""},
    {PROC(", \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [4294967295]}"),
     "process.user.additionalGids[0]: 4294967295 is (gid_t)-1, not a group"},
    {PROC(", \"user\": {\"uid\": 0, \"gid\": 0, \"username\": \"admin\"}"),
     "process.user.username: not a field of Linux containers (Windows); this runtime runs "
     "only those"},
    {PROC(", \"commandLine\": \"sh\""),
     "process.commandLine: not a field of Linux containers (Windows); this runtime runs "
     "only those"},
    {PROC(", \"execCPUAffinity\": {}"),
     "process.execCPUAffinity: defined after runtime-spec 1.1 (runtime-spec 1.2); this runtime "
     "reads 1.0 and 1.1"},
    {PROC(", \"capabilities\": {\"bounding\": \"CAP_KILL\"}"),
     "process.capabilities.bounding: expected an array, got \"CAP_KILL\""},
    {PROC(", \"capabilities\": {\"effective\": [5]}"),
     "process.capabilities.effective[0]: expected a capability name, got 5"},
    {PROC(", \"capabilities\": {\"ambiant\": []}"),
     "process.capabilities.ambiant: unknown field; did you mean 'ambient'?"},
    {PROC(", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]"),
     "process.rlimits[0].type: expected a resource of getrlimit(2) (RLIMIT_NOFILE, ...), got "
     "\"RLIMIT_FOO\""},
    {PROC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}, {\"type\": "
	  "\"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]"),
     "process.rlimits[1].type: RLIMIT_NOFILE is given twice"},
    {PROC(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 2, \"hard\": 1}]"),
     "process.rlimits[0]: the soft limit 2 is above the hard limit 1"},
    {PROC(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 2}]"),
     "process.rlimits[0].hard: required field is missing"},
    {PROC(", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": "
	  "18446744073709551616}]"),
     "line 1, column 168: too big integer near '18446744073709551616'"},
    {PROC(", \"oomScoreAdj\": 1001"),
     "process.oomScoreAdj: expected an integer from -1000 to 1000, got 1001"},
    {PROC(", \"noNewPrivileges\": null, \"oomScoreAdj\": 1.5"),
     "process.oomScoreAdj: expected an integer, got 1.5"},
    {PROC(", \"apparmorProfile\": \"docker-default\""),
     "process.apparmorProfile: not supported by this runtime: no AppArmor or SELinux support; "
     "an empty string is accepted"},
    {PROC(", \"selinuxLabel\": \"system_u:system_r:container_t:s0\""),
     "process.selinuxLabel: not supported by this runtime: no AppArmor or SELinux support; an "
     "empty string is accepted"},
    {PROC(", \"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 10}"),
     "process.scheduler: not supported by this runtime: no scheduler settings yet"},
    {PROC(", \"scheduler\": {\"policy\": \"SCHED_FOO\"}"),
     "process.scheduler.policy: expected a policy (SCHED_OTHER, ...), got \"SCHED_FOO\"",
     OCI_ALLOW_UNSUPPORTED},
    {PROC(", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}"),
     "process.ioPriority.priority: expected an integer from 0 to 7, got 8", OCI_ALLOW_UNSUPPORTED},

    /* mounts */
    {MOUNT("{\"destination\": \"data\", \"type\": \"tmpfs\"}"),
     "mounts[0].destination: expected an absolute path, got \"data\""},
    {MOUNT("{\"type\": \"tmpfs\"}"), "mounts[0].destination: required field is missing"},
    {MOUNT("{\"destination\": \"/d\", \"options\": [\"rbind\"]}"),
     "mounts[0].source: required for a bind mount"},
    {MOUNT("{\"destination\": \"/d\", \"source\": \"tmpfs\"}"),
     "mounts[0].type: required unless the mount is a bind mount"},
    {MOUNT("{\"destination\": \"/proc\", \"type\": \"proc\", \"options\": [\"tmpcopyup\"]}"),
     "mounts[0].options: tmpcopyup is for tmpfs mounts"},
    {MOUNT("{\"destination\": \"/d\", \"type\": \"tmpfs\", \"options\": [\"nosiud\\n\"]}"),
     "mounts[0].options[0]: unknown mount option 'nosiud\\n'"},
    {MOUNT("{\"destination\": \"/d\", \"type\": \"tmpfs\", \"options\": \"ro\"}"),
     "mounts[0].options: expected an array, got \"ro\""},
    {MOUNT("{\"destination\": \"/d\", \"source\": \"/s\", \"options\": [\"bind\"], "
	   "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}"),
     "mounts[0].uidMappings: not supported by this runtime: no idmapped mounts yet"},
    {MOUNT("{\"destination\": \"/d\", \"source\": \"/s\", \"options\": [\"bind\"], "
	   "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}"),
     "mounts[0]: an idmapped mount needs both uidMappings and gidMappings", OCI_ALLOW_UNSUPPORTED},
    {BASE(", \"mounts\": {}"), "mounts: expected an array, got an object"},

    /* hooks */
    {HOOKS("\"prestart\": [{\"path\": \"fix-mounts\"}]"),
     "hooks.prestart[0].path: expected an absolute path, got \"fix-mounts\""},
    {HOOKS("\"poststart\": [{\"path\": \"/bin/true\", \"timeout\": 0}]"),
     "hooks.poststart[0].timeout: expected an integer from 1 to 2147483647, got 0"},
    {HOOKS("\"poststop\": [{\"args\": [\"x\"]}]"),
     "hooks.poststop[0].path: required field is missing"},
    {HOOKS("\"poststop\": [{\"path\": \"/x\", \"envs\": []}]"),
     "hooks.poststop[0].envs: unknown field; did you mean 'env'?"},
    {HOOKS("\"poststrat\": []"), "hooks.poststrat: unknown field; did you mean 'poststart'?"},

    /* linux: namespaces, mappings, devices */
    {LINUX("\"namespaces\": [{\"type\": \"net\"}]"),
     "linux.namespaces[0].type: expected a namespace type (pid, network, mount, ipc, uts, user, "
     "cgroup or time), got \"net\""},
    {LINUX("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]"),
     "linux.namespaces[1].type: \"pid\" is given twice"},
    {LINUX("\"namespaces\": [{\"type\": \"network\", \"path\": \"run/netns/x\"}]"),
     "linux.namespaces[0].path: expected an absolute path, got \"run/netns/x\""},
    {LINUX("\"namespaces\": [{\"path\": \"/proc/1/ns/pid\"}]"),
     "linux.namespaces[0].type: required field is missing"},
    {LINUX("\"namespaces\": [{\"type\": \"time\"}]"),
     "linux.namespaces[0].type: the time namespace is not supported by this runtime: no time "
     "namespace yet"},
    {LINUX("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]"),
     "linux.uidMappings: mappings need a user namespace (linux.namespaces)"},
    {LINUX(USERNS "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 0}]"),
     "linux.uidMappings[0].size: must be above 0"},
    {LINUX(USERNS "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 4294967295, \"size\": 2}]"),
     "linux.gidMappings[0]: hostID + size passes 4294967296"},
    {LINUX(USERNS "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 10}, "
		  "{\"containerID\": 5, \"hostID\": 5000, \"size\": 1}]"),
     "linux.uidMappings[1]: its container ids overlap those of [0]"},
    {LINUX(USERNS "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000}]"),
     "linux.uidMappings[0].size: required field is missing"},
    {LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\", \"major\": 1, \"minor\": 1}]"),
     "linux.devices[0].type: expected c, b, u or p, got \"x\""},
    {LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]"),
     "linux.devices[0].major: required field is missing"},
    {LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": 4096, \"minor\": 1}]"),
     "linux.devices[0].major: expected an integer from 0 to 4095, got 4096"},
    {LINUX("\"devices\": [{\"path\": \"dev/x\", \"type\": \"p\"}]"),
     "linux.devices[0].path: expected an absolute path, got \"dev/x\""},
    {LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"p\"}, {\"path\": \"/dev/x\", "
	   "\"type\": \"p\"}]"),
     "linux.devices[1].path: \"/dev/x\" is given twice"},
    {LINUX("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"p\", \"fileMode\": 4096}]"),
     "linux.devices[0].fileMode: expected an integer from 0 to 4095, got 4096"},
    {LINUX("\"cgroupsPath\": \"/pods/../../escape\""),
     "linux.cgroupsPath: \"/pods/../../escape\" leaves the cgroup tree or has an empty part"},
    {LINUX("\"sysctl\": {\"net/../../kernel/x\": \"1\"}"),
     "linux.sysctl[\"net/../../kernel/x\"]: expected a name such as \"net.ipv4.ip_forward\""},
    {LINUX("\"sysctl\": {\"net.ipv4..x\": \"1\"}"),
     "linux.sysctl[\"net.ipv4..x\"]: expected a name such as \"net.ipv4.ip_forward\""},
    {LINUX("\"maskedPaths\": [\"proc/kcore\"]"),
     "linux.maskedPaths[0]: expected an absolute path, got \"proc/kcore\""},
    {LINUX("\"readonlyPaths\": [\"/proc/sys\", \"\"]"),
     "linux.readonlyPaths[1]: expected an absolute path, got \"\""},
    {LINUX("\"rootfsPropagation\": \"rsharde\""),
     "linux.rootfsPropagation: expected shared, slave, private or unbindable (or an r-form), got "
     "\"rsharde\""},
    {LINUX("\"mountLabel\": \"system_u:object_r:container_file_t:s0\""),
     "linux.mountLabel: not supported by this runtime: no AppArmor or SELinux support; an empty "
     "string is accepted"},
    {LINUX("\"intelRdt\": {\"closID\": \"x\"}"),
     "linux.intelRdt: not supported by this runtime: no resctrl support"},
    {LINUX("\"intelRdt\": {\"closID\": \"..\"}"),
     "linux.intelRdt.closID: expected a directory name, got \"..\"", OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"intelRdt\": {\"memBwSchema\": \"L3:0=1\"}"),
     "linux.intelRdt.memBwSchema: expected one line starting with MB:, got \"L3:0=1\"",
     OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"personality\": {\"domain\": \"LINUX\"}"),
     "linux.personality: not supported by this runtime: no execution domains yet"},
    {LINUX("\"personality\": {\"domain\": \"BSD\"}"),
     "linux.personality.domain: expected LINUX or LINUX32, got \"BSD\"", OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"x\"]}"),
     "linux.personality.flags: expected no flags: runtime-spec 1.1 defines none",
     OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"timeOffsets\": {\"boottime\": {\"secs\": 1}}"),
     "linux.timeOffsets: not supported by this runtime: no time namespace yet"},
    {LINUX("\"timeOffsets\": {\"boottime\": {\"secs\": 1}}"),
     "linux.timeOffsets: needs a time namespace (linux.namespaces)", OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"timeOffsets\": {\"realtime\": {\"secs\": 1}}"),
     "linux.timeOffsets.realtime: unknown field", OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"namespaces\": [{\"type\": \"time\"}], \"timeOffsets\": {\"monotonic\": "
	   "{\"nanosecs\": 1000000000}}"),
     "linux.timeOffsets.monotonic.nanosecs: expected an integer from 0 to 999999999, got "
     "1000000000",
     OCI_ALLOW_UNSUPPORTED},
    {LINUX("\"netDevices\": {\"eth0\": {}}"),
     "linux.netDevices: defined after runtime-spec 1.1 (runtime-spec 1.2); this runtime reads "
     "1.0 and 1.1"},

    /* linux.resources */
    {RES("\"devices\": [{\"access\": \"rwm\"}]"),
     "linux.resources.devices[0].allow: required field is missing"},
    {RES("\"devices\": [{\"allow\": false, \"access\": \"rwx\"}]"),
     "linux.resources.devices[0].access: expected some of r, w and m, got \"rwx\""},
    {RES("\"devices\": [{\"allow\": true, \"type\": \"u\"}]"),
     "linux.resources.devices[0].type: expected a, c or b, got \"u\""},
    {RES("\"devices\": [{\"allow\": true, \"major\": -2}]"),
     "linux.resources.devices[0].major: expected an integer from -1 to 9223372036854775807, got "
     "-2"},
    {RES("\"memory\": {\"limit\": 9223372036854775808}"),
     "linux.resources.memory.limit: expected an integer from -1 to 9223372036854775807, got "
     "9223372036854775808"},
    {RES("\"memory\": {\"swappiness\": 101}"),
     "linux.resources.memory.swappiness: expected an integer from 0 to 100, got 101"},
    {RES("\"memory\": {\"limit\": 200, \"swap\": 100}"),
     "linux.resources.memory.swap: 100 is below the limit 200 (swap counts memory and swap "
     "together)"},
    {RES("\"memory\": {\"kernel\": 1048576}"),
     "linux.resources.memory.kernel: not supported by this runtime: kernel memory limits are "
     "gone from Linux 6.x"},
    {RES("\"memory\": {\"limits\": 1}"),
     "linux.resources.memory.limits: unknown field; did you mean 'limit'?"},
    {RES("\"cpu\": {\"period\": 10}"),
     "linux.resources.cpu.period: expected 1000 to 1000000 microseconds, got 10"},
    {RES("\"cpu\": {\"quota\": 500}"),
     "linux.resources.cpu.quota: expected -1 or at least 1000 microseconds, got 500"},
    {RES("\"cpu\": {\"cpus\": \"0-a\"}"),
     "linux.resources.cpu.cpus: expected a list such as \"0-3,5\", got \"0-a\""},
    {RES("\"cpu\": {\"mems\": \"1-0\"}"),
     "linux.resources.cpu.mems: expected a list such as \"0-1\", got \"1-0\""},
    {RES("\"cpu\": {\"quota\": 1000, \"burst\": 2000}"),
     "linux.resources.cpu.burst: above the quota", OCI_ALLOW_UNSUPPORTED},
    {RES("\"cpu\": {\"idle\": 2}"),
     "linux.resources.cpu.idle: expected an integer from 0 to 1, got 2", OCI_ALLOW_UNSUPPORTED},
    {RES("\"pids\": {}"), "linux.resources.pids.limit: required field is missing"},
    {RES("\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]"),
     "linux.resources.hugepageLimits[0].pageSize: expected a size such as \"2MB\" or \"1GB\", "
     "got \"2M\""},
    {RES("\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}, {\"pageSize\": \"2048KB\", "
	 "\"limit\": 1}]"),
     "linux.resources.hugepageLimits[1].pageSize: \"2048KB\" is given twice"},
    {RES("\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}"),
     "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight"},
    {RES("\"blockIO\": {\"weight\": 65536}"),
     "linux.resources.blockIO.weight: expected an integer from 0 to 65535, got 65536"},
    {RES("\"blockIO\": {\"leafWeight\": 10}"),
     "linux.resources.blockIO.leafWeight: not supported by this runtime: CFQ's, which Linux no "
     "longer has"},
    {RES("\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}"),
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required field is missing"},
    {RES("\"network\": {\"classID\": 1}"),
     "linux.resources.network: not supported by this runtime: cgroup v1 only (net_cls, net_prio)"},
    {RES("\"rdma\": {\"mlx5_0\": {\"hcaHandles\": 1}}"),
     "linux.resources.rdma: not supported by this runtime: no rdma controller support yet"},
    {RES("\"rdma\": {\"mlx5_0\": {}}"),
     "linux.resources.rdma[\"mlx5_0\"]: needs hcaHandles or hcaObjects", OCI_ALLOW_UNSUPPORTED},
    {RES("\"unified\": {\"../cgroup.procs\": \"1\"}"),
     "linux.resources.unified[\"../cgroup.procs\"]: expected a file of the cgroup such as "
     "\"memory.max\""},
    {RES("\"unified\": {\"memory\": \"1\"}"),
     "linux.resources.unified[\"memory\"]: expected a file of the cgroup such as \"memory.max\""},

    /* linux.seccomp */
    {LINUX("\"seccomp\": {}"), "linux.seccomp.defaultAction: required field is missing"},
    {LINUX("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_DENY\"}"),
     "linux.seccomp.defaultAction: expected an action (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...), got "
     "\"SCMP_ACT_DENY\""},
    {SECCOMP(", \"defaultErrnoRet\": 1"),
     "linux.seccomp.defaultAction: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"x\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
	     "70000}]"),
     "linux.seccomp.syscalls[0].action: expected at most 65535, what the kernel keeps, got 70000"},
    {SECCOMP(", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\"}]"),
     "linux.seccomp.syscalls[0].names: required field is missing"},
    {SECCOMP(", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]"),
     "linux.seccomp.syscalls[0].names: needs at least one name"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"read\", \"\"], \"action\": \"SCMP_ACT_LOG\"}]"),
     "linux.seccomp.syscalls[0].names[1]: must not be empty"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"read\"]}]"),
     "linux.seccomp.syscalls[0].action: required field is missing"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
	     "[{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]"),
     "linux.seccomp.syscalls[0].args[0].index: expected an integer from 0 to 5, got 6"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
	     "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQUAL\"}]}]"),
     "linux.seccomp.syscalls[0].args[0].op: expected an operator (SCMP_CMP_EQ, ...), got "
     "\"SCMP_CMP_EQUAL\""},
    {SECCOMP(", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_Z80\"]"),
     "linux.seccomp.architectures[1]: expected an architecture (SCMP_ARCH_X86_64, ...), got "
     "\"SCMP_ARCH_Z80\""},
    {SECCOMP(", \"architectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X86\"]"),
     "linux.seccomp.architectures[1]: given twice"},
    {SECCOMP(", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]"),
     "linux.seccomp.flags[0]: expected a flag (SECCOMP_FILTER_FLAG_LOG, ...), got "
     "\"SECCOMP_FILTER_FLAG_FAST\""},
    {SECCOMP(", \"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]"),
     "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported by this "
     "runtime: Debian 12's libseccomp 2.5 cannot set it"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]"),
     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported by this runtime: no "
     "seccomp agents yet"},
    {SECCOMP(", \"syscalls\": [{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOTIFY\"}]"),
     "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath",
     OCI_ALLOW_UNSUPPORTED},
    {SECCOMP(", \"listenerPath\": \"/run/agent\""),
     "linux.seccomp.listenerPath: not supported by this runtime: no seccomp agents "
     "(SCMP_ACT_NOTIFY) yet"},
    {SECCOMP(", \"listenerMetadata\": \"x\""),
     "linux.seccomp.listenerMetadata: only with listenerPath", OCI_ALLOW_UNSUPPORTED},

    /* JSON itself */
    {"{\"ociVersion\": \"1.0.2\",}", "line 1, column 25: string or '}' expected near '}'"},
    {"{\"ociVersion\": \"1.0.2\", \"ociVersion\": \"1.0.2\"}",
     "line 1, column 37: duplicate object key near '\"ociVersion\"'"},
    {"[1, 2]", "the document is not a JSON object"},
    {"", "line 1, column 1: '[' or '{' expected near end of file"},
    {"{\"ociVersion\": \"1.0.2\\u0000\"}",
     "line 1, column 22: a string holds \\u0000, which no C string can"},
    {"{\"ociVersion\": \"\xff\"}", "line 1, column 17: unable to decode byte 0xff near '\"'"},
};

static void check_case(size_t i, const struct bad_case *c)
{
	struct oci_config cfg;
	struct oci_messages m = {0};
	int errors = oci_config_parse(c->doc, strlen(c->doc), c->flags, &cfg, &m);

	if (!*c->want) {
		/* the process object of PROC() given twice */
		ok(errors == 1 && m.n == 1 && strstr(m.v[0].text, "duplicate object key"),
		   "case %zu: a key given twice is an error", i);
	} else if (!ok(errors == 1 && m.n == 1 && strcmp(m.v[0].text, c->want) == 0, "case %zu: %s",
		       i, c->want)) {
		printf("#   %d errors:\n", errors);
		oci_messages_print(&m, stdout, "#  ");
	}
	ok(cfg.oci_version == NULL && cfg.mounts == NULL, "case %zu: the config is freed", i);
	oci_messages_free(&m);
}

/* The fields refused above are accepted when empty, and in full with
 * OCI_ALLOW_UNSUPPORTED. */
static void test_empty_unsupported(void)
{
	static const char doc[] = PROC(", \"apparmorProfile\": \"\", \"selinuxLabel\": \"\"");
	static const char lx[] =
	    LINUX("\"mountLabel\": \"\", \"intelRdt\": {}, \"resources\": {\"network\": {}}");
	struct oci_config c;
	struct oci_messages m = {0};

	is_int(oci_config_parse(doc, strlen(doc), 0, &c, &m), 0, "empty LSM labels are accepted");
	oci_config_free(&c);
	is_int(oci_config_parse(lx, strlen(lx), 0, &c, &m), 0,
	       "empty unsupported objects are accepted");
	ok(c.lnx.intel_rdt.present, "... and read as present");
	oci_config_free(&c);
	is_int(m.n, 0, "... without a message");
	oci_messages_free(&m);
}

static void test_warning_only(void)
{
	static const char doc[] = PROC(", \"capabilities\": {\"bounding\": [\"CAP_KILL\", "
				       "\"CAP_TELEPORT\"]}");
	struct oci_config c;
	struct oci_messages m = {0};

	is_int(oci_config_parse(doc, strlen(doc), 0, &c, &m), 0,
	       "an unknown capability is no error (the spec asks for a warning)");
	ok(m.warnings == 1 && m.n == 1 && m.v[0].warning, "... but one warning");
	is_str(m.n ? m.v[0].text : NULL,
	       "process.capabilities.bounding[1]: unknown capability \"CAP_TELEPORT\", not granted",
	       "... that names it");
	is_int(c.process.capabilities.bounding, UINT64_C(1) << 5, "... and only CAP_KILL is kept");
	oci_config_free(&c);
	oci_messages_free(&m);
}

/* All the errors of a document are said at once, in document order. */
static void test_all_at_once(void)
{
	static const char doc[] =
	    "{\"ociVersion\": 2, \"root\": {\"path\": \"r\", \"readonly\": \"no\"},"
	    " \"process\": {\"cwd\": 1, \"args\": [\"sh\"]},"
	    " \"linux\": {\"resources\": {\"memory\": {\"limit\": \"1g\", \"swap\": \"2g\"}}}}";
	static const char sem[] =
	    BASE(", \"process\": {\"cwd\": \"x\", \"args\": []}, "
		 "\"mounts\": [{\"destination\": \"y\", \"type\": \"tmpfs\"}]");
	struct oci_config c;
	struct oci_messages m = {0};

	is_int(oci_config_parse(doc, strlen(doc), 0, &c, &m), 5, "five type errors, all said");
	ok(m.n == 5 && strncmp(m.v[0].text, "ociVersion:", 11) == 0 &&
	       strncmp(m.v[4].text, "linux.resources.memory.swap:", 28) == 0,
	   "... in the order of the document");
	oci_messages_free(&m);
	is_int(oci_config_parse(sem, strlen(sem), 0, &c, &m), 3,
	       "three errors of the spec's rules, all said");
	oci_messages_free(&m);
}

static void test_message_bound(void)
{
	size_t cap = 64 + 150 * 12, len;
	char *doc = malloc(cap);
	struct oci_config c;
	struct oci_messages m = {0};
	FILE *f;
	char *out = NULL;
	size_t olen = 0;

	len = (size_t)snprintf(doc, cap, "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}");
	for (int i = 0; i < 150; i++)
		len += (size_t)snprintf(doc + len, cap - len, ", \"x%03d\": 1", i);
	len += (size_t)snprintf(doc + len, cap - len, "}");
	is_int(oci_config_parse(doc, len, 0, &c, &m), 150, "150 unknown fields are 150 errors");
	is_int(m.n, OCI_MAX_MESSAGES, "... of which the first 100 are kept");
	is_int(m.dropped, 50, "... and the rest counted");
	f = open_memstream(&out, &olen);
	oci_messages_print(&m, f, "config.json");
	fclose(f);
	ok(strstr(out, "config.json: x000: unknown field\n") &&
	       strstr(out, "config.json: and 50 more messages\n"),
	   "printing says each with its prefix, then how many more");
	free(out);
	free(doc);
	oci_messages_free(&m);
}

/* Hostile documents cost little: each bound is said before much is built. */
static void test_bounds(void)
{
	struct oci_config c;
	struct oci_messages m = {0};
	size_t n = OCI_MAX_DOCUMENT + 1, len;
	char *doc = malloc(n + 64);

	memset(doc, ' ', n);
	doc[0] = '{';
	doc[n - 1] = '}';
	oci_config_parse(doc, n, 0, &c, &m);
	ok(m.n == 1 && strstr(m.v[0].text, "bytes, more than a config.json can"),
	   "a document of more than 4 MiB is refused");
	oci_messages_free(&m);

	len = (size_t)snprintf(doc, 64, "{\"a\": [");
	for (size_t i = 0; i < OCI_MAX_VALUES; i++)
		doc[len++] = '0', doc[len++] = ',';
	doc[len++] = '0';
	doc[len++] = ']';
	doc[len++] = '}';
	oci_config_parse(doc, len, 0, &c, &m);
	ok(m.n == 1 && strstr(m.v[0].text, "more values than a config.json can (131072)"),
	   "a document of more than 131072 values is refused: %s", m.n ? m.v[0].text : "");
	oci_messages_free(&m);

	len = 0;
	for (int i = 0; i < OCI_MAX_DEPTH + 1; i++)
		doc[len++] = '[';
	for (int i = 0; i < OCI_MAX_DEPTH + 1; i++)
		doc[len++] = ']';
	oci_config_parse(doc, len, 0, &c, &m);
	ok(m.n == 1 && strstr(m.v[0].text, "nests deeper than a config.json can (32 levels)"),
	   "a document nested 33 deep is refused");
	oci_messages_free(&m);

	len = (size_t)snprintf(doc, 128,
			       "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, "
			       "\"linux\": {\"maskedPaths\": [");
	for (int i = 0; i <= OCI_MAX_ITEMS; i++)
		len += (size_t)snprintf(doc + len, 8, "%s\"/\"", i ? "," : "");
	len += (size_t)snprintf(doc + len, 8, "]}}");
	oci_config_parse(doc, len, 0, &c, &m);
	is_str(m.n ? m.v[0].text : NULL,
	       "linux.maskedPaths: has 65537 entries, more than a config.json can (65536)",
	       "an array of more than 65536 entries is refused");
	oci_messages_free(&m);
	free(doc);
}

static void test_load(void)
{
	struct oci_config c;
	struct oci_messages m = {0};

	is_int(oci_config_load("/nonexistent/config.json", 0, &c, &m), 1,
	       "a missing file is an error");
	is_str(m.n ? m.v[0].text : NULL,
	       "cannot open /nonexistent/config.json: No such file or directory",
	       "... that says why");
	oci_messages_free(&m);
	is_int(oci_config_load("/", 0, &c, &m), 1, "a directory is an error");
	is_str(m.n ? m.v[0].text : NULL, "/: not a regular file", "... that says so");
	oci_messages_free(&m);
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	tap_plan((int)(2 * n) + 23);
	for (size_t i = 0; i < n; i++)
		check_case(i, &cases[i]);
	test_empty_unsupported();
	test_warning_only();
	test_all_at_once();
	test_message_bound();
	test_bounds();
	test_load();
	return tap_done();
}
