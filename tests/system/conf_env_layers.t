#!/bin/bash
# supervisor's issue-1170 cases (issue 17, item 1): %(ENV_X)s in a
# [program:x] sees environment= of [supervisord] and of the program, in
# supervisord's order, also when X is set in cinit's own environment.
. "$(dirname "$0")/../lib/tap.sh"

SV=$(cd "$(dirname "$0")/../configs/supervisord/env" && pwd)
plan 5

# run_echo FILE N: runs cinit on FILE until the program has echoed; then a
# TERM ends cinit (supervisord, too, stays up after its last program)
run_echo() {
	: >"$TMP/$2.out"
	start_in_pidns "$TMP/$2.out" "$TMP/$2.err" "$CINIT" -c "$SV/$1"
	wait_until 10 file_has "$TMP/$2.out" .
	kill -TERM "$NS_INIT" 2>/dev/null
	ns_wait 10
}

unset FOO
run_echo global.conf 1
is "$NS_STATUS" 0 "a file whose variable only [supervisord] sets is accepted and runs" ||
	diag "$(cat "$TMP/1.err")"
is "$(cat "$TMP/1.out")" "the value of [supervisord]" "the program prints [supervisord]'s value"

export FOO="cinit's own value"
run_echo global.conf 2
is "$(cat "$TMP/2.out")" "the value of [supervisord]" \
	"[supervisord]'s value wins over the one in cinit's environment"
run_echo program.conf 3
is "$(cat "$TMP/3.out")" "the value of [program:echo]" "the program's own environment= wins"
"$CINIT" --check -c "$SV/program.conf" 2>/dev/null | grep -F "command = " | grep -qF "the value of [program:echo]"
ok $? "--check prints the command as it will run"
