#!/bin/bash
# cinit as PID 1 on supervisord files of the shapes images ship (issue 3):
# a conf.d layout with a web app, numprocs workers, cron and a migration, and
# nginx with php-fpm, run as they are, every process really started; and a
# broken layout, from which nothing starts and cinit exits 2 naming each
# file:line.
. "$(dirname "$0")/../lib/tap.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SV="$ROOT/tests/configs/supervisord/running"
plan 23

# the files write what their programs do into $RUN, through %(ENV_RUN)s
export RUN="$TMP/run"
mkdir -p "$RUN"

lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

# Lists the commands of PID 1's children, one a line, sorted.
children_of_init() {
	for c in $(cat "/proc/$NS_INIT/task/"*/children); do
		tr '\0' ' ' <"/proc/$c/cmdline"
		echo
	done | sort
}

start_in_pidns "$TMP/confd.out" "$TMP/confd.err" "$CINIT" -c "$SV/supervisord.conf"
wait_until 10 lines "$RUN/started" 6
ok $? "every program of files = conf.d/*.conf tasks.ini started, the workers three times"
is "$(sort "$RUN/started")" "cron
migrate
web production 8000 $SV/conf.d
worker 01 production
worker 02 production
worker 03 production" \
	"%(process_num)02d, %(here)s as the directory, [supervisord]'s and the program's environment, autostart=false"
three_logs() { lines "$RUN/worker-1.log" 1 && lines "$RUN/worker-2.log" 1 && lines "$RUN/worker-3.log" 1; }
wait_until 10 three_logs
is "$(cat "$RUN/worker-1.log" "$RUN/worker-2.log" "$RUN/worker-3.log" 2>/dev/null)" \
	"worker 01 production
worker 02 production
worker 03 production" "each worker writes its own stdout_logfile"
wait_until 10 file_has "$TMP/confd.out" '^web is up$'
ok $? "stdout_logfile=/dev/stdout is cinit's stdout, lines unprefixed"
sleeping() { [ "$(children_of_init | grep -c '^sleep 600 $')" = "$1" ]; }
wait_until 10 sleeping 5
ok $? "five programs run (the migration has finished, the reindex never started)"
like "$(cat "$TMP/confd.err")" "supervisord.conf:9: \[supervisord\] ignored: cinit is PID 1 itself" \
	"the notice for [supervisord] names its line"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "a TERM stops them all and cinit exits 0"

start_in_pidns "$TMP/php.out" "$TMP/php.err" "$CINIT" -vvv -c "$SV/nginx-php-fpm.conf"
wait_until 10 lines "$RUN/started" 8
ok $? "nginx and php-fpm started"
is "$(grep -Eo '(php-fpm|nginx): stopped -> starting' "$TMP/php.err" | cut -d: -f1 | tr '\n' ' ')" \
	"php-fpm nginx " "php-fpm is started first, by priority"
kill -TERM "$NS_INIT"
ns_wait 30
is "$NS_STATUS" 0 "cinit stops both and exits 0"
is "$(sort "$RUN/stopped" 2>/dev/null)" "nginx QUIT
php-fpm QUIT" "each was stopped with its stopsignal"

# A 4 KiB command, past the 200-byte lines of Debian's inih, runs whole: sh
# counts the bytes of its $0, the long word.
word=$(head -c 4096 /dev/zero | tr '\0' 'x')
printf '[program:long]\ncommand=sh -c '"'"'printf %%%%s "$0" | wc -c > %%(ENV_RUN)s/long'"'"' %s\n' "$word" >"$TMP/long.conf"
printf 'autorestart=false\nstartsecs=0\n' >>"$TMP/long.conf"
[ "$(wc -c <"$TMP/long.conf")" -gt 4096 ]
ok $? "the command line is longer than 4 KiB"
start_in_pidns "$TMP/long.out" "$TMP/long.err" "$CINIT" -c "$TMP/long.conf"
wait_until 10 lines "$RUN/long" 1
is "$(cat "$RUN/long" 2>/dev/null)" 4096 "a 4 KiB command runs with its last word whole"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "cinit exits 0"

# The broken layout: run where the file is, so that messages name the
# files as the expected output does.
cd "$ROOT/tests/configs/bad/supervisord" || exit 1
# bounded, so that a file that wrongly loads fails instead of running on
timeout 20 unshare --pid --fork --mount-proc --kill-child "$CINIT" -c supervisord.conf >"$TMP/bad.out" 2>"$TMP/bad.err"
is $? 2 "a broken supervisord layout exits 2"
! test -e "$RUN/never"
ok $? "and its good program never starts"
is "$(cat "$TMP/bad.out")" "" "nothing on stdout"
is "$(grep -c '^supervisord.conf:[0-9]*: ' "$TMP/bad.err")" 2 "the main file's messages name its lines"
is "$(grep -c '^conf.d/app.conf:[0-9]*: ' "$TMP/bad.err")" 10 \
	"the included file's messages name it by the path it was reached by"
is "$(cat "$TMP/bad.err")" "$(cat errors.expected)" \
	"every error of both files in one run, each naming file, line, section and key"
like "$(cat "$TMP/bad.err")" '^conf.d/app.conf:19: \[include\] files: expected no include cycle, got supervisord.conf -> conf.d/app.conf -> conf.d/../supervisord.conf$' \
	"an include cycle back to the main file is an error that names it"
cd "$ROOT" || exit 1

# --check on the same broken layout says the same
(cd tests/configs/bad/supervisord && "$CINIT" --check -c supervisord.conf >/dev/null 2>"$TMP/check.err")
is $? 2 "--check exits 2 too"
is "$(cat "$TMP/check.err")" "$(cat tests/configs/bad/supervisord/errors.expected)" \
	"with the same messages"
