#!/bin/bash
# The monitor killed in each of its phases (manage/monitor/protocol.h):
# while cspawn records an exit, while a restart is due, while a restart
# starts. Afterwards ps tells the truth, and rm -f leaves nothing. A phase
# is held still by a FIFO where the monitor writes its next state
# (store_write_file's .state.json.new): open(2) blocks until a reader
# comes, and a reader that drains it lets that one save fail (fsync of a
# pipe) and be made again, in the room kept for it, as on a full disk.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 14

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

# the state alone (running, restarting, dead ...)
state_of() { status_of "$1" | cut -d' ' -f1; }
# the monitor, as cspawn, waits in open(2) for the FIFO's reader
blocked_on() { [ "/proc/$1/exe" -ef "$CSPAWN" ] && [ "$(cat "/proc/$1/wchan" 2>/dev/null)" = wait_for_partner ]; }
gone() { _exited "$1"; }
# the first run waits for the test's word and fails; the later ones live
run_waiting() {
	run_d --name "$1" --restart always "$R" sh -c \
		"[ -e /tmp/$1.ran ] && exec sleep 100; touch /tmp/$1.ran; until [ -e /tmp/$1.go ]; do sleep 0.01; done; exit 1" >/dev/null
}
fifo_of() { echo "$CSPAWN_ROOT/lib/containers/$(field "$1" '["Id"]')/.state.json.new"; }
# hold_exit NAME: its first run ends, and its monitor is held at the save
# of that end (sets mon and fifo)
hold_exit() {
	run_waiting "$1"
	mon=$(field "$1" '["State"]["Monitor"]')
	fifo=$(fifo_of "$1")
	mkfifo "$fifo"
	touch "$R/tmp/$1.go"
	wait_until 10 blocked_on "$mon"
}
# what the held monitor has open, but stdio on /dev/null
fds_of() { for _f in /proc/$1/fd/*; do _t=$(readlink "$_f"); [ "${_f##*/}" -le 2 ] && [ "$_t" = /dev/null ] || echo "$_t"; done | sed "s|$CSPAWN_ROOT/||; s|[0-9a-f]\{64\}|ID|g; s|:\[[0-9]*\]||" | LC_ALL=C sort | tr '\n' ' '; }

# killed while cspawn records the exit: PID 1 is reaped, the state still
# says running
hold_exit rec
ok $? "the monitor records the exit (held at its save)"
CSPAWN_EXE=$(readlink -f "$CSPAWN")
is "$(fds_of "$mon")" "$CSPAWN_EXE ${CSPAWN_EXE%/*}/cspawn-monitor lib/containers/ID/ID-json.log run/containers/ID/lock socket " \
	"... with open what protocol.h names (lock, control socket, cspawn), its log and cspawn-monitor"
kill -KILL "$mon"
wait_until 5 gone "$mon"
rm -f "$fifo"
is "$(state_of rec)" dead "killed then: ps says dead"
is "$(marked_pids | wc -l)" 0 "... and nothing of it runs"

# killed while a restart is due
run_d --name due --restart always "$R" sh -c 'exit 1' >/dev/null
wait_until 10 eval '[ "$(state_of due)" = restarting ]'
mon=$(field due '["State"]["Monitor"]')
# cspawn-monitor waiting out the delay: no descriptor of the last run;
# sampled within one delay (the same restart before and after), once the
# delays have grown past 400 ms
restarts_of() { field due '["State"]["Status"], x["State"]["Restarts"]' 2>/dev/null; }
due_fds() {
	_b=$(restarts_of)
	case $_b in "('restarting', "[3-9]* | "('restarting', "[1-9][0-9]*) ;; *) return 1 ;; esac
	# (Debian's libev, in the sanitizer build, keeps a timerfd of its own)
	[ "$(readlink "/proc/$mon/exe")" = "${CSPAWN_EXE%/*}/cspawn-monitor" ] &&
		due=$(fds_of "$mon" | sed 's/anon_inode:\[timerfd\] //') &&
		[ "/proc/$mon/exe" -ef "${CSPAWN_EXE%/*}/cspawn-monitor" ] && [ "$(restarts_of)" = "$_b" ]
}
wait_until 20 due_fds
is "$due" "$CSPAWN_EXE anon_inode:[eventpoll] anon_inode:[signalfd] lib/containers/ID/ID-json.log run/containers/ID/lock socket " \
	"cspawn-monitor in the delay: its loop, its log, and what protocol.h names"
kill -KILL "$mon"
wait_until 5 gone "$mon"
is "$(state_of due)" dead "killed during a restart's delay: ps says dead"

# killed while the restart starts: the state has the new PID 1 before
# any of the container runs, or the container does not run
hold_exit rst
ok $? "the restart's first save is held"
# let it pass (restarting), and hold the next one: the restart's
cat "$fifo" >/dev/null
wait_until 5 eval '[ ! -p "'"$fifo"'" ]'
mkfifo "$fifo"
wait_until 10 blocked_on "$mon"
ok $? "the restart's start is held at its save"
kill -KILL "$mon"
wait_until 5 gone "$mon"
rm -f "$fifo"
alive() { [ -n "$(marked_pids)" ]; }
# the new PID 1 waits for the go-ahead the killed monitor never gave: it
# dies of the closed pipe, or it runs, and then ps must say so
wait_until 5 eval '! alive'
if alive; then st=running; else st=dead; fi
is "$(state_of rst)" "$st" "killed as the restart starts: ps says $st, as it is"
is "$st" dead "... and the container, started unrecorded, did not run"
csm stop -t 1 rst >/dev/null 2>&1
is "$(marked_pids | wc -l)" 0 "... and stop leaves none of it running"

for n in rec due rst; do
	csm rm -f $n >/dev/null 2>&1 || echo "# rm -f $n failed"
done
is "$(csm ps -aq | wc -l)" 0 "rm -f of each: all gone"
is "$(ls "$CSPAWN_ROOT/run/containers" 2>/dev/null)" "" "... with their runtime directories"
check_no_leftovers
