#!/bin/bash
# cspawn-runtime, the OCI runtime (issue 15): create leaves the container's
# process waiting until start; state, kill, delete, run, list, ps, spec,
# features, the global --root, --log and --log-format, and the refusals
# (--systemd-cgroup, a field the runtime cannot honour, a taken id).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit

plan 40

on_exit rt_clean_up
B=$TMP/bundle
make_bundle "$B" sh -c 'echo started; exec sleep 1000'
A=$(rt_id a)

# spec writes a default config.json, never over one
out=$(cd "$B" && rt spec 2>&1)
is $? 1 "spec: refuses to write over a config.json"
like "$out" "config.json: File exists" "... and says so"
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); assert c["ociVersion"].startswith("1.")' "$B/config.json"
ok $? "spec: the config is JSON of the spec"

# create: the process exists, set up, and waits for start
rt create --bundle "$B" --pid-file "$TMP/pid" "$A" >"$TMP/out" 2>"$TMP/err" </dev/null
is $? 0 "create exits 0"
is "$(rt_status "$A")" created "state: created"
pid=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
is "$(cat "$TMP/pid")" "$pid" "--pid-file holds the pid that state gives"
ok "$(kill -0 "$pid" 2>/dev/null; echo $?)" "... a live process"
is "$(cat "$TMP/out")" "" "... which has not run the command yet"
grep -q "SPAWN_MARK=$SPAWN_MARK" "/proc/$pid/environ" 2>/dev/null
is $? 1 "... nor exec'd it (its environment is still the runtime's)"
out=$(rt create --bundle "$B" "$A" 2>&1)
is $? 1 "create of a taken id fails"
like "$out" "container $A already exists" "... and says so"

# start: the command runs
rt start "$A"
is $? 0 "start exits 0"
out_has() { grep -q "$1" "$TMP/out"; }
wait_until 10 out_has started
ok $? "the command runs after start, with create's stdout"
is "$(rt_status "$A")" running "state: running"
out=$(rt start "$A" 2>&1)
is $? 1 "start of a running container fails"
like "$out" "not created" "... and says why"
is "$(rt ps -f json "$A")" "[
  $pid
]" "ps -f json: the pids in its cgroup"

# list
like "$(rt list)" "$A +$pid +running +$B" "list: id, pid, status, bundle"
is "$(rt list -q)" "$A" "list -q: the ids"
is "$(rt list -f json | python3 -c 'import json, sys; print([c["id"] for c in json.load(sys.stdin)])')" \
	"['$A']" "list -f json: the states"

# delete refuses a running container; kill, then delete
out=$(rt delete "$A" 2>&1)
is $? 1 "delete of a running container fails without --force"
like "$out" "running \(use --force\)" "... and says so"
rt kill "$A" KILL
is $? 0 "kill ID KILL exits 0"
stopped() { [ "$(rt_status "$A")" = stopped ]; }
wait_until 10 stopped
ok $? "state: stopped once it is dead"
out=$(rt kill "$A" 2>&1)
is $? 1 "kill of a stopped container fails"
rt delete "$A"
is $? 0 "delete exits 0"
out=$(rt state "$A" 2>&1)
is "$?:$out" "1:cspawn-runtime: container $A does not exist" "state after delete: no such container"

# delete of a created container (it only waits) needs no --force
rt create --bundle "$B" "$A" >/dev/null 2>&1 </dev/null
pid=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
rt delete "$A"
is $? 0 "delete of a created container"
gone() { ! kill -0 "$pid" 2>/dev/null || [ "$(sed 's/.*) //' /proc/$pid/stat | cut -c1)" = Z ]; }
wait_until 5 gone
ok $? "... ends its waiting process"

# run: create, start, wait, delete; the container's exit status
bundle_edit "$B" "c['process']['args'] = ['sh', '-c', 'echo ran; exit 7']"
out=$(rt run --bundle "$B" "$A" </dev/null 2>&1)
is "$?:$out" "7:ran" "run: the container's output and exit status"
[ ! -e "$RT_ROOT/$A" ]
ok $? "... and nothing of it left in --root"

# --log with --log-format json; the refusals
out=$(rt --log "$TMP/log" --log-format json --systemd-cgroup create --bundle "$B" "$A" 2>&1 </dev/null)
is $? 1 "--systemd-cgroup: refused"
like "$out" "systemd cgroup driver is not supported" "... with the reason"
python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).readline())
assert e["level"] == "error" and "systemd" in e["msg"] and e["time"], e' "$TMP/log"
ok $? "--log-format json: the error in the log as runc writes it"
bundle_edit "$B" "c['process']['apparmorProfile'] = 'docker-default'"
out=$(rt create --bundle "$B" "$A" 2>&1 </dev/null)
is $? 1 "a field this runtime cannot honour: refused"
like "$out" "process.apparmorProfile" "... naming the field"
[ ! -e "$RT_ROOT/$A" ]
ok $? "... before anything is made"
out=$(rt frobnicate 2>&1)
is "$?" 1 "an unknown command fails"
rt features | python3 -c 'import json, sys; f = json.load(sys.stdin); assert f["ociVersionMax"] == "1.1.0" and "createRuntime" in f["hooks"]'
ok $? "features: the 1.1 document"

rt_check_no_leftovers
