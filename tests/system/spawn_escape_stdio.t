#!/bin/bash
# A container whose stdout, stderr or stdin is the caller's file must not
# be able to truncate or rewrite that file through /proc/self/fd/N reopened
# (or ftruncate): cspawn gives it pipes and copies (issue 16, item 8).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 9

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
F=$TMP/caller.log

for mode in --no-init ""; do
	echo before >"$F"
	# shellcheck disable=SC2086
	cs $mode "$R" sh -c 'echo kept; echo evil > /proc/self/fd/1; truncate -s 0 /proc/self/fd/1 2>&1' \
		>>"$F" 2>&1
	is "$(head -2 "$F" | tr '\n' ' ')" "before kept " \
		"${mode:-default}: stdout a file: the container cannot truncate it"
	like "$(cat "$F")" "evil" "... and its output still arrives in it"
done

echo original >"$TMP/in"
out=$(cs --no-init "$R" sh -c 'read l; echo "read $l"; echo evil > /proc/self/fd/0' <"$TMP/in" 2>&1)
is "$out" "read original" "stdin a file: the container reads it"
is "$(cat "$TMP/in")" original "... and cannot write into it"

out=$(cs --no-init "$R" sh -c 'echo to-err >&2' 2>"$TMP/err.log")
is "$(cat "$TMP/err.log")" to-err "stderr a file: the output arrives"
# Streams that are not files pass through unchanged (a pipe here).
is "$(cs --no-init "$R" sh -c 'ls -l /proc/self/fd/1' | grep -c pipe)" 1 "a pipe passes through"
check_no_leftovers
