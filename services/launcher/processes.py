"""Child processes that cannot outlive the launcher."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1


def _dies_with_parent(sig: int) -> Callable[[], None]:
    def set_death_signal() -> None:
        # Linux delivers `sig` to the child when the launcher dies, even by SIGKILL.
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)

    return set_death_signal


async def spawn(
    args: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    own_session: bool = False,
    death_signal: int = signal.SIGTERM,
) -> asyncio.subprocess.Process:
    """Start `args` with output appended to `log`.

    `own_session` keeps a terminal's Ctrl-C away from the process, so servers the services
    depend on stop only when the launcher says, after the services have stopped.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {"user": user} if user else {}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=own_session,
            preexec_fn=_dies_with_parent(death_signal),
            **extra,
        )


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
