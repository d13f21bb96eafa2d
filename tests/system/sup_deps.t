#!/bin/bash
# Dependencies, readiness, oneshot tasks, critical and main services
# (issue 4, items 3, 4 and 5).
. "$(dirname "$0")/../lib/tap.sh"
plan 25

# A chain: init (oneshot) -> db (ready on tcp) -> web (ready on a unix socket)
# -> worker (ready by file) -> cron (ready by a check command) -> app (notify)
# -> last. Each writes its name after a pause, just before it is ready, and
# its dependent writes at once: started early, a dependent would come first.
cat >"$TMP/chain.ini" <<EOF
[service:init]
type = oneshot
command = sh -c 'sleep 0.5; echo init >> $TMP/order'
[service:db]
command = python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); time.sleep(0.3); open('$TMP/order','a').write('db\n'); s.bind(('127.0.0.1', 7001)); s.listen(); time.sleep(600)"
depends = init
ready = tcp:127.0.0.1:7001
ready_interval = 50ms
[service:web]
command = python3 -c "import socket,time; s=socket.socket(socket.AF_UNIX); time.sleep(0.2); open('$TMP/order','a').write('web\n'); s.bind('$TMP/web.sock'); s.listen(); time.sleep(600)"
depends = db
ready = unix:$TMP/web.sock
[service:worker]
command = sh -c 'sleep 0.2; echo worker >> $TMP/order; touch $TMP/worker.ready; exec sleep 600'
depends = web
ready = file:$TMP/worker.ready
[service:cron]
command = sh -c 'echo cron >> $TMP/order; exec sleep 600'
depends = worker
ready = exec:test -e $TMP/cron.ok
[service:app]
command = python3 -c "import os,socket,time; time.sleep(0.2); open('$TMP/order','a').write('app\n'); s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b'READY=1', os.environ['NOTIFY_SOCKET']); time.sleep(600)"
depends = cron
ready = notify
[service:last]
command = sh -c 'echo last >> $TMP/order; exec sleep 600'
depends = app
EOF
run_conf chain
wait_until 20 file_has "$TMP/order" '^cron$'
ok $? "the chain starts up to the service that waits on a check command"
! file_has "$TMP/order" '^app$'
ok $? "a dependent waits while the check command fails"
touch "$TMP/cron.ok"
wait_until 20 file_has "$TMP/order" '^last$'
ok $? "the check command succeeds and the rest starts"
is "$(tr '\n' ' ' <"$TMP/order")" "init db web worker cron app last " \
	"each service started after its dependency was ready (oneshot, tcp, unix, file, exec, notify)"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "a clean shutdown exits 0"

# Parallel start: services without dependencies start together, by priority;
# the first one never becoming ready holds nobody up.
cat >"$TMP/par.ini" <<EOF
[service:b]
command = sh -c 'echo b >> $TMP/par; exec sleep 600'
priority = 20
[service:a]
command = sh -c 'echo a >> $TMP/par; exec sleep 600'
priority = 10
ready = file:$TMP/par-never
[service:c]
command = sh -c 'echo c >> $TMP/par; exec sleep 600'
priority = 30
EOF
run_conf par -vvv
three_started() { [ "$(wc -l 2>/dev/null <"$TMP/par")" = 3 ]; }
wait_until 10 three_started
ok $? "three independent services all start, though the first is not ready"
like "$(grep -o '[abc]: stopped -> starting' "$TMP/par.err" | cut -c1 | tr -d '\n')" "^abc$" \
	"they are started in priority order"
kill -TERM "$NS_INIT"
ns_wait 20

# A failed oneshot: its dependents never start; critical ends the container.
cat >"$TMP/fail.ini" <<EOF
[service:migrate]
type = oneshot
command = sh -c 'exit 4'
critical = yes
[service:web]
command = sh -c 'touch $TMP/web.started; exec sleep 600'
depends = migrate
EOF
run_conf fail
ns_wait 20
is "$NS_STATUS" 4 "a critical oneshot that fails ends cinit with its code"
! test -e "$TMP/web.started"
ok $? "its dependent never started"
like "$(cat "$TMP/fail.err")" "migrate: critical service ended" "the reason is logged"

cat >"$TMP/fail2.ini" <<EOF
[service:migrate]
type = oneshot
command = sh -c 'exit 4'
[service:web]
command = sh -c 'touch $TMP/web2.started; exec sleep 600'
depends = migrate
EOF
run_conf fail2
wait_until 10 file_has "$TMP/fail2.err" "web: not started: dependency migrate failed"
ok $? "a failed non-critical oneshot blocks its dependents, with a message"
kill -0 "$NS_INIT"
ok $? "and cinit keeps running"
kill -TERM "$NS_INIT"
ns_wait 20

# main: its exit ends the container with its code, and the others stop.
cat >"$TMP/main.ini" <<EOF
[service:side]
command = sh -c 'trap "echo side-stopped >> $TMP/main.log; exit 0" TERM; echo side-up >> $TMP/main.log; while :; do sleep 0.05; done'
[service:app]
command = sh -c 'while [ ! -e $TMP/app.go ]; do sleep 0.05; done; exit 7'
main = yes
EOF
run_conf main
# side's TERM trap must be in place before app's exit stops it
wait_until 10 file_has "$TMP/main.log" side-up
touch "$TMP/app.go"
ns_wait 20
is "$NS_STATUS" 7 "the main service's exit code becomes cinit's"
file_has "$TMP/main.log" side-stopped
ok $? "the other services were stopped with their stop signal"

# critical with restart = no: its exit ends the container with its code.
cat >"$TMP/crit0.ini" <<EOF
[service:job]
command = sh -c 'while [ ! -e $TMP/job.go ]; do sleep 0.05; done; exit 5'
critical = yes
[service:side]
command = sh -c 'trap "echo side-stopped >> $TMP/crit0.log; exit 0" TERM; touch $TMP/side.up; while :; do sleep 0.05; done'
EOF
run_conf crit0
wait_until 10 test -e "$TMP/side.up"
ok $? "a critical service and another are up"
touch "$TMP/job.go"
ns_wait 20
is "$NS_STATUS" 5 "a critical service with restart = no that exits ends cinit with its code"
file_has "$TMP/crit0.log" side-stopped
ok $? "the other service was stopped on the way out"

# critical with restart = always: fatal after retries ends the container.
cat >"$TMP/crit.ini" <<EOF
[service:flaky]
command = sh -c 'exit 9'
restart = always
start_retries = 2
backoff_min = 10ms
critical = yes
[service:other]
command = sleep 600
EOF
run_conf crit
ns_wait 20
is "$NS_STATUS" 9 "a critical service that becomes fatal ends cinit with its code"

# ready_timeout: a service that never becomes ready is stopped and failed.
cat >"$TMP/rt.ini" <<EOF
[service:slow]
command = sleep 600
ready = file:$TMP/never
ready_timeout = 300ms
critical = yes
[service:after]
command = sh -c 'touch $TMP/after.started; exec sleep 600'
depends = slow
EOF
run_conf rt
ns_wait 20
ok $? "a critical service that is never ready ends cinit"
like "$(cat "$TMP/rt.err")" "slow: not ready after 300ms" "the timeout is named"
! test -e "$TMP/after.started"
ok $? "its dependent never started"
[ "$NS_STATUS" != 0 ]
ok $? "and the exit code is a failure ($NS_STATUS)"

# Not critical: the service becomes fatal, its dependents do not start, and
# cinit keeps running.
cat >"$TMP/rt2.ini" <<EOF
[service:slow]
command = sleep 600
ready = file:$TMP/never
ready_timeout = 300ms
[service:after]
command = sh -c 'touch $TMP/after2.started; exec sleep 600'
depends = slow
EOF
run_conf rt2
wait_until 10 file_has "$TMP/rt2.err" "after: not started: dependency slow failed"
ok $? "a service never ready blocks its dependents, with a message"
! test -e "$TMP/after2.started"
ok $? "the dependent never ran"
kill -0 "$NS_INIT"
ok $? "and cinit keeps running"
kill -TERM "$NS_INIT"
ns_wait 20
