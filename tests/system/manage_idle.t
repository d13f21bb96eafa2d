#!/bin/bash
# An idle monitor makes no wakeups (issue 9, benchmark target; checked here
# as behaviour): it sleeps in epoll_wait with no deadline of its own, not
# with libev's 60 s clock-jump check, and does not run while nothing
# happens.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 6

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

monitor_of() { csm inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Monitor"])'; }
# /proc/PID/syscall: the call it sleeps in and its arguments, in hex
# epoll_wait(2), epoll_pwait(2) and epoll_pwait2(2) by number, per
# architecture; the timeout is their fourth argument (milliseconds, -1 for
# none; epoll_pwait2 takes a timespec, which libev does not use)
case "$(uname -m)" in
x86_64) EPOLL_CALLS=" 232 281 " ;;
aarch64) EPOLL_CALLS=" 22 " ;;
*)
	echo "Bail out! epoll's system call numbers for $(uname -m) are not in this test"
	exit 1
	;;
esac
sleeping_in_epoll() {
	_nr=$(cut -d' ' -f1 "/proc/$mon/syscall" 2>/dev/null)
	[ -n "$_nr" ] && case "$EPOLL_CALLS" in *" $_nr "*) ;; *) false ;; esac
}
switches() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$mon/status"; }

run_d --name idle "$R" sleep 600 >/dev/null
is $? 0 "run -d of a sleeping container"
mon=$(monitor_of idle)
like "$mon" '^[0-9]+$' "... its monitor is process $mon"

wait_until 10 sleeping_in_epoll
ok $? "the monitor sleeps in epoll_wait"
timeout_ms=$(printf '%d' "$(cut -d' ' -f5 "/proc/$mon/syscall")")
diag "it sleeps for at most $timeout_ms ms"
ok "$([ "$timeout_ms" -lt 0 ] || [ "$timeout_ms" -gt 86400000 ]; echo $?)" \
	"... with no deadline within a day (libev's default is 59,743 ms)"

# a count over an interval: no wakeup of its own can come in it, so the
# only way to fail is a wakeup that should not be there
before=$(switches)
sleep 2
is "$(switches)" "$before" "no context switch of the monitor in 2 s of idle"

csm rm -f idle >/dev/null
check_no_leftovers
