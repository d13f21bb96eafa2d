#!/bin/bash
# Faults of a small host (issue 14), interruptions: `cspawn pull` of the
# Debian image killed (SIGKILL) at increasing delays, through the download
# and the unpacking. After each: the store reads, no process of the pull is
# left, no half image is listed; a retry pulls it, and its layers are the
# same files as those of a pull nobody interrupted.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/lib.sh"
need_e2e_tools

DELAYS="0.1 0.5 1.5 3"
plan $((2 + 5 * $(echo $DELAYS | wc -w) + 1))

# the reference: a pull that ran to its end, in a store of its own
e2e_pull_app
ok $? "the image, pulled once without interruption"
tree_of() {
	for _l in $(ci image inspect "$1" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)[0]["Layers"]))'); do
		(cd "$_l" && find . -printf '%p %y %s %m %U:%G %l\n' | sort)
	done | md5sum
}
want=$(tree_of "$IMAGE")
ci rmi "$IMAGE" >/dev/null
is "$(ci images -q | grep -c .)" 0 "removed again"

# every process of a pull: cspawn-image and the children that unpack layers
# (a match may end before its cmdline is read)
pull_procs() {
	for _p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$_p/cmdline" | grep -q "^$CSPAWN-image --root $STATE pull\|^$CSPAWN --root $STATE pull" &&
			echo "${_p#/proc/}"
	done
}
no_pull_procs() { [ -z "$(pull_procs)" ]; }

for d in $DELAYS; do
	"$CSPAWN" --root "$STATE" pull --insecure -q "$IMAGE" >/dev/null 2>&1 &
	puller=$!
	# the point of the test: an interruption at this delay
	sleep "$d"
	how="killed after ${d}s"
	kill -KILL "$puller" 2>/dev/null || how="done within ${d}s"
	wait "$puller" 2>/dev/null
	# (a second for the kernel to end the layers' unpackers, which die
	# with the pull)
	wait_until 1 no_pull_procs
	ok $? "$how: no process of the pull is left"
	listed=$(ci images 2>&1)
	ok $? "... the store reads"
	if printf '%s' "$listed" | grep -q "e2e/app"; then
		is "$(tree_of "$IMAGE")" "$want" "... the image it lists is whole"
	else
		ok 0 "... and lists no half image"
	fi
	ci pull --insecure -q "$IMAGE" >"$TMP/retry.out" 2>&1
	ok $? "... a retry pulls it" || sed 's/^/# /' "$TMP/retry.out"
	is "$(tree_of "$IMAGE")" "$want" "... with the same files as the pull nobody interrupted"
	ci rmi "$IMAGE" >/dev/null 2>&1
done
is "$(ls -A "$STATE/lib/images/tmp" 2>/dev/null)" "" "no temporary file or directory is left in the store"
