"""`chengnuo serve SERVICE --workers N`: several processes on one port, supervised."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from services.launcher.stack import Stack, _wait_serving
from tests.e2e.test_up_command import _alive, _descendants
from tests.support import eventually, free_port

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")


async def test_workers_share_a_port_restart_when_killed_and_stop_together(stack: Stack) -> None:
    port = free_port()
    env = stack.service_env("credit", port)
    env.pop("CHENGNUO_READY_FILE")
    supervisor = await asyncio.create_subprocess_exec(CHENGNUO, "serve", "credit", "--workers", "2", env=env)
    try:
        await _wait_serving(f"127.0.0.1:{port}", timeout=60, tls=stack.client_tls)
        workers = await eventually(lambda: _workers(supervisor.pid, 2), what="two workers")
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        replaced = await eventually(
            lambda: _replaced(supervisor.pid, victim), timeout=30, what="a new worker"
        )
        assert victim not in replaced
        await _wait_serving(f"127.0.0.1:{port}", timeout=30, tls=stack.client_tls)
    finally:
        family = _descendants(supervisor.pid)
        supervisor.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(supervisor.wait(), 30) == 0
    await asyncio.sleep(0.5)
    assert _alive(family) == set()


async def _workers(pid: int, count: int) -> set[int] | None:
    found = _alive(_direct_children(pid))
    return found if len(found) == count else None


async def _replaced(pid: int, victim: int) -> set[int] | None:
    found = _alive(_direct_children(pid))
    return found if len(found) == 2 and victim not in found else None


def _direct_children(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children
