#!/bin/bash
# Detached containers with a terminal (issue 9, items 6 and 7): `run -dit`
# keeps the container's shell on a terminal its monitor holds and logs;
# `attach` types into it, follows its size, detaches on Ctrl-P Ctrl-Q
# leaving it running, and otherwise ends with the container's exit code.
# A container without a terminal can be attached to for its output.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 12

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
ptyrun() { timeout -s KILL 30 python3 "$(dirname "$0")/../helpers/ptyrun.py" "$@"; }
state_of() { csm inspect "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["State"]; print(s["Status"], s["ExitCode"])'; }
running() { [ "$(state_of "$1")" = "running -1" ]; }

id=$(run_d -it --name sh1 "$R" sh)
is $? 0 "run -dit: a shell on a terminal, detached"
running sh1
ok $? "... which stays up with nobody attached (no end of file, no hangup)"

out=$(ptyrun 50 160 --type 'stty size; echo typed-$((6*7))\n' --type-on typed-42 '\x10\x11' -- \
	"$CSPAWN" attach sh1)
is $? 0 "attach, then Ctrl-P Ctrl-Q: attach exits 0 ..."
like "$out" "typed-42" "... after what was typed ran in the container's shell"
like "$out" "50 160" "... whose terminal took the attacher's size"
running sh1
ok $? "... and the container runs on"
logged() { csm logs sh1 2>&1 | grep -q typed-42; }
wait_until 10 logged
ok $? "the terminal's output is in the logs"

out=$(ptyrun 24 80 --type 'exit 5\n' -- "$CSPAWN" attach sh1)
is $? 5 "attach ends with the container, with its exit code"
wait_until 10 eval '[ "$(state_of sh1)" = "exited 5" ]'
ok $? "... which has exited"
csm rm sh1 >/dev/null

# without a terminal: the output, from the moment of attaching
run_d --name ticker "$R" sh -c 'while [ ! -e /tmp/go ]; do echo tick; sleep 0.05; done; echo last; exit 3' >/dev/null
"$CSPAWN" attach ticker >"$TMP/att" 2>&1 &
att=$!
ticked() { grep -q tick "$TMP/att"; }
wait_until 10 ticked
touch "$R/tmp/go"
wait_bounded $att 20
is $? 3 "attach to a container without a terminal: its output until it ends, and its code"
like "$(tail -1 "$TMP/att")" "^last$" "... the last line included"
csm rm ticker >/dev/null
check_no_leftovers
