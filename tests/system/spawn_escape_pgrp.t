#!/bin/bash
# The container cannot signal the host's processes through its process
# group: `kill 0` inside reaches only what is inside (issue 16, item 4).
# Each scenario runs in a process group of its own (setsid), as a job of a
# shell would, with a host "sibling" of cspawn in the same group.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

modes=("--no-init" "" "--userns --no-init" "--userns")
plan $((${#modes[@]} * 2 * 2 + 3))

# --userns: the container's root (an unprivileged host uid) must reach the root.
chmod 755 "$TMP"
R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

# scenario SIGNAL MODE...: in a new session, starts a sibling sleep and a
# container whose command sends SIGNAL to its process group; writes the
# sibling's fate and cspawn's status to $TMP/out.
scenario() {
	sig=$1
	shift
	rm -f "$TMP/out"
	setsid bash -c '
		out=$1 sig=$2; shift 2
		sleep 30 & sib=$!
		"$@" sh -c "kill -$sig 0; sleep 0.2; echo inside-survived"
		st=$?
		if kill -0 $sib 2>/dev/null; then echo "sibling alive, cspawn $st"; else echo "sibling dead, cspawn $st"; fi >"$out"
		kill -KILL $sib 2>/dev/null
	' scenario "$TMP/out" "$sig" "${CS[@]}" "${INIT[@]}" "$@" "$R" >/dev/null 2>&1 &
	wait_bounded $! 30
}

for mode in "${modes[@]}"; do
	# shellcheck disable=SC2086
	for sig in TERM KILL; do
		scenario $sig $mode
		out=$(cat "$TMP/out" 2>/dev/null)
		like "$out" "^sibling alive" "kill -$sig 0 inside (${mode:-default}) leaves a host sibling alive"
		like "$out" "cspawn (0|143|137)$" "... and cspawn ran to the container's end (${mode:-default})"
	done
done
# On a terminal, Ctrl-C still reaches the container: the terminal signals
# cspawn's group, and cspawn passes it on (once) to the container's PID 1.
S=$TMP/share
mkdir -p "$S"
ctrl_c() { # feeds Ctrl-C to the terminal once PID 1 is ready; stays until done
	wait_until 10 test -e "$S/ready" && printf '\003'
	wait_until 10 test -e "$S/done"
}
cat >"$R/bin/intwait" <<'SH'
#!/bin/sh
n=0
trap 'n=$((n + 1))' INT
touch /share/ready
while [ $n -eq 0 ]; do sleep 0.02; done
sleep 0.3
echo $n >/share/ints
touch /share/done
SH
chmod 755 "$R/bin/intwait"
ctrl_c | script -qfec "$(printf '%q ' "${CS[@]}" --no-init -v "$S:/share" "$R" intwait)" \
	/dev/null >/dev/null 2>&1 &
wait_bounded $! 20
is "$(cat "$S/ints" 2>/dev/null)" 1 "Ctrl-C on cspawn's terminal reaches the container's PID 1, once"
ok "$(test -e "$S/done"; echo $?)" "... which then ends normally"

check_no_leftovers
