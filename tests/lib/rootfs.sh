# Helpers for the cspawn system tests. Source after tap.sh.
#   make_rootfs DIR      a minimal root filesystem from Debian's busybox-static
#   cs ARGS...           runs cspawn with this test's marker in the container
#   cname SUFFIX         a container name unique to this test run
#   cg_dir CTL NAME      where cspawn puts NAME's cgroup for controller CTL
#   leftovers            what this test's containers left behind (empty: nothing)
#   wait_bounded PID     waits for a background cspawn, killing it at a deadline
#   clean_up_after ROOT  on_exit cleanup: kills leftovers, removes stale state
#   need_static_cinit    bail out unless a static cinit exists
#   STATIC_CINIT, INIT   a cinit that runs in a busybox root, and the flags for it

BUSYBOX=${BUSYBOX:-/bin/busybox}
# Each test keeps cspawn's state in a root of its own (--root, as
# CSPAWN_ROOT), so that tests never see, or sweep, each other's.
CSPAWN_ROOT=$TMP/cspawn
export CSPAWN_ROOT
SPAWN_STATE=$CSPAWN_ROOT/run
# Every container of this test carries the marker in its environment, and
# every cspawn in its command line, so leftovers are found by it.
SPAWN_MARK="cspawn-test-$$-$RANDOM"
SPAWN_PREFIX="t$$"

# cinit can run inside a busybox root only when it is static; the sanitizer
# build's is not, so tests then borrow the plain build's with --init.
# STATIC_CINIT is empty when there is none; INIT holds the flags to use it.
_is_static() { file -L "$1" 2>/dev/null | grep -q 'static'; }
STATIC_CINIT=
INIT=()
for _c in "$CINIT" "$CINIT_BUILD/../cinit"; do
	if [ -x "$_c" ] && _is_static "$_c"; then
		STATIC_CINIT=$(realpath "$_c")
		[ "$_c" = "$CINIT" ] || INIT=(--init "$STATIC_CINIT")
		break
	fi
done

# A container's PID 1 must be a static cinit; without one the cspawn tests
# cannot test what they are for.
need_static_cinit() {
	if [ -z "$STATIC_CINIT" ]; then
		echo "Bail out! no static cinit: build it with make build/cinit"
		trap - EXIT
		rm -rf "$TMP"
		exit 1
	fi
}

need_root_tools() {
	if [ "$(id -u)" != 0 ] || [ ! -x "$BUSYBOX" ] || [ ! -x "$CSPAWN" ]; then
		echo "Bail out! needs root, $BUSYBOX and $CSPAWN (make check installs them)"
		trap - EXIT
		rm -rf "$TMP"
		exit 1
	fi
}

make_rootfs() {
	_root=$1
	mkdir -p "$_root"/bin "$_root"/etc "$_root"/proc "$_root"/sys "$_root"/dev \
		"$_root"/tmp "$_root"/root "$_root"/home/app || return 1
	chmod 1777 "$_root/tmp"
	cp "$BUSYBOX" "$_root/bin/busybox" || return 1
	for _a in $("$BUSYBOX" --list); do
		[ -e "$_root/bin/$_a" ] || ln -s busybox "$_root/bin/$_a"
	done
	cat >"$_root/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/sh
		app:x:1000:1000:app:/home/app:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$_root/etc/group" <<-EOF
		root:x:0:
		tty:x:5:
		app:x:1000:
		extra:x:2000:app
		nogroup:x:65534:
	EOF
	chown -R 1000:1000 "$_root/home/app"
}

cname() { echo "$SPAWN_PREFIX-$1"; }

# Bounded: a cspawn that hangs fails its test instead of stalling the suite.
# The static cinit goes with every run: --no-init starts the command
# through it too (its exec trampoline). --net none first: the default
# bridge network would be made in the machine's own namespace; a test of
# networking gives its own --net later (the last one wins) and runs inside
# a namespace of its own (tests/lib/netns.sh).
cs() { timeout -s KILL 60 "$CSPAWN" --net none -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" "$@"; }
# The same as a command line, for `"${CS[@]}" ... &`: a function run in the
# background would be a subshell, and $! would not be cspawn.
CS=("$CSPAWN" --net none -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}")

# The directory of a controller's hierarchy and cspawn's place in it: on
# v1, the tree that holds CTL plus this shell's own cgroup there.
cg_dir() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo "/sys/fs/cgroup/cspawn/$2"
		return
	fi
	_mnt=$(awk -v c="$1" '{
		for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) != "cgroup") next
		n = split($(i + 3), o, ",")
		for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }
	}' /proc/self/mountinfo)
	_own=$(awk -F: -v c="$1" '{
		n = split($2, o, ",")
		for (j = 1; j <= n; j++) if (o[j] == c) { print $3; exit }
	}' /proc/self/cgroup)
	[ "$_own" = / ] && _own=
	echo "$_mnt$_own/cspawn/$2"
}

# Processes (monitors and containers) carrying this test's marker. Zombies
# do not count: a container whose cspawn was killed is reaped by the host's
# init, in its own time.
marked_pids() {
	for _p in $(grep -lsF -- "$SPAWN_MARK" /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null |
		cut -d/ -f3 | sort -u); do
		_s=$(sed 's/^.*) //' "/proc/$_p/stat" 2>/dev/null | cut -d' ' -f1)
		[ -n "$_s" ] && [ "$_s" != Z ] && echo "$_p"
	done
}

# State of generated names (cspawn-PID-XXXX) in this test's state base
# whose cspawn is gone, and their cgroups: left by a container started
# without --name and killed. Other runs of cspawn on the machine, with
# state bases of their own, are theirs to sweep: only what this test's
# state names is its own.
_orphans() {
	for _d in "$SPAWN_STATE"/cspawn-*; do
		[ -d "$_d" ] || continue
		_n=${_d##*/}
		_pid=${_n#cspawn-}
		_pid=${_pid%%-*}
		[ -d "/proc/$_pid" ] && continue
		echo "state: $_d"
		find /sys/fs/cgroup -maxdepth 8 -type d -path "*/cspawn/$_n" 2>/dev/null |
			sed 's/^/cgroup: /'
	done
}
_ORPHANS_BEFORE=$(_orphans)

# Everything this test's containers could leave behind: host mounts under
# this test's directory (its state base, its roots and layers are there;
# other containers on the machine are not its own), cgroups and state of
# its names and of generated names, marked processes. Empty when nothing
# is left.
leftovers() {
	grep -F "$TMP" /proc/self/mountinfo | sed 's/^/mount: /'
	find /sys/fs/cgroup -maxdepth 8 -type d -path "*/cspawn/$SPAWN_PREFIX-*" 2>/dev/null |
		sed 's/^/cgroup: /'
	ls -d "$SPAWN_STATE/$SPAWN_PREFIX-"* 2>/dev/null | sed 's/^/state: /'
	_orphans | grep -vxF -- "$_ORPHANS_BEFORE"
	marked_pids | sed 's/^/process: /'
	_detached_leftovers
}

# Detached containers (cspawn run -d) are named by id in the store of this
# test's root: what is left of them, in the store and as cgroups.
_detached_leftovers() {
	for _d in "$CSPAWN_ROOT"/lib/containers/* "$CSPAWN_ROOT"/run/containers/*; do
		[ -d "$_d" ] && echo "container: $_d"
	done
	for _id in $(cat "$TMP/ids" 2>/dev/null); do
		find /sys/fs/cgroup -maxdepth 8 -type d -path "*/cspawn/$_id" 2>/dev/null |
			sed 's/^/cgroup: /'
	done
}

# csm COMMAND ARGS...: a manager command (ps, stop, logs ...), bounded.
csm() { timeout -s KILL 60 "$CSPAWN" "$@"; }
# field NAME EXPR: a field of `inspect NAME`, as Python reads it: EXPR
# indexes x, the container's object (field web '["State"]["Pid"]').
field() { csm inspect "$1" | python3 -c 'import json,sys; x = json.load(sys.stdin)[0]; print(eval("x" + sys.argv[1]))' "$2"; }
# status_of NAME: "STATE EXITCODE STATUS" from `ps -a --format json`.
status_of() { csm ps -a --format json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["Name"] == sys.argv[1]: print(c["State"], c["ExitCode"], c["Status"])' "$1"; }

# run_d ARGS...: cspawn run -d, its id noted for the leftover check; prints
# the id (empty when the run failed) and returns cspawn's status.
run_d() {
	_out=$(timeout -s KILL 60 "$CSPAWN" run -d --net none -e "SPAWN_MARK=$SPAWN_MARK" "${INIT[@]}" "$@")
	_st=$?
	[ -n "$_out" ] && echo "$_out" >>"$TMP/ids"
	echo "$_out"
	return $_st
}

no_leftovers() { [ -z "$(leftovers)" ]; }

# Ends every process of this test's containers (ours, found by marker).
kill_marked() {
	for _p in $(marked_pids); do kill -KILL "$_p" 2>/dev/null; done
}

# wait_bounded PID [SECONDS]: waits for a background cspawn to exit and
# returns its status; at the deadline it is killed (status 137) so that a
# broken test fails instead of hanging.
wait_bounded() {
	wait_until "${2:-10}" _exited "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1"
}
# wait_cspawn_exec PID: spins (builtins only, so it sees the exec within
# microseconds) until the background child has exec'd cspawn, for at most
# 5 s. Until then the child is a copy of the test's shell, whose TERM trap
# would run the test's cleanup.
wait_cspawn_exec() {
	_end=$((SECONDS + 5))
	until [ "/proc/$1/exe" -ef "$CSPAWN" ]; do
		[ $SECONDS -lt $_end ] || return 1
	done
}

_exited() {
	_s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$_s" ] || [ "$_s" = Z ]
}

# After a test that failed half-way: kills what is left and lets cspawn's
# own stale-state cleanup remove the cgroups and state of its names.
# Registered with on_exit by every test.
clean_up_after() {
	for _id in $(cat "$TMP/ids" 2>/dev/null); do
		"$CSPAWN" rm -f "$_id" >/dev/null 2>&1
	done
	kill_marked
	for _d in "$SPAWN_STATE/$SPAWN_PREFIX-"*; do
		[ -d "$_d" ] && "$CSPAWN" --net none "${INIT[@]}" --no-init --name "${_d##*/}" "$1" true 2>/dev/null
	done
	return 0
}

# Call at the end of a test: waits (bounded) for the kernel to finish
# tearing down, then reports what remained.
check_no_leftovers() {
	wait_until 5 no_leftovers
	_st=$?
	ok $_st "nothing left behind (mounts, cgroups, state, processes)"
	[ $_st -eq 0 ] || leftovers | sed 's/^/#   /'
}
