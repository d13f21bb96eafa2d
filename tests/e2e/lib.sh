# Helpers for the end-to-end tests. Source after tap.sh, rootfs.sh,
# image.sh and netns.sh.
#   e2e_pull_app     the application image, as a user gets it: the cached
#                    Debian base (base.sh) with the files of tests/e2e/app
#                    added as a layer, pushed to a registry on loopback and
#                    pulled with `cspawn pull`; sets IMAGE (its reference)
#   hc ARGS...       cspawn --root $STATE ARGS in the test's host namespace,
#                    bounded
#   page PORT        the page served on the host's 127.0.0.1:PORT, or nothing
#   rcli ARGS...     redis-cli inside the container web's network namespace
#   ctr_ns_pids NAME PROG  pids (on the host) of PROG's processes in NAME
#   pid1 NAME        the container's PID 1 on the host (from inspect)

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
E2E_CACHE=${E2E_CACHE:-$(cd "$E2E_DIR/../.." && pwd)/build/e2e}
APP_DIR=$E2E_DIR/app

need_e2e_tools() {
	need_root_tools
	need_static_cinit
	need_image_tools
	for _t in debootstrap redis-cli flock; do
		command -v "$_t" >/dev/null 2>&1 || {
			echo "Bail out! needs $_t (make e2e installs it)"
			trap - EXIT
			rm -rf "$TMP"
			exit 1
		}
	done
}

e2e_pull_app() {
	_base=$(sh "$E2E_DIR/base.sh" "$E2E_CACHE") || return 1
	_l=$TMP/layout
	# the base's blobs are never written (their names are their digests):
	# links, not copies; the index is the test's own
	mkdir -p "$_l" &&
		cp -al "$_base/blobs" "$_l/" &&
		cp "$_base/index.json" "$_base/oci-layout" "$_l/" || return 1
	# One layer for the application, as a Dockerfile's COPY makes; the
	# image names its supervisor's config for cinit and runs no command of
	# its own (cinit runs the config's programs).
	# (a tar of our own: umoci 0.4.7's insert ends its layer short)
	tar -C "$APP_DIR" --owner=0 --group=0 --numeric-owner -cf "$TMP/app.tar" etc usr var &&
		umoci raw add-layer --image "$_l:base" --tag app "$TMP/app.tar" >"$TMP/umoci.log" 2>&1 &&
		umoci config --image "$_l:app" --clear config.cmd \
			--config.env CINIT_CONFIG=/etc/supervisor/supervisord.conf \
			--config.exposedports 80/tcp --config.volume /var/lib/redis >>"$TMP/umoci.log" 2>&1 || {
		sed 's/^/# umoci: /' "$TMP/umoci.log"
		return 1
	}
	start_registry "$TMP/registry" || return 1
	push_layout "$_l" app "$REG/e2e/app:1" || return 1
	IMAGE=$REG/e2e/app:1
	ci pull --insecure -q "$IMAGE" >"$TMP/pull.out" 2>&1 || {
		sed 's/^/# pull: /' "$TMP/pull.out"
		return 1
	}
}

hc() { H timeout -s KILL 120 "$CSPAWN" --root "$STATE" "$@"; }

page() { H timeout 5 curl -sf "http://127.0.0.1:$1/" 2>/dev/null; }
page_is() { [ "$(page "$1")" = "$2" ]; }

# state NAME FIELD: a field of inspect's State.
state() {
	hc inspect "$1" 2>/dev/null | python3 -c "import json, sys; print(json.load(sys.stdin)[0]['State']['$2'])" 2>/dev/null
}
pid1() { state "$1" Pid; }

# rcli NAME ARGS...: redis-cli in the container's network namespace (redis
# listens on the container's loopback only).
rcli() {
	_p=$(pid1 "$1")
	shift
	[ -n "$_p" ] && [ "$_p" != 0 ] && timeout 10 nsenter --net="/proc/$_p/ns/net" redis-cli "$@"
}

# ctr_ns_pids NAME COMM: host pids of the container's processes named COMM
# (the ones in its pid namespace).
ctr_ns_pids() {
	_p=$(pid1 "$1")
	[ -n "$_p" ] && [ "$_p" != 0 ] || return 1
	_ns=$(readlink "/proc/$_p/ns/pid")
	for _q in /proc/[0-9]*; do
		[ "$(readlink "$_q/ns/pid" 2>/dev/null)" = "$_ns" ] || continue
		[ "$(cat "$_q/comm" 2>/dev/null)" = "$2" ] && echo "${_q#/proc/}"
	done
}
