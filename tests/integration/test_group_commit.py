"""Group commit: concurrent plans share transactions; a bad plan fails alone."""

from __future__ import annotations

import asyncio

import pytest

from chengnuo.events.v1 import commitment_events_pb2
from services.kernel import audit_chain
from services.kernel.batch import DuplicateRequest, Plan, WriteBatcher
from tests.integration.conftest import AUDIT_KEY, World

EFFECT = ("effect", ("event_id", "note"))


def _plan(world: World, n: int, *, key: str | None = None, note: str | None = None) -> Plan:
    plan = Plan(world.db.system_actor, f"req-{n}", world.clock.now())
    plan.insert(*EFFECT, (f"e-{n}", note or f"note-{n}"))
    plan.emit(commitment_events_pb2.CommitmentRecorded(code=str(n)), entity=f"thing/{n}")
    plan.audit("thing.add", f"thing/{n}", change=n)
    plan.idempotency = ("Test|u", key or f"req-{n}", b"h", b"answer")
    return plan


async def test_concurrent_plans_commit_in_few_transactions_and_all_land(world: World) -> None:
    batcher = WriteBatcher(world.db)
    await asyncio.gather(*(batcher.submit(_plan(world, n)) for n in range(200)))
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 200
    assert await world.pool.fetchval("SELECT count(*) FROM outbox") == 200
    assert await world.pool.fetchval("SELECT count(*) FROM idempotency") == 200
    assert batcher.batches < 200
    async with world.pool.acquire() as conn:
        report = await audit_chain.verify(conn, AUDIT_KEY)
    assert (report.intact, report.rows_checked) == (True, 200)


async def test_a_duplicate_and_a_broken_plan_fail_alone(world: World) -> None:
    await world.pool.execute("CREATE UNIQUE INDEX effect_note ON effect (note)")
    batcher = WriteBatcher(world.db)
    await batcher.submit(_plan(world, 0, note="taken"))
    plans = [_plan(world, n) for n in range(1, 30)]
    plans.append(_plan(world, 30, key="req-5"))  # races request 5 with the same idempotency key
    plans.append(_plan(world, 31, note="taken"))  # breaks a constraint of its own
    outcomes = await asyncio.gather(*(batcher.submit(p) for p in plans), return_exceptions=True)
    failures = [(i, type(o).__name__) for i, o in enumerate(outcomes) if o is not None]
    assert failures == [(29, "DuplicateRequest"), (30, "UniqueViolationError")]
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 30
    assert await world.pool.fetchval("SELECT count(*) FROM outbox") == 30
    async with world.pool.acquire() as conn:
        assert (await audit_chain.verify(conn, AUDIT_KEY)).intact


async def test_a_duplicate_after_commit_is_reported(world: World) -> None:
    batcher = WriteBatcher(world.db)
    await batcher.submit(_plan(world, 1))
    with pytest.raises(DuplicateRequest):
        await batcher.submit(_plan(world, 2, key="req-1"))
