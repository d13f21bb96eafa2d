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

plan 28

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

state_is() { status_of "$1" | grep -q "^$2"; }
monitor_is_small() { [ "$(readlink "/proc/$1/exe")" = "$(dirname "$(readlink -f "$CSPAWN")")/cspawn-monitor" ]; }

# while it runs, the monitor is cspawn-monitor: static, no shared library
run_d --name svc "$R" sh -c 'trap "exit 7" TERM; echo started; while :; do sleep 0.05; done' >/dev/null
mon=$(field svc '["State"]["Monitor"]')
pid=$(field svc '["State"]["Pid"]')
wait_until 5 monitor_is_small "$mon"
ok $? "the running container's monitor (State.Monitor) is cspawn-monitor"
# its own libraries: none when static (the sanitizer build's is dynamic)
own_libs() { ldd "$1" 2>/dev/null | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}' | xargs -r readlink -f; }
mapped_libs() { grep -o '/[^ ]*\.so[^ ]*' "/proc/$1/maps" | sort -u | xargs -r readlink -f; }
own=$(own_libs "$(readlink "/proc/$mon/exe")")
is "$(mapped_libs "$mon" | grep -vxF -e "${own:-/}")" "" "... which maps none of cspawn's shared libraries"
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

# more callers of wait than the monitor holds (MONITOR_MAX_WAITERS, 64),
# then a stop: the ones it turns away wait for its end themselves, and the
# stop returns once the container has stopped
run_d --name many "$R" sh -c 'trap "exit 7" TERM; while :; do sleep 0.05; done' >/dev/null
mon=$(field many '["State"]["Monitor"]')
waiters=
for i in $(seq 1 70); do
	"$CSPAWN" wait many >"$TMP/many.$i" 2>&1 &
	waiters="$waiters $!"
done
# each one answered: 64 held by the monitor, the rest turned away (ended,
# or waiting on its lock)
turned_away() {
	_n=0
	for _w in $waiters; do
		_exited "$_w" || case $(cat "/proc/$_w/wchan" 2>/dev/null) in *lock*) ;; *) continue ;; esac
		_n=$((_n + 1))
	done
	[ "$_n" -ge 6 ]
}
wait_until 20 eval '[ "$(ls /proc/'"$mon"'/fd | wc -l)" -ge $((64 + 12)) ]' && wait_until 20 turned_away
ok $? "70 callers of wait: 64 held, 6 turned away"
csm stop many >/dev/null
is "$?:$(status_of many | cut -d' ' -f1)" "0:exited" "70 callers of wait, then stop: it returns once exited"
for w in $waiters; do wait_bounded "$w" 20; done
is "$(cat "$TMP"/many.* | sort | uniq -c | tr -s ' ')" " 70 7" "... and each of the 70 hears its code (7)"

# the restart policy and its backoff, through cspawn-monitor's timer
# (backoff 100, 200, 400, 800 ms)
run_d --name flaky --restart on-failure:4 "$R" sh -c 'echo run; exit 3' >/dev/null
(csm wait flaky >"$TMP/flaky.waited" 2>&1) &
waiter=$!
wait_bounded $waiter 20
is "$(cat "$TMP/flaky.waited")" 3 "wait, asked before the last run, answers after it: 3"
like "$(status_of flaky)" "^exited 3 Exited \(3\)" "on-failure:4 ends exited after its restarts"
is "$(field flaky '["State"]["Restarts"]')" 4 "... four of them"
is "$(csm logs flaky 2>/dev/null | grep -c '^run$')" 5 "... five runs in its log"
like "$(csm logs flaky 2>&1 >/dev/null)" "restarting in [0-9]+ms \(restart 4\)" "... with the monitor's notes"

# stop while a restart is due: it ends at once, with no further start
run_d --name loop --restart always "$R" sh -c 'exit 4' >/dev/null
wait_until 20 eval '[ "$(field loop "[\"State\"][\"Restarts\"]")" -ge 3 ] && state_is loop restarting'
ok $? "--restart always of a command that fails: restarting, with a growing delay"
# the monitor's program, seen within one unchanged restart delay
state_line() { field "$1" '["State"]["Status"], x["State"]["Restarts"], x["State"]["Monitor"]' 2>/dev/null; }
small_while_restarting() {
	_before=$(state_line "$1")
	case $_before in "('restarting'"*) ;; *) return 1 ;; esac
	_exe=$(readlink "/proc/$(echo "$_before" | tr -dc '0-9,' | cut -d, -f3)/exe")
	[ "$(state_line "$1")" = "$_before" ] && [ "${_exe##*/}" = cspawn-monitor ]
}
wait_until 10 small_while_restarting loop
ok $? "... and cspawn-monitor waits out the delay"
csm stop -t 5 loop >/dev/null
is "$?:$(status_of loop | cut -d' ' -f1)" "0:exited" "stop during the delay: done, and it is exited"
ok "$([ ! -e "$CSPAWN_ROOT/run/containers/$(field loop '["Id"]')" ]; echo $?)" \
	"... its monitor gone with its runtime directory"

# run -d from a parent that ignores SIGCHLD (kept across exec): the exit
# status is still PID 1's own
python3 -c 'import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])' "$CSPAWN" run -d --name ign --net none "${INIT[@]}" \
	-e "SPAWN_MARK=$SPAWN_MARK" "$R" sh -c 'exit 5' >>"$TMP/ids"
wait_until 10 state_is ign exited
like "$(status_of ign)" "^exited 5 Exited \(5\)" "a caller that ignores SIGCHLD: the exit code is still known (5)"

# callers that connect and say nothing hold up no one: a request sent
# after twelve silent ones is answered while they still wait out their
# second (one at a time, it came only after each had been closed)
run_d --name quiet "$R" sleep 1000 >/dev/null
qid=$(field quiet '["Id"]')
out=$(cd "$CSPAWN_ROOT/run/containers/$qid" && python3 -c '
import socket
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("ctl.sock")
    return s
silent = [conn() for _ in range(12)]
asker = conn()
asker.sendall(b"kill 28\n")
answer = asker.recv(64).decode().strip()
dealt = 0  # answered or closed by the monitor already
for s in silent:
    try:
        s.recv(1, socket.MSG_DONTWAIT)
        dealt += 1
    except BlockingIOError:
        pass
print(answer, "dealt with" if dealt == len(silent) else "open")')
is "$out" "ok open" "12 silent callers: a kill request is answered at once, theirs still open"
wait_until 5 state_is quiet running
ok $? "... and the container runs on"

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

csm rm -f svc many flaky loop lost ign quiet >/dev/null 2>&1
check_no_leftovers
