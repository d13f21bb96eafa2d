#!/bin/bash
# The control socket and cinit ctl (issue 12, items 1 to 3): where the
# socket is and who may use it, every verb with its output and exit code,
# supervisorctl through a link, and cinit ctl run inside the container's
# namespaces by nsenter.
. "$(dirname "$0")/../lib/tap.sh"
plan 53
unset CINIT_CONTROL_SOCKET # the files name theirs

SOCK="$TMP/ctl.sock"
ctl() { "$CINIT" ctl -s "$SOCK" "$@"; }
cat >"$TMP/svc.ini" <<EOF
[cinit]
control_socket = $SOCK
[service:web]
command = sh -c 'echo web started \$\$; trap "echo web got HUP" HUP; while :; do sleep 0.05; done'
stop_timeout = 5s
[service:flaky]
command = sh -c 'echo \$\$ >> $TMP/flaky.pids; sleep 0.2; exit 3'
restart = always
start_retries = 1000
backoff_max = 200ms
[service:idle]
command = sleep 600
autostart = no
[service:unready]
command = sleep 600
ready = file:$TMP/never
ready_timeout = 0
[service:noisy]
command = sh -c 'i=0; while [ \$i -lt 50 ]; do i=\$((i+1)); echo "line \$i"; echo "err \$i" >&2; done; exec sleep 600'
EOF
start_in_pidns "$TMP/svc.out" "$TMP/svc.err" "$CINIT" -c "$TMP/svc.ini"
wait_until 10 test -S "$SOCK"
ok $? "cinit serves control_socket"
is "$(stat -c '%a %U' "$SOCK")" "700 root" "the socket admits only root: mode 0700, owned by root"
wait_until 10 sh -c "\"$CINIT\" ctl -s '$SOCK' tail noisy | grep -q 'line 50'"
ok $? "the services run and noisy has written its lines"
ctl wait web 10s >/dev/null && ctl wait noisy 10s >/dev/null
ok $? "wait: until web and noisy are running (start_secs has passed)"

out=$(ctl status 2>&1)
is $? 3 "status exits 3 when a service is not running (supervisorctl's code)"
like "$out" '^web +RUNNING +pid [0-9]+, uptime 0:00:0[0-9], restarts 0$' "a running service: state, pid, uptime, restarts"
like "$out" '^idle +STOPPED +not started, restarts 0$' "a service never started"
wait_until 10 sh -c "\"$CINIT\" ctl -s '$SOCK' status flaky | grep -Eq 'restarts [1-9]'"
ok $? "the restart count of a service that keeps failing"
ctl status web >/dev/null
is $? 0 "status of running services only exits 0"
out=$(ctl status nope web 2>&1)
is $? 4 "an unknown name: exit 4"
like "$out" "nope: ERROR \(no such process\)" "and it is named"
out=$(ctl status --json web idle)
like "$(echo "$out" | tr -d '\n')" '^\[\{"name":"web","group":"web","state":"running","pid":[1-9][0-9]*,"uptime":[0-9.]+,"exit_code":null,"signal":null,"restarts":0,"ready":true\},\{"name":"idle".*"state":"stopped".*\}\]$' \
	"status --json: an array of objects"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[1]["pid"] == 0 else 1)'
ok $? "which parses as JSON"

out=$(ctl start idle)
is "$?:$out" "0:idle: started" "start: waits for the service to be running"
out=$(ctl start idle 2>&1)
is "$?:$out" "1:idle: ERROR (already started)" "start of a running service fails, by name"
pid1=$(ctl pid web)
out=$(ctl restart web)
is "$?:$(echo $out)" "0:web: stopped web: started" "restart: stopped, then started"
pid2=$(ctl pid web)
[ -n "$pid2" ] && [ "$pid2" != 0 ] && [ "$pid2" != "$pid1" ]
ok $? "with a new pid"
out=$(ctl stop idle web)
is "$?:$(echo "$out" | sort | tr '\n' ' ')" "0:idle: stopped web: stopped " "stop of two: each waited for"
ctl status web | grep -Eq '^web +STOPPED +killed by signal TERM, restarts 0$'
ok $? "a stopped service says how it ended, and is not restarted"
out=$(ctl stop web 2>&1)
is "$?:$out" "1:web: ERROR (not running)" "stop of a stopped service fails"
out=$(ctl restart flaky 2>&1)
is "$?:$(echo $out)" "1:flaky: stopped flaky: ERROR (abnormal termination: exited with 3)" \
	"a start that ends before start_secs fails at once, as with supervisorctl"
ctl start all >/dev/null
ctl status web idle >/dev/null
is $? 0 "start all starts what is stopped"
out=$(ctl bogus 2>&1)
is "$?:$out" "2:cinit: unknown or malformed command 'bogus'; try help" "a bad verb: exit 2, with a message"
is "$(ctl pid)" "1" "pid: cinit's own, PID 1 in its namespace"
ctl pid idle nope >/dev/null 2>&1
is $? 4 "pid of an unknown name: exit 4"

wait_until 10 sh -c "\"$CINIT\" ctl -s '$SOCK' tail web | grep -q 'web started'"
out=$(ctl signal HUP web)
is "$?:$out" "0:web: signalled" "signal HUP web"
wait_until 10 sh -c "\"$CINIT\" ctl -s '$SOCK' tail web | grep -q 'web got HUP'"
ok $? "reaches the service, whose output tail shows"
is "$(ctl tail -n 2 noisy | tr '\n' ' ')" "line 49 line 50 " "tail -n 2: the last two lines of stdout"
is "$(ctl tail -n 1 noisy stderr)" "err 50" "tail NAME stderr"
is "$(ctl tail -12 noisy)" "line 50" "tail -BYTES, as supervisorctl: whole lines within the last bytes"
is "$(ctl tail -16 noisy)" "line 49
line 50" "a line that fits whole is shown"
ctl tail -f web >"$TMP/follow" 2>&1 &
follower=$!
on_exit "kill $follower"
wait_until 10 file_has "$TMP/follow" 'web started'
ctl signal HUP web >/dev/null
wait_until 10 sh -c "[ \$(grep -c 'web got HUP' '$TMP/follow') -ge 2 ]"
ok $? "tail -f: what was there, then new lines as they come"
kill $follower
wait $follower 2>/dev/null

out=$(ctl wait --ready web 5s)
is "$?:$out" "0:web: ready" "wait --ready of a ready service"
ctl stop idle >/dev/null
(sleep 0.5; ctl start idle >/dev/null) &
out=$(ctl wait idle 10s)
is "$?:$out" "0:idle: running" "wait: until a service is running"
out=$(ctl wait --ready unready 1s 2>&1)
is "$?:$out" "1:unready: ERROR (timed out)" "wait with a timeout that passes: exit 1"

# reread and update: what SIGHUP does, said
sed -e '/^\[service:idle\]/,/^autostart/ s/sleep 600/sleep 601/' "$TMP/svc.ini" >"$TMP/new.ini"
printf '[service:extra]\ncommand = sleep 602\n' >>"$TMP/new.ini"
sed -i '/^\[service:flaky\]/,/^backoff_max/d' "$TMP/new.ini"
cp "$TMP/new.ini" "$TMP/svc.ini"
is "$(ctl reread | sort | tr '\n' ' ')" "extra: added flaky: removed idle: changed " "reread: added, changed, removed"
ctl status extra >/dev/null 2>&1
is $? 4 "reread changes nothing"
is "$(ctl update | sort | tr '\n' ' ')" "extra: added flaky: removed idle: changed " "update applies it"
wait_until 10 sh -c "\"$CINIT\" ctl -s '$SOCK' status extra >/dev/null"
ok $? "the added service runs"
echo "[service:broken" >>"$TMP/svc.ini"
out=$(ctl update 2>&1)
is "$?" 1 "update of a broken file: exit 1"
like "$out" "svc.ini:[0-9]+: expected '\]' to close the section header" "with the file's errors"
like "$out" "svc.ini is not valid; the running services are kept" "and says nothing changed"

# supervisorctl as a link, the socket found through the file's [unix_http_server]
ln -s "$CINIT" "$TMP/supervisorctl"
printf '[unix_http_server]\nfile=%s\nchmod=0700\n[program:x]\ncommand=sleep 600\n' "$SOCK" >"$TMP/sv.conf"
out=$("$TMP/supervisorctl" -c "$TMP/sv.conf" status web)
like "$out" '^web +RUNNING' "supervisorctl -c FILE status, through a link to cinit"
out=$(CINIT_CONFIG="$TMP/sv.conf" "$CINIT" ctl status web)
like "$out" '^web +RUNNING' "cinit ctl finds the socket of the file CINIT_CONFIG names"

out=$(ctl shutdown)
is "$out" "Shut down" "shutdown"
ns_wait 20
is "$NS_STATUS" 0 "cinit stops everything and exits 0"
[ ! -e "$SOCK" ]
ok $? "and removes its socket"

# the peer's credentials: another user is refused even where the mode lets it
# connect
SOCK2="$TMP/open.sock"
chmod 755 "$TMP"
printf '[cinit]\ncontrol_socket = %s\ncontrol_socket_mode = 0777\n[service:s]\ncommand = sleep 600\n' "$SOCK2" >"$TMP/open.ini"
start_in_pidns "$TMP/open.out" "$TMP/open.err" "$CINIT" -c "$TMP/open.ini"
wait_until 10 test -S "$SOCK2"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CINIT" ctl -s "$SOCK2" status 2>&1)
is "$?:$out" "1:cinit: permission denied" "a peer that is neither root nor the owner is refused (SO_PEERCRED)"
kill -TERM "$NS_INIT"
ns_wait 10

# lazy: cinit -- cmd with no socket configured makes no socket at all
# (LeakSanitizer cannot run under ptrace: no leak check in the sanitizer build)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
strace -f -qq -e trace=socket,bind,listen -o "$TMP/strace" "$CINIT" -- true
is "$?:$(grep -c 'socket(\|bind(\|listen(' "$TMP/strace")" "0:0" \
	"cinit -- cmd without a socket configured: no socket, bind or listen call"
printf '[cinit]\ncontrol_socket = none\n[service:s]\ncommand = true\ncritical = yes\n' >"$TMP/none.ini"
strace -f -qq -e trace=socket,bind,listen -o "$TMP/strace" "$CINIT" -c "$TMP/none.ini" 2>/dev/null
is "$(grep -c 'socket(\|bind(\|listen(' "$TMP/strace")" 0 "control_socket = none: none either"

# the default socket, inside the container's own /run, reached by nsenter

printf '[service:s]\ncommand = sleep 600\n' >"$TMP/default.ini"
host_had=$(test -e /run/cinit.sock && echo yes || echo no)
start_in_pidns "$TMP/d.out" "$TMP/d.err" sh -c \
	'mount -t tmpfs tmpfs /run && exec "$0" -c "$1"' "$CINIT" "$TMP/default.ini"
wait_until 10 ns_exec test -S /run/cinit.sock
ok $? "with services and no control_socket, cinit serves /run/cinit.sock"
ns_exec "$CINIT" ctl wait s 10s >/dev/null
out=$(ns_exec "$CINIT" ctl status)
like "$out" '^s +RUNNING +pid [0-9]+' "cinit ctl run by nsenter in the container's namespaces"
is "$(test -e /run/cinit.sock && echo yes || echo no)" "$host_had" "the host's /run is not touched"
kill -TERM "$NS_INIT"
ns_wait 10
