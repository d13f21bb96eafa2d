#!/usr/bin/env python3
"""ptyrun.py ROWS COLS [--stty-before FILE] [--stty-after FILE] -- CMD...

Runs CMD on a new pseudo-terminal of the given size, as the session
leader with it as the controlling terminal and stdio, and copies what it
writes there to stdout. Nothing is ever typed: unlike script(1), no byte
reaches the terminal when this helper's own stdin ends. With --stty-*,
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
    before = after = None
    while args[0] != "--":
        flag, path = args.pop(0), args.pop(0)
        if flag == "--stty-before":
            before = path
        elif flag == "--stty-after":
            after = path
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
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: nobody holds the terminal any more
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    if after:
        fd = os.open(name, os.O_RDWR | os.O_NOCTTY)
        with open(after, "w") as f:
            f.write(modes(fd))
        os.close(fd)
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    sys.exit(os.waitstatus_to_exitcode(status))


main()
