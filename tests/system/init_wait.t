#!/bin/bash
# How cinit waits (issue 13): with nothing but signals to wait for, as for
# `cinit -- cmd` or for services whose output is inherited once they run, it
# waits in rt_sigtimedwait, as tini does, and still forwards, reaps, and
# measures its timeouts and uptimes from the moment a signal came, not from
# when it began to wait; with a timer or a log pipe it waits in epoll.
. "$(dirname "$0")/../lib/tap.sh"
plan 11

# waits_in PID CALL: PID is blocked in the system call CALL, the one strace
# leaves in progress when it detaches. (Its attach makes rt_sigtimedwait
# return EINTR, and cinit then waits in it again.)
waits_in() {
	timeout -s INT 0.3 strace -q -p "$1" -o "$TMP/wait.trace" 2>/dev/null
	case "$(grep '<detached' "$TMP/wait.trace" 2>/dev/null)" in
	"$2("*) return 0 ;;
	esac
	return 1
}

# cinit -- cmd
start_in_pidns "$TMP/cmd.out" "$TMP/cmd.err" "$CINIT" -- sh -c \
	"trap 'echo usr1 >> $TMP/cmd.got' USR1; touch $TMP/cmd.up; while :; do sleep 0.05; done"
wait_until 10 test -e "$TMP/cmd.up"
ok $? "cinit -- cmd runs the command"
wait_until 10 waits_in "$NS_INIT" rt_sigtimedwait
ok $? "and waits in rt_sigtimedwait" || diag "$(head -3 "$TMP/wait.trace")"
kill -USR1 "$NS_INIT"
wait_until 10 file_has "$TMP/cmd.got" usr1
ok $? "a signal it takes there is forwarded"
kill -TERM "$NS_INIT"
ns_wait 10
is "$NS_STATUS" 143 "SIGTERM too, and the command's end ends cinit"

# A service whose output is inherited, once past start_secs, and no control
# socket leave cinit nothing but signals to wait for. Its stop_timeout must count from the
# SIGTERM: the loop's clock stood still while cinit slept.
cat >"$TMP/stubborn.ini" <<EOF
[cinit]
control_socket = none
[service:stubborn]
command = sh -c 'trap "" TERM; touch $TMP/stubborn.up; while :; do sleep 0.05; done'
start_secs = 100ms
stop_timeout = 1s
stdout = inherit
stderr = inherit
EOF
run_conf stubborn
wait_until 10 test -e "$TMP/stubborn.up"
wait_until 10 waits_in "$NS_INIT" rt_sigtimedwait
ok $? "services with inherited output, once running: cinit waits in rt_sigtimedwait"
# longer than stop_timeout, for a clock that stood still to show
sleep 1.5
t0=$(now_ms)
kill -TERM "$NS_INIT"
ns_wait 20
t1=$(now_ms)
is "$NS_STATUS" 0 "SIGTERM shuts down"
[ $((t1 - t0)) -ge 900 ]
ok $? "the stop timeout was waited for from the SIGTERM on ($((t1 - t0)) ms)"

# Uptime, measured when the exit's SIGCHLD came, which finds cinit waiting
# for signals: a run longer than backoff_reset starts the backoff over, so
# the second restart is as immediate as the first, not 5 s later.
cat >"$TMP/steady.ini" <<EOF
[cinit]
control_socket = none
[service:steady]
command = sh -c 'echo start >> $TMP/steady.starts; sleep 1.3; exit 1'
restart = on-failure
start_secs = 100ms
backoff_min = 5s
backoff_reset = 1s
stdout = inherit
stderr = inherit
EOF
run_conf steady
wait_until 10 waits_in "$NS_INIT" rt_sigtimedwait
ok $? "a running service with inherited output: cinit waits in rt_sigtimedwait"
three_starts() { [ "$(grep -c start "$TMP/steady.starts" 2>/dev/null)" -ge 3 ]; }
wait_until 20 three_starts
ok $? "the service was restarted twice"
like "$(grep -o 'restarting in [0-9]*ms' "$TMP/steady.err" | tr '\n' ' ')" \
	"^restarting in 0ms restarting in 0ms" \
	"each run outlasted backoff_reset, so each restart was immediate"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "and cinit shuts down"
