#!/bin/bash
# -p (parent-death signal), -v and options from the environment (issue 2, item 8).
. "$(dirname "$0")/../lib/tap.sh"
plan 5

# cinit's parent is a shell that the test kills; cinit turns that into SIGUSR1
# for its child, which exits 0 on it.
sh -c "'$CINIT' -p USR1 -- '$HELPERS/sigrecv' '$TMP/sigs' 10; echo \$? > '$TMP/rc'" &
parent=$!
on_exit "kill -KILL $parent"
wait_until 10 test -e "$TMP/sigs.ready"
cinit_pid=$(awk '{print $1}' "/proc/$parent/task/$parent/children")
on_exit "kill -KILL $cinit_pid"
kill -KILL "$parent"
wait "$parent" 2>/dev/null
wait_until 10 file_has "$TMP/sigs" '^10$'
ok $? "-p USR1: the parent's death reaches the child as SIGUSR1"
wait_until 10 _gone "$cinit_pid"
ok $? "and cinit ends with its child"

CINIT_PDEATHSIG=bogus "$CINIT" -- true 2>"$TMP/err"
is $? 2 "a bad CINIT_PDEATHSIG is a usage error"

in_pidns "$CINIT" -v -v -- true 2>"$TMP/err"
like "$(cat "$TMP/err")" "started \(pid 2\)" "-v -v shows state changes"
CINIT_VERBOSITY=2 in_pidns "$CINIT" -- true 2>"$TMP/err"
like "$(cat "$TMP/err")" "started \(pid 2\)" "CINIT_VERBOSITY=2 does the same"
