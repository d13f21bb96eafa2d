#!/bin/bash
# cspawn stats (issue 9, item 6): memory, CPU and processes of running
# containers from their cgroups, on the host's cgroup version and on a v2
# tree shaped like /sys/fs/cgroup; --no-stream, --format json, streaming.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 15

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

# one sample of both, read by stat_of NAME EXPR
sample() { csm stats --no-stream --format json busy idle >"$TMP/stats.json"; }
stat_of() { python3 -c "import json,sys; s=[c for c in json.load(open(sys.argv[1])) if c['Name'] == sys.argv[2]][0]; print($2)" "$TMP/stats.json" "$1"; }

# the host's own cgroups (v1 or v2, whichever it has)
run_d --name busy -m 64m --pids-limit 20 "$R" sh -c 'sleep 1000 & while :; do :; done' >/dev/null
run_d --name idle "$R" sleep 1000 >/dev/null
run_d --name gone "$R" true >/dev/null
csm wait gone >/dev/null
diag "host cgroups: $(stat -fc %T /sys/fs/cgroup)"
sample
is "$(stat_of busy 's["Name"], s["MemLimit"], s["MemLimited"], s["PIDsLimit"]')" "busy 67108864 True 20" \
	"--format json: the name and the limits"
ok "$(stat_of busy '1 if s["PIDs"] >= 3 else 0' | grep -qx 1; echo $?)" "... the processes (cinit, sh, sleep)"
ok "$(stat_of busy '1 if s["MemUsage"] > 0 and 0 < s["MemPerc"] < 100 else 0' | grep -qx 1; echo $?)" \
	"... memory in use, as a share of the limit"
ok "$(stat_of busy '1 if s["CPUUsageNs"] > 0 and s["CPUPerc"] > 0 else 0' | grep -qx 1; echo $?)" \
	"... the CPU a busy loop uses"
is "$(stat_of idle 's["MemLimited"], s["PIDsLimit"]')" "False 0" \
	"no limits: none reported (the host's memory as the limit)"
ok "$(stat_of idle '1 if s["MemUsage"] > 0 and s["PIDs"] >= 2 else 0' | grep -qx 1; echo $?)" \
	"... and its memory and processes are still counted"

out=$(csm stats --no-stream)
like "$(echo "$out" | head -1)" '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +PIDS$' "the table's header"
like "$out" "busy +[0-9.]+% +[0-9.]+[KMG]?i?B / 64MiB +[0-9.]+% +[0-9]+" "... a row per running container"
ok "$(! echo "$out" | grep -q ' gone '; echo $?)" "... and none for a container that is not running"
csm stats --no-stream gone >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "1:cspawn: gone: the container is not running" "stats of a stopped container: an error"

# streaming: a new table each interval until interrupted
"$CSPAWN" stats idle >"$TMP/stream" 2>&1 &
streamer=$!
wait_until 10 eval '[ "$(grep -c "^CONTAINER ID" "$TMP/stream")" -ge 2 ]'
ok $? "without --no-stream: the figures again each interval"
kill -INT $streamer
wait_bounded $streamer 10 >/dev/null 2>&1

# cgroup v2: read from a tree shaped like /sys/fs/cgroup, which the record
# of the running container is pointed at for the while
id=$(csm inspect idle | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
rec=$CSPAWN_ROOT/run/containers/$id/cgroup
cp "$rec" "$TMP/cgroup.real"
CG=$TMP/cgroup2
mkdir -p "$CG/cspawn/$id"
printf '%s\n' 5242880 >"$CG/cspawn/$id/memory.current"
printf 'anon 3145728\nfile 2097152\ninactive_file 1048576\n' >"$CG/cspawn/$id/memory.stat"
echo 67108864 >"$CG/cspawn/$id/memory.max"
printf 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n' >"$CG/cspawn/$id/cpu.stat"
echo 7 >"$CG/cspawn/$id/pids.current"
echo max >"$CG/cspawn/$id/pids.max"
printf 'v2\n0 %s\n' "$CG/cspawn/$id" >"$rec"
sample
is "$(stat_of idle 's["MemUsage"], s["MemLimit"], s["CPUUsageNs"], s["PIDs"], s["PIDsLimit"], s["CPUPerc"]')" \
	"4194304 67108864 2500000000 7 0 0.0" \
	"v2: memory.current less inactive_file, memory.max, cpu.stat's usage_usec, pids.current, pids.max"
cp "$TMP/cgroup.real" "$rec"

# v2: memory and pids enabled for every container, for these figures
CG=$TMP/cgroup2b
name=$(cname v2)
mkdir -p "$CG/cspawn/$name"
echo "cpuset cpu io memory hugetlb pids rdma misc" >"$CG/cgroup.controllers"
for f in cgroup.subtree_control cspawn/cgroup.subtree_control; do : >"$CG/$f"; done
: >"$CG/cspawn/$name/cgroup.procs"
CSPAWN_CGROUP_ROOT=$CG cs --no-init --name "$name" "$R" true 2>/dev/null
is "$(cat "$CG/cgroup.subtree_control") $(cat "$CG/cspawn/cgroup.subtree_control")" "+memory +pids +memory +pids" \
	"v2 without limits: the memory and pids controllers are enabled all the same"
echo "cpu io" >"$CG/cgroup.controllers"
: >"$CG/cgroup.subtree_control"
mkdir -p "$CG/cspawn/$name"
: >"$CG/cspawn/$name/cgroup.procs"
CSPAWN_CGROUP_ROOT=$CG cs --no-init --name "$name" "$R" true 2>/dev/null
is "$?:$(cat "$CG/cgroup.subtree_control")" "0:" "... unless the tree does not offer them (and that is no error)"

csm rm -f busy idle gone >/dev/null
check_no_leftovers
