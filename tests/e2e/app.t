#!/bin/bash
# A multi-process container as people run them under supervisord (issue 14,
# end-to-end items 1 to 3): a Debian image pulled from a registry, nginx +
# redis + a worker loop under a supervisord.conf of the kind popular images
# publish, read by cinit unchanged. The page through a published port, keys
# in redis, cinit ctl through exec, nginx killed and back, redis saving on
# stop, the data read by a new container, and the container back after a
# simulated reboot.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/image.sh"
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/lib.sh"
need_e2e_tools

plan 30

on_exit "clean_up_after '$TMP'"
need_netns || { echo "Bail out! cannot wire the test's namespaces"; exit 1; }

e2e_pull_app
ok $? "the image: the Debian base and the application's layer, pushed and pulled ($IMAGE)"

PAGE='<h1>served by nginx under cinit</h1>'
run_web() {
	_id=$(hc run -d --name "$1" -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" -p 8080:80 \
		-v redisdata:/var/lib/redis --restart always "$IMAGE" 2>"$TMP/run.err")
	_st=$?
	[ -n "$_id" ] && echo "$_id" >>"$TMP/ids"
	[ $_st -eq 0 ] || sed 's/^/# run: /' "$TMP/run.err"
	return $_st
}
redis_up() { [ "$(rcli "$1" PING 2>/dev/null)" = PONG ]; }

run_web web
ok $? "run -d -p 8080:80 -v redisdata:/var/lib/redis --restart always IMAGE"
wait_until 60 page_is 8080 "$PAGE"
ok $? "the page through the published port, from the host's 127.0.0.1"
wait_until 30 redis_up web
ok $? "redis answers inside"
for i in $(seq 1 200); do echo "SET key:$i value-$i"; done | rcli web >"$TMP/set.out"
is "$(grep -c '^OK$' "$TMP/set.out")" 200 "200 keys written"
rounds() { rcli "$1" GET worker:rounds 2>/dev/null; }
worker_counts() { _r=$(rounds "$1"); [ -n "$_r" ] && [ "$_r" -ge "$2" ]; }
wait_until 30 worker_counts web 2
ok $? "the worker loop counts its rounds in redis"

# cinit ctl inside, through exec; -it gives the shell a terminal
ctl_status() { hc exec web /dev/.cspawn/cinit ctl status 2>&1; }
all_running() { [ "$(ctl_status | grep -Ec '^(nginx|redis|worker) +RUNNING')" = 3 ]; }
wait_until 20 all_running
ok $? "exec web cinit ctl status: nginx, redis and worker RUNNING"
tty_out=$(timeout 30 python3 "$E2E_DIR/../helpers/ptyrun.py" 24 80 -- "${HX[@]}" "$CSPAWN" --root "$STATE" \
	exec -it web sh -c 'tty; /dev/.cspawn/cinit ctl status worker' 2>&1 | tr -d '\r')
like "$tty_out" "^/dev/pts/[0-9]+" "exec -it web sh: a terminal inside"
like "$tty_out" "worker +RUNNING +pid [0-9]+" "... where cinit ctl status shows the service"

# nginx's master as the container's PID 1 started it, and its workers
nginx_master() {
	_c=$(pid1 web)
	for _q in $(ctr_ns_pids web nginx); do
		[ "$(awk '{print $4}' "/proc/$_q/stat" 2>/dev/null)" = "$_c" ] && echo "$_q"
	done
}
master=$(nginx_master)
workers=$(ctr_ns_pids web nginx | grep -vx "$master")
ok "$([ -n "$master" ] && [ -n "$workers" ]; echo $?)" "nginx runs: master $master, workers $(echo $workers)"
kill -KILL "$master"
new_master() { _m=$(nginx_master); [ -n "$_m" ] && [ "$_m" != "$master" ]; }
wait_until 30 new_master
ok $? "SIGKILL of nginx's master: cinit starts it again ($(nginx_master))"
wait_until 30 page_is 8080 "$PAGE"
ok $? "... and the page is served again"
old_left() { for _w in $workers; do [ -d "/proc/$_w" ] && return 0; done; return 1; }
ok "$(old_left && echo 1 || echo 0)" "... by the new nginx: the old master's workers are gone"
hc logs web >"$TMP/logs1" 2>&1
like "$(cat "$TMP/logs1")" "worker: round [0-9]+" "logs: the worker's lines"
like "$(cat "$TMP/logs1")" "Ready to accept connections" "logs: redis's lines"
like "$(cat "$TMP/logs1")" "cinit: nginx: killed by signal KILL, restarting" "logs: cinit's, of nginx's restart"

hc stop web >/dev/null 2>"$TMP/stop.err"
ok $? "stop"
hc logs web >"$TMP/logs2" 2>&1
like "$(cat "$TMP/logs2")" "Received SIGTERM scheduling shutdown" "the stop's SIGTERM reached redis"
like "$(cat "$TMP/logs2")" "DB saved on disk" "... which saved its data"
DATA=$(hc volume inspect redisdata | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Mountpoint"])')
ok "$(test -s "$DATA/dump.rdb"; echo $?)" "... into the volume ($DATA)"
hc rm web >/dev/null
ok $? "rm"

run_web web2
ok $? "a new container on the same volume"
wait_until 60 redis_up web2
keys=$(for i in $(seq 1 200); do echo "GET key:$i"; done | rcli web2 | grep -c '^value-')
is "$keys" 200 "it reads every key"
ok "$(worker_counts web2 2; echo $?)" "... and the worker's count"

# A simulated reboot: every process of the container and its monitor
# killed at once, the runtime state (tmpfs /run on a real host) gone; then
# the boot command (systemd's cspawn.service runs it).
mon=$(state web2 Monitor)
ctr=$(pid1 web2)
kill -KILL "$mon" "$ctr"
gone() { for _p in "$mon" "$ctr"; do [ -d "/proc/$_p" ] && ! grep -q '^State:.*Z' "/proc/$_p/status" && return 1; done; return 0; }
wait_until 10 gone
# (a reboot takes the mounts too: the network namespace's bind mount)
for _m in $(awk -v r="$STATE/run/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo); do
	umount -l "$_m"
done
rm -rf "$STATE/run"
is "$(hc boot 2>&1)" web2 "after a simulated reboot, cspawn boot starts it again"
wait_until 60 page_is 8080 "$PAGE"
ok $? "... the page is served"
wait_until 60 redis_up web2
keys=$(for i in $(seq 1 200); do echo "GET key:$i"; done | rcli web2 | grep -c '^value-')
is "$keys" 200 "... and redis has every key"

hc rm -f web2 >/dev/null
hc volume rm redisdata >/dev/null
ok $? "the volume removed"
check_no_net_leftovers
check_no_leftovers
