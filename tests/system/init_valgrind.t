#!/bin/bash
# cinit under valgrind (issue 17, item 5), as tini's CI runs it: a dynamic
# glibc build of the same objects, and any error valgrind finds (an
# uninitialised system call argument, an invalid read, a leak at exit)
# fails the run through --error-exitcode.
. "$(dirname "$0")/../lib/tap.sh"
plan 4

# the plain dynamic build; the sanitizer one cannot run under valgrind
DYN=
for c in "$CINIT_BUILD/tests/cinit-dynamic" "$CINIT_BUILD/../tests/cinit-dynamic"; do
	if [ -x "$c" ] && ! ldd "$c" 2>/dev/null | grep -q libasan; then
		DYN=$c
		break
	fi
done
[ -n "$DYN" ] || { echo "Bail out! no dynamic cinit: make build/tests/cinit-dynamic"; exit 1; }

vg() { timeout 120 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$@"; }

vg "$DYN" -- sh -c 'exit 3' >"$TMP/1.out" 2>&1
is $? 3 "tini mode, as a subreaper: no valgrind error, the command's code" || diag "$(cat "$TMP/1.out")"
vg "$DYN" -p TERM -g -w -- sh -c 'sleep 0.1 & exit 0' >"$TMP/2.out" 2>&1
is $? 0 "with a parent-death signal, process group and an orphan reaped" || diag "$(cat "$TMP/2.out")"
printf '[service:a]\ncommand = true\ncritical = yes\n[service:b]\ncommand = sleep 60\nstdout = prefix\n' >"$TMP/v.ini"
vg "$DYN" -c "$TMP/v.ini" >"$TMP/3.out" 2>&1
is $? 0 "supervise mode: services started, one ending the container, the other stopped" ||
	diag "$(cat "$TMP/3.out")"
in_pidns valgrind -q --error-exitcode=99 "$DYN" -- true >"$TMP/4.out" 2>&1
is $? 0 "as PID 1 of a pid namespace" || diag "$(cat "$TMP/4.out")"
