#!/bin/bash
# At idle, with any number of services, cinit makes no wakeups at all
# (issue 4, benchmark target; checked here as behaviour with strace).
. "$(dirname "$0")/../lib/tap.sh"
plan 3

{
	echo "[cinit]"
	for i in $(seq 1 50); do
		printf '[service:s%d]\ncommand = sleep 600\nstart_secs = 100ms\n' "$i"
	done
} >"$TMP/idle.ini"
run_conf idle -vvv
running() { [ "$(grep -c 'starting -> running' "$TMP/idle.err")" = 50 ]; }
wait_until 20 running
ok $? "50 services are running"
# every call cinit waits in (glibc's epoll_wait is musl's epoll_pwait; with
# nothing but signals to wait for, cinit waits in rt_sigtimedwait)
timeout -s INT 3 strace -q -p "$NS_INIT" -o "$TMP/trace" \
	-e trace=epoll_wait,epoll_pwait,rt_sigtimedwait,read,wait4 2>/dev/null
# the one wait that was already waiting is reported as interrupted
finished=$(grep -c ' = [0-9]' "$TMP/trace" 2>/dev/null || true)
diag "trace: $(tr '\n' ' ' <"$TMP/trace" | cut -c1-300)"
is "$finished" 0 "no system call returned in 3 s of idle (no wakeups)"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "clean shutdown of 50 services"
