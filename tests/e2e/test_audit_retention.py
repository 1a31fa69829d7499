"""Query logs are kept at least five years (信用信息查询记录): retention is configuration with a
floor, and the services' own pruning job drops only rows past it, keeping the chain verifiable,
also against the signed checkpoints taken before the prune. A stack of the module's own: the test
moves its clocks five years on."""

from __future__ import annotations

import json

import asyncpg
import pytest

from services.kernel.config import MINIMUM_AUDIT_RETENTION_DAYS, ConfigError, Settings
from services.launcher.stack import Stack
from tests.e2e.cli import Cli
from tests.e2e.test_sharing_queries import agree, department
from tests.support import eventually


def test_retention_is_configuration_and_never_below_five_years() -> None:
    assert MINIMUM_AUDIT_RETENTION_DAYS >= 5 * 365 + 1
    env = {"CHENGNUO_AUDIT_RETENTION_DAYS": str(MINIMUM_AUDIT_RETENTION_DAYS - 1)}
    with pytest.raises(ConfigError, match="CHENGNUO_AUDIT_RETENTION_DAYS"):
        Settings.from_env("credit", env)


async def _oldest_and_anchor(stack: Stack) -> tuple[int, int]:
    conn = await asyncpg.connect(stack.pg_dsn)
    try:
        row = await conn.fetchrow(  # one statement, one snapshot: the job may prune meanwhile
            "SELECT (SELECT min(seq) FROM credit.audit_log) AS first,"
            " (SELECT seq FROM credit.audit_anchor) AS anchor"
        )
        assert row is not None
        return int(row["first"] or 0), int(row["anchor"])
    finally:
        await conn.close()


async def test_the_pruning_job_drops_only_rows_past_retention(own_stack: Stack) -> None:
    for _ in range(2):
        await agree(own_stack, "grades", department(), ["daily_supervision"])
    auditor, admin = Cli(own_stack, ["auditor"], department="350200-SFJ"), Cli(own_stack, ["admin"])
    code, out = admin("clock", "advance", f"{MINIMUM_AUDIT_RETENTION_DAYS - 1}d")
    assert code == 0, out
    assert await _oldest_and_anchor(own_stack) == (1, 0)  # four years and 364 days: all kept

    async def checkpointed() -> int | None:  # moving the clock kicked the checkpoint job
        chain = json.loads(auditor("audit", "verify", "--json")[1])["credit"]
        assert chain["intact"]
        head = int(chain["head_seq"])
        return head if int(chain.get("checkpoint_seq", 0)) == head else None

    before = await eventually(checkpointed, timeout=30, what="a checkpoint of the credit chain")
    code, out = admin("clock", "advance", "2d")
    assert code == 0, out

    async def pruned() -> tuple[int, int] | None:
        first, anchor = await _oldest_and_anchor(own_stack)
        return (first, anchor) if anchor > 0 else None

    first, anchor = await eventually(pruned, timeout=30, what="the retention job")
    assert first == anchor + 1  # the chain goes on from the anchor
    assert anchor >= before  # the checkpointed row itself is pruned: the recorded prune explains it
    code, out = auditor("audit", "verify", "--json")
    chain = json.loads(out)["credit"]
    assert (code, chain["intact"]) == (0, True)
    assert int(chain["checkpoints_checked"]) >= 1
