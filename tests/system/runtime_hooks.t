#!/bin/bash
# The OCI hooks (issue 15): prestart, createRuntime, createContainer,
# startContainer, poststart and poststop, each at its moment and in its
# namespaces, with the container's state on stdin; a failing or hanging
# hook fails the create and leaves nothing behind; poststart and poststop
# failures are warnings, as the spec says.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit

plan 22

on_exit rt_clean_up
B=$TMP/bundle
H=$TMP/hooks
mkdir -p "$H"
make_bundle "$B" sh -c 'echo ran > /hooks/ran; exec sleep 1000'
bundle_edit "$B" "c['mounts'].append({'destination': '/hooks', 'type': 'bind', 'source': '$H', 'options': ['rbind', 'rw']})"
A=$(rt_id a)

# Each host hook saves its stdin and what it sees of the container: its
# mount namespace (the runtime's or the container's), its network
# namespace, and whether the container's command has run yet.
cat >"$TMP/hook.sh" <<'SH'
#!/bin/sh
kind=$1
cat > "$HOOKS/$kind.state"
readlink /proc/self/ns/mnt > "$HOOKS/$kind.mnt"
[ -e "$HOOKS/ran" ] && echo after > "$HOOKS/$kind.when" || echo before > "$HOOKS/$kind.when"
echo "$kind" >> "$HOOKS/order"
SH
chmod +x "$TMP/hook.sh"
# startContainer runs inside: its path is the container's, its files too
cat >"$B/rootfs/bin/start-hook" <<'SH'
#!/bin/sh
cat > /hooks/startContainer.state
[ -e /hooks/ran ] && echo after > /hooks/startContainer.when || echo before > /hooks/startContainer.when
echo startContainer >> /hooks/order
SH
chmod +x "$B/rootfs/bin/start-hook"
hook() { echo "{'path': '$TMP/hook.sh', 'args': ['hook.sh', '$1'], 'env': ['HOOKS=$H']}"; }
bundle_edit "$B" "c['hooks'] = {
 'prestart': [$(hook prestart)], 'createRuntime': [$(hook createRuntime)],
 'createContainer': [$(hook createContainer)],
 'startContainer': [{'path': '/bin/start-hook'}],
 'poststart': [$(hook poststart)], 'poststop': [$(hook poststop)]}"

rt create --bundle "$B" "$A" >/dev/null 2>&1 </dev/null
is $? 0 "create with hooks exits 0"
is "$(cat "$H/order" | tr '\n' ' ')" "prestart createRuntime createContainer " \
	"create runs prestart, createRuntime, createContainer in order"
pid=$(rt state "$A" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
state_is() { python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["id"] == sys.argv[2] and s["status"] == sys.argv[3] and s["bundle"] == sys.argv[4], s
assert sys.argv[3] == "stopped" or s["pid"] == int(sys.argv[5]), s' "$H/$1.state" "$A" "$2" "$B" "$pid"; }
state_is createRuntime creating
ok $? "createRuntime: the state on stdin (id, creating, the pid, the bundle)"
is "$(cat "$H/createRuntime.mnt")" "$(readlink /proc/self/ns/mnt)" "... run in the runtime's mount namespace"
is "$(cat "$H/createContainer.mnt")" "$(readlink /proc/$pid/ns/mnt)" \
	"createContainer: run in the container's mount namespace"
state_is createContainer creating
ok $? "... with the state on stdin"
[ ! -e "$H/startContainer.state" ]
ok $? "startContainer has not run before start"

rt start "$A"
is $? 0 "start exits 0"
ran() { [ -e "$H/ran" ]; }
wait_until 10 ran
is "$(cat "$H/order" | tr '\n' ' ')" \
	"prestart createRuntime createContainer startContainer poststart " \
	"start runs startContainer (inside) and poststart"
is "$(cat "$H/startContainer.when")" before "startContainer: before the command"
state_is startContainer created
ok $? "... with the state on stdin"
state_is poststart running
ok $? "poststart: the state on stdin (running)"

rt delete --force "$A"
is $? 0 "delete exits 0"
state_is poststop stopped
ok $? "poststop: run by delete, the state on stdin (stopped)"

# a failing createRuntime hook fails the create, and nothing is left
bundle_edit "$B" "c['hooks'] = {'createRuntime': [{'path': '/bin/false', 'args': ['false']}]}"
out=$(rt create --bundle "$B" "$A" 2>&1 </dev/null)
is $? 1 "a failing createRuntime hook fails the create"
like "$out" "hooks.createRuntime\[0\] /bin/false: exited with 1" "... naming the hook"
[ ! -e "$RT_ROOT/$A" ]
ok $? "... and removes what it made"

bundle_edit "$B" "c['hooks'] = {'createContainer': [{'path': '/bin/sleep', 'args': ['sleep', '100'], 'timeout': 1}]}"
out=$(rt create --bundle "$B" "$A" 2>&1 </dev/null)
is $? 1 "a createContainer hook past its timeout fails the create"
like "$out" "hooks.createContainer\[0\] /bin/sleep: timed out after 1s" "... and says so"

# poststart failing: a warning, the container runs
bundle_edit "$B" "c['hooks'] = {'poststart': [{'path': '/bin/false', 'args': ['false']}]}"
rt create --bundle "$B" "$A" >/dev/null 2>&1 </dev/null
out=$(rt start "$A" 2>&1)
is $? 0 "a failing poststart hook does not fail start"
like "$out" "warning: .*hooks.poststart\[0\] /bin/false: exited with 1" "... it is warned about"
rt delete --force "$A"

rt_check_no_leftovers
