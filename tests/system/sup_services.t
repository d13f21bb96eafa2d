#!/bin/bash
# The design's own example on real Debian services: redis-server, ready when
# its port answers, and nginx, which depends on it; a real request through
# nginx, their output prefixed on cinit's, and a clean SIGTERM shutdown in
# reverse dependency order (issue 4, items 5, 7 and 8).
. "$(dirname "$0")/../lib/tap.sh"

for prog in redis-server redis-cli nginx busybox; do
	if ! command -v "$prog" >/dev/null; then
		echo "Bail out! $prog is missing: run tests/lib/deps.sh test"
		trap - EXIT
		rm -rf "$TMP"
		exit 1
	fi
done
plan 11

# nginx's workers run as nobody and must read the document root.
chmod 0755 "$TMP"
mkdir -p "$TMP/html" "$TMP/nginx"
echo "served by nginx under cinit" >"$TMP/html/index.html"
cat >"$TMP/nginx.conf" <<EOF
user nobody nogroup;
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
	access_log /dev/stdout;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	server {
		listen 127.0.0.1:8080;
		root $TMP/html;
	}
}
EOF
# stop_signal = QUIT is nginx's graceful stop, as in the README's example.
cat >"$TMP/real.ini" <<EOF
[cinit]
shutdown_timeout = 20s
[service:db]
command = redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --dir $TMP
ready = tcp:127.0.0.1:6379
ready_timeout = 20s
[service:web]
command = nginx -e stderr -p $TMP/nginx -c $TMP/nginx.conf -g "daemon off;"
depends = db
ready = tcp:127.0.0.1:8080
restart = always
stop_signal = QUIT
EOF
run_conf real -v
in_net() { nsenter --target "$NS_INIT" --net "$@"; }

wait_until 20 file_has "$TMP/real.err" '^cinit: web: ready$'
ok $? "redis-server and nginx are up and ready"
line_of() { grep -n -m1 -E -- "$2" "$1" | cut -d: -f1; }
ready_db=$(line_of "$TMP/real.err" '^cinit: db: ready$')
start_web=$(line_of "$TMP/real.err" '^cinit: web: started')
[ -n "$ready_db" ] && [ -n "$start_web" ] && [ "$ready_db" -lt "$start_web" ]
ok $? "nginx started only once redis answered on its port (lines $ready_db, $start_web)"
is "$(in_net redis-cli -h 127.0.0.1 -p 6379 ping 2>&1)" PONG "redis answers a command"
body=$(in_net busybox wget -q -O - http://127.0.0.1:8080/ 2>&1)
is "$body" "served by nginx under cinit" "nginx serves a real request"
wait_until 10 file_has "$TMP/real.out" '^web \| 127\.0\.0\.1 .*"GET / HTTP/1\.[01]" 200 '
ok $? "nginx's access log line reaches cinit's stdout with its prefix"
file_has "$TMP/real.out" '^db \| .*Ready to accept connections'
ok $? "redis's own log is prefixed with its service name"

t0=$(now_ms)
kill -TERM "$NS_INIT"
ns_wait 30
t1=$(now_ms)
is "$NS_STATUS" 0 "SIGTERM: both stop cleanly and cinit exits 0 ($((t1 - t0)) ms)"
stop_web=$(line_of "$TMP/real.err" '^cinit: web: stopped')
stop_db=$(line_of "$TMP/real.err" '^cinit: db: stopping')
[ -n "$stop_web" ] && [ -n "$stop_db" ] && [ "$stop_web" -lt "$stop_db" ]
ok $? "redis was asked to stop only after nginx had stopped (lines $stop_web, $stop_db)"
like "$(cat "$TMP/real.err")" "web: stopped \(exited with 0\)" "nginx ended by its graceful QUIT"
like "$(cat "$TMP/real.err")" "db: stopped \(exited with 0\)" "redis ended by its TERM"
! file_has "$TMP/real.err" 'sending KILL'
ok $? "nothing had to be killed"
