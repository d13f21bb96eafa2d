#!/bin/bash
# What the child starts with (issue 2, item 5): empty signal mask, default
# dispositions, only descriptors 0-2, its own process group, and the
# terminal's foreground when there is a terminal.
. "$(dirname "$0")/../lib/tap.sh"
plan 9

in_pidns "$HELPERS/sigmess" "$CINIT" -- "$HELPERS/childinfo" >"$TMP/info" 2>&1
is $? 0 "cinit runs under a parent that blocked and ignored every signal"
is "$(grep SigBlk "$TMP/info" | awk '{print $2}')" 0000000000000000 "the child's signal mask is empty"
is "$(grep SigIgn "$TMP/info" | awk '{print $2}')" 0000000000000000 "the child ignores no signal" ||
	diag "$(cat "$TMP/info")"
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
