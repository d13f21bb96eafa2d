#!/bin/bash
# containerd runs its containers with cspawn-runtime (issue 15): Debian's
# containerd, started by the test with its own root, state, sockets and
# config (no CRI plugin), an image imported from an OCI layout that umoci
# built, and `ctr run --runc-binary` pointing its runc shim at the runtime
# (create, start, state, kill, exec, delete through containerd-shim-runc-v2).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rootfs.sh"
. "$(dirname "$0")/../lib/runtime.sh"
need_root_tools
need_static_cinit
for _t in containerd ctr containerd-shim-runc-v2 umoci; do
	if ! command -v $_t >/dev/null; then
		echo "Bail out! $_t is missing: sh tests/lib/deps.sh test installs it"
		exit 1
	fi
done

plan 14

C=$TMP/containerd
mkdir -p "$C"
# The shim gives the runtime /run/containerd/runc/NS as --root: the
# wrapper puts the test's own in its place.
cat >"$TMP/rt" <<SH
#!/bin/sh
[ "\$1" = --root ] && shift 2
echo "\$*" >> "$TMP/calls"
exec env CSPAWN_INIT="$STATIC_CINIT" "$CSPAWN_RUNTIME" --root "$RT_ROOT" "\$@"
SH
chmod +x "$TMP/rt"
cat >"$C/config.toml" <<EOF2
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$C/sock"
[ttrpc]
  address = "$C/ttrpc.sock"
EOF2
# The shims' sockets and ctr's fifos go under /run/containerd whatever the
# config says (containerd 1.6): what this test made there goes with it.
had_run_containerd=false
[ -d /run/containerd ] && had_run_containerd=true
containerd --config "$C/config.toml" >"$C/log" 2>&1 &
CTD=$!
on_exit "$had_run_containerd || find /run/containerd -depth -type d -empty -delete"
on_exit "kill_pid $CTD; wait $CTD"
on_exit rt_clean_up
c() { timeout -s KILL 60 ctr -a "$C/sock" -n cspawn-test "$@"; }
sock_ready() { [ -S "$C/sock" ] && c version >/dev/null 2>&1; }
wait_until 20 sock_ready
ok $? "containerd of the test's own is up"

# an OCI image of a busybox root, by umoci
make_rootfs "$TMP/root"
(cd "$TMP" && umoci init --layout img && umoci new --image img:1 &&
	umoci unpack --image img:1 b && rm -rf b/rootfs && cp -a root b/rootfs &&
	umoci repack --image img:1 b && tar -C img -cf img.tar .) >/dev/null 2>&1
c image import --index-name localhost/cspawn-rt:1 "$TMP/img.tar" >/dev/null 2>&1
ok $? "ctr image import: the image"
on_exit "c images rm localhost/cspawn-rt:1 >/dev/null 2>&1"

run_opts=(--snapshotter native --runc-binary "$TMP/rt" --env "SPAWN_MARK=$SPAWN_MARK")
I=$(rt_id a)
out=$(c run --rm "${run_opts[@]}" localhost/cspawn-rt:1 "$I" sh -c 'echo hello as pid $$; exit 3' 2>&1)
is "$?:$out" "3:hello as pid 1" "ctr run --rm: the container's output and exit status, PID 1 of its own"
grep -q " create --bundle .* --pid-file .* $I\$" "$TMP/calls" && grep -q " start $I\$" "$TMP/calls" &&
	grep -q " delete .*$I\$" "$TMP/calls"
ok $? "... through cspawn-runtime's create, start and delete"
grep -q -- "--log-format json" "$TMP/calls"
ok $? "... which the shim calls with --log and --log-format json"

I=$(rt_id b)
c run -d "${run_opts[@]}" localhost/cspawn-rt:1 "$I" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1
is $? 0 "ctr run -d: exits 0"
running() { c task ls 2>/dev/null | grep -q "^$I .*RUNNING"; }
wait_until 10 running
ok $? "... ctr task ls: running"
is "$(rt_status "$I")" running "... and cspawn-runtime says so"
pid=$(rt state "$I" | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
out=$(c task exec --exec-id e1 "$I" sh -c 'readlink /proc/self/ns/pid; exit 4' 2>&1)
is "$?:$out" "4:$(readlink /proc/$pid/ns/pid)" "ctr task exec: runs in the container, with its exit status"
c task pause "$I" && [ "$(rt_status "$I")" = paused ] && c task resume "$I"
ok $? "ctr task pause and resume: the freezer"
c task kill "$I"
stopped() { c task ls 2>/dev/null | grep -q "^$I .*STOPPED"; }
wait_until 10 stopped
ok $? "ctr task kill: SIGTERM, the container's trap ends it"
c task rm "$I" >/dev/null && c container rm "$I"
ok $? "ctr task rm and container rm"
[ -z "$(ls "$RT_ROOT" 2>/dev/null)" ]
ok $? "nothing of the containers left in the runtime's --root"

rt_check_no_leftovers
