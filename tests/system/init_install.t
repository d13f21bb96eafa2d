#!/bin/bash
# make install (issue 2, set-up): with DESTDIR and PREFIX, cinit goes to
# sbin stripped and its man page to share/man/man8, and nothing lands
# outside DESTDIR.
. "$(dirname "$0")/../lib/tap.sh"
plan 8

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D="$TMP/dest"
# a make of our own, not a part of the make that may run this test
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" install \
	DESTDIR="$D" PREFIX=/opt/cinit-test BUILD="$CINIT_BUILD" >"$TMP/out" 2>&1
ok $? "make install DESTDIR=... PREFIX=... succeeds" || diag "$(cat "$TMP/out")"
is "$("$D/opt/cinit-test/sbin/cinit" --version 2>&1)" "cinit 0.1.0" "the installed cinit runs"
! readelf -S "$D/opt/cinit-test/sbin/cinit" | grep -q '\.symtab'
ok $? "and is stripped"
cmp -s "$ROOT/init/cinit.8" "$D/opt/cinit-test/share/man/man8/cinit.8"
ok $? "the man page is installed as man8/cinit.8"
MANWIDTH=80 man --warnings -l "$D/opt/cinit-test/share/man/man8/cinit.8" 2>"$TMP/manerr" |
	grep -q '^NAME' && [ ! -s "$TMP/manerr" ]
ok $? "and renders without a warning" || diag "$(cat "$TMP/manerr")"
U="$D/opt/cinit-test/lib/systemd/system/cspawn.service"
is "$(grep -E '^Exec' "$U" 2>&1)" "ExecStart=/opt/cinit-test/sbin/cspawn boot
ExecStop=/opt/cinit-test/sbin/cspawn boot --shutdown" \
	"cspawn.service is installed, running cspawn boot from PREFIX's sbin"
[ -z "$(find "$D" -path '*.wants*')" ]
ok $? "... and is not enabled (no .wants link anywhere)"
[ ! -e /opt/cinit-test ]
ok $? "nothing is installed outside DESTDIR"
