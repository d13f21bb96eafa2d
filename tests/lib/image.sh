# Helpers for the image system tests. Source after tap.sh.
#   need_image_tools        bail out unless root and the registry tools are here
#   ci ARGS...              cspawn --root $STATE ARGS, bounded
#   free_port               a TCP port nobody listens on, on 127.0.0.1
#   start_registry DIR [tls DIR_OF_CERTS] [htpasswd FILE]
#                           Debian's docker-registry on 127.0.0.1; sets REG
#                           (HOST:PORT) and REG_LOG (its access log)
#   make_layout DIR TAG     an OCI layout (umoci) of a busybox root: two
#                           layers, the second deleting /hello
#   push_layout DIR TAG REF [SKOPEO-ARGS...]
#   layer_dirs NAME         the image's layer directories, lowest first
#   load_layout_image       make_layout's image loaded into the store (csm);
#                           sets IMAGE to its name, returns load's status

STATE="$TMP/state"

need_image_tools() {
	for _t in docker-registry skopeo umoci podman openssl htpasswd python3 curl "$CSPAWN"; do
		if ! command -v "$_t" >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
			echo "Bail out! needs root and $_t (make check installs it)"
			trap - EXIT
			rm -rf "$TMP"
			exit 1
		fi
	done
}

ci() { timeout -s KILL 60 "$CSPAWN" --root "$STATE" "$@"; }

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_registry() {
	_rd=$1
	shift
	_tls=
	_htp=
	while [ $# -gt 0 ]; do
		case $1 in
		tls) _tls=$2 ;;
		htpasswd) _htp=$2 ;;
		esac
		shift 2
	done
	mkdir -p "$_rd/data"
	_port=$(free_port)
	{
		printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\n'
		printf 'storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$_rd/data"
		printf 'http:\n  addr: 127.0.0.1:%s\n' "$_port"
		[ -n "$_tls" ] && printf '  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n' "$_tls" "$_tls"
		[ -n "$_htp" ] && printf 'auth:\n  htpasswd:\n    realm: test\n    path: %s\n' "$_htp"
	} >"$_rd/registry.yml"
	docker-registry serve "$_rd/registry.yml" >"$_rd/registry.log" 2>&1 &
	_rpid=$!
	on_exit "kill -KILL $_rpid"
	REG="127.0.0.1:$_port"
	REG_LOG="$_rd/registry.log"
	if [ -n "$_tls" ]; then
		wait_until 10 curl -s -o /dev/null --cacert "$_tls/ca.crt" "https://$REG/v2/"
	else
		wait_until 10 curl -sf -o /dev/null "http://$REG/v2/"
	fi
}

# make_ca DIR: a test CA and a server certificate for 127.0.0.1 signed by it.
make_ca() {
	mkdir -p "$1"
	(
		cd "$1" &&
			openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=cspawn-test-ca \
				-keyout ca.key -out ca.crt &&
			openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
				-keyout server.key -out server.csr &&
			printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
			openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
				-days 2 -extfile ext -out server.crt
	) >/dev/null 2>&1
}

make_layout() {
	_l=$1
	_b="$TMP/bundle.$$"
	rm -rf "$_b"
	umoci init --layout "$_l" &&
		umoci new --image "$_l:$2" &&
		umoci unpack --image "$_l:$2" "$_b" >/dev/null &&
		make_rootfs "$_b/rootfs" &&
		echo hello >"$_b/rootfs/hello" &&
		umoci repack --refresh-bundle --image "$_l:$2" "$_b" &&
		rm "$_b/rootfs/hello" &&
		echo two >"$_b/rootfs/two" &&
		umoci repack --refresh-bundle --image "$_l:$2" "$_b" &&
		umoci config --image "$_l:$2" --config.entrypoint /bin/sh --config.cmd -c \
			--config.cmd 'echo hi' --config.env FOO=bar --config.workingdir /home/app \
			--config.user 1000 --config.exposedports 80/tcp --config.volume /data \
			--config.label org.test=yes --config.stopsignal SIGQUIT &&
		rm -rf "$_b"
}

load_layout_image() {
	make_layout "$TMP/layout" 1 >/dev/null 2>&1
	csm load --oci "$TMP/layout:1" >/dev/null 2>&1
	_rc=$?
	IMAGE=$(csm images --format json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Names"][0])' 2>/dev/null)
	[ -n "$IMAGE" ] || IMAGE=localhost/layout:1
	return $_rc
}

push_layout() {
	_l=$1
	_t=$2
	_ref=$3
	shift 3
	skopeo copy -q --dest-tls-verify=false "$@" "oci:$_l:$_t" "docker://$_ref"
}

layer_dirs() {
	ci image inspect "$1" | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)[0]["Layers"]))'
}

# inspect_field NAME PYTHON-EXPR: a value of the image's inspect JSON (i).
inspect_field() {
	ci image inspect "$1" | python3 -c "import json, sys; i = json.load(sys.stdin)[0]; print($2)"
}

# start_proxy NAME [regproxy.py options]: tests/helpers/regproxy.py in front
# of $REG; sets PROXY (HOST:PORT) and PROXY_LOG.
start_proxy() {
	_pn=$1
	shift
	PROXY_LOG="$TMP/$_pn.log"
	: >"$PROXY_LOG"
	python3 "$(dirname "$0")/../helpers/regproxy.py" --upstream "$REG" \
		--port-file "$TMP/$_pn.port" --log "$PROXY_LOG" "$@" 2>"$TMP/$_pn.err" &
	_ppid=$!
	on_exit "kill -KILL $_ppid"
	wait_until 10 test -s "$TMP/$_pn.port"
	PROXY="127.0.0.1:$(cat "$TMP/$_pn.port")"
}
