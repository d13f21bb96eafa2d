#!/bin/bash
# CVE-2024-21626 class: descriptors that cspawn's caller holds must not
# give the container a way out through /proc/self/fd/N, neither as its
# working directory (-w, directly or through a symlink of the image), nor
# for a directory cspawn creates, nor for the passwd and group files it
# reads (issue 16, item 2).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 12

R=$TMP/root
H=$TMP/host
make_rootfs "$R"
mkdir -p "$H"
echo secret >"$H/host-only"
on_exit "clean_up_after '$R'"

# -w /proc/self/fd/9, 9 a directory of the host's that the caller holds.
out=$(cs --no-init -w /proc/self/fd/9 "$R" sh -c 'cat host-only; pwd' 2>&1 9<"$H")
st=$?
ok "$(! echo "$out" | grep -q secret; echo $?)" "-w /proc/self/fd/9: the host directory is not the container's cwd"
is $st 125 "... the start fails (125)"
like "$out" "working directory /proc/self/fd/9" "... naming the working directory"

# The same through the image: /app -> /proc/self/fd/9, and an innocent -w /app.
ln -s /proc/self/fd/9 "$R/app"
out=$(cs --no-init -w /app "$R" sh -c 'cat host-only; pwd' 2>&1 9<"$H")
st=$?
ok "$(! echo "$out" | grep -q secret; echo $?)" "an image's /app -> /proc/self/fd/9 with -w /app does not reach the host"
is $st 125 "... the start fails (125)"
rm "$R/app"

# The flock idiom: the caller holds a lock file on 9; a missing -w
# directory below it must not be created on the host.
out=$(cd "$H" && cs --no-init -w /proc/self/fd/9/../newdir "$R" pwd 2>&1 9<"$H")
ok "$(test ! -e "$H/newdir" && test ! -e "$TMP/newdir"; echo $?)" \
	"a missing -w directory is never created on the host through /proc/self/fd"

# The image's /etc/passwd a symlink to /proc/self/fd/9: a host file must
# not be read as the container's users.
printf 'hostuser:x:4242:4242::/:/bin/sh\n' >"$H/passwd"
mv "$R/etc/passwd" "$R/etc/passwd.real"
ln -s /proc/self/fd/9 "$R/etc/passwd"
out=$(cs --no-init -u hostuser "$R" id -u 2>&1 9<"$H/passwd")
st=$?
ok "$(! echo "$out" | grep -qx 4242; echo $?)" "an image's /etc/passwd -> /proc/self/fd/9 is not the host's file"
is $st 125 "... -u hostuser is refused (125)"
rm "$R/etc/passwd"
mv "$R/etc/passwd.real" "$R/etc/passwd"

# What the container sees of descriptors: none of the caller's.
is "$(cs --no-init "$R" ls /proc/self/fd 2>&1 9<"$H" 8<"$H/passwd" | tr '\n' ' ')" "0 1 2 3 " \
	"the container holds no descriptor of its caller's (ls sees 0-2 and its own)"

# A good -w still works, and a missing one is created inside the root.
is "$(cs --no-init -w /tmp "$R" pwd 2>&1)" /tmp "-w /tmp"
is "$(cs --no-init -w /srv/new "$R" pwd 2>&1)" /srv/new "a missing -w directory is made inside the root"
check_no_leftovers
