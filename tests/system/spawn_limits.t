#!/bin/bash
# cgroup limits: memory (an OOM kill is reported), pids (a fork bomb stops
# at the limit), cpu (the quota throttles), and the cgroup goes away after.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools

plan 19

R=$TMP/root
S=$TMP/share
make_rootfs "$R"
mkdir -p "$S"
mkfifo "$S/go"
on_exit "clean_up_after '$R'"

# Lets a container that waits on /share/go finish.
release() { timeout 5 sh -c 'echo go >"$1"' sh "$S/go"; }

v2=0
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && v2=1

# memory: a string that doubles until the kernel says no.
name=$(cname oom)
err=$(cs --no-init --name "$name" -m 64m "$R" sh -c 's=0123456789abcdef; while :; do s="$s$s"; done' 2>&1)
is $? 137 "over --memory 64m: killed (137)"
like "$err" "cspawn: $name: out of memory \(limit 64M\)" "... and cspawn says so"

name=$(cname mem)
"${CS[@]}" --no-init --name "$name" -m 256m -v "$S:/share" "$R" \
	sh -c 'echo > /share/up; read x < /share/go' &
mon=$!
wait_until 5 test -e "$S/up"
if [ $v2 = 1 ]; then
	is "$(cat "$(cg_dir memory "$name")/memory.max")" 268435456 "memory.max written"
else
	is "$(cat "$(cg_dir memory "$name")/memory.limit_in_bytes")" 268435456 \
		"memory.limit_in_bytes written (cgroup v1)"
fi
release
wait_bounded $mon
is $? 0 "the container under the limit ran to the end"
ok "$(test ! -e "$(cg_dir memory "$name")"; echo $?)" "its cgroup is removed after"
rm -f "$S/up"

# pids: a bounded fork bomb (100 sleepers) against a limit of 20. The
# inner shell dies when fork fails; the outer one reports and waits.
name=$(cname pids)
"${CS[@]}" --no-init --name "$name" --pids-limit 20 -v "$S:/share" "$R" sh -c '
	sh -c "for i in \$(seq 100); do sleep 60 & done" 2>/dev/null
	echo > /share/up; read x < /share/go' &
mon=$!
wait_until 10 test -e "$S/up"
pd=$(cg_dir pids "$name")
cur=$(cat "$pd/pids.current")
ok "$(test "$cur" -le 20; echo $?)" "the fork bomb stops at --pids-limit 20 (pids.current $cur)"
is "$(cat "$pd/pids.max")" 20 "pids.max written"
like "$(cat "$pd/pids.events")" "max [1-9]" "forks were refused (pids.events)"
ok "$(/bin/true; echo $?)" "the host can still fork"
release
wait_bounded $mon
is $? 0 "the container ends normally"
ok "$(test ! -e "$pd"; echo $?)" "its cgroup is removed, sleepers and all"
rm -f "$S/up"

# cpu: 0.5 CPU; a busy loop gets throttled.
name=$(cname cpu)
"${CS[@]}" --no-init --name "$name" --cpus 0.5 -v "$S:/share" "$R" sh -c '
	echo > /share/up; while :; do :; done' &
mon=$!
wait_until 5 test -e "$S/up"
cd_=$(cg_dir cpu "$name")
if [ $v2 = 1 ]; then
	is "$(cat "$cd_/cpu.max")" "50000 100000" "cpu.max written"
	throttled() { awk '$1 == "nr_throttled" && $2 > 0 {f=1} END {exit !f}' "$cd_/cpu.stat"; }
else
	is "$(cat "$cd_/cpu.cfs_quota_us")/$(cat "$cd_/cpu.cfs_period_us")" 50000/100000 \
		"cpu.cfs_quota_us and cfs_period_us written (cgroup v1)"
	throttled() { awk '$1 == "nr_throttled" && $2 > 0 {f=1} END {exit !f}' "$cd_/cpu.stat"; }
fi
wait_until 5 throttled
ok $? "a busy loop is throttled"
kill -TERM $mon # forwarded to the busy sh, which has no TERM handler: PID 1 ignores it
kill -KILL "$(pgrep -P $mon)"
wait_bounded $mon
is $? 137 "... until it is killed"
rm -f "$S/up"

# The shared parent of the containers' cgroups goes with the last of them,
# maybe between a start's mkdir of it and of its own cgroup (concurrent
# starts and ends hit this). strace fails that second mkdir with the ENOENT
# a vanished parent gives; the start must make both again. Which mkdir of
# the start it is, a first traced run says.
name=$(cname race)
# (LeakSanitizer cannot run under ptrace: the sanitizer build skips it here.)
traced() { # traced EXTRA-STRACE-ARGS...: the start under strace, its mkdirs in $TMP/strace
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout -s KILL 60 \
		strace -qq -o "$TMP/strace" -e trace=mkdir,mkdirat "$@" \
		"$CSPAWN" -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" --no-init --name "$name" "$R" echo started 2>&1
}
traced >/dev/null
nth=$(grep -n "\"/sys/fs/cgroup/.*cspawn/$name\"" "$TMP/strace" | head -1 | cut -d: -f1)
out=$(traced -e inject=mkdir,mkdirat:error=ENOENT:when="${nth:-1}")
is "$out" started "a cgroup whose parent vanished during the start is made again"
like "$(cat "$TMP/strace")" "/cspawn/$name\", 0755\) += -1 ENOENT .*INJECTED" \
	"... (the container's own mkdir failed, as strace shows)"

# cgroup v2, as most hosts have it, written into a tree shaped like one.
CG=$TMP/cgroup2
name=$(cname v2)
mkdir -p "$CG/cspawn/$name"
echo "cpuset cpu io memory hugetlb pids rdma misc" >"$CG/cgroup.controllers"
for f in cgroup.subtree_control cspawn/cgroup.subtree_control; do : >"$CG/$f"; done
for f in memory.max memory.swap.max pids.max cpu.max cgroup.procs; do : >"$CG/cspawn/$name/$f"; done
CSPAWN_CGROUP_ROOT=$CG cs --no-init --name "$name" -m 64m --pids-limit 50 --cpus 1.5 "$R" true \
	2>/dev/null
got=$(cd "$CG" && for f in cgroup.subtree_control cspawn/cgroup.subtree_control \
	cspawn/$name/memory.max cspawn/$name/memory.swap.max cspawn/$name/pids.max \
	cspawn/$name/cpu.max; do echo "$f: $(cat "$f")"; done)
is "$got" "cgroup.subtree_control: +memory +pids +cpu
cspawn/cgroup.subtree_control: +memory +pids +cpu
cspawn/$name/memory.max: 67108864
cspawn/$name/memory.swap.max: 0
cspawn/$name/pids.max: 50
cspawn/$name/cpu.max: 150000 100000" "CSPAWN_CGROUP_ROOT: the v2 files cspawn writes"
like "$(cat "$CG/cspawn/$name/cgroup.procs")" '^[0-9]+$' "... and the container's pid in cgroup.procs"

check_no_leftovers
