#!/bin/bash
# What a service runs with (issue 4, item 9): user and group, directory,
# environment, umask, rlimits, LISTEN_PID and NOTIFY_SOCKET.
. "$(dirname "$0")/../lib/tap.sh"
plan 11

mkdir -p "$TMP/work"
chmod 0755 "$TMP"
cat >"$TMP/exec.ini" <<EOF
[service:who]
command = sh -c 'echo "ids \$(id -u) \$(id -g) \$(id -G)"; echo "pwd \$(pwd)"; echo "umask \$(umask)"; echo "nofile \$(ulimit -n)"; echo "env \$GREETING|\$FROM_CINIT|\$HOME|\$CINIT_TEST_VAR"; echo "notify \${NOTIFY_SOCKET:-none}"; echo "listen \${LISTEN_PID:-none}"; read x; echo "stdin-eof \$?"; exec sleep 600'
user = nobody
group = nogroup
directory = $TMP/work
umask = 027
rlimit_nofile = 123
environment = GREETING="hello world", FROM_CINIT=\${CINIT_TEST_VAR}
[service:notify]
command = sh -c 'echo "notify \$NOTIFY_SOCKET"; echo "listen \$LISTEN_PID self \$\$"; exec sleep 600'
ready = notify
ready_timeout = 0
EOF
export CINIT_TEST_VAR=from-env LISTEN_FDS=1
run_conf exec
unset CINIT_TEST_VAR LISTEN_FDS
wait_until 10 file_has "$TMP/exec.out" '^who \| stdin-eof'
out=$(cat "$TMP/exec.out")
nobody=$(id -u nobody)
nogroup=$(getent group nogroup | cut -d: -f3)
like "$out" "who \| ids $nobody $nogroup $nogroup\$" "user and group are set (setgroups, setgid, setuid)"
like "$out" "who \| pwd $TMP/work\$" "directory is the working directory"
like "$out" "who \| umask 0027\$" "umask is applied"
like "$out" "who \| nofile 123\$" "rlimit_nofile is applied"
like "$out" "who \| env hello world\|from-env\|/nonexistent\|from-env\$" \
	"environment: quoted values, \${VAR} from cinit's, HOME of the user, the rest inherited"
like "$out" "who \| notify none\$" "NOTIFY_SOCKET is only set for ready = notify"
like "$out" "who \| stdin-eof 1\$" "a service's stdin is /dev/null"
wait_until 10 file_has "$TMP/exec.out" '^notify \| listen'
like "$(cat "$TMP/exec.out")" "notify \| notify /.*/notify.sock\$" "ready = notify gets a NOTIFY_SOCKET"
pids=$(grep '^notify | listen' "$TMP/exec.out")
lp=$(echo "$pids" | awk '{print $4}')
self=$(echo "$pids" | awk '{print $6}')
is "$lp" "$self" "LISTEN_PID is the service's own pid when LISTEN_FDS is passed"
kill -TERM "$NS_INIT"
ns_wait 20
is "$NS_STATUS" 0 "clean shutdown"

cat >"$TMP/baduser.ini" <<EOF
[service:x]
command = true
user = no-such-user-here
EOF
run_conf baduser
wait_until 10 file_has "$TMP/baduser.err" "x: no user 'no-such-user-here' in /etc/passwd"
ok $? "a service that cannot start says why"
kill -TERM "$NS_INIT"
ns_wait 20
