#!/bin/bash
# cinit --check -c FILE on good and bad configs, native and supervisord
# (issue 3): exit 0 and the effective config on stdout, or exit 2 and every
# error on stderr as FILE:LINE: [SECTION] KEY: message.
. "$(dirname "$0")/../lib/tap.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONFIGS="$ROOT/tests/configs"
if [ ! -x "$CINIT" ]; then
	echo "Bail out! $CINIT is not built"
	trap - EXIT
	exit 1
fi
# every good config the tests and examples have, for the round trip below
GOOD=$(cd "$ROOT" && ls tests/configs/native/*.ini tests/configs/native/include/cinit.ini \
	tests/configs/supervisord/*.conf tests/configs/supervisord/confd/supervisord.conf \
	tests/configs/supervisord/running/*.conf examples/*.ini examples/supervisord/supervisord.conf)
plan $((44 + $(echo "$GOOD" | wc -l)))

check() { # check FILE: runs --check in the current directory; sets rc, out, err
	"$CINIT" --check -c "$1" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

cd "$ROOT" || exit 1

check tests/configs/native/basic.ini
is "$rc" 0 "a valid native file exits 0"
is "$err" "" "and says nothing on stderr"
like "$out" '^\[cinit\]' "the effective config starts with [cinit]"
like "$out" 'command = nginx -g '"'"'daemon off;'"'" "commands are printed quoted"
like "$out" 'stop_signal = QUIT' "values as given"
like "$out" 'stop_timeout = 10s' "defaults too"

check tests/configs/native/full.ini
is "$rc" 0 "every native key"

check tests/configs/bad/errors.ini
is "$rc" 2 "an invalid file exits 2"
is "$out" "" "and prints no config"
is "$err" "$(cat tests/configs/bad/errors.expected)" "every error, in the documented form"
like "$err" '^tests/configs/bad/errors.ini:10: \[service:web\] restart: expected no, on-failure or always, got '"'sometimes'"'$' \
	"the example error of the brief"

check /nonexistent/cinit.ini
is "$rc" 2 "a missing file exits 2"
is "$err" "/nonexistent/cinit.ini: cannot open: No such file or directory" "FILE: cannot open: why"

check tests/configs/bad/include-cycle/a.ini
is "$rc" 2 "an include cycle exits 2"
like "$err" 'b.ini:3: \[include\] files: expected no include cycle, got .*a.ini -> .*b.ini -> .*a.ini' \
	"and names the cycle"

check tests/configs/supervisord/nginx-php-fpm.conf
is "$rc" 0 "supervisord's nginx + php-fpm file loads as is"
like "$err" 'nginx-php-fpm.conf:3: \[supervisord\] ignored: cinit is PID 1 itself' "[supervisord] has a notice"
is "$(grep -c 'ignored' "$TMP/err")" 3 "one notice per section that does not apply"
like "$(cat "$TMP/err")" "nginx-php-fpm.conf:10: \[unix_http_server\] served as cinit's control socket" \
	"[unix_http_server] is the control socket"
like "$out" '\[service:php-fpm\]' "programs become services"
like "$out" 'stdout = inherit' "/dev/stdout is cinit's stdout"

# the converted file, saved as cinit.ini, loads to the same config
grep -v '^#' "$TMP/out" >"$TMP/converted.ini"
check "$TMP/converted.ini"
is "$rc" 0 "the converted file loads"
is "$err" "" "quietly"
is "$(grep -v '^#' "$TMP/out")" "$(cat "$TMP/converted.ini")" "and prints the same again"

cd tests/configs/supervisord/confd || exit 1
check supervisord.conf
is "$rc" 0 "a conf.d layout loads"
like "$err" '^conf.d/app.conf:11: \[program:app\] stdout_events_enabled: warning: ' \
	"included files are named by their path"
like "$err" 'conf.d/app.conf:14: \[group:web\] warning: not supported: .*\(redis,app\)' \
	"[group:x] is not supported, by name"
like "$err" 'conf.d/app.conf:17: \[eventlistener:crashmail\] warning: not supported' \
	"[eventlistener:x] is not supported, by name"
like "$out" '\[service:redis\]' "included programs are services"
cd "$ROOT" || exit 1

check tests/configs/supervisord/webapp.conf
is "$rc" 0 "a web app with a worker and cron loads"
like "$out" 'command = cron -f$' "supervisord's '#' comment is not part of the command"

check tests/configs/supervisord/numprocs.conf
is "$rc" 0 "numprocs"
is "$(grep -c '^\[service:queue_0[1-4]\]' "$TMP/out")" 4 "makes four services"

# a 4 KiB command: longer than the 200 bytes of Debian's inih
word=$(head -c 4096 /dev/zero | tr '\0' 'x')
printf '[service:long]\ncommand = /bin/echo %s\n' "$word" >"$TMP/long.ini"
check "$TMP/long.ini"
is "$rc" 0 "a 4 KiB command loads"
like "$out" "command = /bin/echo $word\$" "and is printed whole"

printf '[service:a]\ncommand = a\nrestart = sometimes\n[service:b]\ncommand = "b\nmain = maybe\n' >"$TMP/two.ini"
check "$TMP/two.ini"
is "$(printf '%s\n' "$err" | wc -l)" 3 "all errors of a file in one run"

for f in examples/cinit.ini examples/webapp.ini examples/supervisord/supervisord.conf; do
	check "$f"
	is "$rc" 0 "the example $f is valid"
done

# Each, converted by --check and saved, loads quietly to the same services;
# the running/ files take their scratch directory from RUN.
export RUN=/run/cinit-test
for f in $GOOD; do
	"$CINIT" --check -c "$f" 2>/dev/null | grep -v '^#' >"$TMP/rt1.ini"
	"$CINIT" --check -c "$TMP/rt1.ini" 2>"$TMP/rt.err" | grep -v '^#' >"$TMP/rt2.ini"
	[ -s "$TMP/rt1.ini" ] && [ ! -s "$TMP/rt.err" ] && cmp -s "$TMP/rt1.ini" "$TMP/rt2.ini"
	ok $? "$f converts to a cinit.ini that prints the same again"
done

# Long files load in time linear in their length: PID 1 reads them before
# anything starts. Each of these took from 10 s to minutes when a section,
# a list or an environment was searched pairwise; 5 s is far above what
# they take now, even under the sanitizers.
quick_check() { # quick_check FILE: sets rc; 124 when it took more than 5 s
	timeout 5 "$CINIT" --check -c "$1" >/dev/null 2>&1
	rc=$?
}
{
	printf '[service:w]\ncommand = w\nenvironment = '
	seq 100000 | awk '{ printf "K%d=1, ", $1 }'
	echo
} >"$TMP/env.ini"
quick_check "$TMP/env.ini"
is "$rc" 0 "an environment of 100000 pairs"
{
	printf '[service:w]\ncommand = w\nexit_codes = '
	seq 300000 | awk '{ printf "1," }'
	printf '\nready = exec:true'
	seq 300000 | awk '{ printf " x" }'
	echo
} >"$TMP/lists.ini"
quick_check "$TMP/lists.ini"
is "$rc" 0 "lists of 300000 items"
{
	printf '[program:w]\ncommand=w\nprocess_name=w%%(process_num)d\nnumprocs=1024\n'
	seq 2000 | awk '{ printf "stdout_logfile_backupz%d=1\n", $1 }'
} >"$TMP/copies.conf"
quick_check "$TMP/copies.conf"
is "$rc" 0 "numprocs=1024 of a section with 2000 unknown keys"
{
	printf '[program:w]\ncommand=w\n'
	seq 150000 | awk '{ printf "k%d=1\n", $1 }'
} >"$TMP/keys.conf"
quick_check "$TMP/keys.conf"
is "$rc" 0 "a program section of 150000 keys"
{
	printf '[service:w]\ncommand = w\n'
	seq 1000000 | awk '{ print "  x" }'
} >"$TMP/lines.ini"
quick_check "$TMP/lines.ini"
is "$rc" 0 "a value of a million continuation lines"
