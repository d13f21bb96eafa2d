#!/bin/bash
# Faults of a small host (issue 14), processes: a fork bomb inside stops at
# --pids-limit; cinit keeps reaping (the bomb's processes are orphans the
# moment they fork), the other service runs on, and once the bomb ends the
# container can start processes again with no zombie left.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 9

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"
mkdir -p "$TMP/data"
# Every process of the bomb forks two and exits, until /data/stop appears
# (in a subshell: the service's own shell, which lives on as sleep, would
# be the parent of its first two, and never reap them).
cat >"$TMP/cinit.ini" <<'EOF2'
[service:bomb]
command = sh -c 'b() { [ -e /data/stop ] && exit 0; b & b & }; (b); exec sleep 600'
restart = no
[service:steady]
command = sleep 600
EOF2
LIMIT=40
id=$(run_d --name bomb --pids-limit $LIMIT -v "$TMP/data:/data" -c "$TMP/cinit.ini" "$R")
is $? 0 "run -d --pids-limit $LIMIT with a fork bomb"
pid1=$(csm inspect bomb | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
pids=$(cg_dir pids "$id")
steady_pid() {
	for _p in $(cat "$pids/cgroup.procs" 2>/dev/null); do
		[ "$(tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null)" = "sleep 600 " ] &&
			[ "$(awk '{print $4}' "/proc/$_p/stat")" = "$pid1" ] && echo "$_p" && return
	done
}
steady=$(steady_pid)
# pids.events counts the forks refused because the cgroup was at its limit
refused() { awk '$1 == "max" {print $2}' "$pids/pids.events" 2>/dev/null; }
some_refused() { [ "$(refused)" -gt 0 ]; }
wait_until 20 some_refused
ok $? "the bomb reaches the limit: the kernel refuses its forks ($(refused) refused, pids.max $(cat "$pids/pids.max"))"
ok "$(sh -c 'exit 0'; echo $?)" "the host still starts processes"
is "$(csm inspect bomb | python3 -c 'import json,sys; s = json.load(sys.stdin)[0]["State"]; print(s["Status"], s["Pid"])')" \
	"running $pid1" "cinit runs on, the same PID 1"
ok "$([ -n "$steady" ] && [ "$(steady_pid)" = "$steady" ]; echo $?)" "the other service runs on (pid $steady)"

touch "$TMP/data/stop"
calm() { [ "$(cat "$pids/pids.current" 2>/dev/null)" -le 4 ]; }
wait_until 30 calm
ok $? "the bomb ends: $(cat "$pids/pids.current") processes left" || for _p in $(cat "$pids/cgroup.procs"); do ps -o pid=,ppid=,stat=,args= -p "$_p" | sed "s/^/#   /"; done
# (every process of the container's pid namespace: a zombie has left
# cgroup.procs, though pids.current still counts it)
zombies() {
	_ns=$(readlink "/proc/$pid1/ns/pid")
	for _q in /proc/[0-9]*; do
		[ "$(readlink "$_q/ns/pid" 2>/dev/null)" = "$_ns" ] &&
			[ "$(sed 's/^.*) //' "$_q/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] && echo "${_q#/proc/}"
	done
}
no_zombies() { [ -z "$(zombies)" ]; }
wait_until 10 no_zombies
ok $? "cinit reaped every one: no zombie in the container"
is "$(csm exec bomb echo again 2>&1)" again "the container starts processes again"
csm rm -f bomb >/dev/null
check_no_leftovers
