#!/bin/bash
# Faults of a small host (issue 14), disk: the store (writable layers, logs,
# records) on a filesystem that fills up, and a volume on another. Writes
# fail with ENOSPC inside; cinit and the monitor run on; the log lines that
# could not be written are counted and reported once there is room again,
# and no line of the log is torn; every record under the state directory
# still reads; stop and rm work.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 16

R=$TMP/root
make_rootfs "$R"
mkdir -p "$TMP/layer" "$TMP/report" "$TMP/small" "$TMP/vol"
# (the talker's lines are of 1 KiB, so that a page of the log file does not
# hold them all)
# Two small filesystems of the test's own: the store on one, a volume on
# the other. They are unmounted at exit, before the leftover check.
mount -t tmpfs -o size=4m tmpfs "$TMP/small" && mount -t tmpfs -o size=1m tmpfs "$TMP/vol" || {
	echo "Bail out! cannot mount the test's tmpfs"
	exit 1
}
on_exit "umount -l '$TMP/small' '$TMP/vol'"
on_exit "clean_up_after '$R'"
export CSPAWN_ROOT=$TMP/small/state

cat >"$TMP/cinit.ini" <<'EOF2'
[service:filler]
command = sh -c 'dd if=/dev/zero of=/fill bs=64k 2>/report/fill.err; echo $? > /report/fill.rc; exec sleep 600'
[service:vol]
command = sh -c 'dd if=/dev/zero of=/data/big bs=64k 2>/report/vol.err; echo $? > /report/vol.rc; exec sleep 600'
[service:talker]
command = sh -c 'pad=.........................................................................................; pad=$pad$pad$pad$pad$pad$pad$pad$pad$pad$pad; i=0; while :; do i=$((i+1)); echo "talker line $i $pad"; echo $i > /report/talk.n; sleep 0.02; done'
stdout = inherit
EOF2

id=$(run_d --name disk --layer "$TMP/layer" -v "$TMP/vol:/data" -v "$TMP/report:/report" \
	-c "$TMP/cinit.ini" "$R")
is $? 0 "run -d with its store on a 4 MiB filesystem and a volume on a 1 MiB one"
wait_until 20 test -s "$TMP/report/fill.rc"
like "$(cat "$TMP/report/fill.err" 2>/dev/null)" "No space left on device" \
	"a write to the writable layer fails with ENOSPC inside"
wait_until 20 test -s "$TMP/report/vol.rc"
like "$(cat "$TMP/report/vol.err" 2>/dev/null)" "No space left on device" "... and one to the volume"
# the talker's count; its file is empty for an instant at each rewrite
talk_n() {
	_n=
	while [ -z "$_n" ]; do _n=$(cat "$TMP/report/talk.n" 2>/dev/null); done
	echo "$_n"
}
talked() { [ "$(talk_n)" -ge "$1" ]; }
n=$(talk_n)
wait_until 20 talked $((n + 20))
ok $? "the services run on, the talker's lines going nowhere"
state() { csm inspect disk | python3 -c "import json, sys; s = json.load(sys.stdin)[0]['State']; print($1)"; }
is "$(state 's["Status"]')" running "cinit runs on"
mon=$(state 's["Monitor"]')
ok "$(kill -0 "$mon"; echo $?)" "... and so does the monitor ($mon)"

# room again: the filler's file goes (inside: the overlay holds on to
# what is unlinked under it)
csm exec disk rm /fill
n=$(talk_n)
wait_until 20 talked $((n + 20))
logged() { csm logs disk 2>&1 | grep -q "$1 "; }
wait_until 20 logged "talker line $(talk_n)"
ok $? "with room again the talker's lines reach the log"
logs=$(csm logs disk 2>&1)
like "$logs" "cspawn: [0-9]+ lines of output could not be written: No space left on device" \
	"the lines that could not be written are counted and reported"
said=$(printf '%s\n' "$logs" | sed -n 's/^cspawn: \([0-9]*\) lines of output could not be written.*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
# the talker counts from 1: lines refused before its first logged one are
# missing too (the filler may fill the disk before the talker's first line)
missing=$(printf '%s\n' "$logs" | awk '$1 == "talker" { if ($3 != p + 1) n += $3 - p - 1; p = $3 } END { print n + 0 }')
is "$said" "$missing" "... and the count is the number of lines missing"
# (where the gaps and the notes were, when the counts differ)
[ "$said" = "$missing" ] || printf '%s\n' "$logs" | awk '
	$1 == "talker" { if ($3 != p + 1) print "# gap after line " p ": " $3 - p - 1 " missing"; p = $3 }
	/could not be written/ { print "# after line " p ": " $0 }' >&2
logfile=$(find "$CSPAWN_ROOT" -name '*-json.log' | head -1)
torn=$(python3 -c '
import json, sys
bad = 0
for line in open(sys.argv[1], "rb"):
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(bad)' "$logfile")
is "$torn" 0 "every line of the log file is whole"

# fill it again, then stop the container: the records are written on a full
# disk
csm exec disk dd if=/dev/zero of=/fill2 bs=64k >/dev/null 2>&1
csm stop -t 2 disk >/dev/null 2>"$TMP/stop.err"
is $? 0 "stop on a full disk"
bad=$(find "$CSPAWN_ROOT" -name '*.json' ! -name '*-json.log*' -print0 | xargs -0 python3 -c '
import json, sys
for f in sys.argv[1:]:
    try:
        json.load(open(f))
    except ValueError as e:
        print(f, e)' 2>&1)
is "$bad" "" "every record under the state directory still reads"
like "$(csm ps -a 2>&1)" "Exited \([0-9]+\) .* disk" "ps: the container exited, with its code"
csm rm disk >/dev/null 2>&1
is $? 0 "rm on a full disk"
is "$(ls "$CSPAWN_ROOT/lib/containers" 2>/dev/null)" "" "... leaves nothing of it in the store"
umount "$TMP/small" "$TMP/vol"
check_no_leftovers
