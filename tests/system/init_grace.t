#!/bin/bash
# Leftover processes when the child exits (issue 2, item 6): TERM, then KILL
# after --grace; cinit exits as soon as none remain.
. "$(dirname "$0")/../lib/tap.sh"
plan 8

start_in_pidns "$TMP/out" "$TMP/err" "$CINIT" --grace 60s -- sh -c 'sleep 600 & exit 3'
ns_wait 20
is "$NS_STATUS" 3 "leftovers that obey TERM end at once, long before the grace"

t0=$(now_ms)
start_in_pidns "$TMP/out" "$TMP/err" "$CINIT" --grace 1s -- sh -c \
	"sh -c 'trap \"\" TERM; touch $TMP/ignoring; sleep 600' & exit 0"
wait_until 10 test -e "$TMP/ignoring"
ns_wait 20
is "$NS_STATUS" 0 "a leftover that ignores TERM is killed after the grace"
t1=$(now_ms)
[ $((t1 - t0)) -ge 900 ]
ok $? "the grace period was waited for ($((t1 - t0)) ms)"

# Outside a pid namespace only cinit's own descendants are signalled.
sleep 600 &
bystander=$!
on_exit "kill -KILL $bystander"
"$CINIT" --grace 1s -- sh -c "sleep 600 & echo \$! > '$TMP/left'; exit 0" 2>"$TMP/err" &
cpid=$!
on_exit "kill -KILL $cpid"
wait_until 20 _gone "$cpid"
ok $? "cinit as a subreaper ends its leftovers too"
left=$(cat "$TMP/left")
! kill -0 "$left" 2>/dev/null
ok $? "the leftover process is gone" || kill -KILL "$left"
kill -0 "$bystander"
ok $? "a process that is not cinit's descendant is untouched"

CINIT_GRACE=0 "$CINIT" -- sh -c "sleep 600 & echo \$! > '$TMP/left0'; exit 0" &
cpid=$!
on_exit "kill -KILL $cpid"
wait_until 20 _gone "$cpid"
ok $? "--grace 0 (CINIT_GRACE=0) skips the wait"
left=$(cat "$TMP/left0")
kill -0 "$left" 2>/dev/null
ok $? "and leaves the leftover alone, as tini does"
kill -KILL "$left" 2>/dev/null
