#!/bin/bash
# Restart policies, backoff, fatal, and the cost of a crash loop (issue 4,
# items 1, 2 and 10).
. "$(dirname "$0")/../lib/tap.sh"
plan 15

# restart = on-failure: exit 0 is expected and not restarted, exit 1 is.
cat >"$TMP/pol.ini" <<EOF
[cinit]
shutdown_timeout = 5s
[service:ok]
command = sh -c 'echo run >> $TMP/ok.runs; exit 0'
restart = on-failure
start_secs = 0
[service:bad]
command = sh -c 'echo run >> $TMP/bad.runs; [ \$(wc -l < $TMP/bad.runs) -ge 3 ] && exec sleep 600; exit 1'
restart = on-failure
start_secs = 0
[service:never]
command = sh -c 'echo run >> $TMP/never.runs; exit 1'
restart = no
[service:forever]
command = sh -c 'echo run >> $TMP/forever.runs; [ \$(wc -l < $TMP/forever.runs) -ge 3 ] && exec sleep 600; exit 0'
restart = always
start_secs = 0
EOF
run_conf pol
lines() { [ "$(wc -l 2>/dev/null <"$1")" = "$2" ]; }
wait_until 10 lines "$TMP/bad.runs" 3
ok $? "on-failure restarts a service that exits 1"
wait_until 10 lines "$TMP/forever.runs" 3
ok $? "always restarts a service that exits 0"
lines "$TMP/ok.runs" 1
ok $? "on-failure does not restart an expected exit"
lines "$TMP/never.runs" 1
ok $? "restart = no runs once"
like "$(cat "$TMP/pol.err")" "never: exited with 1" "one line says the service exited"
like "$(cat "$TMP/pol.err")" "bad: exited with 1, restarting in 0ms" "the first restart is immediate"
like "$(cat "$TMP/pol.err")" "bad: exited with 1, restarting in 100ms" "the second waits 100ms"
kill -TERM "$NS_INIT"
ns_wait 10
is "$NS_STATUS" 0 "SIGTERM shuts the services down and cinit exits 0"

# Backoff doubling and fatal after start_retries failed starts.
cat >"$TMP/fatal.ini" <<EOF
[service:crash]
command = sh -c 'exit 3'
restart = always
start_secs = 5s
start_retries = 4
backoff_min = 50ms
EOF
run_conf fatal -v
wait_until 10 file_has "$TMP/fatal.err" "crash: .*giving up"
ok $? "a service that keeps failing to start becomes fatal"
like "$(grep -o 'restarting in [0-9]*ms' "$TMP/fatal.err" | tr '\n' ' ')" \
	"restarting in 0ms restarting in 50ms restarting in 100ms restarting in 200ms" \
	"backoff doubles from backoff_min"
like "$(cat "$TMP/fatal.err")" "crash: exited with 3, 5 failed starts in a row, giving up" \
	"the fatal line counts the failed starts"
like "$(cat "$TMP/fatal.err")" "crash: started \(pid [0-9]+\)" "-v shows each start"
kill -0 "$NS_INIT"
ok $? "a fatal non-critical service does not end cinit"
kill -TERM "$NS_INIT"
ns_wait 10

# A crash loop costs almost no CPU: 10 s of a service that exits at once.
cat >"$TMP/loop.ini" <<EOF
[service:loop]
command = /bin/false
restart = always
start_retries = 1000000
backoff_max = 1s
EOF
run_conf loop
wait_until 10 file_has "$TMP/loop.err" "restarting in"
t0=$(cpu_ticks "$NS_INIT")
deadline=$(($(now_ms) + 10000))
while [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.5; done
t1=$(cpu_ticks "$NS_INIT")
used=$((t1 - t0))
diag "cinit used $used ticks of CPU over 10 s of crash loop"
[ "$used" -lt 100 ]
ok $? "cinit's CPU time stays small during a crash loop ($used ticks in 10 s)"
like "$(tail -1 "$TMP/loop.err")" "restarting in 1000ms" "the backoff reached its cap"
kill -TERM "$NS_INIT"
ns_wait 10
