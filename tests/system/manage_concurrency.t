#!/bin/bash
# The store under concurrent commands (issue 9, item 10): 20 parallel
# `run -d` with distinct names while 20 `ps` run give 20 containers and no
# broken record; two parallel runs of one name give one container and one
# clear error; a corrupt or truncated record is named, and neither stops
# the others being listed or removed, nor is it left for good.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 22

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
CTRS=$CSPAWN_ROOT/lib/containers

# 20 runs and 20 listings at once
pids=
for i in $(seq 20); do
	(run_d --name "p$i" "$R" sleep 1000 >"$TMP/run.$i.out" 2>"$TMP/run.$i.err"; echo $? >"$TMP/run.$i.rc") &
	pids="$pids $!"
	(csm ps -a >"$TMP/ps.$i.out" 2>"$TMP/ps.$i.err"; echo $? >"$TMP/ps.$i.rc") &
	pids="$pids $!"
done
for p in $pids; do wait_bounded "$p" 120; done
is "$(cat "$TMP"/run.*.rc | sort -u)" 0 "20 parallel run -d: each exits 0"
is "$(cat "$TMP"/run.*.out | grep -cE '^[0-9a-f]{64}$')" 20 "... and prints an id"
is "$(cat "$TMP"/ps.*.rc | sort -u)" 0 "20 parallel ps meanwhile: each exits 0"
is "$(cat "$TMP"/ps.*.err "$TMP"/run.*.err)" "" "... and none saw a broken record (or said anything)"
is "$(csm ps -q | wc -l)" 20 "ps: 20 containers running"
is "$(csm ps -a --format json | python3 -c 'import json,sys; print(" ".join(sorted(c["Name"] for c in json.load(sys.stdin))))')" \
	"$(for i in $(seq 20); do echo "p$i"; done | sort | tr '\n' ' ' | sed 's/ $//')" "... one of each name"
is "$(ls -A "$CTRS" | grep -vcE '^[0-9a-f]{64}$|^\.lock$')" 0 "... and nothing half-made in the store"

# two runs of one name at once: one container, one clear error
for i in 1 2; do
	(run_d --name twin "$R" sleep 1000 >"$TMP/twin.$i.out" 2>"$TMP/twin.$i.err"; echo $? >"$TMP/twin.$i.rc") &
	eval "t$i=\$!"
done
wait_bounded "$t1" 60
wait_bounded "$t2" 60
is "$(cat "$TMP"/twin.*.rc | sort | tr '\n' ' ')" "0 125 " "two parallel runs of one name: one succeeds, one fails"
like "$(cat "$TMP"/twin.*.err)" "^cspawn: the name 'twin' is already in use by container [0-9a-f]{12}$" \
	"... with a clear error naming the holder"
is "$(csm ps -a --format json | python3 -c 'import json,sys; print(sum(c["Name"] == "twin" for c in json.load(sys.stdin)))')" 1 \
	"... and one container of that name"

# a truncated record and a corrupt state: named, the others unharmed
bad=$(csm inspect p1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
head -c 40 "$CTRS/$bad/container.json" >"$TMP/trunc" && cp "$TMP/trunc" "$CTRS/$bad/container.json"
out=$(csm ps -a 2>&1)
like "$out" "cspawn: skipped a broken record: $CTRS/$bad/container.json: " "a truncated record is named"
is "$(echo "$out" | grep -c ' p[0-9]*$')" 19 "... and the 19 others are still listed"
like "$(csm rm "${bad:0:12}" 2>&1)" "${bad:0:12}: its record is broken .*: rm -f ${bad:0:12} removes it" \
	"rm (without -f) of it says what is wrong and what removes it"
id3=$(csm inspect p3 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
echo '{"status": "runn' >"$CTRS/$id3/state.json"
like "$(csm ps -a 2>&1)" "cspawn: skipped a broken record: $CTRS/$id3/state.json: .* \\(taken as running: its monitor lives\\)" \
	"a truncated state is named too"
like "$(csm ps -a 2>/dev/null)" " p3$" "... and its container still listed"
csm rm -f p2 p3 twin >/dev/null 2>"$TMP/rm.err"
is "$?:$(cat "$TMP/rm.err")" "0:" "... and removed, with no word about it"
csm rm -f "$bad" >"$TMP/rmbad.out" 2>&1
is "$?:$(test -e "$CTRS/$bad"; echo $?)" "0:1" "rm -f ID removes the container whose record is broken"
like "$(cat "$TMP/rmbad.out")" "removing a broken record \\($CTRS/$bad/container.json" "... saying so"

# removals while others list: no listing meets a container half gone
pids=
for i in $(seq 4 20); do
	(csm rm -f "p$i" >/dev/null 2>"$TMP/rm.$i.err") &
	pids="$pids $!"
	(csm ps -a >/dev/null 2>"$TMP/ps2.$i.err") &
	pids="$pids $!"
done
for p in $pids; do wait_bounded "$p" 120; done
is "$(cat "$TMP"/rm.*.err "$TMP"/ps2.*.err)" "" "17 parallel rm -f and 17 ps: no error, no broken record seen"
is "$(ls -A "$CTRS")" ".lock" "... and the store is empty"

# what a command killed while it held the store's lock left half done
mkdir -p "$CTRS/.new-$bad/x" "$CTRS/.rm-$bad" "$CSPAWN_ROOT/lib/volumes/.rm-v1/_data"
csm volume create after >/dev/null
is "$(ls -A "$CTRS") $(ls -A "$CSPAWN_ROOT/lib/volumes")" ".lock after" \
	"the next command that takes the lock removes it"
csm volume rm after >/dev/null
check_no_leftovers
