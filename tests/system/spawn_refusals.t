#!/bin/bash
# What cspawn refuses before it creates anything, with a message that names
# the flag as typed; and a start that fails removes the mount points it made
# in ROOTFS (issue 16, item 7).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 32

R=$TMP/root
S=$TMP/share
make_rootfs "$R"
mkdir -p "$S"
on_exit "clean_up_after '$R'"

refused() { # refused WHAT REGEX ARGS...: 125 and the message
	_what=$1 _re=$2
	shift 2
	_out=$(cs --no-init --name "$(cname refused)" "$@" 2>&1)
	is $? 125 "$_what: 125"
	like "$_out" "$_re" "... $_what: says why"
}

refused "ROOTFS /" "ROOTFS /: the host's own root" / true
refused "ROOTFS /dev" "ROOTFS /dev: on /proc, /sys or /dev" /dev true
ok "$(test ! -e /dev/proc && test ! -e /dev/sys; echo $?)" "... and nothing was made in the host's /dev"
refused "ROOTFS in the cgroup tree" "not a root filesystem" /sys/fs/cgroup true
refused "-v onto /" "-v '$S:/x/\.\.': the target cannot be the container's /" -v "$S:/x/.." "$R" true
ln -s / "$R/up"
refused "-v onto a symlink to /" "-v /up: the target resolves to the container's /" \
	-v "$S:/up" "$R" true
refused "--tmpfs onto a symlink to /" "--tmpfs /up: the target resolves" --tmpfs /up "$R" true
rm "$R/up"
refused "--pids-limit 0" "--pids-limit '0': .* at least 1" --pids-limit 0 "$R" true
refused "--tmpfs size=0" "size=0 would mean no limit" --tmpfs /t:size=0 "$R" true
refused "--memory above the kernel's maximum" "above the kernel's maximum" \
	--memory 9223372036854775807 "$R" true
refused "--hostname not RFC 1123" "--hostname 'a_b'" --hostname a_b "$R" true
out=$("$CSPAWN" --memory 2>&1)
like "$out" "^cspawn: --memory: missing value" "a missing value names the flag as typed (--memory)"
ok "$(test ! -e "$SPAWN_STATE/$(cname refused)"; echo $?)" "no state was made for any of them"

# A bare root: the start makes /proc, /sys, /dev, /data/deep and /work/dir
# in it, then fails (no such command): they go again.
B=$TMP/bare
mkdir -p "$B/bin" "$B/etc"
cp "$BUSYBOX" "$B/bin/sh"
out=$(cs --no-init -v "$S:/data/deep" -w /work/dir "$B" nosuchcommand 2>&1)
is $? 127 "a command that is not there: 127"
is "$(ls "$B" | tr '\n' ' ')" "bin etc " "... and the mount points the start made are gone"
# A successful start leaves them, as runc does.
cs --no-init -v "$S:/data/deep" "$B" /bin/sh -c true
is "$(ls "$B" | tr '\n' ' ')" "bin data dev etc proc sys " "a start that ran keeps its mount points"

# Under a strict umask, --userns with a layer still works: cspawn sets
# the modes of what it makes.
chmod 755 "$TMP"
L=$TMP/layer
mkdir -p "$L"
out=$( (umask 077; cs --no-init --userns --layer "$L" "$R" sh -c 'echo w > /x && cat /x') 2>&1)
is "$out" w "umask 077: --userns --layer still starts"
# Setuid files and device nodes made inside stay out of host users' reach:
# the writable layer's directory is 0700, and a ROOTFS a user owns is named.
name=$(cname modes)
"${CS[@]}" --no-init --name "$name" --layer "$L" -v "$S:/share" "$R" sh -c \
	'trap "exit 0" TERM; cp /bin/busybox /suid && chmod 4755 /suid && touch /share/ready
	while :; do sleep 0.05; done' &
mon=$!
wait_until 10 test -e "$S/ready"
is "$(stat -c %a "$SPAWN_STATE/$name")" 700 "the container's state directory is 0700"
ok "$(! setpriv --reuid 1000 --regid 1000 --clear-groups ls "$SPAWN_STATE/$name/rw/upper" \
	>/dev/null 2>&1; echo $?)" "... so a host user cannot reach a setuid file in its writable layer"
kill -TERM $mon
wait_bounded $mon
chown 1000 "$B"
like "$(cs --no-init "$B" /bin/sh -c true 2>&1)" "warning: ROOTFS $B is owned or writable by a user other than root.*--userns" \
	"a ROOTFS owned by a user gets a warning that names --userns"
is "$(cs --no-init --userns "$B" /bin/sh -c true 2>&1)" "" "... but not with --userns"

check_no_leftovers
