#!/usr/bin/env python3
"""ptyrun.py ROWS COLS [--stty-before FILE] [--stty-after FILE] [--type TEXT]
           [--resize-on TEXT ROWSxCOLS] [--type-on TEXT KEYS] -- CMD...

Runs CMD on a new pseudo-terminal of the given size, as the session
leader with it as the controlling terminal and stdio, and copies what it
writes there to stdout. Nothing is ever typed: unlike script(1), no byte
reaches the terminal when this helper's own stdin ends; --type TEXT (with
Python's escapes: \\n, \\x10) is typed once, right after CMD starts; --resize-on gives
the terminal a new size once CMD has written TEXT (the kernel then sends
SIGWINCH to its foreground); --type-on types KEYS once CMD has written
TEXT (after CMD has set the terminal's modes: typed earlier, Ctrl-Q would
be taken as flow control). With --stty-*,
the terminal's modes (termios) are written to FILE before CMD starts and
after it ended, so a test can check that CMD restored them."""
import fcntl
import os
import struct
import sys
import termios


def modes(fd):
    return repr(termios.tcgetattr(fd))


def main():
    args = sys.argv[1:]
    rows, cols = int(args.pop(0)), int(args.pop(0))
    before = after = typed = resize_on = type_on = None
    while args[0] != "--":
        flag, path = args.pop(0), args.pop(0)
        if flag == "--stty-before":
            before = path
        elif flag == "--stty-after":
            after = path
        elif flag == "--resize-on":
            r, c = args.pop(0).split("x")
            resize_on = (path.encode(), int(r), int(c))
        elif flag == "--type-on":
            keys = args.pop(0).encode().decode("unicode_escape").encode("latin-1")
            type_on = (path.encode(), keys)
        elif flag == "--type":
            typed = path.encode().decode("unicode_escape").encode("latin-1")
        else:
            sys.exit("ptyrun.py: unknown flag " + flag)
    cmd = args[1:]
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    if before:
        with open(before, "w") as f:
            f.write(modes(slave))
    name = os.ttyname(slave)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.execvp(cmd[0], cmd)
    os.close(slave)  # else reading the master never ends
    if typed:
        os.write(master, typed)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: nobody holds the terminal any more
            break
        if not chunk:
            break
        out += chunk
        if resize_on and resize_on[0] in out:
            size = struct.pack("HHHH", resize_on[1], resize_on[2], 0, 0)
            fcntl.ioctl(master, termios.TIOCSWINSZ, size)
            resize_on = None
        if type_on and type_on[0] in out:
            os.write(master, type_on[1])
            type_on = None
    _, status = os.waitpid(pid, 0)
    if after:
        fd = os.open(name, os.O_RDWR | os.O_NOCTTY)
        with open(after, "w") as f:
            f.write(modes(fd))
        os.close(fd)
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
