#!/bin/bash
# process.terminal with --console-socket (issue 15): the pty is made in the
# container's own devpts, its master goes to the engine over the socket
# (SCM_RIGHTS, as conmon and containerd take it), and the other end is the
# container's stdio and controlling terminal.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit

plan 10

on_exit rt_clean_up
B=$TMP/bundle
make_bundle "$B" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys; ls -ln $(tty) | cut -c1-40; echo sid=$(cut -d" " -f6 /proc/self/stat) tpgid=$(cut -d" " -f8 /proc/self/stat)'
bundle_edit "$B" "c['process']['terminal'] = True; c['process']['user'] = {'uid': 1000, 'gid': 1000}"
A=$(rt_id a)

out=$(rt create --bundle "$B" "$A" 2>&1 </dev/null)
is $? 1 "process.terminal without --console-socket: refused"
like "$out" "needs --console-socket" "... and says what is missing"

"$HELPERS/consock" "$TMP/sock" "$TMP/tty" >"$TMP/consock.out" 2>&1 &
CONSOCK=$!
on_exit "kill_pid $CONSOCK"
sock_ready() { [ -S "$TMP/sock" ]; }
wait_until 10 sock_ready
rt create --bundle "$B" --console-socket "$TMP/sock" "$A" >"$TMP/out" 2>&1 </dev/null
is $? 0 "create --console-socket exits 0"
got_pty() { grep -q '^pty ' "$TMP/consock.out"; }
wait_until 10 got_pty
ok $? "the engine got the pty's master over the socket"
rt start "$A"
wait_bounded $CONSOCK 10
is $? 0 "the terminal closes when the container ends"
tty=$(tr -d '\r' <"$TMP/tty")
like "$tty" "^/dev/pts/0" "the container's tty is the first of its own devpts"
like "$tty" "all-ttys" "... and its stdin, stdout and stderr"
like "$tty" "crw--w---- +1 1000 +5 " "... owned by the process's user, group tty"
sid=$(echo "$tty" | sed -n 's/.*sid=\([0-9]*\) tpgid=\([0-9]*\).*/\1 \2/p')
set -- $sid
[ -n "$1" ] && [ "$1" = "$2" ]
ok $? "... and its controlling terminal, with the process in the foreground ($sid)"
rt delete "$A"
rt_check_no_leftovers
