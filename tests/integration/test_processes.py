"""Children of the launcher: they never outlive it, and starting them never fork()s the launcher."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from services.launcher.processes import CommandFailed, run, spawn, stop
from tests.support import eventually

_LAUNCHER = """
import asyncio, sys
from pathlib import Path
from services.launcher.processes import spawn

async def main():
    child = await spawn(["sleep", "60"], Path(sys.argv[1]))
    print(child.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def _program(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the death signal is Linux's")
async def test_a_child_dies_with_its_launcher_even_when_it_is_killed(tmp_path: Path) -> None:
    launcher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _LAUNCHER, str(tmp_path / "child.log"), stdout=asyncio.subprocess.PIPE
    )
    assert launcher.stdout is not None
    child = int((await asyncio.wait_for(launcher.stdout.readline(), 30)).decode())

    async def sleeping() -> bool:  # the guard execs the program under the pid spawn returned
        return _program(child) == b"sleep"

    await eventually(sleeping, timeout=10)
    launcher.kill()
    await launcher.wait()

    async def gone() -> bool:
        return not _alive(child)

    await eventually(gone, timeout=10)


async def test_spawning_runs_no_fork_handlers(tmp_path: Path) -> None:
    # grpc's atfork handlers can deadlock a launcher with open channels; vfork runs none of them.
    forks: list[int] = []
    os.register_at_fork(before=lambda: forks.append(1))
    child = await spawn(["true"], tmp_path / "true.log")
    assert await child.wait() == 0
    assert forks == []


async def test_a_failed_one_off_command_names_its_log(tmp_path: Path) -> None:
    log = tmp_path / "false.log"
    with pytest.raises(CommandFailed, match=f"false exited with 1; see {log}"):
        await run(["false"], log)
    await run(["sh", "-c", "echo ran"], log)
    assert log.read_text() == "ran\n"


async def test_output_goes_to_the_log_and_stop_is_polite_first(tmp_path: Path) -> None:
    log = tmp_path / "trap.log"
    script = "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.1; done"
    child = await spawn(["sh", "-c", script], log)

    async def up() -> bool:
        return log.read_text() == "up\n"

    await eventually(up, timeout=10)
    assert await stop(child, signal.SIGTERM, timeout=10) == 0
    assert log.read_text() == "up\nbye\n"
