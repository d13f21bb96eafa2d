#!/bin/bash
# -p (parent-death signal), -v, -w and options from the environment (issue 2,
# item 8).
. "$(dirname "$0")/../lib/tap.sh"
plan 7

# pdeath_test NAME ENV... -- CINIT-ARGS...: cinit's parent is a shell that
# the test kills; cinit turns that into SIGUSR1 for its child, which exits 0
# on it.
pdeath_test() {
	rm -f "$TMP/sigs" "$TMP/sigs.ready"
	env "$@" "$HELPERS/sigrecv" "$TMP/sigs" 10 &
	parent=$!
	on_exit "kill -KILL $parent"
	wait_until 10 test -e "$TMP/sigs.ready"
	cinit_pid=$(awk '{print $1}' "/proc/$parent/task/$parent/children")
	on_exit "kill -KILL $cinit_pid"
	# the receiver too, should it outlive a failure: it holds prove's pipe
	wait_until 10 test -s "/proc/$cinit_pid/task/$cinit_pid/children"
	on_exit "kill -KILL $(cat "/proc/$cinit_pid/task/$cinit_pid/children")"
	{
		kill -KILL "$parent"
		wait "$parent"
	} 2>/dev/null
	wait_until 10 file_has "$TMP/sigs" '^10$'
}
# the shell stays as cinit's parent: a command follows cinit, so it cannot exec it
pdeath_test sh -c '"$0" "$@"; echo $? >/dev/null' "$CINIT" -p USR1 --
ok $? "-p USR1: the parent's death reaches the child as SIGUSR1"
wait_until 10 _gone "$cinit_pid"
ok $? "and cinit ends with its child"
pdeath_test CINIT_PDEATHSIG=USR1 sh -c '"$0" "$@"; echo $? >/dev/null' "$CINIT" --
ok $? "CINIT_PDEATHSIG=USR1 does the same"
wait_until 10 _gone "$cinit_pid"

CINIT_PDEATHSIG=bogus "$CINIT" -- true 2>"$TMP/err"
is $? 2 "a bad CINIT_PDEATHSIG is a usage error"

in_pidns "$CINIT" -v -v -- true 2>"$TMP/err"
like "$(cat "$TMP/err")" "started \(pid 2\)" "-v -v shows state changes"
CINIT_VERBOSITY=2 in_pidns "$CINIT" -- true 2>"$TMP/err"
like "$(cat "$TMP/err")" "started \(pid 2\)" "CINIT_VERBOSITY=2 does the same"

# CINIT_WARN_ORPHANS: outside a pid namespace the command's background
# sleep outlives it, is reparented to cinit, ended and reaped.
CINIT_WARN_ORPHANS=1 "$CINIT" -- sh -c "sleep 60 & echo \$! > '$TMP/gc'" 2>"$TMP/err" &
cpid=$!
on_exit "kill -KILL $cpid"
wait_until 20 _gone "$cpid"
gc=$(cat "$TMP/gc")
like "$(cat "$TMP/err")" "reaped orphan $gc" "CINIT_WARN_ORPHANS=1 logs the orphan it reaped, as -w does"
! kill -0 "$gc" 2>/dev/null || kill -KILL "$gc"
