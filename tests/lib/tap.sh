# TAP helpers for the shell system tests. Source it, call plan N, then ok/is.
# Every wait is bounded: wait_until polls a condition until a deadline.

: "${CINIT_BUILD:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
# CINIT and CSPAWN may name other binaries, such as the ones `make install`
# installed (.ci/run tests those); the helpers always come from the build.
: "${CINIT:=$CINIT_BUILD/cinit}"
: "${CSPAWN:=$CINIT_BUILD/cspawn}"
HELPERS="$CINIT_BUILD/tests/helpers"
export CINIT_BUILD CINIT CSPAWN HELPERS
# cinit serves /run/cinit.sock by default when a file declares services;
# that path is the host's, shared by every test: tests that use the control
# socket name their own.
export CINIT_CONTROL_SOCKET=none

_tap_n=0
_tap_failed=0
_tap_planned=0
_tap_cleanups=""

plan() {
	_tap_planned=$1
	echo "1..$1"
}

ok() { # ok COND-EXIT-STATUS NAME...   usage: cmd; ok $? "name"
	_tap_n=$((_tap_n + 1))
	_st=$1
	shift
	if [ "$_st" -eq 0 ]; then
		echo "ok $_tap_n - $*"
	else
		echo "not ok $_tap_n - $*"
		_tap_failed=$((_tap_failed + 1))
	fi
	return "$_st"
}

is() { # is GOT WANT NAME...
	_got=$1
	_want=$2
	shift 2
	if [ "$_got" = "$_want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		echo "#   got:  '$_got'"
		echo "#   want: '$_want'"
	fi
}

like() { # like TEXT REGEX NAME...
	_text=$1
	_re=$2
	shift 2
	if printf '%s' "$_text" | grep -Eq -- "$_re"; then
		ok 0 "$@"
	else
		ok 1 "$@"
		printf '%s\n' "$_text" | sed 's/^/#   got: /' | head -20
		echo "#   want match: $_re"
	fi
}

# skip REASON...: a test that cannot run here, counted as passed.
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # skip $*"
}

diag() { echo "# $*"; }

# wait_until SECONDS CMD...: runs CMD every 20 ms until it succeeds or the
# deadline passes; returns CMD's last status.
wait_until() {
	_deadline=$1
	shift
	_end=$(($(date +%s%N) / 1000000 + _deadline * 1000))
	while :; do
		if "$@"; then return 0; fi
		[ $(($(date +%s%N) / 1000000)) -ge "$_end" ] && return 1
		sleep 0.02
	done
}

# Registers a shell command to run at exit, most recent first.
on_exit() { _tap_cleanups="$*; $_tap_cleanups"; }

_tap_finish() {

	eval "$_tap_cleanups" >/dev/null 2>&1 || true
	if [ "$_tap_n" -ne "$_tap_planned" ]; then
		echo "# planned $_tap_planned tests but ran $_tap_n"
		exit 1
	fi
	[ "$_tap_failed" -eq 0 ] || exit 1
	exit 0
}
trap _tap_finish EXIT
trap 'exit 130' INT TERM

# A scratch directory removed at exit.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cinit-test.XXXXXX")
on_exit "rm -rf '$TMP'"

# Kills a process we started (by PID) and its process group if it leads one.
kill_pid() {
	[ -n "${1:-}" ] || return 0
	kill -KILL "$1" 2>/dev/null || true
}

# Runs its arguments as PID 1 of a fresh pid namespace with its own /proc.
in_pidns() { unshare --pid --fork --mount-proc --kill-child "$@"; }

# Lists zombies (state Z) in the current /proc.
count_zombies() {
	_z=0
	for _s in /proc/[0-9]*/stat; do
		_st=$(sed 's/^.*) //' "$_s" 2>/dev/null | cut -d' ' -f1)
		[ "$_st" = Z ] && _z=$((_z + 1))
	done
	echo "$_z"
}

# start_in_pidns OUT ERR CMD...: starts CMD in the background as PID 1 of a
# (output is appended, as a container runtime's pipe would never overwrite:
# a service that logs to /dev/stderr opens its own description of the file)
# new pid namespace (with its own /proc); sets NS_WRAPPER (the unshare
# process, whose exit status is CMD's) and NS_INIT (PID 1's pid on the host).
# A shell starts a background job with INT and QUIT ignored, and cinit
# hands what it inherits ignored on to its services, as tini does; env gives
# CMD the defaults a container runtime would.
start_in_pidns() {
	_o=$1
	_e=$2
	shift 2
	env --default-signal=INT,QUIT unshare --pid --fork --mount-proc --kill-child "$@" \
		>>"$_o" 2>>"$_e" &
	NS_WRAPPER=$!
	on_exit "kill -KILL $NS_WRAPPER"
	NS_INIT=
	wait_until 10 _ns_init_known
}
_ns_init_known() {
	NS_INIT=$(awk '{print $1}' "/proc/$NS_WRAPPER/task/$NS_WRAPPER/children" 2>/dev/null)
	[ -n "$NS_INIT" ] && [ "$(readlink "/proc/$NS_INIT/exe" 2>/dev/null)" != "$(readlink "/proc/$NS_WRAPPER/exe")" ]
}

# Runs CMD inside the pid and mount namespaces of NS_INIT.
ns_exec() { nsenter --target "$NS_INIT" --pid --mount "$@"; }

# ns_wait SECONDS: waits for the namespace's PID 1 to end; sets NS_STATUS.
ns_wait() {
	if wait_until "$1" _gone "$NS_WRAPPER"; then
		wait "$NS_WRAPPER"
		NS_STATUS=$?
		return 0
	fi
	NS_STATUS=timeout
	return 1
}
_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# file_has FILE REGEX: true when FILE has a line matching REGEX.
file_has() { grep -Eq -- "$2" "$1" 2>/dev/null; }

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run_conf NAME [CINIT-ARGS...]: starts cinit -c $TMP/NAME.ini as PID 1 of a
# new pid and network namespace (loopback up), output in $TMP/NAME.out/.err.
run_conf() {
	_n=$1
	shift
	start_in_pidns "$TMP/$_n.out" "$TMP/$_n.err" --net sh -c \
		'ip link set lo up && exec "$0" "$@"' "$CINIT" -c "$TMP/$_n.ini" "$@"
}

# cpu_ticks PID: user+system clock ticks the process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
