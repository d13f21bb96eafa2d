#!/bin/bash
# Restart policies, backoff, fatal, and the cost of a crash loop (issue 4,
# items 1, 2 and 10).
. "$(dirname "$0")/../lib/tap.sh"
plan 27

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
! file_has "$TMP/pol.err" "started \(pid"
ok $? "by default, starts are not reported: only state changes that matter"
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

# start_secs: a service that outlives it has started well, so its later
# failures are restarts, not failed starts, and never make it fatal.
cat >"$TMP/steady.ini" <<EOF
[service:steady]
command = sh -c 'echo run >> $TMP/steady.runs; sleep 0.3; exit 1'
restart = on-failure
start_secs = 100ms
start_retries = 1
backoff_min = 10ms
backoff_max = 10ms
EOF
run_conf steady -vvv
wait_until 20 lines "$TMP/steady.runs" 4
ok $? "a service that runs past start_secs keeps being restarted"
! file_has "$TMP/steady.err" "giving up"
ok $? "its exits after start_secs are not failed starts"
like "$(cat "$TMP/steady.err")" "steady: starting -> running" "after start_secs it is running"
kill -TERM "$NS_INIT"
ns_wait 10

# backoff_reset: after a stable run the next restart is immediate again.
: >"$TMP/reset.runs"
cat >"$TMP/reset.ini" <<EOF
[service:reset]
command = sh -c 'n=\$(wc -l < $TMP/reset.runs); echo run >> $TMP/reset.runs; case \$n in 0|1) exit 1;; 2) sleep 1.5; exit 1;; *) exec sleep 600;; esac'
restart = on-failure
start_secs = 0
backoff_min = 50ms
backoff_reset = 1s
EOF
run_conf reset
wait_until 20 lines "$TMP/reset.runs" 4
ok $? "the service was restarted three times"
is "$(grep -o 'restarting in [0-9]*ms' "$TMP/reset.err" | tr '\n' ' ')" \
	"restarting in 0ms restarting in 50ms restarting in 0ms " \
	"the backoff resets after backoff_reset of stable running"
kill -TERM "$NS_INIT"
ns_wait 10

# exit_codes: the codes listed are expected, so on-failure leaves them be.
cat >"$TMP/codes.ini" <<EOF
[service:three]
command = sh -c 'echo run >> $TMP/three.runs; exit 3'
restart = on-failure
exit_codes = 0, 3
start_secs = 0
[service:four]
command = sh -c 'echo run >> $TMP/four.runs; [ \$(wc -l < $TMP/four.runs) -ge 2 ] && exec sleep 600; exit 4'
restart = on-failure
exit_codes = 0, 3
start_secs = 0
EOF
run_conf codes
wait_until 10 lines "$TMP/four.runs" 2
ok $? "an exit code not in exit_codes is a failure, restarted"
wait_until 10 file_has "$TMP/codes.err" "three: exited with 3$" && lines "$TMP/three.runs" 1
ok $? "an exit code in exit_codes is expected, not restarted"
kill -TERM "$NS_INIT"
ns_wait 10

# verbosity = 0: errors only, no state changes.
cat >"$TMP/quiet.ini" <<EOF
[cinit]
verbosity = 0
[service:q]
command = sh -c 'exit 2'
restart = on-failure
start_retries = 1
backoff_min = 10ms
EOF
run_conf quiet
wait_until 10 file_has "$TMP/quiet.err" "q: exited with 2, 2 failed starts in a row, giving up"
ok $? "verbosity = 0 still reports a service that becomes fatal"
! file_has "$TMP/quiet.err" "restarting in"
ok $? "but not its restarts"
kill -TERM "$NS_INIT"
ns_wait 10

# A restarted service's leftovers: what the ended instance left in its
# process group (nginx's workers after its master was killed) is killed
# before the next instance starts, so it cannot hold the port or the files.
cat >"$TMP/left.ini" <<EOF
[service:master]
command = sh -c 'sleep 600 & echo \$! >> $TMP/left.workers; echo run >> $TMP/left.runs; [ \$(wc -l < $TMP/left.runs) -ge 2 ] && exec sleep 600; exit 1'
restart = on-failure
start_secs = 0
EOF
run_conf left
wait_until 10 lines "$TMP/left.runs" 2
first=$(head -1 "$TMP/left.workers" 2>/dev/null)
gone() { ! ns_exec kill -0 "$1" 2>/dev/null; }
wait_until 10 gone "$first"
ok $? "the first instance's background process is killed at the restart"
like "$(cat "$TMP/left.err")" "master: killed what was left of its process group" "... and cinit says so"
kill -TERM "$NS_INIT"
ns_wait 10
