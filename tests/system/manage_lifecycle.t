#!/bin/bash
# Detached containers (issue 9): run -d returns once PID 1 runs (or says
# why not), a monitor per container holds its state, logs and restarts,
# and start, stop, kill, restart, wait, rm, ps and inspect act on it by
# name or id prefix; killing the monitor leaves the container alive and the
# store truthful.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 38

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

status_of() { csm ps -a --format json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["Name"] == sys.argv[1]: print(c["State"], c["ExitCode"], c["Status"])' "$1"; }
state_is() { status_of "$1" | grep -q "^$2"; }
log_has() { csm logs "$1" 2>&1 | grep -q -- "$2"; }

# run -d: the id, once PID 1 runs
id=$(run_d --name web "$R" sh -c 'echo out-line; echo err-line >&2; trap "exit 3" TERM; while :; do sleep 0.05; done')
is $? 0 "run -d exits 0"
like "$id" '^[0-9a-f]{64}$' "... and prints the container's id"
like "$(status_of web)" "^running -1 Up " "ps: it is running"
wait_until 10 log_has web err-line
is "$(csm logs web 2>/dev/null)" out-line "logs: stdout on stdout"
is "$(csm logs web 2>&1 >/dev/null)" err-line "... and stderr on stderr"
like "$(csm logs -t web 2>/dev/null)" '^20[0-9-]+T[0-9:.]+Z out-line$' "logs -t: a timestamp before each line"
like "$(csm ps)" "${id:0:12} .* web" "ps lists it by short id and name"
is "$(csm ps -q)" "${id:0:12}" "ps -q: the short id"

# names and prefixes
like "$(run_d --name web "$R" true 2>&1)" "the name 'web' is already in use by container ${id:0:12}" \
	"a second container of the same name is refused, naming the holder"
like "$(csm inspect "${id:0:6}")" '"Name": "web"' "inspect by an id prefix"
csm stop nosuch >/dev/null 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "1:cspawn: no such container: nosuch" "an unknown name is a clear error"

# stop: the stop signal reaches PID 1's service, its code is kept
csm stop -t 5 web >/dev/null
like "$(status_of web)" "^exited 3 Exited \(3\)" "stop: SIGTERM reaches the service (its trap exits 3)"
is "$(csm wait web)" 3 "wait on an exited container prints its code"
like "$(csm kill web 2>&1)" "not running" "kill of a stopped container: not running"

# start again: the same container, logs kept
csm start web >/dev/null
is $? 0 "start runs it again"
wait_until 10 state_is web running
ok $? "... and it runs"
wait_until 10 eval '[ "$(csm logs web 2>/dev/null | grep -c out-line)" -ge 2 ]'
ok $? "... its log holds both runs"
is "$(csm logs --tail 2 web 2>&1 | sort | tr '\n' ' ')" "err-line out-line " \
	"logs --tail 2: the last run's two lines only"

# kill -s and wait
(csm wait web >"$TMP/waited" 2>&1) &
waiter=$!
csm kill -s USR1 web >/dev/null
wait_until 10 state_is web exited
ok $? "kill -s USR1: cinit passes it to its service, which dies of it"
wait_bounded $waiter 10
is "$(cat "$TMP/waited")" 138 "wait: prints the exit code (128+10)"

# a failed start: the same messages as the foreground run
out=$(run_d --name bad "$R" nosuchcommand 2>&1)
st=$?
ok "$([ $st -ne 0 ]; echo $?)" "run -d of a missing command fails ($st)"
like "$out" "nosuch" "... naming the command"
out=$(run_d --name bad2 "$TMP/nosuchroot" true 2>&1)
is "$?:$(echo "$out" | head -1)" "125:cspawn: ROOTFS $TMP/nosuchroot: No such file or directory" \
	"run -d of a missing root: 125 and the same message"

# the monitor killed: the container goes on, ps tells the truth
id2=$(run_d --name svc "$R" sh -c 'trap "exit 0" TERM; while :; do sleep 0.05; done')
mon=$(csm inspect svc | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Monitor"])')
pid=$(csm inspect svc | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
kill -KILL "$mon"
wait_until 5 eval '! kill -0 '"$mon"' 2>/dev/null || grep -q "^State:.*Z" /proc/'"$mon"'/status'
ok "$(kill -0 "$pid"; echo $?)" "SIGKILL of the monitor: the container lives on"
like "$(status_of svc)" "^running .*\(no monitor\)" "ps says so"
csm stop -t 5 svc >/dev/null
is $? 0 "stop still works"
wait_until 5 _exited "$pid"
ok $? "... and the container is gone (ended; a zombie until the host's init reaps it)"
like "$(status_of svc)" "^exited -1 Exited \(unknown\)" "... its end known, not its code"

# the monitor killed and the state then broken: the pid is not known, and
# rm -f still ends the container, by the cgroup its start recorded
run_d --name blind "$R" sleep 1000 >/dev/null
bid=$(csm inspect blind | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
pid=$(csm inspect blind | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
kill -KILL "$(csm inspect blind | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Monitor"])')"
echo '{"status": "runn' >"$CSPAWN_ROOT/lib/containers/$bid/state.json"
csm rm -f blind >/dev/null 2>&1
is "$?:$(csm ps -aq | grep -c "^${bid:0:12}")" "0:0" "rm -f of a container whose monitor died and whose state broke: removed"
wait_until 5 _exited "$pid"
ok $? "... and its process is gone with its cgroup"

# rm: refused while running, -f stops first, everything goes
csm start svc >/dev/null
like "$(csm rm svc 2>&1)" "is running: stop it first, or use rm -f" "rm of a running container is refused"
csm rm -f svc >/dev/null
is $? 0 "rm -f stops and removes it"
like "$(csm ps -a)" "web" "... the others stay"
ok "$(! csm ps -a | grep -q svc; echo $?)" "... it is gone from ps -a"

# a broken record: named, and the others are still listed
mkdir -p "$CSPAWN_ROOT/lib/containers/$(printf 'a%.0s' $(seq 64))"
echo '{broken' >"$CSPAWN_ROOT/lib/containers/$(printf 'a%.0s' $(seq 64))/container.json"
out=$(csm ps -a 2>&1)
like "$out" "broken record: .*container.json" "a corrupt record is named"
like "$out" " web$" "... and the other containers are still listed"
rm -rf "$CSPAWN_ROOT/lib/containers/$(printf 'a%.0s' $(seq 64))"

csm rm -f web bad >/dev/null 2>&1
ok "$(csm ps -aq | grep -c . | grep -qx 0; echo $?)" "rm: the store is empty"
check_no_leftovers
