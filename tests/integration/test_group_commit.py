"""Group commit: concurrent plans share transactions; a bad plan fails alone."""

from __future__ import annotations

import asyncio

import pytest

from chengnuo.events.v1 import commitment_events_pb2
from services.kernel import audit_chain
from services.kernel.batch import DuplicateRequest, Plan, WriteBatcher
from services.kernel.coalesce import Coalescer
from services.kernel.db import Connection
from services.kernel.errors import AlreadyExists
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


async def test_bad_data_and_a_mapped_duplicate_fail_alone_with_their_own_answers(world: World) -> None:
    await world.pool.execute("CREATE UNIQUE INDEX effect_note_unique ON effect (note)")
    await world.pool.execute("ALTER TABLE effect ADD COLUMN size smallint, ADD COLUMN extra jsonb")
    batcher = WriteBatcher(world.db)
    await batcher.submit(_plan(world, 0, note="taken"))
    columns = ("event_id", "note", "size", "extra")
    plans = []
    for n in range(1, 21):
        plan = Plan(world.db.system_actor, f"req-{n}", world.clock.now())
        size = 70_000 if n == 7 else n  # too big for a smallint: this plan alone is at fault
        plan.insert("effect", columns, (f"e-{n}", "taken" if n == 9 else f"note-{n}", size, {"n": [n]}))
        plan.refuse_duplicate("effect", AlreadyExists("effect", f"note of {n}"))
        plan.audit("thing.add", f"thing/{n}", change=n)
        plan.idempotency = ("Test|u", f"req-{n}", b"h", b"answer")
        plans.append(plan)
    outcomes = await asyncio.gather(*(batcher.submit(p) for p in plans), return_exceptions=True)
    failures = {i + 1: type(o).__name__ for i, o in enumerate(outcomes) if o is not None}
    assert failures == {7: "DataError", 9: "AlreadyExists"}
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 19
    assert await world.pool.fetchval("SELECT extra FROM effect WHERE event_id = 'e-3'") == {"n": [3]}
    async with world.pool.acquire() as conn:
        report = await audit_chain.verify(conn, AUDIT_KEY)
    assert (report.intact, report.rows_checked) == (True, 19)


async def test_the_chain_stays_whole_when_other_writers_append_between_groups(world: World) -> None:
    batcher, other = WriteBatcher(world.db), WriteBatcher(world.db)
    for round_ in range(5):
        async with world.db.unit_of_work() as uow:  # a unit of work of another RPC appends too
            uow.audit("other.change", f"other/{round_}")
        writes = [batcher.submit(_plan(world, 100 * round_ + n)) for n in range(10)]
        writes += [other.submit(_plan(world, 100 * round_ + 50 + n)) for n in range(10)]
        await asyncio.gather(*writes)
    async with world.pool.acquire() as conn:
        report = await audit_chain.verify(conn, AUDIT_KEY)
    assert (report.intact, report.rows_checked) == (True, 105)
    assert await world.pool.fetchval("SELECT count(*) FROM outbox") == 100


async def test_concurrent_reads_share_queries_and_a_failing_query_fails_only_its_keys(world: World) -> None:
    seen: list[list[int]] = []

    async def fetch(conn: Connection, keys: list[int]) -> list[int]:
        seen.append(keys)
        if 13 in keys:
            raise LookupError("no 13")
        return [int(v) for v in await conn.fetchval("SELECT array_agg(k * 2) FROM unnest($1::int[]) k", keys)]

    doubles: Coalescer[int, int] = Coalescer(world.pool, fetch, readers=1)
    answers = await asyncio.gather(*(doubles.get(n) for n in range(12)))
    assert answers == [2 * n for n in range(12)]
    assert doubles.queries < 12
    failed = await asyncio.gather(doubles.get(13), return_exceptions=True)
    assert isinstance(failed[0], LookupError)
    assert await doubles.get(21) == 42
