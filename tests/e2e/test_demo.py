"""`chengnuo demo`, the first thing a newcomer runs: on a stack of its own unless handed the running
one, with dates from the services' clock and no guessed holiday schedule."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import asyncpg

from services.kernel.clock import CHINA, parse_start
from services.kernel.config import SERVICES
from services.launcher.stack import Stack, _wait_serving
from tests.conftest import CLOCK_START
from tests.e2e.doc_blocks import REPO, blocks_of
from tests.e2e.test_up_command import _alive, _descendants

CHENGNUO = str(Path(sys.executable).parent / "chengnuo")
DEMO_SECONDS = 240  # it takes about 15 s on an idle machine; this bounds a very busy one
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
# What the demo writes, per service schema; a stack it was not handed keeps all of it unchanged.
WRITTEN = {
    "commitment": ("commitment", "catalogue_item", "catalogue_version"),
    "verification": ("task", "department", "roster_subject", "inspector", "draw"),
    "credit": ("dishonesty_record", "list_entry", "repair_application"),
}


def readme_demo_command() -> list[str]:
    """The command README.md tells a newcomer to run (the docs test leaves it to this module)."""
    found = [b for b in blocks_of(REPO / "README.md") if b.info == "sh" and "chengnuo demo" in b.text]
    assert len(found) == 1, "README.md shows `chengnuo demo` in one shell block"
    return shlex.split(found[0].text.strip())


async def _demo(data_dir: Path, *flags: str) -> tuple[int, str, set[int]]:
    env = {
        **os.environ,
        "CHENGNUO_DATA_DIR": str(data_dir),
        "CHENGNUO_CLOCK_START": CLOCK_START,
        "COLUMNS": "200",
    }
    command = readme_demo_command()
    assert command == [".venv/bin/chengnuo", "demo"], command
    process = await asyncio.create_subprocess_exec(
        CHENGNUO,
        *command[1:],
        *flags,
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    children: set[int] = set()

    async def watch() -> None:  # remember every process the demo starts, to check none outlives it
        while process.returncode is None:
            children.update(_descendants(process.pid))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    output, _ = await asyncio.wait_for(process.communicate(), DEMO_SECONDS)
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


def _check_dates_from_the_services_clock(output: str) -> None:
    """The demo's first date is the day its stack's clock started on, not the wall clock's."""
    start = parse_start(CLOCK_START).astimezone(CHINA).date()
    new_year_run = dt.date(start.year, 12, 15)
    if start < new_year_run:
        assert f"the demo lets time pass from {start} to {new_year_run}" in output
    else:
        assert f"e.g. code 350200{start:%Y%m%d}" in output


async def _snapshot(stack: Stack) -> dict[str, Any]:
    """Clock offsets, calendars and row counts of every service: what a demo run would change.

    Taken once the outboxes are drained: the stack's own periodic work (the signed audit
    checkpoint) passes through its outbox at any moment, and is relayed within a second."""
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        await _outboxes_drained(conn)
        found: dict[str, Any] = {}
        for schema in SERVICES:
            found[f"{schema} clock"] = await conn.fetchval(f'SELECT offset_us FROM "{schema}".dev_clock')
            found[f"{schema} calendar"] = [
                tuple(row)
                for row in await conn.fetch(
                    f'SELECT year, revision, source FROM "{schema}".calendar_year ORDER BY year'
                )
            ]
            for table in ("audit_log", "outbox", *WRITTEN[schema]):
                found[f"{schema}.{table}"] = await conn.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"')
        return found
    finally:
        await conn.close()


async def _outboxes_drained(conn: asyncpg.Connection, timeout: float = 10.0) -> None:
    waiting = " + ".join(f'(SELECT count(*) FROM "{schema}".outbox)' for schema in SERVICES)
    for _ in range(int(timeout / 0.1)):
        if not await conn.fetchval(f"SELECT {waiting}"):
            return
        await asyncio.sleep(0.1)


async def test_the_demo_runs_on_a_stack_of_its_own_and_leaves_the_running_one_alone(
    own_stack: Stack,
) -> None:
    before = await _snapshot(own_stack)
    code, output, started = await _demo(own_stack.data_dir)
    assert code == 0, output[-4000:]
    assert "a stack of its own" in output
    assert "warning" not in output
    _check_story(output)
    _check_dates_from_the_services_clock(output)
    await asyncio.sleep(0.5)
    assert started
    assert _alive(started) == set()
    assert await _snapshot(own_stack) == before
    for address in own_stack.endpoints().values():
        await _wait_serving(address, timeout=5, tls=own_stack.client_tls)


async def test_the_running_stack_is_used_only_when_asked_with_a_warning_and_no_guessed_year(
    own_stack: Stack,
) -> None:
    before = await _snapshot(own_stack)
    code, output, _ = await _demo(own_stack.data_dir, "--use-running")
    assert code == 0, output[-4000:]
    flat = " ".join(output.split())  # the warning wraps at the terminal's width
    assert flat.startswith("warning: the demo runs on the stack `chengnuo up` is running from")
    assert "moves that stack's clock forward by months" in flat
    assert "the running stack" in output
    _check_story(output)
    after = await _snapshot(own_stack)
    assert after["verification clock"] > before["verification clock"]
    assert after["commitment.commitment"] > before["commitment.commitment"]
    # Deadlines ran into a year without an official schedule: they stay provisional, and no
    # service got a schedule the demo made up.
    assert "has no official schedule loaded" in output
    assert " provisional" in output
    for schema in SERVICES:
        assert after[f"{schema} calendar"] == before[f"{schema} calendar"], schema
    for address in own_stack.endpoints().values():
        await _wait_serving(address, timeout=5, tls=own_stack.client_tls)


async def test_use_running_without_a_running_stack_is_refused(tmp_path: Path) -> None:
    code, output, started = await _demo(tmp_path / "nothing-running", "--use-running")
    assert code == 2, output
    assert "no development stack is running from" in output
    assert "what happened" not in output
    assert not started
