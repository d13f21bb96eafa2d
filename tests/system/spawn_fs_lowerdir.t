#!/bin/bash
# An overlay of many layers with long paths, whose lowerdir is past the 255
# bytes that one fsconfig string may hold: Linux 6.8 takes each layer as a
# "lowerdir+" of its own; older kernels get each as /proc/self/fd/N of a
# descriptor held until the mount is made (spawn/mounts.c). A kernel with
# lowerdir+ never takes that path, so the test hook
# CSPAWN_TEST_NO_LOWERDIR_PLUS=1 makes cspawn take it here: the merged view
# must be the same either way.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 14

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

# 16 layers, each with a file of its own and the one file they all shadow;
# a path of about 90 bytes each, 16 of them far past 255
long=$TMP/layers/a-directory-name-long-enough-that-a-few-of-them-overflow-one-mount-option
LAYERS=()
for i in $(seq 1 16); do
	mkdir -p "$long-$i/data"
	echo "$i" >"$long-$i/data/own-$i"
	echo "$i" >"$long-$i/data/top"
	LAYERS+=(--layer "$long-$i")
done
# what the container should see: every layer's own file, the top from the last
want="$(seq 1 16 | sed 's/^/own-/' | sort | tr '\n' ' ')top 16"
view() {
	cs --no-init "$@" "$R" sh -c \
		'ls /data | sort | tr "\n" " "; cat /data/top; awk "\$5 == \"/\"" /proc/self/mountinfo' 2>&1
}
snapshot() { find "$R" "$TMP/layers" -printf '%p %s %T@\n' | sort | md5sum; }
before=$(snapshot)

out=$(view "${LAYERS[@]}")
is "$(echo "$out" | head -1)" "$want" "16 long layers by lowerdir+: the merged view"
is "$(echo "$out" | tail -1 | grep -o 'lowerdir+=' | wc -l)" 17 \
	"... each layer (and the root) a lowerdir+ of its own"

# the fallback, forced: each layer a name of one or two characters (a
# symlink to /proc/self/fd/N) resolved in a directory of its own
out=$(CSPAWN_TEST_NO_LOWERDIR_PLUS=1 view "${LAYERS[@]}")
is "$(echo "$out" | head -1)" "$want" \
	"CSPAWN_TEST_NO_LOWERDIR_PLUS=1, 16 long layers: the same merged view through short names"
like "$(echo "$out" | tail -1)" "lowerdir=A:B:C:D:E:F:G:H:I:J:K:L:M:N:O:P:Q," \
	"... and the mount took them by those names (the fallback ran)"
out=$(view "${LAYERS[@]:0:24}")
like "$(echo "$out" | tail -1)" "overlay rw,lowerdir\+=$long-12,lowerdir\+=$long-11," \
	"... which without the hook are lowerdir+ each, by path"
want12="$(seq 1 12 | sed 's/^/own-/' | sort | tr '\n' ' ')top 12"
is "$(echo "$out" | head -1)" "$want12" "... whose view is the same"
ok "$([ -z "$(ls -d /run/.cspawn-layers-* /tmp/.cspawn-layers-* 2>/dev/null)" ]; echo $?)" \
	"... and the names' directory is gone"

# a write through the fallback's overlay goes to the writable layer only
out=$(CSPAWN_TEST_NO_LOWERDIR_PLUS=1 cs --no-init "${LAYERS[@]:0:24}" "$R" sh -c \
	'echo new >/data/top; rm /data/own-1; cat /data/top; ls /data/own-1 2>&1' 2>&1)
like "$out" "^new" "... writable on top"
is "$(snapshot)" "$before" "... and no layer (nor the root) was written"

# a hundred layers fit in the 255 bytes (62 names of one character, then
# two); past that it is refused, naming the kernel's limit. Their paths
# make some 12 KB of options, which the spec holds whole.
MANY=()
for i in $(seq 1 110); do
	mkdir -p "$long-many-$i/data"
	echo "$i" >"$long-many-$i/data/top"
	MANY+=(--layer "$long-many-$i")
done
out=$(CSPAWN_TEST_NO_LOWERDIR_PLUS=1 cs --no-init "${MANY[@]:0:200}" "$R" cat /data/top 2>&1)
is "$out" 100 "100 layers without lowerdir+: the top one is seen"
out=$(CSPAWN_TEST_NO_LOWERDIR_PLUS=1 cs --no-init "${MANY[@]}" "$R" cat /data/top 2>&1)
like "$?:$out" "^12[0-9]:.*layers and more: this kernel takes fewer in one overlay" \
	"110 layers without lowerdir+: refused, saying why"
out=$(cs --no-init "${MANY[@]}" "$R" cat /data/top 2>&1)
is "$out" 110 "... which lowerdir+ takes, 12 KB of layer paths and all"
out=$(cs --no-init "${MANY[@]}" -v /data "$R" cat /data/top 2>&1 | grep -v 'removing what a killed cspawn')
is "$out" 110 "... and a volume there is filled from the same merged view"

check_no_leftovers
