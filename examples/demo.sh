#!/bin/sh
# make demo: cinit doing its job as PID 1 of a fresh pid namespace.
set -eu
BUILD=${1:-build}
CINIT="$BUILD/cinit"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "1. zombies are reaped: the child leaves 1000 orphans behind"
unshare --pid --fork --mount-proc "$CINIT" -- sh -c '
	i=0; while [ $i -lt 1000 ]; do (true &) ; i=$((i+1)); done
	zombies() { z=0; for s in /proc/[0-9]*/stat; do
		case "$(cut -d" " -f3 "$s" 2>/dev/null)" in Z) z=$((z+1));; esac; done; }
	# give cinit up to 5 s; without it all 1000 would stay
	i=0; zombies; while [ $z -gt 0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); zombies; done
	echo "   zombies left in the namespace: $z"'

step "2. a signal is forwarded: SIGTERM to PID 1 reaches the child"
unshare --pid --fork --mount-proc "$CINIT" -- sh -c '
	trap "echo \"   child: got SIGTERM, exiting with 42\"; exit 42" TERM
	echo "   child: waiting; sending SIGTERM to PID 1 from inside"
	kill -TERM 1
	i=0; while [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done' || echo "   cinit exited with $?"

step "3. the exit code is passed through; 128+N for a signal"
unshare --pid --fork --mount-proc "$CINIT" -- sh -c 'exit 3' || echo "   exit 3       -> cinit exited with $?"
unshare --pid --fork --mount-proc "$CINIT" -- sh -c 'kill -KILL $$' || echo "   SIGKILL      -> cinit exited with $?"
unshare --pid --fork --mount-proc "$CINIT" -- no-such-program 2>&1 | sed "s/^/   /" || true
unshare --pid --fork --mount-proc "$CINIT" -- no-such-program 2>/dev/null || echo "   not found    -> cinit exited with $?"

step "4. supervision: two services from an INI file, one restarted on failure"
# web fails twice, then comes up and says it is ready; worker waits for that
cat >"$T/demo.ini" <<INI
[cinit]
control_socket = $T/cinit.sock
[service:web]
command = sh -c 'n=\$(cat $T/n 2>/dev/null || echo 0); echo \$((n+1)) > $T/n; [ \$n -ge 2 ] || { echo failing; exit 1; }; echo serving; touch $T/ready; exec sleep 600'
restart = on-failure
start_secs = 0
ready = file:$T/ready
[service:worker]
command = sh -c 'echo working; touch $T/worked; exec sleep 600'
depends = web
INI
unshare --pid --fork --mount-proc "$CINIT" -c "$T/demo.ini" &
ns=$!
i=0
while [ $i -lt 100 ] && ! [ -e "$T/worked" ]; do sleep 0.05; i=$((i+1)); done
"$CINIT" ctl -s "$T/cinit.sock" status | sed 's/^/   /'
init=$(cat /proc/$ns/task/$ns/children)
kill -TERM "$init"
wait "$ns" && echo "   SIGTERM: services stopped in order, cinit exited with 0"

step "5. cspawn: a busybox root as a container, cinit as PID 1, with limits"
CSPAWN="$BUILD/cspawn"
R="$T/root"
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'root:x:0:' >"$R/etc/group"
cat >"$R/demo.sh" <<'SH'
echo "   hostname: $(hostname); processes:"
ps -o pid,comm | sed "s/^/     /"
echo "   CapEff $(grep CapEff /proc/self/status | cut -f2), NoNewPrivs $(grep NoNewPrivs /proc/self/status | cut -f2), Seccomp $(grep '^Seccomp:' /proc/self/status | cut -f2)"
exit 7
SH
"$CSPAWN" --net none --name cinit-demo --hostname demo --memory 64m --pids-limit 50 "$R" sh /demo.sh ||
	echo "   the container exited with $?; its cgroup and mounts are gone"

step "6. the manager: a detached container, ps, exec, cinit ctl, logs, stop, rm"
# a store of the demo's own, so that nothing is left in /var/lib/cspawn
M() { "$CSPAWN" --root "$T/state" "$@"; }
cat >"$T/stack.ini" <<'INI'
[service:web]
command = httpd -f -p 8080 -h /tmp
[service:ticker]
command = sh -c 'while :; do echo tick; sleep 1; done'
INI
M run -d --name stack --net none -c "$T/stack.ini" "$R" >/dev/null && echo "   run -d: started"
M ps | sed 's/^/   /'
i=0
while [ $i -lt 100 ] && [ "$(M exec stack cinit ctl status 2>/dev/null | grep -c RUNNING)" != 2 ]; do
	sleep 0.05
	i=$((i + 1))
done
echo "   exec stack cinit ctl status:"
M exec stack cinit ctl status | sed 's/^/     /'
echo "   exec stack hostname: $(M exec stack hostname)"
mon=$(M inspect stack | grep -o '"Monitor": [0-9]*' | grep -o '[0-9]*$')
echo "   its monitor: pid $mon, $(basename "$(readlink "/proc/$mon/exe")"), $(awk '/^Private_Dirty:/ {print $2 " kB"}' "/proc/$mon/smaps_rollup") of memory its own (the rest is text every monitor shares)"
M logs --tail 2 stack | sed 's/^/   logs: /'
M stop -t 5 stack >/dev/null && echo "   stop: $(M ps -a --format json | grep -o '"Status": "[^"]*"' | head -1)"
M rm stack >/dev/null && echo "   rm: $(M ps -a -q | wc -l) containers left"
