"""`chengnuo demo`, the first thing a newcomer runs: it passes, on its own stack or a running one."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from services.launcher.stack import Stack, _wait_serving
from tests.e2e.test_up_command import _alive, _descendants

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")
STAGES = (
    "catalogues",
    "rosters",
    "commitments",
    "deadlines",
    "verification",
    "credit",
    "refusals",
    "random draw",
    "joint inspections",
    "blacklist",
    "repair",
    "audit",
)


async def _demo(data_dir: Path) -> tuple[int, str, set[int]]:
    env = {**os.environ, "CHENGNUO_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    process = await asyncio.create_subprocess_exec(
        CHENGNUO, "demo", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    children: set[int] = set()

    async def watch() -> None:  # remember every process the demo starts, to check none outlives it
        while process.returncode is None:
            children.update(_descendants(process.pid))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    output, _ = await asyncio.wait_for(process.communicate(), 180)
    watcher.cancel()
    return process.returncode or 0, output.decode(), children


def _check_story(output: str) -> None:
    assert "what happened, as the services report it" in output
    for stage in STAGES:
        assert f"│ {stage}" in output, stage
    assert "all chains intact" in output
    assert "8 of 8 returning subjects refused for credit" in output
    assert "the subject's next commitment recorded" in output
    assert "verified True" in output


async def test_the_demo_runs_on_a_stack_of_its_own_and_stops_it(tmp_path: Path) -> None:
    code, output, started = await _demo(tmp_path / "nothing-running")
    assert code == 0, output[-4000:]
    assert "a stack of its own" in output
    _check_story(output)
    await asyncio.sleep(0.5)
    assert started
    assert _alive(started) == set()


async def test_the_demo_reuses_a_running_stack_and_leaves_it_running(own_stack: Stack) -> None:
    code, output, _ = await _demo(own_stack.data_dir)
    assert code == 0, output[-4000:]
    assert "the running stack" in output
    _check_story(output)
    for address in own_stack.endpoints().values():
        await _wait_serving(address, timeout=5)
