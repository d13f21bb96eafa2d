#!/bin/bash
# Restarts across reboots (issue 9, item 9): after a simulated reboot (every
# container and monitor SIGKILLed, the runtime directory gone), `cspawn
# boot` starts the containers with --restart always, the unless-stopped
# ones the user did not stop and, as docker's daemon does at its start, the
# on-failure ones whose last run failed (killed with the host: docker's
# exit code 255) with retries left, and no others; the host's shutdown (SIGTERM
# to a monitor, `cspawn boot --shutdown`) is not the user's stop.
# `cspawn generate systemd NAME` prints a unit of the container's own.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
need_root_tools
need_static_cinit

plan 18

R=$TMP/root
make_rootfs "$R"
on_exit "clean_up_after '$R'"

LOOP='trap "exit 0" TERM; while :; do sleep 0.05; done'
state_of() { csm ps -a --format json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["Name"] == sys.argv[1]: print(c["State"])' "$1"; }
field() { csm inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]$2)"; }
is_running() { [ "$(state_of "$1")" = running ]; }
not_running() { ! is_running "$1"; }

for n in always always-stopped unless unless-stopped unless-term unless-shut; do
	policy=${n%%-*}
	[ "$policy" = unless ] && policy=unless-stopped
	run_d --name "$n" --restart "$policy" "$R" sh -c "$LOOP" >/dev/null
done
run_d --name never "$R" sh -c "$LOOP" >/dev/null
run_d --name onfail --restart on-failure "$R" sh -c "$LOOP" >/dev/null
run_d --name onfail-stopped --restart on-failure "$R" sh -c "$LOOP" >/dev/null
run_d --name onfail-ok --restart on-failure "$R" true >/dev/null
run_d --name onfail-max --restart on-failure:1 "$R" sh -c 'exit 3' >/dev/null
csm stop -t 5 always-stopped unless-stopped onfail-stopped >/dev/null
used_up() { [ "$(state_of onfail-max)" = exited ] && [ "$(field onfail-max '["State"]["Restarts"]')" = 1 ]; }
wait_until 10 eval '[ "$(state_of onfail-ok)" = exited ] && used_up'
ok $? "on-failure: one that exits 0 stays exited, one that fails uses its one retry"

# the host's shutdown, as systemd does it: SIGTERM to the monitor ...
mon=$(field unless-term '["State"]["Monitor"]')
kill -TERM "$mon"
wait_until 10 not_running unless-term
ok $? "SIGTERM to a monitor stops its container"
is "$(field unless-term '["State"]["StoppedByUser"]')" False "... and that is not the user's stop"
# ... or the unit's ExecStop
is "$(csm boot --shutdown 2>&1 | sort | tr '\n' ' ')" "always never onfail unless unless-shut " \
	"boot --shutdown stops every running container, naming them"
is "$(field unless-shut '["State"]["StoppedByUser"]')" False "... and not as the user's stop"
for n in always never onfail unless; do csm start "$n" >/dev/null; done

# the reboot: every container and monitor killed, the runtime state gone
pids=
for n in always unless never onfail; do
	pids="$pids $(field "$n" '["State"]["Pid"]') $(field "$n" '["State"]["Monitor"]')"
done
kill -KILL $pids
gone() { for p in $pids; do [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" && return 1; done; return 0; }
wait_until 10 gone
ok $? "the simulated reboot: containers and monitors killed"
rm -rf "$CSPAWN_ROOT/run"
is "$(state_of always) $(state_of never)" "dead dead" "ps: what was running is dead"

is "$(csm boot 2>&1 | sort | tr '\n' ' ')" "always always-stopped onfail unless unless-shut unless-term " \
	"boot starts always (even one the user stopped), unless-stopped unless the user stopped it, on-failure killed with the host"
up=
for n in always always-stopped unless unless-shut unless-term onfail never unless-stopped onfail-stopped onfail-ok onfail-max; do
	up="$up $n:$(state_of "$n")"
done
is "$up" " always:running always-stopped:running unless:running unless-shut:running unless-term:running onfail:running never:exited unless-stopped:exited onfail-stopped:exited onfail-ok:exited onfail-max:exited" \
	"... they run; the others (no policy, stopped by the user, on-failure that exited 0 or used its retries) do not"
is "$(csm boot 2>&1)" "" "boot again: nothing more to start"

# a unit of its own, as podman's generate systemd
id=$(field always '["Id"]')
unit=$(csm generate systemd always)
like "$unit" "ExecStart=$CSPAWN start $id" "generate systemd: ExecStart= starts it by id"
like "$unit" "ExecStop=$CSPAWN stop -t 10 $id" "... ExecStop= stops it with its timeout"
like "$unit" "PIDFile=$CSPAWN_ROOT/run/containers/$id/monitor.pid" "... PIDFile= is its monitor's"
is "$(cat "$CSPAWN_ROOT/run/containers/$id/monitor.pid")" "$(field always '["State"]["Monitor"]')" \
	"... which the monitor writes"
like "$unit" "Environment=CSPAWN_ROOT=$CSPAWN_ROOT" "... and --root (CSPAWN_ROOT) goes with it"
(cd "$TMP" && csm generate systemd --files always >"$TMP/files.out")
is "$(cat "$TMP/files.out")" "$TMP/container-always.service" "--files writes container-NAME.service"
# (systemd-analyze: Debian's systemd, in deps.sh's test group)
systemd-analyze verify --man=no "$TMP/container-always.service" >"$TMP/verify" 2>&1
ok $? "systemd-analyze verify accepts it" || sed 's/^/#   /' "$TMP/verify"

csm rm -f always always-stopped unless unless-stopped unless-term unless-shut never onfail \
	onfail-stopped onfail-ok onfail-max >/dev/null
check_no_leftovers
