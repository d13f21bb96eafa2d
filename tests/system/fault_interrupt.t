#!/bin/bash
# Faults of a small host (issue 14), interruptions: `cspawn run -d` and a
# foreground `cspawn run` killed (SIGKILL) at increasing delays through the
# start. After each: the store reads, rm -f takes whatever was made, nothing
# is left behind (mounts, cgroups, state, processes), and a retry under the
# same name runs.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

DELAYS="0 0.005 0.01 0.02 0.05 0.1 0.2"
n=$(echo $DELAYS | wc -w)
plan $((4 * n + 3 * n + 1))

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

# kill_after SECONDS CMD...: CMD in the background, SIGKILLed at the delay
# (the interruption is the point of the test); says whether it was.
kill_after() {
	_d=$1
	shift
	"$@" >/dev/null 2>&1 &
	_pid=$!
	sleep "$_d"
	if kill -KILL "$_pid" 2>/dev/null; then _how="killed after ${_d}s"; else _how="done within ${_d}s"; fi
	wait "$_pid" 2>/dev/null
	echo "$_how"
}

for d in $DELAYS; do
	how=$(kill_after "$d" "$CSPAWN" run -d --name int --net none -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" \
		"$R" sleep 600)
	csm ps -a >/dev/null 2>"$TMP/ps.err"
	ok $? "run -d $how: the store reads" || sed 's/^/# /' "$TMP/ps.err"
	csm rm -f int >/dev/null 2>&1
	ok "$(csm inspect int >/dev/null 2>&1 && echo 1 || echo 0)" "... rm -f takes what was made of it"
	wait_until 10 no_leftovers
	ok $? "... and nothing is left behind" || { leftovers | sed "s/^/#   /"; for p in $(marked_pids); do ps -o pid=,ppid=,stat=,args= -p $p | sed "s/^/#   ps: /"; done; }
	id=$(run_d --name int "$R" sleep 600)
	ok $? "... a retry of the name runs ($id)"
	csm rm -f int >/dev/null 2>&1
done

# The foreground cspawn is the container's monitor: killed, it takes the
# container with it and leaves its mounts and cgroup, which the next run of
# the name sweeps.
for d in $DELAYS; do
	how=$(kill_after "$d" "${CS[@]}" --name fg "$R" sleep 600)
	like "$(cs --name fg "$R" echo again 2>&1)" "^(cspawn: fg: removing what an earlier run .* left behind.)?again$" \
		"run $how: a retry of the name runs"
	wait_until 10 no_leftovers
	ok $? "... and nothing is left behind" || { leftovers | sed "s/^/#   /"; for p in $(marked_pids); do ps -o pid=,ppid=,stat=,args= -p $p | sed "s/^/#   ps: /"; done; }
	is "$(marked_pids | wc -l)" 0 "... not a process of the first"
done
check_no_leftovers
