#!/bin/bash
# --restart: docker's policies and backoff (100 ms doubling), a fresh
# writable layer per start, and SIGTERM or SIGINT ending the loop.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 19

R=$TMP/root
S=$TMP/share
L=$TMP/layer
make_rootfs "$R"
mkdir -p "$S" "$L"
on_exit "clean_up_after '$R'"

runs() { [ -f "$S/runs" ] && wc -l <"$S/runs" || echo 0; }
runs_at_least() { [ "$(runs)" -ge "$1" ]; }

name=$(cname onfail)
err=$(cs --no-init --name "$name" --restart on-failure:2 -v "$S:/share" "$R" \
	sh -c 'echo run >> /share/runs; exit 4' 2>&1)
is $? 4 "on-failure:2: the last exit code"
is "$(runs)" 3 "... after one start and two restarts"
is "$err" "cspawn: $name: exited with 4, restarting in 100ms (restart 1)
cspawn: $name: exited with 4, restarting in 200ms (restart 2)" "... one line per restart, backoff doubling"
rm -f "$S/runs"

cs --no-init --restart on-failure "$R" true 2>/dev/null
is $? 0 "on-failure: a success is not restarted"
err=$(cs --no-init --restart no "$R" sh -c 'exit 1' 2>&1)
is "$?:$err" "1:" "no: never restarted"

# always: runs again after a success; SIGTERM to cspawn ends the loop.
name=$(cname always)
"${CS[@]}" --no-init --name "$name" --restart always --layer "$L" -v "$S:/share" "$R" sh -c '
	if [ -e /mark ]; then echo stale; else echo fresh; fi >> /share/runs
	echo x > /mark' 2>"$TMP/err" &
mon=$!
wait_until 10 runs_at_least 4
ok $? "always: restarted after each exit"
is "$(sort -u "$S/runs")" fresh "each start gets a fresh writable layer"
kill -TERM $mon
wait_bounded $mon
is $? 0 "SIGTERM ends the loop with the last exit code"
like "$(cat "$TMP/err")" "restarting in 100ms \(restart 1\)" "first restart after 100ms"
like "$(cat "$TMP/err")" "restarting in 400ms \(restart 3\)" "third after 400ms"
ok "$(test ! -e "$SPAWN_STATE/$name"; echo $?)" "its writable layer is gone"
rm -f "$S/runs"

# SIGTERM during a backoff delay: no more starts. The line for restart 5
# is printed as its 1600 ms delay begins, so the signal lands in it even on
# a loaded machine; a start after the signal would make one run more than
# the restarts announced.
name=$(cname backoff)
"${CS[@]}" --no-init --name "$name" --restart unless-stopped -v "$S:/share" "$R" \
	sh -c 'echo run >> /share/runs; exit 1' 2>"$TMP/err" &
mon=$!
wait_until 10 grep -q "restart 5)" "$TMP/err"
ok $? "unless-stopped restarts like always"
kill -TERM $mon
wait_bounded $mon
is $? 1 "SIGTERM in the 1600ms backoff: cspawn exits with the last code"
is "$(runs)" 5 "... and starts nothing more (5 runs: the first and 4 restarts)"
rm -f "$S/runs"

# Each start gets a fresh cgroup: the first run hits --pids-limit, the
# second finds no refused fork counted in its own cgroup.
name=$(cname cgroup)
mkfifo "$S/go"
"${CS[@]}" --no-init --name "$name" --restart on-failure:1 --pids-limit 10 -v "$S:/share" "$R" \
	sh -c 'if [ -e /share/first ]; then echo > /share/up; read x < /share/go; exit 0; fi
	touch /share/first; sh -c "for i in \$(seq 30); do sleep 60 & done" 2>/dev/null; exit 1' \
	2>/dev/null &
mon=$!
wait_until 10 test -e "$S/up"
ok $? "on-failure:1: the second start runs"
like "$(cat "$(cg_dir pids "$name")/pids.events")" "^max 0$" \
	"... in a fresh cgroup (none of the first run's refused forks)"
timeout 5 sh -c 'echo go >"$1"' sh "$S/go"
wait_bounded $mon
is $? 0 "... and ends"
rm -f "$S/up" "$S/first" "$S/go"

# SIGINT ends a running container's loop too (the container has no INT handler, so
# cspawn's forwarded INT is ignored by PID 1; SIGKILL ends it and no restart follows).
name=$(cname int)
"${CS[@]}" --no-init --name "$name" --restart always -v "$S:/share" "$R" \
	sh -c 'echo run >> /share/runs; trap "exit 9" INT; while :; do sleep 0.05; done' 2>/dev/null &
mon=$!
wait_until 5 runs_at_least 1
kill -INT $mon
wait_bounded $mon
is $? 9 "SIGINT is forwarded, and the container's exit is not restarted"

check_no_leftovers
