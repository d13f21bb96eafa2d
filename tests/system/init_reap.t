#!/bin/bash
# Reaping (issue 2, items 3 and 4): every zombie is reaped, as PID 1 and as
# a child subreaper outside a pid namespace.
. "$(dirname "$0")/../lib/tap.sh"
plan 11

zombies_in_ns() { ns_exec bash -c "$(declare -f count_zombies); count_zombies"; }
no_zombies_in_ns() { [ "$(zombies_in_ns)" = 0 ]; }

start_in_pidns "$TMP/out" "$TMP/err" "$CINIT" -- "$HELPERS/orphans" 10000 "$TMP/done"
wait_until 120 file_has "$TMP/out" '^made 10000$'
ok $? "the child made 10,000 orphans that exited"
wait_until 30 no_zombies_in_ns
ok $? "no zombie is left in the namespace"
kill -0 "$NS_INIT"
ok $? "cinit still runs while its child does"
touch "$TMP/done"
ns_wait 30
is "$NS_STATUS" 0 "cinit exits with its child's code"

# Zombies inherited at start: zombify leaves 5 zombie children, then execs
# cinit, whose own child waits for a file.
start_in_pidns "$TMP/out" "$TMP/err" "$HELPERS/zombify" 5 "$CINIT" -- sh -c \
	"i=0; while [ ! -e '$TMP/go' ] && [ \$i -lt 1500 ]; do sleep 0.02; i=\$((i+1)); done; exit 4"
wait_until 10 no_zombies_in_ns
ok $? "zombies inherited at start are reaped"
kill -0 "$NS_INIT"
ok $? "reaping them does not end cinit"
touch "$TMP/go"
ns_wait 30
is "$NS_STATUS" 4 "cinit exits only on its own child's exit, with its code"

# Not PID 1: cinit is a child subreaper and reaps its child's orphans. The
# grandchild outlives the child, is reparented to cinit, and gets TERM.
"$CINIT" -w -- sh -c "sleep 60 & echo \$! > '$TMP/gc'; exit 0" >"$TMP/out" 2>"$TMP/err" &
cpid=$!
on_exit "kill -KILL $cpid"
wait_until 20 _gone "$cpid"
ok $? "cinit outside a pid namespace ends once the orphan is gone"
wait "$cpid"
is $? 0 "with its child's exit code"
gc=$(cat "$TMP/gc")
like "$(cat "$TMP/err")" "reaped orphan $gc" "-w logs the orphan it reaped"
! kill -0 "$gc" 2>/dev/null
ok $? "the orphan is not left behind, not even as a zombie" || kill -KILL "$gc"
