#!/bin/sh
# The end-to-end suite's base image: a Debian 12 root made by debootstrap
# (minbase) with nginx-light and redis-server from the archive, as an OCI
# layout (umoci) of one layer, tagged "base".
#
#   base.sh CACHE     prints the layout's directory, CACHE/base-KEY/layout
#
# KEY is a digest of this file: the image is built once and reused until
# the recipe changes; a build under another key is removed when a new one
# is made. The packages come from the Debian mirror of this machine's own
# apt sources (tests/lib/deps.sh --mirror). The build takes a lock, so two
# tests that start at once build it once.
set -eu

SUITE=bookworm
PACKAGES=nginx-light,redis-server

here=$(cd "$(dirname "$0")" && pwd)
cache=$1
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
key=$(sha256sum "$here/base.sh" | cut -c1-16)
dir=$cache/base-$key

if [ -f "$dir/done" ]; then
	echo "$dir/layout"
	exit 0
fi

exec 9>"$cache/.lock"
flock 9
if [ -f "$dir/done" ]; then
	echo "$dir/layout"
	exit 0
fi

for _t in debootstrap umoci; do
	command -v "$_t" >/dev/null || {
		echo "base.sh: $_t is missing (sh tests/lib/deps.sh test installs it)" >&2
		exit 1
	}
done
mirror=$(sh "$here/../lib/deps.sh" --mirror "$SUITE")

rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
start=$(date +%s)
echo "base.sh: building the Debian $SUITE image ($PACKAGES from $mirror) in $dir" >&2
bundle=$dir/bundle
layout=$dir/layout
{
	umoci init --layout "$layout"
	umoci new --image "$layout:base"
	umoci unpack --image "$layout:base" "$bundle"
} >>"$log" 2>&1 || {
	cat "$log" >&2
	echo "base.sh: umoci failed" >&2
	exit 1
}
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$bundle/rootfs" "$mirror" \
	>>"$log" 2>&1; then
	tail -30 "$log" >&2
	tail -30 "$bundle/rootfs/debootstrap/debootstrap.log" >&2 2>/dev/null || true
	echo "base.sh: debootstrap failed (log: $log)" >&2
	exit 1
fi

# What a container never reads: the downloaded packages, apt's indexes, the
# documentation and translations (as Debian's own slim images leave out).
r=$bundle/rootfs
rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
	"$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* \
	"$r"/var/log/*.log "$r"/var/log/apt/*
# The packages' services are started by the container's supervisor, not by
# init scripts; there is no machine-id to share between containers.
: >"$r/etc/machine-id"

{
	umoci repack --image "$layout:base" "$bundle"
	umoci config --image "$layout:base" --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--config.cmd /bin/bash
	umoci gc --layout "$layout"
} >>"$log" 2>&1 || {
	cat "$log" >&2
	echo "base.sh: umoci repack failed" >&2
	exit 1
}
rm -rf "$bundle"
echo "$(($(date +%s) - start))" >"$dir/seconds"
touch "$dir/done"
for old in "$cache"/base-*; do
	[ "$old" = "$dir" ] || rm -rf "$old"
done
echo "base.sh: built in $(cat "$dir/seconds")s" >&2
echo "$layout"
