#!/bin/bash
# Faults of a small host (issue 14), orphans: 10,000 orphans in a burst
# from one service while another restarts in a loop. cinit reaps them all
# (no zombie afterwards) and the looping service's restarts go on through
# the burst with the same backoff sequence as without it. (How long each
# delay truly took is for bench/, never for a timed test.)
. "$(dirname "$0")/../lib/tap.sh"
plan 6

zombies_in_ns() { ns_exec bash -c "$(declare -f count_zombies); count_zombies"; }
no_zombies_in_ns() { [ "$(zombies_in_ns)" = 0 ]; }
runs() { wc -l 2>/dev/null <"$TMP/loop.runs" || echo 0; }

cat >"$TMP/burst.ini" <<EOF
[cinit]
shutdown_timeout = 5s
[service:loop]
command = sh -c 'echo run >> $TMP/loop.runs; exit 1'
restart = on-failure
start_secs = 0
start_retries = 1000000
backoff_min = 10ms
backoff_max = 40ms
[service:burst]
command = sh -c 'until [ -e $TMP/go ]; do sleep 0.01; done; exec $HELPERS/orphans 10000 $TMP/done'
restart = no
EOF
run_conf burst
looped() { [ "$(runs)" -ge "$1" ]; }
wait_until 10 looped 5
before=$(runs)
touch "$TMP/go"
wait_until 120 file_has "$TMP/burst.out" 'made 10000$'
ok $? "the burst made 10,000 orphans"
during=$(runs)
ok "$([ "$during" -gt "$before" ]; echo $?)" "the loop restarted through the burst ($before runs before it, $during after)"
wait_until 30 no_zombies_in_ns
ok $? "no zombie is left in the namespace"
# the delays cinit chose: 0 ms, then 10, 20, and 40 ms from there on, with
# no other value whatever the burst did
delays=$(sed -n 's/^cinit: loop: exited with 1, restarting in \([0-9]*\)ms$/\1/p' "$TMP/burst.err")
is "$(printf '%s\n' "$delays" | head -4 | tr '\n' ' ')" "0 10 20 40 " "the backoff starts as configured"
is "$(printf '%s\n' "$delays" | tail -n +4 | sort -u | tr '\n' ' ')" "40 " \
	"... and stays at its cap through the burst ($(printf '%s\n' "$delays" | wc -l) restarts)"
touch "$TMP/done"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "cinit shuts down cleanly after it"
