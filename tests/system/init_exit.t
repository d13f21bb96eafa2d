#!/bin/bash
# cinit -- CMD: exit codes, exec failures, usage errors (issue 2, items 1, 7, 8).
. "$(dirname "$0")/../lib/tap.sh"
plan 26

run_ns() { # run_ns ARGS...: cinit as PID 1, output in $TMP/out and $TMP/err
	in_pidns "$CINIT" "$@" >"$TMP/out" 2>"$TMP/err"
}

run_ns -- sh -c 'exit 3'
is $? 3 "exit code of the command is passed through"
run_ns -- true
is $? 0 "exit 0 passes through (PATH search)"
run_ns true
is $? 0 "the command may follow the options without --"
run_ns -- sh -c 'kill -KILL $$'
is $? 137 "killed by SIGKILL gives 128+9"
run_ns -- sh -c 'kill -TERM $$'
is $? 143 "killed by SIGTERM gives 128+15"
run_ns -e 143 -- sh -c 'kill -TERM $$'
is $? 0 "-e 143 maps the JVM-style 143 to 0"
run_ns -e 3 -e 4 -- sh -c 'exit 4'
is $? 0 "-e is repeatable"
run_ns -e 3 -- sh -c 'exit 5'
is $? 5 "-e leaves other codes alone"
CINIT_EXPECT=5,6 in_pidns "$CINIT" -- sh -c 'exit 6' >/dev/null 2>&1
is $? 0 "CINIT_EXPECT maps codes too"

run_ns -- no-such-command-xyz arg
is $? 127 "a command that is not found exits 127"
like "$(cat "$TMP/err")" "cannot run 'no-such-command-xyz': command not found" \
	"the message names the command and the reason"
is "$(wc -l <"$TMP/err")" 1 "the failure is one line"

printf 'not a program\n' >"$TMP/noexec"
chmod 0644 "$TMP/noexec"
run_ns -- "$TMP/noexec"
is $? 126 "a command that cannot be executed exits 126"
like "$(cat "$TMP/err")" "cannot run '$TMP/noexec': Permission denied" "the 126 message names it"
run_ns -- "$TMP"
is $? 126 "a directory cannot be executed: 126"

"$CINIT" --no-such-option -- true >"$TMP/out" 2>"$TMP/err"
is $? 2 "an unknown option exits 2"
like "$(cat "$TMP/err")" "^usage: cinit" "and prints usage to stderr"
"$CINIT" --version >"$TMP/out" 2>&1
is "$?:$(cat "$TMP/out")" "0:cinit 0.1.0" "--version"
"$CINIT" -h >"$TMP/out" 2>&1
like "$(cat "$TMP/out")" "^usage: cinit" "-h prints usage"
CINIT_GRACE=soon "$CINIT" -- true >"$TMP/out" 2>"$TMP/err"
is $? 2 "a bad CINIT_GRACE is a usage error"
like "$(cat "$TMP/err")" "grace: expected a duration" "and says what was expected"

# no command and no /etc/cinit.ini (an empty tmpfs over /etc, in a private
# mount namespace, so the host's /etc is not touched)
unshare --mount sh -c "mount -t tmpfs none /etc && exec '$CINIT'" >"$TMP/out" 2>"$TMP/err"
is $? 2 "no command and no config file is a usage error"
like "$(cat "$TMP/err")" "no command given and no /etc/cinit.ini" "which says so"
like "$(cat "$TMP/err")" "^usage: cinit" "and prints usage to stderr"
printf '[service:x]\ncommand = true\n' >"$TMP/x.ini"
"$CINIT" -c "$TMP/x.ini" -- true >"$TMP/out" 2>"$TMP/err"
is $? 2 "-c FILE and a command together are a usage error"
like "$(cat "$TMP/err")" "give either -c FILE or a command, not both" "which says so"
