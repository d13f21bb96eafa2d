#!/bin/bash
# Signal forwarding (issue 2, item 2): every catchable signal but SIGCHLD,
# the synchronous faults and SIGTTIN/SIGTTOU reaches the child.
. "$(dirname "$0")/../lib/tap.sh"

SIGNALS="HUP INT QUIT USR1 USR2 PIPE ALRM TERM STKFLT CONT TSTP URG XCPU XFSZ VTALRM PROF WINCH IO PWR"
RT=$(seq 32 64)
plan $(($(echo $SIGNALS $RT | wc -w) + 9))

start_in_pidns "$TMP/out" "$TMP/err" "$CINIT" -- "$HELPERS/sigrecv" "$TMP/sigs"
wait_until 10 test -e "$TMP/sigs.ready"
for name in $SIGNALS $RT; do
	num=$(kill -l "$name" 2>/dev/null || echo "$name")
	case $name in [0-9]*) num=$name ;; esac
	kill -s "$name" "$NS_INIT" 2>/dev/null || kill -"$num" "$NS_INIT"
	wait_until 5 file_has "$TMP/sigs" "^$num\$"
	ok $? "SIG$name ($num) is forwarded to the child"
done
kill -0 "$NS_INIT"
ok $? "cinit is still running after every signal"
{ kill -KILL "$NS_WRAPPER"; wait "$NS_WRAPPER"; } 2>/dev/null # no "Killed" job notice
wait "$NS_WRAPPER" 2>/dev/null

# As PID 1, a signal sent from inside the namespace must not be dropped.
rm -f "$TMP/sigs" "$TMP/sigs.ready"
start_in_pidns "$TMP/out" "$TMP/err" "$CINIT" -- "$HELPERS/sigrecv" "$TMP/sigs" 15
wait_until 10 test -e "$TMP/sigs.ready"
# the namespace may end (and take the kill command with it) as soon as the
# signal lands, so its own status says nothing
{ ns_exec kill -TERM 1; } 2>/dev/null || true
ns_wait 10
is "$NS_STATUS" 0 "the child got TERM from kill 1 and cinit exited with its code"
file_has "$TMP/sigs" '^15$'
ok $? "the child recorded SIGTERM"

# -g: the whole process group of the child gets the signal.
group_test() { # group_test FLAG-OR-EMPTY
	rm -f "$TMP"/a "$TMP"/b "$TMP"/*.ready
	start_in_pidns "$TMP/out" "$TMP/err" env ${2:-} "$CINIT" $1 -- sh -c \
		"'$HELPERS/sigrecv' '$TMP/a' 12 & exec '$HELPERS/sigrecv' '$TMP/b' 12"
	wait_until 10 test -e "$TMP/a.ready" -a -e "$TMP/b.ready"
	kill -USR2 "$NS_INIT"
	wait_until 5 file_has "$TMP/b" '^12$'
}
group_test -g
wait_until 5 file_has "$TMP/a" '^12$'
ok $? "-g: a second process in the child's group gets the signal"
ns_wait 10
is "$NS_STATUS" 0 "-g: cinit exits with the child's code"
group_test "" CINIT_GROUP=1
wait_until 5 file_has "$TMP/a" '^12$'
ok $? "CINIT_GROUP=1 does the same as -g"
group_test ""
file_has "$TMP/b" '^12$' && ! file_has "$TMP/a" '^12$'
ok $? "without -g only the child itself gets the signal"
{ kill -KILL "$NS_WRAPPER"; wait "$NS_WRAPPER"; } 2>/dev/null # no "Killed" job notice

# Not PID 1, where an unhandled signal would take its default action on
# cinit itself: 33, which the C library reserves, still goes to the child.
rm -f "$TMP/c" "$TMP/c.ready"
"$CINIT" -- "$HELPERS/sigrecv" "$TMP/c" 33 >>"$TMP/out" 2>>"$TMP/err" &
cpid=$!
on_exit "kill -KILL $cpid"
wait_until 10 test -e "$TMP/c.ready"
child=$(cat "/proc/$cpid/task/$cpid/children")
kill -33 "$cpid"
wait_until 10 _gone "$cpid"
wait "$cpid"
is $? 0 "outside a pid namespace, signal 33 reaches the child and cinit exits with its code"
file_has "$TMP/c" '^33$'
ok $? "the child recorded signal 33"
# should cinit have died instead, its child is still ours to end
! kill -0 "$child" 2>/dev/null || kill -KILL "$child"
