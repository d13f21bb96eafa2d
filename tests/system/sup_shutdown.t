#!/bin/bash
# Stopping and shutdown: stop_signal, stop_timeout, kill_group, reverse
# dependency order, shutdown_timeout, forwarded signals, SIGHUP reload
# (issue 4, items 6 and 7).
. "$(dirname "$0")/../lib/tap.sh"
plan 34

# Each service records when it got its stop signal, then takes a moment.
svc() { # svc NAME SIGNAL
	echo "command = sh -c 'trap \"echo $1 >> $TMP/stops; sleep 0.2; exit 0\" $2; echo \$\$ > $TMP/$1.pid; while :; do sleep 0.05; done'"
}
cat >"$TMP/order.ini" <<EOF
[service:db]
$(svc db TERM)
[service:web]
$(svc web QUIT)
depends = db
stop_signal = QUIT
[service:worker]
$(svc worker INT)
depends = web
stop_signal = SIGINT
EOF
run_conf order
wait_until 10 test -e "$TMP/worker.pid"
ok $? "three dependent services are up"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "SIGTERM: clean shutdown, exit 0"
is "$(tr '\n' ' ' <"$TMP/stops")" "worker web db " \
	"services stop in reverse dependency order, each with its own stop_signal"

# stop_timeout: a service that ignores its stop signal is killed after it.
cat >"$TMP/stubborn.ini" <<EOF
[service:stubborn]
command = sh -c 'trap "" TERM; touch $TMP/stubborn.up; while :; do sleep 0.05; done'
stop_timeout = 500ms
EOF
run_conf stubborn
wait_until 10 test -e "$TMP/stubborn.up"
t0=$(now_ms)
kill -INT "$NS_INIT"
ns_wait 20
t1=$(now_ms)
is "$NS_STATUS" 0 "SIGINT shuts down too"
like "$(cat "$TMP/stubborn.err")" "stubborn: still running after 500ms, sending KILL" \
	"a service that ignores its stop signal gets KILL after stop_timeout"
[ $((t1 - t0)) -ge 450 ]
ok $? "the stop timeout was waited for ($((t1 - t0)) ms)"

# kill_group: the stop signal reaches the service's children too. The
# service's shell ignores TERM; only its child, which exits on TERM, can end
# it without the stop timeout.
cat >"$TMP/group.ini" <<EOF
[service:parent]
command = sh -c 'trap "" TERM; $HELPERS/sigrecv $TMP/gc.sigs 15 & wait'
kill_group = yes
stop_timeout = 60s
EOF
run_conf group
wait_until 10 test -e "$TMP/gc.sigs.ready"
ok $? "a service with a child is up"
kill -TERM "$NS_INIT"
ns_wait 10
is "$NS_STATUS" 0 "kill_group = yes: the group got TERM and the service ended well before stop_timeout"
file_has "$TMP/gc.sigs" '^15$'
ok $? "the child in the service's group received the stop signal"

cat >"$TMP/nogroup.ini" <<EOF
[service:parent]
command = sh -c 'trap "" TERM; $HELPERS/sigrecv $TMP/gc2.sigs 15 & wait'
kill_group = no
stop_timeout = 300ms
EOF
run_conf nogroup
wait_until 10 test -e "$TMP/gc2.sigs.ready"
kill -TERM "$NS_INIT"
ns_wait 10
like "$(cat "$TMP/nogroup.err")" "parent: still running after 300ms, sending KILL" \
	"kill_group = no: only the service's own process got the stop signal"

# shutdown_timeout bounds the whole stop.
cat >"$TMP/bound.ini" <<EOF
[cinit]
shutdown_timeout = 500ms
[service:slow]
command = sh -c 'trap "" TERM; touch $TMP/slow.up; while :; do sleep 0.05; done'
stop_timeout = 60s
EOF
run_conf bound
wait_until 10 test -e "$TMP/slow.up"
kill -TERM "$NS_INIT"
ns_wait 10
ok $? "shutdown_timeout ends a stop that stop_timeout would let run for a minute"
like "$(cat "$TMP/bound.err")" "still running after shutdown_timeout" "and says so"

# After the services, leftovers (here a process the service put in its own
# session, out of reach of kill_group) get TERM, then KILL after the grace.
leftover() { # leftover NAME TRAP-ACTION
	echo "command = sh -c 'setsid sh -c \"trap \\\"$2\\\" TERM; touch $TMP/$1.up; while :; do sleep 0.05; done\" & exec sleep 600'"
}
cat >"$TMP/left.ini" <<EOF
[cinit]
grace = 60s
[service:spawner]
$(leftover left "echo left-term >> $TMP/left.log; exit 0")
EOF
run_conf left -v
wait_until 10 test -e "$TMP/left.up"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "with a leftover process, the shutdown ends cleanly"
file_has "$TMP/left.log" left-term
ok $? "after the services, a leftover gets TERM, and cinit exits once it is gone, not after grace"
like "$(cat "$TMP/left.err")" "sending TERM to remaining processes" \
	"the leftover outlived its service and was signalled as a leftover"

cat >"$TMP/left2.ini" <<EOF
[cinit]
grace = 300ms
[service:spawner]
$(leftover left2 "")
EOF
run_conf left2
wait_until 10 test -e "$TMP/left2.up"
t0=$(now_ms)
kill -TERM "$NS_INIT"
ns_wait 20
t1=$(now_ms)
is "$NS_STATUS" 0 "a leftover that ignores TERM does not hold cinit"
like "$(cat "$TMP/left2.err")" "processes remain after the grace period, sending KILL" \
	"it gets KILL after the grace"
[ $((t1 - t0)) -ge 250 ]
ok $? "the grace was waited for ($((t1 - t0)) ms)"

# Other signals go to the main service, or to every service without one.
cat >"$TMP/fwd.ini" <<EOF
[service:one]
command = $HELPERS/sigrecv $TMP/one.sigs
[service:two]
command = $HELPERS/sigrecv $TMP/two.sigs
EOF
run_conf fwd
wait_until 10 test -e "$TMP/one.sigs.ready" -a -e "$TMP/two.sigs.ready"
kill -USR1 "$NS_INIT"
wait_until 10 file_has "$TMP/one.sigs" '^10$'
ok $? "without a main service, USR1 goes to every service (one)"
wait_until 10 file_has "$TMP/two.sigs" '^10$'
ok $? "without a main service, USR1 goes to every service (two)"
kill -TERM "$NS_INIT"
ns_wait 20

# With a main service, those signals go to it alone.
cat >"$TMP/fwdmain.ini" <<EOF
[service:app]
command = $HELPERS/sigrecv $TMP/app.sigs 15
main = yes
[service:helper]
command = $HELPERS/sigrecv $TMP/helper.sigs 15
EOF
run_conf fwdmain
wait_until 10 test -e "$TMP/app.sigs.ready" -a -e "$TMP/helper.sigs.ready"
kill -USR2 "$NS_INIT"
kill -WINCH "$NS_INIT"
wait_until 10 file_has "$TMP/app.sigs" '^12$' && wait_until 10 file_has "$TMP/app.sigs" '^28$'
ok $? "USR2 and WINCH go to the main service"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "the main service's clean stop ends cinit with 0"
# the helper records every signal it got, in order, until its stop signal
is "$(tr '\n' ' ' <"$TMP/helper.sigs")" "15 " "the other service got only its stop signal"

# A main service stopped by the shutdown still gives cinit its exit code.
cat >"$TMP/maincode.ini" <<EOF
[service:app]
command = sh -c 'trap "exit 3" TERM; touch $TMP/maincode.up; while :; do sleep 0.05; done'
main = yes
[service:side]
command = sleep 600
EOF
run_conf maincode
wait_until 10 test -e "$TMP/maincode.up"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 3 "SIGTERM: cinit exits with the code the main service stopped with"

cat >"$TMP/maincode2.ini" <<EOF
[service:app]
command = sh -c 'trap "exit 3" TERM; touch $TMP/maincode2.up; while :; do sleep 0.05; done'
main = yes
exit_codes = 0, 3
EOF
run_conf maincode2
wait_until 10 test -e "$TMP/maincode2.up"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "a code in its exit_codes counts as success"

# A critical failure that began the shutdown keeps its code over the main's.
cat >"$TMP/critmain.ini" <<EOF
[service:app]
command = sh -c 'trap "exit 3" TERM; while :; do sleep 0.05; done'
main = yes
[service:job]
command = sh -c 'sleep 0.3; exit 6'
critical = yes
EOF
run_conf critmain
ns_wait 20
is "$NS_STATUS" 6 "a critical failure's code wins over the main service's stop"

# SIGHUP reloads: added starts, removed stops, changed restarts, the rest
# is untouched; an invalid file keeps the running set.
cat >"$TMP/rl.ini" <<EOF
[service:keep]
command = sh -c 'echo \$\$ >> $TMP/keep.pids; exec sleep 600'
[service:change]
command = sh -c 'echo v1 >> $TMP/change.log; exec sleep 600'
[service:drop]
command = sh -c 'trap "echo dropped >> $TMP/drop.log; exit 0" TERM; touch $TMP/drop.up; while :; do sleep 0.05; done'
[service:fix]
command = sh -c 'exit 1'
EOF
run_conf rl
wait_until 10 test -e "$TMP/keep.pids" -a -e "$TMP/change.log" -a -e "$TMP/drop.up" &&
	wait_until 10 file_has "$TMP/rl.err" "fix: exited with 1"
cat >"$TMP/rl.ini" <<EOF
[service:keep]
command = sh -c 'echo \$\$ >> $TMP/keep.pids; exec sleep 600'
[service:change]
command = sh -c 'echo v2 >> $TMP/change.log; exec sleep 600'
[service:new]
command = sh -c 'echo new >> $TMP/new.log; exec sleep 600'
[service:fix]
command = sh -c 'echo fixed >> $TMP/fix.log; exec sleep 600'
EOF
kill -HUP "$NS_INIT"
wait_until 10 file_has "$TMP/new.log" new && wait_until 10 file_has "$TMP/change.log" v2 &&
	wait_until 10 file_has "$TMP/drop.log" dropped
ok $? "reload: the new service started, the changed one restarted, the removed one stopped"
is "$(wc -l <"$TMP/keep.pids")" 1 "reload: the unchanged service was not touched"
wait_until 10 file_has "$TMP/fix.log" fixed
ok $? "reload: a service that had exited for good runs its new definition"
echo "[service:broken" >"$TMP/rl.ini"
children() { tr ' ' '\n' <"/proc/$NS_INIT/task/$NS_INIT/children" | sort | tr '\n' ' '; }
four_children() { [ "$(children | wc -w)" = 4 ]; }
wait_until 10 four_children # keep, change, new and fix; drop is gone
before=$(children)
kill -HUP "$NS_INIT"
wait_until 10 file_has "$TMP/rl.err" "reload failed, keeping the running configuration"
ok $? "an invalid file on reload is reported"
like "$(cat "$TMP/rl.err")" "cinit: $TMP/rl.ini:1: expected '\\]'" "with the file, line and error"
four_children && [ "$(children)" = "$before" ]
ok $? "the running set is kept: the same four processes ($before)"
kill -0 "$NS_INIT"
ok $? "cinit still runs"
kill -TERM "$NS_INIT"
ns_wait 20
is "$(cat "$TMP/keep.pids" "$TMP/change.log" "$TMP/new.log" "$TMP/fix.log" | wc -l)" 5 \
	"no service was started again after the invalid reload"
