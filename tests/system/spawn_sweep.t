#!/bin/bash
# A cspawn killed with SIGKILL during its start leaves its state directory
# and cgroups; when its name was generated no later start reuses it, so the
# next start of any container sweeps what dead cspawns left (issue 16,
# item 6).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 3

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

# 30 starts without --name, each killed after 0, 10, ... 290 ms.
for i in $(seq 0 29); do
	"${CS[@]}" --no-init "$R" sleep 5 2>/dev/null &
	pid=$!
	[ "$i" -gt 0 ] && sleep "$(printf '0.%02d' $((i * 10 / 10)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
done
left=$(_orphans | grep -vxF -- "$_ORPHANS_BEFORE" | wc -l)
diag "left by 30 killed starts: $left state directories and cgroups"
ok "$([ "$left" -gt 0 ]; echo $?)" "killed starts leave state behind (the case to sweep)"

out=$(cs --no-init "$R" echo started 2>&1)
like "$out" "started" "one more start runs, and sweeps as it starts"
check_no_leftovers
