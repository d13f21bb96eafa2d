#!/bin/bash
# cspawn-runtime's verbs on the container's cgroup (issue 15): pause and
# resume through the freezer (v2 cgroup.freeze, v1 the freezer tree),
# update of the limits from flags and from a resources document, kill
# --all, and the spec's cgroupsPath.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit

plan 25

on_exit rt_clean_up
B=$TMP/bundle
# a counter that moves while the container runs, and a second process
make_bundle "$B" sh -c 'sleep 1000 & i=0; while :; do i=$((i+1)); echo $i > /dev/shm/n; sleep 0.01; done'
bundle_edit "$B" "c['mounts'].append({'destination': '/dev/shm', 'type': 'tmpfs', 'source': 'shm', 'options': ['nosuid']})"
A=$(rt_id a)
rt run -d --bundle "$B" "$A" >/dev/null 2>&1 </dev/null
is $? 0 "run -d exits 0"
is "$(rt_status "$A")" running "... and the container runs"
pid=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
counter() { cat "/proc/$pid/root/dev/shm/n" 2>/dev/null; }
two_pids() { [ "$(rt ps -f json "$A" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)) >= 2)')" = True ]; }
wait_until 10 two_pids
ok $? "ps: its processes (the shell and its sleep at least)"

if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	dir=/sys/fs/cgroup/cspawn-runtime/$A
	frozen() { grep -q "frozen 1" "$dir/cgroup.events"; }
	pids_max=$dir/pids.max
	mem_max=$dir/memory.max
else
	dir=$(cg_dir freezer x)
	dir=${dir%/cspawn/x}/cspawn-runtime/$A
	frozen() { grep -q FROZEN "$dir/freezer.state"; }
	pids_max=$(cg_dir pids x)
	pids_max=${pids_max%/cspawn/x}/cspawn-runtime/$A/pids.max
	mem_max=$(cg_dir memory x)
	mem_max=${mem_max%/cspawn/x}/cspawn-runtime/$A/memory.limit_in_bytes
fi

rt pause "$A"
is $? 0 "pause exits 0"
is "$(rt_status "$A")" paused "state: paused"
frozen
ok $? "... the cgroup is frozen"
n1=$(counter)
sleep 0.2 # a window in which a running counter would move (no speed asked)
is "$(counter)" "$n1" "... and its processes do not run"
out=$(rt pause "$A" 2>&1)
is $? 1 "pause of a paused container fails"
rt resume "$A"
is $? 0 "resume exits 0"
moved() { [ "$(counter)" != "$n1" ]; }
wait_until 10 moved
ok $? "... and the counter moves again"
is "$(rt_status "$A")" running "state: running"

rt update --memory 64m --pids-limit 50 "$A"
is $? 0 "update --memory --pids-limit exits 0"
is "$(cat "$pids_max"):$(cat "$mem_max")" "50:67108864" "... and the cgroup has the new limits"
echo '{"pids": {"limit": 40}}' >"$TMP/res.json"
rt update -r "$TMP/res.json" "$A"
is "$?:$(cat "$pids_max")" "0:40" "update -r FILE: the resources document"
echo '{"pids": {"limit": 40}, "rdma": {"mlx": {"hcaHandles": 1}}}' >"$TMP/res.json"
out=$(rt update -r "$TMP/res.json" "$A" 2>&1)
is $? 1 "update: a resource this runtime cannot set is refused"
like "$out" "rdma" "... naming it"

rt kill --all "$A" KILL
is $? 0 "kill --all KILL exits 0"
none() { [ "$(rt ps -f json "$A" 2>/dev/null | tr -d ' \n')" = "[]" ]; }
wait_until 10 none
ok $? "... and every process of the cgroup is gone"
rt delete "$A"

# the rest of linux.resources: cpuset, the memory soft limit, swappiness,
# block I/O throttles (v1's blkio tree or v2's io.max)
dev=$(lsblk -no MAJ:MIN "$(findmnt -no SOURCE /)" 2>/dev/null | head -1 | tr -d ' ')
bundle_edit "$B" "c['process']['args'] = ['sleep', '1000']
r = c['linux'].setdefault('resources', {})
r['cpu'] = {'cpus': '0', 'mems': '0'}
r['memory'] = {'reservation': 33554432}
r['blockIO'] = {'throttleReadBpsDevice': [{'major': ${dev%:*}, 'minor': ${dev#*:}, 'rate': 1048576}]}"
v2=false
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && v2=true
$v2 || bundle_edit "$B" "c['linux']['resources']['memory']['swappiness'] = 10"
rt run -d --bundle "$B" "$A" >/dev/null 2>"$TMP/err" </dev/null
is $? 0 "run -d with cpuset, memory reservation and swappiness, block I/O throttles"
[ -s "$TMP/err" ] && sed 's/^/# /' "$TMP/err"
in_tree() { # CTL FILE: the file of the container's cgroup in CTL's tree
	if $v2; then echo "/sys/fs/cgroup/cspawn-runtime/$A/$2"; return; fi
	_d=$(cg_dir "$1" x)
	echo "${_d%/cspawn/x}/cspawn-runtime/$A/$2"
}
is "$(cat "$(in_tree cpuset cpuset.cpus)"):$(cat "$(in_tree cpuset cpuset.mems)")" "0:0" \
	"linux.resources.cpu.cpus and mems"
if $v2; then
	is "$(cat "$(in_tree memory memory.low)")" 33554432 "memory.reservation: memory.low"
	ok 0 "# skip: cgroup v2 has no swappiness"
	like "$(cat "$(in_tree io io.max)")" "^$dev rbps=1048576 " "blockIO throttle: io.max"
else
	is "$(cat "$(in_tree memory memory.soft_limit_in_bytes)")" 33554432 \
		"memory.reservation: memory.soft_limit_in_bytes"
	is "$(cat "$(in_tree memory memory.swappiness)")" 10 "memory.swappiness"
	is "$(cat "$(in_tree blkio blkio.throttle.read_bps_device)")" "$dev 1048576" \
		"blockIO throttle: blkio.throttle.read_bps_device"
fi
pid=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
is "$(awk '/Cpus_allowed_list/ {print $2}' /proc/$pid/status)" 0 "... and the process runs on CPU 0 only"
rt delete --force "$A"

rt_check_no_leftovers
