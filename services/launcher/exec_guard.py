"""Trampoline between spawning a child and exec'ing its real program.

Run as `python -I -S exec_guard.py PARENT_PID SIGNAL USER -- PROGRAM ARGS...`. It drops to USER
(if given), arms the parent-death signal and execs PROGRAM, which keeps the same pid.

Why not a `preexec_fn`: that forces a real fork(), which runs grpc's pthread_atfork handlers in
the launcher; with channels open they can deadlock against grpc's own shutdown thread (seen in
grpcio 1.85: the launcher stuck forever inside fork()). Without `preexec_fn` and `user`,
CPython spawns with vfork(), which runs no atfork handlers. Only the standard library is used here,
so the interpreter starts in milliseconds.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import sys

_PR_SET_PDEATHSIG = 1
_LAUNCHER_GONE = 70


def _become(user: str) -> None:
    entry = pwd.getpwnam(user)
    os.initgroups(user, entry.pw_gid)
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)


def main(argv: list[str]) -> int:
    parent, sig, user, separator, *program = argv
    if separator != "--" or not program:
        print("usage: exec_guard.py PARENT_PID SIGNAL USER -- PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    if user:
        _become(user)  # first: changing the effective user clears the death signal
    if sys.platform.startswith("linux"):
        # Linux delivers the signal to this process when the launcher dies, even by SIGKILL.
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig))
    if os.getppid() != int(parent):
        return _LAUNCHER_GONE  # it died before the signal was armed: nobody is left to stop us
    os.execvp(program[0], program)  # noqa: S606 - a trampoline: exec without a shell is the point
    return 0  # not reached: execvp replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
