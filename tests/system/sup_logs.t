#!/bin/bash
# Service output (issue 4, item 8): prefixed lines, partial lines, inherit,
# null, rotated files, and a reader too slow to keep up.
. "$(dirname "$0")/../lib/tap.sh"
plan 20

# Writes where its stdout leads, without a redirection of the shell's own.
cat >"$TMP/fd1.py" <<'EOF'
import os, sys
open(sys.argv[1], "w").write(os.readlink("/proc/self/fd/1"))
EOF
cat >"$TMP/log.ini" <<EOF
[service:web]
command = sh -c 'echo "GET / 200"; echo oops >&2; printf "a partial line"; touch $TMP/web.done; exec sleep 600'
[service:raw]
command = sh -c 'echo raw-line; python3 $TMP/fd1.py $TMP/raw.fd1; exec sleep 600'
stdout = inherit
[service:quiet]
command = sh -c 'echo should-not-appear; echo nor-this >&2; exec sleep 600'
stdout = null
stderr = null
[service:rot]
command = sh -c 'i=0; while [ \$i -lt 300 ]; do echo "rotating line number \$i"; i=\$((i+1)); done; touch $TMP/rot.done; exec sleep 600'
stdout = $TMP/rot.log
stdout_max_bytes = 1K
stdout_backups = 2
[service:both]
command = sh -c 'echo to-out; echo to-err >&2; exec sleep 600'
redirect_stderr = yes
[service:devpath]
command = sh -c 'echo via-dev-stderr; exec sleep 600'
stdout = /dev/stderr
EOF
run_conf log
wait_until 10 file_has "$TMP/log.out" '^web \| GET / 200$'
ok $? "stdout lines are prefixed with the service name on cinit's stdout"
wait_until 10 file_has "$TMP/log.err" '^web \| oops$'
ok $? "stderr lines go to cinit's stderr, prefixed"
! file_has "$TMP/log.out" 'a partial line'
ok $? "a partial line is held back while the service runs"
wait_until 10 file_has "$TMP/log.out" '^raw-line$'
ok $? "stdout = inherit writes straight to cinit's stdout, no prefix"
wait_until 10 test -s "$TMP/raw.fd1"
is "$(cat "$TMP/raw.fd1")" "$TMP/log.out" "stdout = inherit is cinit's own stdout, no pipe"
wait_until 10 file_has "$TMP/log.out" '^both \| to-err$'
ok $? "redirect_stderr sends stderr where stdout goes"
wait_until 10 file_has "$TMP/log.err" '^via-dev-stderr$'
ok $? "a log path that is a device (/dev/stderr) is written, unprefixed"
wait_until 10 test -e "$TMP/rot.done"
wait_until 10 test -e "$TMP/rot.log.2"
ok $? "a log file rotates by size and keeps its backups"
! test -e "$TMP/rot.log.3"
ok $? "no more backups than asked for"
sz=$(stat -c %s "$TMP/rot.log.1")
[ "$sz" -le 1024 ]
ok $? "rotated files stay within max_bytes ($sz bytes)"
kill -TERM "$NS_INIT"
ns_wait 20
file_has "$TMP/log.out" '^web \| a partial line$'
ok $? "the partial line is written out when the service ends"
! grep -q -e should-not-appear -e nor-this "$TMP/log.out" "$TMP/log.err"
ok $? "null discards output"

# log_format = timestamp: cinit's own lines carry the UTC time.
cat >"$TMP/ts.ini" <<EOF
[cinit]
log_format = timestamp
[service:once]
command = sh -c 'exit 4'
main = yes
EOF
run_conf ts
ns_wait 20
like "$(cat "$TMP/ts.err")" "^$(date -u +%Y-%m-%d)T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z cinit: once: exited with 4" \
	"log_format = timestamp prefixes cinit's lines with today's UTC date and time"

# A reader that does not read: cinit must drop, not block.
mkfifo "$TMP/fifo"
exec 9<>"$TMP/fifo"
cat >"$TMP/flood.ini" <<EOF
[service:flood]
command = python3 -c "import sys; [sys.stdout.write('flood line %d\n' % i) for i in range(400000)]; sys.stdout.flush(); open('$TMP/flood.done', 'w')"
EOF
start_in_pidns /dev/null "$TMP/flood.err" sh -c "exec '$CINIT' -c '$TMP/flood.ini' >'$TMP/fifo'"
wait_until 60 test -e "$TMP/flood.done"
ok $? "a service can write 5 MB while nobody reads cinit's stdout"
cat "$TMP/fifo" >"$TMP/flood.out" &
reader=$!
on_exit "kill -KILL $reader"
wait_until 20 file_has "$TMP/flood.out" 'cinit: dropped [0-9]+ lines of output: reader too slow'
ok $? "the dropped lines are counted and reported in one line" || diag "$(tail -c 300 "$TMP/flood.out")"
kill -TERM "$NS_INIT"
ns_wait 20
exec 9>&-

# A reload of an invalid file says so without waiting on a stalled reader
# of cinit's stderr: the next signal is still acted on.
mkfifo "$TMP/fifo2"
exec 8<>"$TMP/fifo2"
cat >"$TMP/hup.ini" <<EOF
[service:flood]
command = python3 -c "import sys; [sys.stderr.write('flood line %d\n' % i) for i in range(400000)]; sys.stderr.flush(); open('$TMP/hup.done', 'w')"
EOF
start_in_pidns /dev/null /dev/null sh -c "exec '$CINIT' -c '$TMP/hup.ini' 2>'$TMP/fifo2'"
wait_until 60 test -e "$TMP/hup.done"
ok $? "a service filled cinit's stderr, which nobody reads"
echo "[service:broken" >"$TMP/hup.ini"
kill -HUP "$NS_INIT"
kill -TERM "$NS_INIT"
ns_wait 10
is "$NS_STATUS" 0 "a failed reload does not block cinit on its stderr: SIGTERM still ends it"
exec 8>&-

# A log file on a full filesystem: the lines that do not fit are counted,
# and said in the file once there is room again; no line is torn.
mkdir -p "$TMP/full"
if mount -t tmpfs -o size=64k tmpfs "$TMP/full"; then
	on_exit "umount -l '$TMP/full'"
	cat >"$TMP/full.ini" <<EOF
[service:talk]
command = sh -c 'pad=..........................................................................................; pad=\$pad\$pad\$pad; i=0; while :; do i=\$((i+1)); echo "talk \$i \$pad"; echo \$i > $TMP/talk.n; [ -e $TMP/full/stop ] && exec sleep 600; sleep 0.01; done'
stdout = $TMP/full/talk.log
stdout_max_bytes = 0
EOF
	run_conf full
	talk_n() {
		_n=
		while [ -z "$_n" ]; do _n=$(cat "$TMP/talk.n" 2>/dev/null); done
		echo "$_n"
	}
	talked() { [ "$(talk_n)" -ge "$1" ]; }
	wait_until 10 talked 1
	# the rest of the filesystem taken, then forty lines more said (more than
	# the last page of the log file holds)
	head -c 64k /dev/zero >"$TMP/full/filler" 2>/dev/null
	is_full() { ! head -c 4k /dev/zero >>"$TMP/full/filler" 2>/dev/null; }
	wait_until 10 is_full
	wait_until 10 talked $(($(talk_n) + 40))
	rm -f "$TMP/full/filler"
	wait_until 10 file_has "$TMP/full/talk.log" "^cinit: dropped [0-9]+ lines of output: No space left on device"
	ok $? "lines a full disk refused are counted, and said in the file with room again"
	said=$(sed -n 's/^cinit: dropped \([0-9]*\) lines.*/\1/p' "$TMP/full/talk.log" | awk '{ n += $1 } END { print n + 0 }')
	missing=$(awk '$1 == "talk" { if (p && $2 != p + 1) n += $2 - p - 1; p = $2 } END { print n + 0 }' "$TMP/full/talk.log")
	is "$said" "$missing" "... the count is the number of lines missing"
	torn=$(grep -Evc '^(talk [0-9]+ \.+|cinit: dropped .*)$' "$TMP/full/talk.log")
	is "$torn" 0 "... and no line is torn"
	touch "$TMP/full/stop"
	kill -TERM "$NS_INIT"
	ns_wait 10
	umount "$TMP/full"
else
	skip "cannot mount a tmpfs"
	skip "cannot mount a tmpfs"
	skip "cannot mount a tmpfs"
fi
