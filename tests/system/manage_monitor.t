#!/bin/bash
# The monitor of a detached container is one process in two programs
# (manage/monitor/protocol.h): cspawn for each thing to do, and the small
# static cspawn-monitor while it waits. Across the execs between them the
# container stays its child, callers of wait and stop stay answered, the
# restart policy and its backoff run, and SIGTERM still stops it.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 23

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

field() { csm inspect "$1" | python3 -c 'import json,sys; print(eval("json.load(sys.stdin)[0]" + sys.argv[1]))' "$2"; }
status_of() { csm ps -a --format json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["Name"] == sys.argv[1]: print(c["State"], c["ExitCode"], c["Status"])' "$1"; }
state_is() { status_of "$1" | grep -q "^$2"; }
monitor_is_small() { [ "$(readlink "/proc/$1/exe")" = "$(dirname "$(readlink -f "$CSPAWN")")/cspawn-monitor" ]; }

# while it runs, the monitor is cspawn-monitor: static, no shared library
run_d --name svc "$R" sh -c 'trap "exit 7" TERM; echo started; while :; do sleep 0.05; done' >/dev/null
mon=$(field svc '["State"]["Monitor"]')
pid=$(field svc '["State"]["Pid"]')
wait_until 5 monitor_is_small "$mon"
ok $? "the running container's monitor (State.Monitor) is cspawn-monitor"
is "$(grep -c '\.so' "/proc/$mon/maps")" 0 "... which maps no shared library"
is "$(awk '{print $4}' "/proc/$pid/stat")" "$mon" "... and is the parent of the container's PID 1"
is "$(readlink "/proc/$mon/cwd")" / "... in / (no caller's directory kept busy)"

# a caller of wait is answered across the exec back into cspawn
fds_of() { ls "/proc/$1/fd" | wc -l; }
n0=$(fds_of "$mon")
(csm wait svc >"$TMP/waited" 2>&1) &
waiter=$!
wait_until 5 eval '[ "$(fds_of '"$mon"')" -gt '"$n0"' ]'
ok $? "wait: the monitor holds the caller's connection"
kill -TERM "$mon"
wait_until 10 state_is svc exited
ok $? "SIGTERM to the monitor stops the container (its trap exits 7)"
wait_bounded $waiter 10
is "$(cat "$TMP/waited")" 7 "... and the waiting caller hears its code"
wait_until 5 _exited "$mon"
ok $? "... and the monitor has ended"
is "$(field svc '["State"]["StoppedByUser"]')" False \
	"... which was not a stop by the user (unless-stopped comes back at boot)"

# the restart policy and its backoff, through cspawn-monitor's timer
run_d --name flaky --restart on-failure:2 "$R" sh -c 'echo run; sleep 0.3; exit 3' >/dev/null
(csm wait flaky >"$TMP/flaky.waited" 2>&1) &
waiter=$!
wait_until 10 state_is flaky restarting
ok $? "ps shows it restarting between runs"
mon=$(field flaky '["State"]["Monitor"]')
ok "$(monitor_is_small "$mon"; echo $?)" "... and cspawn-monitor waits out the delay"
wait_bounded $waiter 20
is "$(cat "$TMP/flaky.waited")" 3 "wait, asked in the first run, answers after the last: 3"
like "$(status_of flaky)" "^exited 3 Exited \(3\)" "on-failure:2 ends exited after its restarts"
is "$(field flaky '["State"]["Restarts"]')" 2 "... two of them"
is "$(csm logs flaky 2>/dev/null | grep -c '^run$')" 3 "... three runs in its log"
like "$(csm logs flaky 2>&1 >/dev/null)" "restarting in [0-9]+ms \(restart 2\)" "... with the monitor's notes"

# stop while a restart is due: it ends at once, with no further start
run_d --name loop --restart always "$R" sh -c 'exit 4' >/dev/null
wait_until 20 eval '[ "$(field loop "[\"State\"][\"Restarts\"]")" -ge 3 ] && state_is loop restarting'
ok $? "--restart always of a command that fails: restarting, with a growing delay"
csm stop -t 5 loop >/dev/null
is "$?:$(status_of loop | cut -d' ' -f1)" "0:exited" "stop during the delay: done, and it is exited"
ok "$([ ! -e "$CSPAWN_ROOT/run/containers/$(field loop '["Id"]')" ]; echo $?)" \
	"... its monitor gone with its runtime directory"

# stop returns once the monitor is gone, lock and all: rm right after it
# never meets a monitor still ending
fails=
for i in 1 2 3 4 5; do
	run_d --name quick$i "$R" sleep 100 >/dev/null
	csm stop quick$i >/dev/null && csm rm quick$i >/dev/null 2>>"$TMP/quick.err" || fails="$fails $i"
done
is "$fails:$(cat "$TMP/quick.err")" ":" "stop, then rm at once: rm finds no monitor, five times out of five"

# without cspawn-monitor beside cspawn, run -d says so and starts nothing
mkdir -p "$TMP/bin"
cp "$(readlink -f "$CSPAWN")" "$TMP/bin/cspawn"
cp "$STATIC_CINIT" "$TMP/bin/cinit"
out=$(CSPAWN="$TMP/bin/cspawn" run_d --name lost "$R" sh -c 'echo ran >/tmp/ran' 2>&1)
st=$?
like "$st:$out" "^125:.*$TMP/bin/cspawn-monitor \(it is installed beside cspawn\): No such file or directory" \
	"a missing cspawn-monitor: run -d fails with 125, naming it"
ok "$([ ! -e "$R/tmp/ran" ]; echo $?)" "... before its command ran"

csm rm -f svc flaky loop lost >/dev/null 2>&1
check_no_leftovers
