#!/bin/bash
# Privileges: docker's default capabilities (and --cap-add/--cap-drop), a
# reduced bounding set, no_new_privs, the seccomp filter, the device
# policy, and --userns.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 31

R=$TMP/root
S=$TMP/share
make_rootfs "$R"
mkdir -p "$S"
chmod 777 "$S"
on_exit "clean_up_after '$R'"

status() { cs --no-init "$@" "$R" cat /proc/self/status 2>&1; }
field() { echo "$1" | awk -v f="$2:" '$1 == f {print $2}'; }

# CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
# NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
docker_caps=00000000a80425fb
st=$(status)
is "$(field "$st" CapEff)" $docker_caps "default effective set: docker's"
is "$(field "$st" CapBnd)" $docker_caps "the bounding set is reduced to it too"
is "$(field "$st" CapInh)/$(field "$st" CapAmb)" 0000000000000000/0000000000000000 \
	"no inheritable or ambient capabilities"
is "$(field "$st" NoNewPrivs)" 1 "no_new_privs is set"
is "$(field "$st" Seccomp)" 2 "a seccomp filter is loaded"

st=$(status --cap-drop ALL)
is "$(field "$st" CapEff)/$(field "$st" CapBnd)" 0000000000000000/0000000000000000 "--cap-drop ALL"
# + SYS_ADMIN (21), - NET_RAW (13), - chown (0, lower case, CAP_ prefix)
st=$(status --cap-add SYS_ADMIN --cap-drop NET_RAW --cap-drop cap_chown)
is "$(field "$st" CapEff)" 00000000a82405fa "--cap-add SYS_ADMIN --cap-drop NET_RAW --cap-drop cap_chown"
st=$(status --cap-add ALL)
is "$(field "$st" CapBnd)" "$(awk '$1 == "CapBnd:" {print $2}' /proc/self/status)" \
	"--cap-add ALL: everything cspawn itself has"
err=$(status --cap-add NOT_A_CAP)
like "$err" "unknown capability 'NOT_A_CAP'" "an unknown capability is refused"

st=$(status -u app)
is "$(field "$st" CapEff)/$(field "$st" CapBnd)" 0000000000000000/$docker_caps \
	"a non-root user has no effective capabilities"

# seccomp: creating namespaces needs no capability, so only the filter
# stands in the way of unshare; with CAP_SYS_ADMIN it steps aside.
like "$(cs --no-init "$R" unshare -U true 2>&1)" "Operation not permitted" "unshare is refused"
is "$(cs --no-init --cap-add SYS_ADMIN "$R" sh -c 'unshare -U true && echo allowed' 2>&1)" allowed \
	"... unless --cap-add SYS_ADMIN"
is "$(cs --no-init "$R" linux32 uname -m)" i686 "a safe personality (PER_LINUX32) is allowed"
# Calls docker refuses whatever the capabilities, socket(AF_VSOCK), and
# TIOCSTI on the container's own controlling terminal. The probe's
# arguments make the kernel answer anything but EPERM (as on the host), so
# EPERM inside, even with every capability, is the filter's.
probes="kexec_load pivot_root swapon move_pages migrate_pages vsock tiocsti personality"
cp "$HELPERS/sysprobe" "$R/bin/sysprobe"
is "$("$HELPERS/sysprobe" $probes 2>&1 | grep -c "Operation not permitted")" 0 \
	"on the host the probes are not refused"
refused=$(for p in $probes; do echo "$p: Operation not permitted"; done)
is "$(cs --no-init "$R" sysprobe $probes 2>&1)" "$refused" \
	"refused in the container: kexec, pivot_root, swapon, move/migrate_pages, vsock, TIOCSTI, personality(ADDR_NO_RANDOMIZE)"
is "$(cs --no-init --cap-add ALL "$R" sysprobe $probes 2>&1)" "$refused" \
	"... even with every capability"
# setns(-1): the kernel says EBADF before it looks at capabilities.
is "$(cs --no-init "$R" sysprobe setns 2>&1)" "setns: Operation not permitted" "setns is refused"
is "$(cs --no-init --cap-add SYS_ADMIN "$R" sysprobe setns 2>&1)" "setns: Bad file descriptor" \
	"... unless --cap-add SYS_ADMIN"
rm "$R/bin/sysprobe"

# Devices: a container may make a node for a host block device, never open
# it. The device is one the host itself opens (its root disk may be closed
# even to root, as on this VM, which would prove nothing): that disk, else
# the first loop device.
host_opens() { mknod "$TMP/probe" b "${1%:*}" "${1#*:}" && : <"$TMP/probe"; }
disk=
for d in "$(mountpoint -d /)" 7:0; do
	host_opens "$d" 2>/dev/null && disk=$d && rm -f "$TMP/probe" && break
	rm -f "$TMP/probe"
done
ok "$(test -n "$disk"; echo $?)" "a block device the host opens ($disk)"
out=$(cs --no-init "$R" sh -c "mknod /tmp/disk b ${disk%:*} ${disk#*:} && echo made;
	head -c1 /tmp/disk >/dev/null && echo opened; rm /tmp/disk" 2>&1)
like "$out" "^made" "mknod of it works (CAP_MKNOD, as in docker)"
like "$out" "/tmp/disk.*Operation not permitted" "... but opening it is refused"
is "$(cs --no-init "$R" sh -c 'head -c4 /dev/zero | wc -c')" 4 "/dev/zero opens"
# Docker allows the console (5:1); a node for it reaches the host's.
like "$(cs --no-init "$R" sh -c 'mknod /tmp/console c 5 1 && : </tmp/console' 2>&1)" \
	"/tmp/console.*Operation not permitted" "a node for the host's console does not open"

# The same policy through cgroup v2 on a real cgroup2 filesystem (this
# hybrid host's, mounted again in a mount namespace of the test's own, so
# that no other test sees it): cspawn's v2 path end to end, its device
# program included, as on a v2 host.
CG2=$TMP/cgroup2
mkdir "$CG2"
name=$(cname v2dev)
out=$(unshare -m --propagation private sh -c 'mount -t cgroup2 none "$1" && shift && "$@"' sh \
	"$CG2" env CSPAWN_CGROUP_ROOT="$CG2" timeout -s KILL 60 "$CSPAWN" -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" \
	--no-init --name "$name" "$R" sh -c "
	mknod /tmp/disk b ${disk%:*} ${disk#*:}; head -c1 /tmp/disk >/dev/null; rm /tmp/disk
	head -c4 /dev/zero | wc -c" 2>&1)
is "$out" "head: /tmp/disk: Operation not permitted
4" "cgroup v2 (a real cgroup2 mount): the device program refuses it, /dev/zero opens"
ok "$(unshare -m --propagation private sh -c 'mount -t cgroup2 none "$1" && test ! -e "$1/cspawn/$2"' \
	sh "$CG2" "$name"; echo $?)" "... and the v2 cgroup is removed"

# --userns: root inside, an unprivileged range outside, which must be able
# to reach the root (mktemp -d made $TMP 0700).
chmod 755 "$TMP"
mkdir "$R/share"
out=$(cs --no-init --userns -v "$S:/share" "$R" sh -c '
	id -u; cat /proc/self/uid_map /proc/self/setgroups; touch /share/made' 2>&1)
is "$(echo $out)" "0 0 100000 65536 allow" "--userns: uid 0 inside, 0 -> 100000 (65536 ids)"
is "$(stat -c %u:%g "$S/made")" 100000:100000 "... and its files belong to 100000 on the host"
# cspawn's own supplementary groups (host ids, root's 0 among them) would
# still grant their access from inside if the user's did not replace them.
is "$(setpriv --groups 0,4 "$CSPAWN" "${INIT[@]}" --no-init --userns -u app "$R" id -G 2>&1)" \
	"1000 2000" "... -u app: the user's groups, none of cspawn's"
like "$(cs --no-init --userns "$R" touch /etc/x 2>&1)" "Permission denied" \
	"... where the host-owned root is not its to write"
is "$(cs --no-init --userns --layer "$S" "$R" sh -c 'echo w > /x && cat /x' 2>&1)" w \
	"... but the top of a writable layer is"

check_no_leftovers
