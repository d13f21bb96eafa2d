#!/bin/bash
# PID 1 stays safe from its control socket's clients (issue 12, item 4):
# 1000 clients at once, a tail -f that never reads a noisy service, random
# bytes and over-long lines, clients killed in the middle of a request or a
# reply. During each cinit keeps reaping orphans and restarting a service
# that keeps exiting, and answers a plain status afterwards.
. "$(dirname "$0")/../lib/tap.sh"
plan 20
unset CINIT_CONTROL_SOCKET # the file names its own

SOCK="$TMP/ctl.sock"
ctl() { "$CINIT" ctl -s "$SOCK" "$@"; }
cat >"$TMP/safe.ini" <<EOF
[cinit]
control_socket = $SOCK
[service:beat]
command = sh -c 'date +%s%N >> $TMP/beats; sleep 0.2; exit 1'
restart = always
start_secs = 0
start_retries = 100000
backoff_min = 100ms
backoff_max = 100ms
[service:orphans]
command = sh -c 'while :; do sh -c "sleep 0.05 &"; sleep 0.1; done'
[service:noisy]
command = sh -c 'while :; do echo "noise 0123456789 0123456789 0123456789 0123456789 0123456789"; done'
stdout = $TMP/noisy.log
stdout_max_bytes = 1M
stdout_backups = 1
EOF
start_in_pidns "$TMP/safe.out" "$TMP/safe.err" "$CINIT" -c "$TMP/safe.ini"
wait_until 10 test -S "$SOCK"
ok $? "cinit serves its socket, with a restarting, an orphaning and a noisy service"

# beats_since NS: how many restarts of beat began after NS, and the longest
# gap between them in ms (a restart is due every ~300 ms)
beats_since() {
	awk -v t="$1" '$1 > t { if (p) { g = ($1 - p) / 1e6; if (g > m) m = g } p = $1; n++ }
		END { printf "%d %d\n", n, m }' "$TMP/beats"
}
# restarted_on_time NS WHAT: beat kept restarting since NS, no gap over 3 s
restarted_on_time() {
	read -r n gap < <(beats_since "$1")
	[ "$n" -ge 3 ] && [ "$gap" -lt 3000 ]
	ok $? "during $2, beat kept restarting ($n restarts, longest gap ${gap} ms)"
}
# zombies of PID 1 now; none of them may still be one two seconds later
zombies() { ps -o pid=,stat= --ppid "$NS_INIT" | awk '$2 ~ /^Z/ { print $1 }'; }
no_lasting_zombie() {
	_z=$(zombies)
	sleep 2
	for _p in $_z; do
		if zombies | grep -qx "$_p"; then
			ok 1 "during $1, orphans were reaped (zombie $_p lasted)"
			return
		fi
	done
	ok 0 "during $1, orphans were reaped (no zombie lasted)"
}
sockets_of_init() { ls -l "/proc/$NS_INIT/fd" | grep -c 'socket:'; }
wait_until 10 test -s "$TMP/beats"
ctl wait orphans 10s >/dev/null

cat >"$TMP/clients.py" <<'PY'
import os, resource, socket, sys, time, select
path, mode = sys.argv[1], sys.argv[2]
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))

def read_all(socks, secs):
    """reads each socket to its end; returns the replies, None for a hang"""
    got = {s: b"" for s in socks}
    live = set(socks)
    end = time.time() + secs
    while live and time.time() < end:
        r, _, _ = select.select(list(live)[:1000], [], [], 0.5)
        for s in r:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if d:
                got[s] += d
            else:
                live.discard(s)
    return [None if s in live else got[s] for s in socks]

def ended(reply):
    return reply is not None and any(l.startswith(b"x ") for l in reply.split(b"\n"))

if mode == "many":
    socks = []
    for _ in range(1000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        socks.append(s)
    for s in socks:
        try:
            s.sendall(b"cinit-ctl/1 status beat\n")
        except OSError:
            pass
    replies = read_all(socks, 60)
    hung = sum(1 for r in replies if r is None)
    served = sum(1 for r in replies if r and b"o beat " in r)
    busy = sum(1 for r in replies if r and b"busy" in r)
    bad = sum(1 for r in replies if r is not None and not ended(r))
    print(f"hung={hung} bad={bad} served={served} busy={busy}")
elif mode == "garbage":
    socks, sends = [], []
    for i in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        socks.append(s)
    payloads = [os.urandom(65536) for _ in range(16)]
    payloads += [b"x" * 5000, b"cinit-ctl/1 status\0beat\n", b"cinit-ctl/1  status\n",
                 b"cinit-ctl/9 status\n"]
    for s, p in zip(socks, payloads):
        try:
            s.sendall(p)
        except OSError:
            pass
    replies = read_all(socks, 30)
    hung = sum(1 for r in replies if r is None)
    refused = sum(1 for r in replies if r is not None and (r == b"" or b"x 2" in r or b"x 4" in r))
    print(f"hung={hung} refused={refused}")
elif mode == "deaf":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.sendall(b"cinit-ctl/1 tail -f noisy\n")
    print("sent", flush=True)
    # never reads; waits to be dropped: the end shows as a hang-up
    p = select.poll()
    p.register(s, select.POLLRDHUP | select.POLLHUP)
    end = time.time() + 60
    while time.time() < end:
        ev = p.poll(500)
        if ev and ev[0][1] & (select.POLLRDHUP | select.POLLHUP):
            print("dropped")
            sys.exit(0)
    print("still connected")
elif mode == "send":
    # sends argv[3] as it is (a request cut short, or whole) and never reads
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.sendall(sys.argv[3].encode().decode("unicode_escape").encode())
    print("sent", flush=True)
    time.sleep(600)
PY

t0=$(date +%s%N)
res=$(timeout 120 python3 "$TMP/clients.py" "$SOCK" many)
like "$res" '^hung=0 bad=0 served=[1-9][0-9]* busy=[0-9]+$' \
	"1000 clients at once: each gets a whole reply or a busy refusal, none hangs"
like "$res" 'busy=[1-9]' "the clients past the cap are refused at once"
no_lasting_zombie "1000 clients"
restarted_on_time "$t0" "1000 clients"
is "$(ctl status orphans >/dev/null; echo $?)" 0 "a plain status is answered afterwards"

t0=$(date +%s%N)
timeout 120 python3 "$TMP/clients.py" "$SOCK" deaf >"$TMP/deaf" &
deaf=$!
on_exit "kill $deaf"
wait_until 10 file_has "$TMP/deaf" sent
wait_until 60 file_has "$TMP/deaf" dropped
ok $? "a tail -f that never reads a noisy service is dropped when its buffer fills"
like "$(cat "$TMP/safe.err")" "control: a tail -f of noisy reads too slowly, dropped" "cinit says so"
ctl status noisy >/dev/null
is $? 0 "status is answered while and after it"
no_lasting_zombie "the deaf follower"
restarted_on_time "$t0" "the deaf follower"

t0=$(date +%s%N)
res=$(timeout 120 python3 "$TMP/clients.py" "$SOCK" garbage)
is "$res" "hung=0 refused=20" \
	"random bytes, a 5000-byte line, a NUL, a double blank, another version: each refused and closed"
ok "$(kill -0 "$NS_INIT"; echo $?)" "cinit is still there"
no_lasting_zombie "garbage"
restarted_on_time "$t0" "garbage"

t0=$(date +%s%N)
# killed_after_send BYTES: a client sends them, then is killed with KILL
killed_after_send() {
	python3 "$TMP/clients.py" "$SOCK" send "$1" >"$TMP/sent" &
	_c=$!
	on_exit "kill -KILL $_c"
	wait_until 10 file_has "$TMP/sent" sent
	kill -KILL "$_c"
	wait "$_c" 2>/dev/null
	rm -f "$TMP/sent"
}
killed_after_send "cinit-ctl/1 sta"
killed_after_send 'cinit-ctl/1 tail -n 100000 noisy\n'
ctl status orphans >/dev/null
is $? 0 "clients killed mid-request and mid-reply: the next one is answered"
wait_until 20 test "$(sockets_of_init)" = 1
ok $? "and cinit has let go of their connections (the listening socket is its only one)"
no_lasting_zombie "killed clients"
restarted_on_time "$t0" "killed clients"

kill -TERM "$NS_INIT"
ns_wait 30
is "$NS_STATUS" 0 "cinit shuts down cleanly after it all"
