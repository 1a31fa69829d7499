"""Child processes that cannot outlive the launcher."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

_GUARD = str(Path(__file__).with_name("exec_guard.py"))


class CommandFailed(RuntimeError):
    pass


async def spawn(
    args: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    own_session: bool = False,
    death_signal: int = signal.SIGTERM,
) -> asyncio.subprocess.Process:
    """Start `args` as `user` with output appended to `log`; it gets `death_signal` if we die.

    `own_session` keeps a terminal's Ctrl-C away from the process, so servers the services
    depend on stop only when the launcher says, after the services have stopped. The child goes
    through `exec_guard` so that no fork() with grpc's atfork handlers ever runs here.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    guard = [sys.executable, "-I", "-S", _GUARD, str(os.getpid()), str(int(death_signal)), user or "", "--"]
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *guard,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=own_session,
        )


async def run(args: Sequence[str], log: Path, *, user: str | None = None) -> None:
    """Run a one-off command (e.g. initdb) to its end; `CommandFailed` names the log to read."""
    process = await spawn(args, log, user=user)
    if await process.wait() != 0:
        raise CommandFailed(f"{Path(args[0]).name} exited with {process.returncode}; see {log}")


async def stop(process: asyncio.subprocess.Process, sig: int, timeout: float) -> int:
    """Ask politely with `sig`; SIGKILL if it has not gone after `timeout` seconds."""
    if process.returncode is None:
        try:
            process.send_signal(sig)
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
        except ProcessLookupError:
            pass
    return process.returncode if process.returncode is not None else -1


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
