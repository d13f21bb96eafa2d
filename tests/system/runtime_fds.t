#!/bin/bash
# cspawn-runtime passes descriptors beyond stdio as runc does: --preserve-fds
# N on create, run and exec gives the process the caller's 3 .. 3+N-1, and
# systemd's socket activation (LISTEN_FDS, when LISTEN_PID is the runtime's
# own pid) gives create's process its sockets first, with LISTEN_FDS and
# LISTEN_PID=1 in its environment. Real descriptors: a file and a pipe
# (a fifo) the test opens, written from inside, read on the host.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit

plan 16

on_exit rt_clean_up
B=$TMP/bundle
make_bundle "$B" sh -c 'echo "to-file $$" >&3; echo to-pipe >&4; exec sleep 1000'
mkfifo "$TMP/fifo"
# read and write: opening never blocks, and the test holds the pipe open
exec 7<>"$TMP/fifo"
# One line from the pipe, with a deadline.
pipe_line() { read -r -t 10 _line <&7 && echo "$_line"; }

A=$(rt_id a)
rt create --preserve-fds 2 --bundle "$B" "$A" 3>>"$TMP/file" 4>&7 >/dev/null 2>&1 </dev/null
is $? 0 "create --preserve-fds 2: exits 0"
rt start "$A"
is "$(pipe_line)" "to-pipe" "... the process wrote into the caller's fd 4, a pipe"
is "$(cat "$TMP/file")" "to-file 1" "... and into its fd 3, a file (appended, from PID 1)"
pid1=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
# the runtime has exited: these are the container's own, numbered as given
fds=$(ls /proc/"$pid1"/fd | sort -n | tr '\n' ' ')
is "$fds" "0 1 2 3 4 " "... which holds exactly 0-4, nothing of the runtime's"

rt exec --preserve-fds 1 "$A" sh -c 'echo exec-wrote >&3; ls /proc/self/fd | wc -l' \
	3>&7 >"$TMP/exec.out" 2>&1 </dev/null
is "$?:$(pipe_line)" "0:exec-wrote" "exec --preserve-fds 1: the exec'd process wrote into fd 3"
# 0-3, and the one ls opens to read the directory
is "$(tr -d ' ' <"$TMP/exec.out")" 5 "... and got no descriptor beyond it"
out=$(rt exec "$A" sh -c 'echo leaked >&3' 3>&7 2>&1 </dev/null)
like "$?:$out" "^[12]:.*(Bad file descriptor|bad file)" \
	"exec without --preserve-fds: the caller's fd 3 does not reach the process"
out=$(rt exec --preserve-fds 2 "$A" true 3>&7 2>&1 </dev/null 4>&-)
like "$?:$out" "^1:.*--preserve-fds 2: descriptor 4: Bad file descriptor" \
	"exec --preserve-fds past what is open: refused, and says which"
out=$(rt exec --preserve-fds x "$A" true 2>&1 </dev/null)
like "$?:$out" "^1:.*--preserve-fds x: a number" "--preserve-fds takes a count"
rt delete --force "$A"

# run in the foreground, socket activation first: LISTEN_PID names the
# runtime (sh execs env execs it, one pid), so its fd 3 is the socket's
# and --preserve-fds 1 is its fd 4.
# the bundle's config only: its rootfs may still be in use while the last
# exec'd processes die
set_args() {
	bundle_edit "$B" "c['process']['args'] = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")"
}
set_args sh -c 'echo "listen $LISTEN_FDS $LISTEN_PID $$" >&3; echo preserved >&4'
R=$(rt_id r)
: >"$TMP/file"
timeout -s KILL 30 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"' sh "${RT[@]}" \
	run --preserve-fds 1 --bundle "$B" "$R" 3>>"$TMP/file" 4>&7 </dev/null
is $? 0 "run with LISTEN_FDS=1 and --preserve-fds 1: the container's status"
is "$(cat "$TMP/file")" "listen 1 1 1" \
	"... fd 3 is the activation's, with LISTEN_FDS=1 and LISTEN_PID=1, its own pid"
is "$(pipe_line)" "preserved" "... and fd 4 the preserved one"

# LISTEN_PID of another process (an ancestor that was activated): nothing
# is passed, and the process is told of nothing.
set_args sh -c 'echo "${LISTEN_FDS:-none}"; echo leaked >&3'
out=$(LISTEN_PID=1 LISTEN_FDS=1 rt run --bundle "$B" "$R" 3>&7 2>&1 </dev/null)
like "$?:$out" "^[12]:none" "LISTEN_PID not the runtime's: no descriptor, no LISTEN_FDS"

# create keeps the config without them: exec'd processes are not activated
set_args sleep 1000
timeout -s KILL 30 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"' sh "${RT[@]}" \
	create --bundle "$B" "$R" 3>>"$TMP/file" >/dev/null 2>&1 </dev/null
rt start "$R"
is "$(rt exec "$R" sh -c 'echo ${LISTEN_FDS:-none}' </dev/null)" none \
	"an exec'd process gets no LISTEN_FDS of create's"
# into a file: a container that was made after all would hold a pipe open
timeout -s KILL 30 sh -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$@"' sh "${RT[@]}" \
	create --bundle "$B" "$(rt_id c)" 3>>"$TMP/file" >"$TMP/err" 2>&1 </dev/null 4>&-
like "$?:$(cat "$TMP/err")" "^1:.*LISTEN_FDS=2: descriptor 4: Bad file descriptor" \
	"LISTEN_FDS past what is open: create refused"
rt delete --force "$R"
exec 7>&-

rt_check_no_leftovers
