#!/bin/bash
# -t and -i on the foreground run (issue 9, item 7): the container gets a
# pseudo-terminal of its own devpts instance as its controlling terminal;
# cspawn relays it with its own terminal in raw mode, passes window size
# changes on, and restores its terminal's modes when it ends. The test's
# terminal is one it makes itself (tests/helpers/ptyrun.py).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 11

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
ptyrun() { timeout -s KILL 30 python3 "$(dirname "$0")/../helpers/ptyrun.py" "$@"; }

out=$(ptyrun 30 90 -- "$CSPAWN" run --net none "${INIT[@]}" -it "$R" sh -c \
	'tty; stty size; ls /dev/pts | tr "\n" " "; echo; t1=$(cut -d" " -f7 /proc/1/stat); [ "$t1" != 0 ] && [ "$t1" = "$(cut -d" " -f7 /proc/$$/stat)" ] && echo shared')
is $? 0 "run -it: the command ends, cspawn with it"
like "$out" "^/dev/pts/0" "a terminal ..."
like "$out" "30 90" "... with the size of cspawn's own"
like "$out" "0 ptmx" "... from the container's own devpts (only its terminal in it)"
like "$out" shared "cinit (PID 1) and the shell share it"

ptyrun 30 90 -- "$CSPAWN" run --net none "${INIT[@]}" --no-init -t "$R" sh -c 'exit 3' >/dev/null
is $? 3 "--no-init -t: the command's exit code"

out=$(ptyrun 30 90 --type 'echo typed-$((6*7)); exit 4\n' -- "$CSPAWN" run --net none "${INIT[@]}" -it "$R" sh)
is $? 4 "-i: what is typed reaches the shell, which exits with it"
like "$out" "typed-42" "... and its output comes back"

out=$(ptyrun 30 90 --resize-on ready 40x120 -- "$CSPAWN" run --net none "${INIT[@]}" -it "$R" sh -c \
	'trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 0.05; done')
like "$out" "40 120" "a new size of cspawn's terminal reaches the container's (SIGWINCH)"

ptyrun 24 80 --stty-before "$TMP/before" --stty-after "$TMP/after" -- \
	"$CSPAWN" run --net none "${INIT[@]}" -it "$R" sh -c 'exit 0' >/dev/null
is "$(cat "$TMP/after")" "$(cat "$TMP/before")" "cspawn's terminal is as it was after -it"
check_no_leftovers
