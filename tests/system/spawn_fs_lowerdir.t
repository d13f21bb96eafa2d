#!/bin/bash
# An overlay of many layers with long paths, whose lowerdir is past the 255
# bytes that one fsconfig string may hold (and past 1 KiB): Linux 6.8 takes
# each layer as a "lowerdir+" of its own (spawn/mounts.c).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 3

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

out=$(view "${LAYERS[@]}")
is "$(echo "$out" | head -1)" "$want" "16 long layers by lowerdir+: the merged view"
is "$(echo "$out" | tail -1 | grep -o 'lowerdir+=' | wc -l)" 17 \
	"... each layer (and the root) a lowerdir+ of its own"

check_no_leftovers
