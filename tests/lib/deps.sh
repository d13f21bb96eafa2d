#!/bin/sh
# Installs the Debian packages a target needs when they are missing, and
# says which. Usage: deps.sh [build] [test] [bench] [fuzz]  (default: build test)
set -eu

groups=${*:-build test}
want=""
for g in $groups; do
	case $g in
	build) want="$want make gcc libc6-dev libev-dev libinih-dev libseccomp-dev libjansson-dev pkg-config libcurl4-openssl-dev libarchive-dev libssl-dev" ;;
	test) want="$want perl util-linux procps iproute2 busybox-static python3 file strace redis-server nginx-light runc crun docker-registry skopeo umoci podman openssl curl apache2-utils" ;;
	bench) want="$want tini dumb-init catatonit supervisor s6 runit crun runc bubblewrap valgrind hyperfine python3 debootstrap podman iptables time" ;;
	fuzz) want="$want clang libclang-rt-14-dev" ;;
	*) echo "deps.sh: unknown group '$g'" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# The tests run redis-server and nginx themselves, in namespaces of their
# own; their packages must not start host-wide daemons on ports 80 and 6379.
# A policy-rc.d of ours, for the install only, says so to invoke-rc.d.
rcd=/usr/sbin/policy-rc.d
if [ ! -e "$rcd" ]; then
	printf '#!/bin/sh\n# deps.sh: no daemons start while it installs\nexit 101\n' >"$rcd"
	chmod 755 "$rcd"
	trap 'rm -f "$rcd"' EXIT
fi
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
