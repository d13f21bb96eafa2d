#!/bin/bash
# PID 1 must not crash when the system says no: with descriptors used up,
# a service that cannot start is retried with backoff, then fatal, and
# cinit goes on and shuts down cleanly.
. "$(dirname "$0")/../lib/tap.sh"
plan 10

cat >"$TMP/fd.ini" <<EOF
[service:a]
command = sleep 600
restart = always
start_retries = 2
backoff_min = 10ms
EOF
# Only 0, 1 and 2 open, then n descriptors in all. cinit holds 2 of its own
# (signalfd, epoll), 3 in the glibc build (its libev adds a timerfd): with 7
# or 8 it cannot open its own non-blocking stderr or cannot make the
# service's output pipe, depending on the build.
for n in 7 8; do
	rm -f "$TMP/out" "$TMP/err"
	start_in_pidns "$TMP/out" "$TMP/err" "$HELPERS/closefds" sh -c \
		"ulimit -n $n; exec '$CINIT' -c '$TMP/fd.ini'"
	wait_until 10 file_has "$TMP/err" "a: cannot start, giving up"
	ok $? "with $n descriptors a service that cannot start is retried, then given up"
	like "$(cat "$TMP/err")" "a: cannot start, retrying in 0ms" "$n: the first retry is immediate"
	# EMFILE in glibc's words and in musl's
	like "$(cat "$TMP/err")" "Too many open files|No file descriptors available" \
		"$n: the reason is named"
	kill -0 "$NS_INIT"
	ok $? "$n: cinit keeps running"
	kill -TERM "$NS_INIT"
	ns_wait 10
	is "$NS_STATUS" 0 "$n: and shuts down cleanly"
done
