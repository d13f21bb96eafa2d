#!/bin/bash
# podman runs its containers with cspawn-runtime (issue 15): `podman
# --runtime PATH` drives it through conmon (create with --pid-file, start,
# state, kill, delete --force, and with -t the console socket). podman's
# storage, run directory and temporary files are this test's own, its
# containers have no network and a cgroup parent of the test's, so nothing
# of the host's podman is touched.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit
if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	echo "Bail out! podman and conmon are missing: sh tests/lib/deps.sh test installs them"
	exit 1
fi

plan 21

# podman calls the runtime with conmon's environment: a wrapper gives it
# the test's --root and cinit.
cat >"$TMP/rt" <<SH
#!/bin/sh
echo "\$*" >> "$TMP/calls"
exec env CSPAWN_INIT="$STATIC_CINIT" "$CSPAWN_RUNTIME" --root "$RT_ROOT" "\$@"
SH
chmod +x "$TMP/rt"
# (a private containers.conf: ulimits this host lets root set, as
# peers-on-this-host.md says; no events file or lock outside the test)
cat >"$TMP/containers.conf" <<EOF2
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
tmp_dir = "$TMP/podman-tmp"
events_logger = "none"
EOF2
export CONTAINERS_CONF=$TMP/containers.conf
CGP=/$SPAWN_PREFIX-podman
pm() {
	timeout -s KILL 60 podman --root "$TMP/store" --runroot "$TMP/podman-run" \
		--storage-driver vfs --cgroup-manager cgroupfs --runtime "$TMP/rt" "$@"
}
run_opts=(--network none --cgroup-parent "$CGP" -e "SPAWN_MARK=$SPAWN_MARK")
remove_cgroup_parent() {
	for _d in /sys/fs/cgroup/*/"${CGP#/}" /sys/fs/cgroup/"${CGP#/}"; do
		[ -d "$_d" ] && rmdir "$_d"/* "$_d" 2>/dev/null
	done
	return 0
}
on_exit remove_cgroup_parent
on_exit "pm rm -af >/dev/null 2>&1; rt_clean_up"

make_rootfs "$TMP/root"
tar -C "$TMP/root" -cf "$TMP/root.tar" .
pm import "$TMP/root.tar" localhost/cspawn-rt-test:1 >/dev/null 2>&1
ok $? "podman import: a busybox image"

pm run --rm "${run_opts[@]}" localhost/cspawn-rt-test:1 true
is $? 0 "podman run --rm IMAGE true: exits 0"
grep -q "^create --bundle .* --pid-file " "$TMP/calls" && grep -q "^start " "$TMP/calls" &&
	grep -q "^delete --force " "$TMP/calls"
ok $? "... through cspawn-runtime's create, start and delete"
out=$(pm run --rm "${run_opts[@]}" localhost/cspawn-rt-test:1 sh -c 'echo out; echo err >&2; exit 3' 2>"$TMP/err")
is "$?:$out:$(cat "$TMP/err")" "3:out:err" "podman run: the container's stdout, stderr and exit status"

out=$(pm run --rm -t "${run_opts[@]}" localhost/cspawn-rt-test:1 tty </dev/null)
like "$out" "^/dev/pts/0" "podman run -t: a terminal through the console socket"

id=$(pm run -d "${run_opts[@]}" localhost/cspawn-rt-test:1 sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
is $? 0 "podman run -d: exits 0"
running() { [ "$(pm inspect -f '{{.State.Status}}' "$id" 2>/dev/null)" = running ]; }
wait_until 10 running
ok $? "... the container is running"
is "$(rt_status "$id")" running "... and cspawn-runtime says so"
is "$(pm ps -q --no-trunc)" "$id" "podman ps lists it"

out=$(pm exec "$id" sh -c 'echo in-$(hostname); exit 5')
is "$?:$out" "5:in-${id:0:12}" "podman exec: runs in the container, with its exit status"
grep -q "^exec .*--process .*--detach.* $id" "$TMP/calls"
ok $? "... through cspawn-runtime exec --process --detach"
is "$(pm exec -u 1000:1000 "$id" id -u)" 1000 "podman exec -u"
like "$(pm exec -t "$id" tty </dev/null)" "^/dev/pts/[0-9]" "podman exec -t: a terminal through the console socket"

pm pause "$id" >/dev/null
is "$?:$(rt_status "$id")" "0:paused" "podman pause: the runtime's pause"
pm unpause "$id" >/dev/null
is "$?:$(rt_status "$id")" "0:running" "podman unpause: the runtime's resume"

pm stop -t 10 "$id" >/dev/null
is $? 0 "podman stop: exits 0"
is "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" "exited 0" \
	"... the container ended by its SIGTERM trap, with 0"
grep -q "^kill $id 15" "$TMP/calls"
ok $? "... through cspawn-runtime's kill"
pm rm "$id" >/dev/null
is $? 0 "podman rm: exits 0"
[ -z "$(ls "$RT_ROOT" 2>/dev/null)" ]
ok $? "nothing of the containers left in the runtime's --root"

rt_check_no_leftovers
