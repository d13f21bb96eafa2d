#!/bin/bash
# What the child starts with (issue 2, item 5; issue 17, item 4): the signal
# mask and ignored signals cinit's parent left (as tini restores them, its
# sigconf test), otherwise none; default dispositions; only descriptors
# 0-2; its own process group; the terminal's foreground when there is one.
. "$(dirname "$0")/../lib/tap.sh"
plan 15

# the sanitizer build: ASan would take SEGV, BUS and FPE for itself
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0:handle_sigfpe=0"
sigs() { grep -E "^Sig(Blk|Ign)" "$1" | awk '{print $2}' | tr '\n' ' '; }
# a clean start: the test runner's own ignored signals (a shell's background
# job ignores INT and QUIT) stay out of it
clean() { env --default-signal "$@"; }

clean "$CINIT" -- "$HELPERS/childinfo" >"$TMP/info" 2>&1
clean "$HELPERS/childinfo" >"$TMP/direct" 2>&1
is "$(sigs "$TMP/info")" "$(sigs "$TMP/direct")" \
	"the child blocks and ignores what cinit's parent did, no more (cinit's own set-up stays in cinit)"

# tini's sigconf case, cinit not PID 1 as there: TTOU, SEGV and INT
# ignored; TTIN, ILL and TERM blocked
clean "$HELPERS/sigconf" "$CINIT" -- "$HELPERS/childinfo" >"$TMP/info" 2>&1
is $? 0 "cinit runs under a parent that blocked and ignored signals it handles"
# signals 1 to 31 only: make leaves 32 and 33 ignored, which env cannot reset
low() { printf '%08x' $((0x$(grep "^$1" "$TMP/info" | awk '{print $2}') & 0x7fffffff)); }
is "$(low SigBlk)" 00104008 "the child's mask is the inherited one: TTIN, ILL and TERM"
is "$(low SigIgn)" 00200402 \
	"the child ignores what cinit's parent ignored: TTOU, SEGV and INT" ||
	diag "$(cat "$TMP/info")"
clean "$HELPERS/sigconf" "$HELPERS/childinfo" >"$TMP/direct" 2>&1
is "$(sigs "$TMP/info")" "$(sigs "$TMP/direct")" "the same as without cinit in between"

# as PID 1 the mask was the launcher's (cspawn holds signals for cinit until
# its signalfd exists); the ignored ones still pass on
in_pidns "$HELPERS/sigconf" "$CINIT" -- "$HELPERS/childinfo" >"$TMP/info" 2>&1
is "$(sigs "$TMP/info")" "0000000000000000 $(grep SigIgn "$TMP/direct" | awk '{print $2}') " \
	"as PID 1: no signal blocked in the child, the ignored ones ignored"

printf '[service:s]\ncommand = sleep 600\nstop_signal = HUP\n' >"$TMP/s.ini"
start_in_pidns "$TMP/s.out" "$TMP/s.err" "$HELPERS/sigconf" "$CINIT" -c "$TMP/s.ini"
wait_until 10 test -n "$(cat "/proc/$NS_INIT/task/$NS_INIT/children")"
kill -INT "$NS_INIT"
ns_wait 10
is "$NS_STATUS" 0 "cinit itself still hears the INT its parent ignored, and shuts down"

# every signal blocked and ignored, 32 and 33 too
"$HELPERS/sigmess" "$CINIT" -- "$HELPERS/childinfo" >"$TMP/info" 2>&1
is $? 0 "cinit runs under a parent that blocked and ignored every signal"
"$HELPERS/sigmess" "$HELPERS/childinfo" >"$TMP/direct" 2>&1
is "$(sigs "$TMP/info")" "$(sigs "$TMP/direct")" \
	"the child gets every one back, the C library's own 32 and 33 included"
in_pidns "$HELPERS/closefds" "$CINIT" -- "$HELPERS/childinfo" >"$TMP/info" 2>&1
is "$(grep fds: "$TMP/info")" "fds: 0 1 2" "no descriptor of cinit's own reaches the child"
in_pidns "$HELPERS/closefds" sh -c "exec 7>'$TMP/x'; exec '$CINIT' -- '$HELPERS/childinfo'" >"$TMP/info2" 2>&1
is "$(grep fds: "$TMP/info2")" "fds: 0 1 2 7" "descriptors cinit inherited pass through, as for socket activation"
is "$(grep pgleader "$TMP/info")" "pgleader: yes" "the child leads its own process group"

# A pty: an interactive bash under cinit gets job control and Ctrl-C.
cat >"$TMP/ptytest.py" <<'PY'
import os, pty, sys, time, select
cinit, tmp = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "PROMPT$ "
    os.execvp("unshare", ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                          cinit, "--", "bash", "--norc", "--noprofile", "-i"])
out = b""
def read_until(token, secs):
    """waits for token in what the terminal shows from now on"""
    global out
    start = len(out)
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            out += data
            if token in out[start:]:
                return True
    return False
ok = read_until(b"PROMPT$ ", 10)
def exists_within(path, secs):
    end = time.time() + secs
    while time.time() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False
# Ctrl-C once the foreground job runs: before exec or in sleep, INT ends it
os.write(fd, ("sh -c 'touch %s/fg; exec sleep 60'; echo after\"-\"sleep\n" % tmp).encode())
ok = ok and exists_within(tmp + "/fg", 10)
os.write(fd, b"\x03")
ok = ok and read_until(b"PROMPT$ ", 10)
os.write(fd, b"echo alive-$((40+2))\n")
ok = ok and read_until(b"alive-42", 10)
os.write(fd, b"exit 5\n")
_, status = os.waitpid(pid, 0)
open(tmp + "/pty.out", "wb").write(out)
print("ok" if ok else "timeout", os.waitstatus_to_exitcode(status))
PY
res=$(timeout 60 python3 "$TMP/ptytest.py" "$CINIT" "$TMP")
is "$res" "ok 5" "Ctrl-C interrupts the shell's foreground job, and exit 5 passes through"
! grep -Eq "cannot set terminal process group|no job control" "$TMP/pty.out"
ok $? "bash gets the terminal: no job-control error"
! grep -q "after-sleep" "$TMP/pty.out"
ok $? "the interrupted command did not run to its end"
