#!/bin/bash
# cspawn-runtime exec (issue 15), onto spawn/exec.h: a process in a running
# container from ARGS or --process FILE (conmon's way), with --env, --cwd,
# --user, the container's seccomp filter, --detach with --pid-file, --tty
# through the console socket or relayed by the runtime itself, and the exit
# status; refused when the container does not run.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit

plan 26

on_exit rt_clean_up
B=$TMP/bundle
make_bundle "$B" sleep 1000
# mkdir fails with EPERM (1) under the container's seccomp filter
bundle_edit "$B" "c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW',
 'syscalls': [{'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'}]}"
A=$(rt_id a)

rt create --bundle "$B" "$A" >/dev/null 2>&1 </dev/null
out=$(rt exec "$A" true 2>&1)
is $? 1 "exec into a created container: refused"
like "$out" "it is created, not running" "... and says why"
rt start "$A"

out=$(rt exec "$A" sh -c 'echo in $(hostname); exit 3')
is "$?:$out" "3:in cspawn" "exec ARGS: runs in the container, with its exit status"
pid1=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
is "$(rt exec "$A" readlink /proc/self/ns/pid)" "$(readlink /proc/$pid1/ns/pid)" \
	"... in the container's pid namespace"
is "$(rt exec -e FOO=bar --cwd /tmp "$A" sh -c 'echo $FOO $(pwd)')" "bar /tmp" "--env and --cwd"
is "$(rt exec --user 1000:1000 "$A" id -u)" 1000 "--user"
out=$(rt exec "$A" mkdir /tmp/x 2>&1)
like "$?:$out" "^1:.*Operation not permitted" "the container's seccomp filter applies"
is "$(rt exec "$A" sh -c 'grep NoNewPrivs /proc/self/status')" "NoNewPrivs:	1" \
	"... with the config's no_new_privs"
out=$(rt exec "$A" no-such-command 2>&1)
is $? 127 "a command that is not there: 127"

cat >"$TMP/process.json" <<EOF2
{"args": ["sh", "-c", "echo from-process \$GREETING \$(id -u)"], "cwd": "/",
 "env": ["PATH=/bin", "GREETING=hello"], "user": {"uid": 1000, "gid": 1000}}
EOF2
is "$(rt exec --process "$TMP/process.json" "$A")" "from-process hello 1000" \
	"--process FILE: the process document"

rt exec --detach --pid-file "$TMP/epid" "$A" sleep 1000 >/dev/null 2>&1 </dev/null
is $? 0 "--detach: exits at once"
epid=$(cat "$TMP/epid")
is "$(readlink /proc/$epid/ns/mnt)" "$(readlink /proc/$pid1/ns/mnt)" \
	"--pid-file: the process, alive in the container"

"$HELPERS/consock" "$TMP/sock" "$TMP/tty" >"$TMP/consock.out" 2>&1 &
CONSOCK=$!
on_exit "kill_pid $CONSOCK"
sock_ready() { [ -S "$TMP/sock" ]; }
wait_until 10 sock_ready
rt exec --tty --detach --console-socket "$TMP/sock" "$A" sh -c 'tty; [ -t 0 ] && echo is-a-tty' \
	>/dev/null 2>&1 </dev/null
is $? 0 "exec --tty --console-socket: exits 0"
wait_bounded $CONSOCK 10
is $? 0 "... the engine got the terminal, which closes with the process"
like "$(tr -d '\r' <"$TMP/tty" | tr '\n' ' ')" "^/dev/pts/[0-9]+ is-a-tty" "... and it is the process's stdio"

# --tty without a console socket: the runtime relays the terminal on its
# own stdio, here a terminal the test made (ptyrun.py)
ptyrun() { timeout -s KILL 30 python3 "$(dirname "$0")/../helpers/ptyrun.py" "$@"; }
out=$(ptyrun 33 99 -- "${RT[@]}" exec --tty "$A" sh -c 'tty; stty size; [ -t 0 ] && echo is-a-tty; exit 4')
is $? 4 "exec --tty, no console socket: the process's status"
like "$out" "^/dev/pts/[0-9]+" "... on a terminal the runtime relays"
like "$out" "33 99" "... with the size of the runtime's own"
like "$out" "is-a-tty" "... as its stdin"
# typed once the shell prompts: the runtime's terminal is raw by then, so
# what is echoed is the inner terminal's echo, and the shell's answer
out=$(ptyrun 24 80 --stty-before "$TMP/before" --stty-after "$TMP/after" \
	--type-on '# ' 'echo typed-$((6*7)); exit 3\n' -- "${RT[@]}" exec -t "$A" sh)
is $? 3 "... keys typed reach the process's shell, whose status comes back"
like "$out" "typed-42" "... and its output comes back"
is "$(cat "$TMP/after")" "$(cat "$TMP/before")" "... the runtime's terminal modes are restored"
like "$(cat "$TMP/before")" . "... (which were read)"
# a new size of the runtime's terminal reaches the process's (SIGWINCH)
out=$(ptyrun 24 80 --resize-on ready 40x120 -- "${RT[@]}" exec -t "$A" \
	sh -c 'trap "stty size; exit 7" WINCH; echo ready; while :; do sleep 0.05; done')
is "$?:$(echo "$out" | tail -1)" "7:40 120" "... and a resize, through SIGWINCH"
out=$(rt exec --tty --detach "$A" true 2>&1)
like "$?:$out" "^1:.*--detach: needs --console-socket" "--tty --detach without a console socket: refused"

rt delete --force "$A"
rt_check_no_leftovers
