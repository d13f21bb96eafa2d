#!/bin/bash
# The container's filesystem: pivot_root into the root, fresh /proc with
# crun's masks, /sys read-only, a minimal /dev, binds and tmpfs mounts whose
# targets stay inside the root, --read-only, and overlay layers.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 33

R=$TMP/root
make_rootfs "$R"
mkdir -p "$TMP/share"
echo from-host >"$TMP/share/hostfile"
on_exit "clean_up_after '$R'"

run() { cs --no-init "$R" sh -c "$1" 2>&1; }

# pivot_root, not chroot: the host's mounts are gone, not merely out of reach.
mi=$(run 'cat /proc/self/mountinfo')
is "$(echo "$mi" | awk '$5 == "/"' | wc -l)" 1 "one mount at /"
is "$(echo "$mi" | awk '{print $5}' | grep -c -e /sys/fs/cgroup -e '^/run' -e '^/tmp')" 0 \
	"no host mount is visible inside"
is "$(run 'echo /proc/[0-9]*')" /proc/1 "/proc is the container's: only PID 1 in it"
# The tree is made private first: where the host's mounts are shared (as
# systemd makes them), the container's would otherwise appear outside, and
# pivot_root refuses a shared root. A shared mount namespace plays that host.
out=$(unshare -m --propagation shared sh -c '
	before=$(md5sum </proc/self/mountinfo)
	"$@" && [ "$(md5sum </proc/self/mountinfo)" = "$before" ] && echo unchanged' sh \
	timeout -s KILL 60 "$CSPAWN" --net none -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" --no-init -v "$TMP/share:/share" \
	--tmpfs /tmp "$R" true 2>&1)
is "$out" unchanged "on a host with shared mounts, none of the container's appear outside"

# crun's masks and read-only paths.
is "$(run 'cat /proc/keys /proc/timer_list | wc -c')" 0 "/proc/keys and timer_list read as /dev/null"
is "$(run 'ls /sys/firmware | wc -l')" 0 "/sys/firmware is an empty tmpfs"
is "$(run 'ls /proc/acpi 2>/dev/null | wc -l')" 0 "/proc/acpi is empty"
# Contents alone can mislead (this VM's /proc/acpi is empty anyway): each
# masked path this kernel has must be covered by a mount of its own.
masked="/proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list
	/proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware /sys/devices/virtual/powercap"
want=$(for p in $masked; do [ -e "$p" ] && echo "$p"; done)
is "$(run "for p in $(echo $masked); do grep -q \" \$p \" /proc/self/mountinfo && echo \$p; done")" \
	"$want" "every masked path this kernel has is covered by a mount:" $want
like "$(run 'echo 1 > /proc/sys/kernel/ns_last_pid')" "Read-only file system" "/proc/sys is read-only"
like "$(run 'grep -E " /proc/(bus|fs|irq|sys) " /proc/mounts | grep -c " ro,"')" '^4$' \
	"/proc/bus, fs, irq, sys mounted read-only"
like "$(run 'touch /sys/x')" "Read-only file system" "/sys is read-only"

# /dev: the nodes docker gives, nothing of the host's (with --no-init the
# trampoline cinit is a mount of its own that the container never sees).
is "$(run 'ls -A /dev | tr "\n" " "')" \
	"core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " \
	"/dev has the minimal set"
is "$(run 'stat -c "%A %t:%T" /dev/null /dev/zero /dev/urandom | tr "\n" " "')" \
	"crw-rw-rw- 1:3 crw-rw-rw- 1:5 crw-rw-rw- 1:9 " "device nodes with docker's modes"
like "$(run 'grep " /dev/pts " /proc/mounts')" "devpts .*ptmxmode=666" "/dev/pts is a new devpts"
is "$(run 'echo x > /dev/shm/f && cat /dev/shm/f')" x "/dev/shm is writable"
is "$(run 'for l in fd stdin ptmx; do readlink /dev/$l; done | tr "\n" " "')" \
	"/proc/self/fd /proc/self/fd/0 pts/ptmx " "/dev symlinks"

# -v and --tmpfs.
is "$(cs --no-init -v "$TMP/share:/mnt/share" "$R" sh -c 'cat /mnt/share/hostfile; echo in > /mnt/share/back')" \
	from-host "-v: host files are visible inside"
is "$(cat "$TMP/share/back")" in "-v: writes reach the host"
like "$(cs --no-init -v "$TMP/share:/mnt/share:ro" "$R" sh -c 'echo x > /mnt/share/y' 2>&1)" \
	"Read-only file system" "-v ...:ro is read-only"
is "$(cs --no-init -v "$TMP/share/hostfile:/etc/motd" "$R" cat /etc/motd)" from-host \
	"-v binds a single file (the target is created)"
rm -f "$R/etc/motd"
like "$(cs --no-init --tmpfs /scratch:size=1m "$R" sh -c 'echo x > /scratch/f && grep " /scratch " /proc/mounts')" \
	"tmpfs /scratch tmpfs rw,nosuid,nodev,noexec.*size=1024k" "--tmpfs PATH:size=1m"
rmdir "$R/scratch"

# A root whose /data points at the host's /etc: the bind lands on the
# root's own /etc, never on the host's.
host_etc=$(ls -A /etc | md5sum)
# Mounts where a bind that escaped would land: /etc, where both symlinks
# lead, and the test's own directory (other containers, of other tests or
# of anyone on the machine, may mount elsewhere meanwhile; what this run
# of cspawn leaves is check_no_leftovers's to find).
near_mounts() { awk -v t="$TMP" '$5 ~ /^\/etc/ || index($5, t) == 1' /proc/self/mountinfo; }
host_mounts=$(near_mounts)
ln -s /etc "$R/data"
ln -s ../../../../../etc "$R/up"
out=$(cs --no-init -v "$TMP/share:/data" -v "$TMP/share:/up/deep" "$R" \
	sh -c 'cat /etc/hostfile; cat /etc/deep/hostfile' 2>&1)
is "$out" "from-host
from-host" "symlinks out of the root are confined to it"
is "$(ls -A /etc | md5sum)" "$host_etc" "the host's /etc is untouched"
is "$(near_mounts)" "$host_mounts" "no mount appeared on the host"
rm "$R/data" "$R/up"
rmdir "$TMP/share/deep"

# --read-only
out=$(cs --no-init --read-only --tmpfs /tmp "$R" sh -c 'touch /x 2>&1; touch /tmp/y && echo tmp-ok')
like "$out" "touch: /x: Read-only file system" "--read-only: the root is read-only"
like "$out" "tmp-ok" "... but a --tmpfs on it is writable"

# Layers: the root at the bottom, layers above it, a fresh writable layer
# on top that is removed at exit.
L1=$TMP/layer1
L2=$TMP/layer2
mkdir -p "$L1/etc" "$L2/etc"
echo one >"$L1/etc/layered"
echo low >"$L1/etc/shadowed"
echo high >"$L2/etc/shadowed"
snapshot() { find "$R" "$L1" "$L2" -printf '%p %s %T@\n' | sort | md5sum; }
before=$(snapshot)
name=$(cname layers)
out=$(cs --no-init --name "$name" --layer "$L1" --layer "$L2" "$R" sh -c '
	cat /etc/layered /etc/shadowed
	echo new > /etc/new; rm /etc/layered /etc/passwd
	ls /etc | tr "\n" " "; grep " / " /proc/mounts | cut -d" " -f3' 2>&1)
is "$out" "one
high
group new shadowed overlay" "--layer: files of every layer, the later one on top, over an overlay"
is "$(snapshot)" "$before" "writes and deletions never reach the layers or the root"
is "$(cs --no-init --name "$name" --layer "$L1" --layer "$L2" "$R" sh -c 'ls /etc | tr "\n" " "')" \
	"group layered passwd shadowed " "the next run starts from a fresh writable layer"
ok "$(test ! -e "$SPAWN_STATE/$name"; echo $?)" "the writable layer is removed at exit"

# Missing mount points are created (in the writable layer when there is one).
mkdir -p "$TMP/bare/bin"
cp "$BUSYBOX" "$TMP/bare/bin/sh"
is "$(cs --no-init --layer "$L1" "$TMP/bare" /bin/sh -c 'echo ok')" ok \
	"a root without /proc, /sys, /dev still runs (mount points in the writable layer)"
is "$(ls "$TMP/bare")" bin "... and the root itself is not written"

check_no_leftovers
