# Helpers for the tests of cspawn-runtime, the OCI runtime. Source after
# tap.sh and rootfs.sh.
#   rt ARGS...                 the runtime, bounded, with this test's --root
#   make_bundle DIR ARGS...    a busybox bundle (config.json from `spec`)
#                              whose process runs ARGS, without a terminal
#   bundle_edit DIR PYTHON     edits DIR/config.json: PYTHON changes c
#   rt_status ID               the status that `state` says
#   rt_clean_up                deletes (--force) every container of the test

: "${CSPAWN_RUNTIME:=$CINIT_BUILD/cspawn-runtime}"
RT_ROOT=$TMP/rt-state
# Each test's containers are named with its prefix, so that their cgroups
# (cspawn-runtime/ID) are told from other tests'.
rt_id() { echo "$SPAWN_PREFIX-$1"; }

rt() { timeout -s KILL 30 env CSPAWN_INIT="$STATIC_CINIT" "$CSPAWN_RUNTIME" --root "$RT_ROOT" "$@"; }
# The same as a command line, for `"${RT[@]}" run ... &`.
RT=(env CSPAWN_INIT="$STATIC_CINIT" "$CSPAWN_RUNTIME" --root "$RT_ROOT")

bundle_edit() {
	python3 - "$1/config.json" "$2" <<-'PY'
		import json, sys
		path, code = sys.argv[1], sys.argv[2]
		c = json.load(open(path))
		exec(code)
		json.dump(c, open(path, "w"), indent=1)
	PY
}

make_bundle() {
	_b=$1
	shift
	mkdir -p "$_b" && make_rootfs "$_b/rootfs" || return 1
	(cd "$_b" && rt spec) || return 1
	_args=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
	bundle_edit "$_b" "c['process']['terminal'] = False
c['process']['args'] = $_args
c['process']['env'].append('SPAWN_MARK=$SPAWN_MARK')"
}

rt_status() {
	rt state "$1" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'
}

rt_clean_up() {
	for _d in "$RT_ROOT"/*; do
		[ -d "$_d" ] && rt delete --force "${_d##*/}" >/dev/null 2>&1
	done
	return 0
}

# What this test's containers left as cgroups of the runtime.
rt_leftovers() {
	find /sys/fs/cgroup -maxdepth 8 -type d -path "*/cspawn-runtime/$SPAWN_PREFIX-*" 2>/dev/null |
		sed 's/^/cgroup: /'
	ls -d "$RT_ROOT"/* 2>/dev/null | sed 's/^/state: /'
}
rt_no_leftovers() { [ -z "$(rt_leftovers)$(leftovers)" ]; }
rt_check_no_leftovers() {
	wait_until 5 rt_no_leftovers
	_st=$?
	ok $_st "nothing left behind (mounts, cgroups, state, processes)"
	[ $_st -eq 0 ] || { rt_leftovers; leftovers; } | sed 's/^/#   /'
}
