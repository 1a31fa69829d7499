"""One contract for the kernel's write interface, run against PostgreSQL and the in-memory double.

Every case runs twice: on the real Database (embedded PostgreSQL) and on tests/support/memory.py's
MemoryDatabase, so a handler test that passes on the double passes for the same reason on the
real thing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from chengnuo.common.v1 import calendar_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.kernel.batch import Plan, WriteBatcher
from services.kernel.clock import FixedClock
from services.kernel.db import Connection
from services.kernel.errors import AlreadyExists, InvalidArgument
from services.kernel.events import EventCatalog, EventType, Stream
from services.kernel.rpc.handlers import batched_command, command
from services.kernel.uow import Database, UnitOfWork
from services.kernel.writes import PendingWrites
from tests.conftest import dev_clock
from tests.integration.conftest import World
from tests.support.memory import MemoryBatcher, MemoryDatabase, MemoryTables, acting_as, caller

EFFECT = ("effect", ("event_id", "note"))
Audited = tuple[str, str, str, str, str, str]  # action, target, outcome, purpose, actor, request id


@dataclass
class Backend:
    db: Database
    batcher: WriteBatcher
    count: Callable[[str], Awaitable[int]]
    events: Callable[[], Awaitable[list[tuple[str, Any]]]]  # (entity, message) in order
    audits: Callable[[], Awaitable[list[Audited]]]
    unique_note: Callable[[], Awaitable[None]]
    # A store's own write in the unit's transaction (SQL, or the memory store's dict).
    write: Callable[[Connection, str, str], Awaitable[None]]


def _postgres(world: World) -> Backend:
    async def count(table: str) -> int:
        return int(await world.pool.fetchval(f"SELECT count(*) FROM {table}"))

    async def events() -> list[tuple[str, Any]]:
        rows = await world.pool.fetch("SELECT entity, payload FROM outbox ORDER BY seq")
        return [(r["entity"], world.event.message.FromString(r["payload"])) for r in rows]

    async def audits() -> list[Audited]:
        rows = await world.pool.fetch(
            "SELECT action, target, outcome, purpose, actor, request_id FROM audit_log ORDER BY seq"
        )
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    async def unique_note() -> None:
        await world.pool.execute("CREATE UNIQUE INDEX effect_note ON effect (note)")

    async def write(conn: Connection, event_id: str, note: str) -> None:
        await conn.execute("INSERT INTO effect VALUES ($1, $2)", event_id, note)

    return Backend(world.db, WriteBatcher(world.db), count, events, audits, unique_note, write)


def _memory() -> Backend:
    stream = Stream("CONTRACT", ("contract.>",), "the contract's events")
    kind = EventType("contract.recorded", commitment_events_pb2.CommitmentRecorded, stream.name)
    db = MemoryDatabase(FixedClock(dev_clock().now()), EventCatalog([stream], [kind]))

    async def count(table: str) -> int:
        return len(db.tables.rows(table))

    async def events() -> list[tuple[str, Any]]:
        return [(e.entity, e.message) for e in db.events]

    async def audits() -> list[Audited]:
        return [(a.action, a.target, a.outcome, a.purpose, a.actor, a.request_id) for a in db.audits]

    async def unique_note() -> None:
        db.tables.unique("effect", "note")

    async def write(conn: Connection, event_id: str, note: str) -> None:
        MemoryTables.of(conn).insert("effect", {"event_id": event_id, "note": note})

    return Backend(db, MemoryBatcher(db), count, events, audits, unique_note, write)


@pytest.fixture(params=["postgres", "memory"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "postgres":
        return _postgres(request.getfixturevalue("world"))
    return _memory()


def _effect(pending: PendingWrites, note: str) -> None:
    """The same change through either form of the write interface."""
    pending.insert(*EFFECT, (pending.request_id, note))
    pending.emit(commitment_events_pb2.CommitmentRecorded(code=note), entity=f"effect/{note}")
    pending.audit("effect.add", f"effect/{note}", change=note, outcome="refused", purpose="inspection")


class Effects:
    def __init__(self, backend: Backend) -> None:
        self.db, self.batcher, self.write = backend.db, backend.batcher, backend.write
        self.calls = 0

    @command("admin", reply=calendar_pb2.LoadYearResponse)
    async def Refuse(
        self, request: calendar_pb2.LoadYearRequest, uow: UnitOfWork
    ) -> calendar_pb2.LoadYearResponse:
        """Writes through its store, then refuses a request without a source."""
        self.calls += 1
        await self.write(uow.conn, request.request_id, request.source)
        if not request.source:
            raise InvalidArgument.one("source", "required")
        return calendar_pb2.LoadYearResponse(calendar=calendar_pb2.CalendarYear(year=self.calls))

    @command("admin", reply=calendar_pb2.LoadYearResponse)
    async def Load(
        self, request: calendar_pb2.LoadYearRequest, uow: UnitOfWork
    ) -> calendar_pb2.LoadYearResponse:
        return self._answer(request, uow)

    @batched_command("admin", reply=calendar_pb2.LoadYearResponse)
    async def Plan(self, request: calendar_pb2.LoadYearRequest, plan: Plan) -> calendar_pb2.LoadYearResponse:
        return self._answer(request, plan)

    def _answer(
        self, request: calendar_pb2.LoadYearRequest, pending: PendingWrites
    ) -> calendar_pb2.LoadYearResponse:
        self.calls += 1
        _effect(pending, request.source)
        # The call number in the answer tells a replayed first answer from a new one.
        return calendar_pb2.LoadYearResponse(
            calendar=calendar_pb2.CalendarYear(year=self.calls, source=request.source)
        )


async def test_rows_events_and_audit_entries_commit_together(backend: Backend) -> None:
    async with backend.db.unit_of_work(request_id="r-1") as uow:
        _effect(uow, "one")
        assert await backend.count("effect") == 0  # queued until commit
    assert await backend.count("effect") == 1
    entity, message = (await backend.events())[0]
    assert (entity, message.code) == ("effect/one", "one")
    actor = backend.db.system_actor.name
    assert await backend.audits() == [("effect.add", "effect/one", "refused", "inspection", actor, "r-1")]


async def _failing(unit: AbstractAsyncContextManager[UnitOfWork], note: str, called: list[str]) -> None:
    async with unit as uow:
        _effect(uow, note)
        uow.after_commit(lambda: called.append(note))
        raise LookupError("the handler fails")


async def test_a_failing_unit_leaves_no_row_event_audit_entry_or_callback(backend: Backend) -> None:
    called: list[str] = []
    with pytest.raises(LookupError):
        await _failing(backend.db.unit_of_work(request_id="r-1"), "one", called)
    assert [await backend.count(t) for t in ("effect", "outbox", "audit_log")] == [0, 0, 0]
    assert called == []


async def test_a_refused_command_keeps_no_write_and_no_record_so_a_corrected_retry_runs(
    backend: Backend,
) -> None:
    effects = Effects(backend)
    with acting_as(caller("admin")):
        with pytest.raises(InvalidArgument):
            await effects.Refuse(calendar_pb2.LoadYearRequest(request_id="r-1"), None)
        assert [await backend.count(t) for t in ("effect", "idempotency")] == [0, 0]
        answer = await effects.Refuse(calendar_pb2.LoadYearRequest(request_id="r-1", source="s"), None)
    assert answer.calendar.year == 2
    assert [await backend.count(t) for t in ("effect", "idempotency")] == [1, 1]


async def test_after_commit_runs_only_once_committed(backend: Backend) -> None:
    called: list[str] = []
    async with backend.db.unit_of_work() as uow:
        uow.after_commit(lambda: called.append("unit"))
        assert called == []
    assert called == ["unit"]
    async with backend.db.batch() as batch:
        async with batch.unit(request_id="a") as uow:
            _effect(uow, "a")
            uow.after_commit(lambda: called.append("a"))
        with pytest.raises(LookupError):  # this unit alone fails
            await _failing(batch.unit(request_id="b"), "b", called)
        assert called == ["unit"]  # the batch has not committed yet
    assert called == ["unit", "a"]
    assert [await backend.count(t) for t in ("effect", "outbox", "audit_log")] == [1, 1, 1]


async def test_a_unit_answers_its_chosen_refusal_for_a_duplicate_row(backend: Backend) -> None:
    await backend.unique_note()
    async with backend.db.unit_of_work(request_id="r-1") as uow:
        _effect(uow, "taken")

    async def again() -> None:
        async with backend.db.unit_of_work(request_id="r-2") as uow:
            _effect(uow, "taken")
            uow.refuse_duplicate("effect", AlreadyExists("effect", "taken"))

    with pytest.raises(AlreadyExists):
        await again()
    assert [await backend.count(t) for t in ("effect", "outbox", "audit_log")] == [1, 1, 1]


@pytest.mark.parametrize("method", ["Load", "Plan"])
async def test_a_retry_gets_the_first_answer_and_a_reused_id_is_refused(
    backend: Backend, method: str
) -> None:
    effects = Effects(backend)
    call = getattr(effects, method)
    with acting_as(caller("admin", subject="u1")):
        first = await call(calendar_pb2.LoadYearRequest(request_id="r-1", source="first"), None)
        again = await call(calendar_pb2.LoadYearRequest(request_id="r-1", source="first"), None)
        with pytest.raises(InvalidArgument) as refused:
            await call(calendar_pb2.LoadYearRequest(request_id="r-1", source="other"), None)
    assert first == again
    assert first.calendar.year == 1
    assert refused.value.violations[0].field == "request_id"
    assert [await backend.count(t) for t in ("effect", "outbox", "audit_log", "idempotency")] == [1, 1, 1, 1]
    # Another caller may use the same id for a request of its own.
    with acting_as(caller("admin", subject="u2")):
        await call(calendar_pb2.LoadYearRequest(request_id="r-1", source="other"), None)
    assert await backend.count("effect") == 2


async def test_a_plan_commits_like_a_unit_and_answers_its_refusal(backend: Backend) -> None:
    await backend.unique_note()
    called: list[str] = []
    plan = Plan(backend.db.system_actor, "r-1", backend.db.clock.now())
    _effect(plan, "taken")
    plan.after_commit(lambda: called.append("r-1"))
    await backend.batcher.submit(plan)
    assert called == ["r-1"]
    assert await backend.audits() == [
        ("effect.add", "effect/taken", "refused", "inspection", backend.db.system_actor.name, "r-1")
    ]
    again = Plan(backend.db.system_actor, "r-2", backend.db.clock.now())
    _effect(again, "taken")
    again.refuse_duplicate("effect", AlreadyExists("effect", "taken"))
    again.after_commit(lambda: called.append("r-2"))
    with pytest.raises(AlreadyExists):
        await backend.batcher.submit(again)
    assert called == ["r-1"]
    assert [await backend.count(t) for t in ("effect", "outbox", "audit_log")] == [1, 1, 1]
