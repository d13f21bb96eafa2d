#!/bin/sh
# The Debian packages and sources the build and the tests need.
#
#   deps.sh [GROUP...]            install what is missing (root), say what
#   deps.sh --check [GROUP...]    exit 1 with one line naming what is missing
#   deps.sh --source DIR PKG/SUITE...
#                                 unpack Debian's source package PKG, as the
#                                 archive serves it for SUITE, into DIR/PKG
#   deps.sh --mirror SUITE        print the URI of the Debian mirror this
#                                 machine's apt takes SUITE (or, when it has
#                                 no source for it, its own release) from
#
# Groups: build (both builds), musl (build/cinit against musl), test, bench,
# fuzz; the default is build musl test.
set -eu

packages() {
	for g in "$@"; do
		case $g in
		build) echo make gcc libc6-dev libev-dev libinih-dev libseccomp-dev libjansson-dev pkg-config libnl-3-dev libnl-route-3-dev libnftables-dev libcurl4-openssl-dev libarchive-dev nettle-dev ;;
		# dpkg-dev unpacks the source packages of libev and libinih, which
		# the musl build compiles itself; linux-libc-dev has the kernel's
		# headers, which musl's include directory leaves out
		musl) echo musl-tools dpkg-dev linux-libc-dev ;;
		# debootstrap makes the Debian root of the end-to-end suite (tests/e2e)
		test) echo perl util-linux procps iproute2 nftables busybox-static python3 file strace redis-server nginx-light runc crun valgrind docker-registry skopeo umoci podman containerd openssl curl apache2-utils debootstrap systemd ;;
		bench) echo tini dumb-init catatonit supervisor s6 runit crun runc bubblewrap valgrind hyperfine python3 debootstrap podman iptables time ;;
		fuzz) echo clang libclang-rt-14-dev ;;
		*)
			echo "deps.sh: unknown group '$g'" >&2
			exit 2
			;;
		esac
	done
}

missing_packages() {
	for p in $(packages "$@"); do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			printf ' %s' "$p"
	done
}

install_packages() {
	missing=$(missing_packages "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "deps.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# The tests run redis-server and nginx themselves, in namespaces of their
	# own; their packages must not start host-wide daemons on ports 80 and
	# 6379. A policy-rc.d of ours, for the install only, says so to
	# invoke-rc.d.
	rcd=/usr/sbin/policy-rc.d
	if [ ! -e "$rcd" ]; then
		printf '#!/bin/sh\n# deps.sh: no daemons start while it installs\nexit 101\n' >"$rcd"
		chmod 755 "$rcd"
		trap 'rm -f "$rcd"' EXIT
	fi
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
}

# The URI of the Debian archive that this machine's apt takes its own
# release's main component from: the source packages come from the same
# mirror, whatever it is.
archive_uri() {
	codename=$1
	# shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(CREATED_BY)' |
		awk -v r="$codename" '$2 == r && $3 == "main" && $4 == "Packages" { print $1; exit }'
}

# apt-get with a state of its own under DIR: a deb-src list for the suites
# asked for, its index files and caches. The machine's apt sources, lists and
# caches are left as they are, and a plain user can run it.
private_apt() {
	dir=$1
	shift
	apt-get -q -o Dir::Etc::SourceList="$dir/none.list" -o Dir::Etc::SourceParts="$dir/sources" \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o APT::Sandbox::User="$(id -un)" "$@"
}

fetch_sources() {
	mkdir -p "$1"
	out=$(cd "$1" && pwd)
	shift
	codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
	uri=$(archive_uri "$codename")
	if [ -z "$uri" ]; then
		echo "deps.sh: no apt source for $codename main; cannot fetch $*" >&2
		exit 1
	fi
	suites=$(for s in "$@"; do echo "${s#*/}"; done | sort -u | tr '\n' ' ')
	apt=$out/apt
	mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial"
	: >"$apt/none.list"
	printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" "$suites" >"$apt/sources/debsrc.sources"
	if ! private_apt "$apt" update >"$apt/update.log" 2>&1; then
		cat "$apt/update.log" >&2
		echo "deps.sh: apt-get update of the deb-src indexes ($uri $suites) failed" >&2
		exit 1
	fi
	for s in "$@"; do
		pkg=${s%/*}
		work=$out/$pkg.download
		rm -rf "$work" "${out:?}/$pkg"
		mkdir -p "$work"
		if ! (cd "$work" && private_apt "$apt" source --download-only "$s") \
			>"$work.log" 2>&1; then
			cat "$work.log" >&2
			echo "deps.sh: apt-get source $s failed" >&2
			exit 1
		fi
		dpkg-source -q -x "$work"/*.dsc "$out/$pkg" >>"$work.log" 2>&1 || {
			cat "$work.log" >&2
			echo "deps.sh: dpkg-source -x of $s failed" >&2
			exit 1
		}
		version=$(sed -n 's/^Version: //p' "$work"/*.dsc)
		echo "deps.sh: $pkg $version ($s) unpacked into $out/$pkg"
		# dpkg-source leaves a copy of the upstream tarball beside the tree
		rm -rf "$work" "$work.log" "$out/$pkg"_*.orig.tar.*
	done
}

case ${1:-} in
--check)
	shift
	groups=${*:-build musl test}
	# shellcheck disable=SC2086
	missing=$(missing_packages $groups)
	[ -z "$missing" ] && exit 0
	echo "missing Debian packages:$missing; install them as root with: apt-get install$missing" >&2
	exit 1
	;;
--mirror)
	[ $# -eq 2 ] || {
		echo "usage: deps.sh --mirror SUITE" >&2
		exit 2
	}
	uri=$(archive_uri "$2")
	[ -n "$uri" ] || uri=$(archive_uri "$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)")
	if [ -z "$uri" ]; then
		echo "deps.sh: no apt source for $2 main" >&2
		exit 1
	fi
	echo "$uri"
	;;
--source)
	shift
	[ $# -ge 2 ] || {
		echo "usage: deps.sh --source DIR PKG/SUITE..." >&2
		exit 2
	}
	fetch_sources "$@"
	;;
*)
	groups=${*:-build musl test}
	# shellcheck disable=SC2086
	install_packages $groups
	;;
esac
