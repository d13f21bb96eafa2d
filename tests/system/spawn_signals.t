#!/bin/bash
# cspawn as the container's monitor: signals reach PID 1, a name runs once
# at a time, and a cspawn killed with SIGKILL takes its container with it and
# leaves state that the next start of the name cleans.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 16

R=$TMP/root
S=$TMP/share
make_rootfs "$R"
mkdir -p "$S"
on_exit "clean_up_after '$R'"

got() { grep -qx "$1" "$S/log" 2>/dev/null; }

# A PID 1 that logs every signal it gets; TERM ends it with 7.
name=$(cname fwd)
"${CS[@]}" --no-init --name "$name" -v "$S:/share" "$R" sh -c '
	for s in HUP USR1 USR2 WINCH QUIT; do trap "echo $s >> /share/log" $s; done
	trap "echo TERM >> /share/log; exit 7" TERM
	echo ready >> /share/log
	while :; do sleep 0.02; done' &
mon=$!
wait_until 5 got ready
for sig in HUP USR1 USR2 WINCH QUIT; do
	kill -$sig $mon
	wait_until 5 got $sig
	ok $? "SIG$sig is forwarded to PID 1"
done
kill -TERM $mon
wait_bounded $mon
is $? 7 "SIGTERM is forwarded, and cspawn exits with the container's code"

# The name is locked while its container runs.
rm -f "$S/log"
name=$(cname lock)
"${CS[@]}" --no-init --name "$name" -v "$S:/share" "$R" sh -c \
	'echo ready >> /share/log; trap "exit 0" TERM; while :; do sleep 0.02; done' &
mon=$!
wait_until 5 got ready
err=$(cs --no-init --name "$name" "$R" true 2>&1)
is $? 125 "a second container of the same name is refused (125)"
like "$err" "a container named '$name' is already running \(cspawn pid $mon\)" "... naming the holder"
kill -TERM $mon
wait_bounded $mon

# SIGKILL to cspawn in mid-run.
rm -f "$S/log"
name=$(cname killed)
"${CS[@]}" --no-init --name "$name" -m 64m --layer "$S" -v "$S:/share" "$R" sh -c \
	'echo ready >> /share/log; while :; do sleep 1; done' &
mon=$!
wait_until 5 got ready
# (quiet: bash reports the killed job on stderr as soon as it notices)
{
	kill -KILL $mon
	wait_bounded $mon
} 2>/dev/null
gone() { [ -z "$(marked_pids)" ]; }
wait_until 5 gone
ok $? "cspawn killed with SIGKILL: its container dies with it"
ok "$(test -d "$SPAWN_STATE/$name" && test -d "$(cg_dir memory "$name")"; echo $?)" \
	"... leaving its state and cgroup"
err=$(cs --no-init --name "$name" -m 64m --layer "$S" "$R" true 2>&1)
is $? 0 "the next start of the name runs"
like "$err" "removing what an earlier run \(cspawn pid $mon\) left behind" "... after cleaning up"
ok "$(test ! -e "$SPAWN_STATE/$name" && test ! -e "$(cg_dir memory "$name")"; echo $?)" \
	"... and leaves nothing"

# cinit as PID 1: SIGTERM reaches the command through it.
rm -f "$S/log"
"${CS[@]}" "${INIT[@]}" -v "$S:/share" "$R" sh -c 'echo ready >> /share/log; exec sleep 60' &
mon=$!
wait_until 5 got ready
kill -TERM $mon
wait_bounded $mon
is $? 143 "with cinit: SIGTERM ends the command, 128+15"

# A SIGTERM that reaches cspawn while the container is still starting
# is forwarded at once after exec, before cinit has its signalfd: PID 1
# of a namespace drops a signal it has no handler for, so cinit must
# start with it blocked (pending) instead. Several timings, each bounded,
# counted from cspawn's exec: a signal that lands earlier hits the test's
# own forked shell.
got=
for d in 0 0.005 0.01 0.02 0.03 0.05; do
	"${CS[@]}" "${INIT[@]}" --name "$(cname "start$d")" "$R" sleep 30 &
	mon=$!
	wait_cspawn_exec $mon
	sleep $d
	kill -TERM $mon
	wait_bounded $mon 10 2>/dev/null
	got="$got $?"
done
is "$got" " 143 143 143 143 143 143" "with cinit: a SIGTERM during the start is never lost"

check_no_leftovers
