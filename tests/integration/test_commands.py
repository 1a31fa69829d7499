"""The @command decorator: one unit of work per request, and retries answered from memory."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from chengnuo.common.v1 import calendar_pb2
from services.kernel.auth import Caller, set_current_caller
from services.kernel.errors import InvalidArgument
from services.kernel.rpc.handlers import ROLES_ATTRIBUTE, command
from services.kernel.uow import Database, UnitOfWork
from tests.integration.conftest import World


class Counter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls = 0

    @command("admin", reply=calendar_pb2.LoadYearResponse)
    async def Load(
        self, request: calendar_pb2.LoadYearRequest, uow: UnitOfWork
    ) -> calendar_pb2.LoadYearResponse:
        self.calls += 1
        await asyncio.sleep(0.05)  # let a concurrent retry arrive while this one is in flight
        await uow.conn.execute("INSERT INTO effect VALUES ($1, $2)", request.request_id, request.source)
        uow.audit("effect.add", request.request_id, change=request.source)
        total = await uow.conn.fetchval("SELECT count(*) FROM effect")
        return calendar_pb2.LoadYearResponse(
            calendar=calendar_pb2.CalendarYear(year=total, source=request.source)
        )


def _as(subject: str) -> None:
    set_current_caller(Caller(subject, "D1", "350200", frozenset({"admin"}), time.time() + 60))


async def _call(counter: Counter, request: calendar_pb2.LoadYearRequest, subject: str = "u1") -> Any:
    _as(subject)
    return await counter.Load(request, None)


async def test_a_retry_gets_the_first_answer_and_changes_nothing(world: World) -> None:
    counter = Counter(world.db)
    request = calendar_pb2.LoadYearRequest(request_id="r-1", source="first")
    first = await _call(counter, request)
    again = await _call(counter, request)
    assert first == again
    assert counter.calls == 1
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 1
    assert await world.pool.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_concurrent_retries_make_one_change(world: World) -> None:
    counter = Counter(world.db)
    request = calendar_pb2.LoadYearRequest(request_id="r-2", source="same")
    answers = await asyncio.gather(*(_call(counter, request) for _ in range(8)))
    assert len({a.SerializeToString() for a in answers}) == 1
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 1


async def test_reusing_a_request_id_for_another_request_is_refused(world: World) -> None:
    counter = Counter(world.db)
    await _call(counter, calendar_pb2.LoadYearRequest(request_id="r-3", source="one"))
    with pytest.raises(InvalidArgument) as refused:
        await _call(counter, calendar_pb2.LoadYearRequest(request_id="r-3", source="two"))
    assert refused.value.violations[0].field == "request_id"
    # Another caller may use the same id for its own request.
    await _call(counter, calendar_pb2.LoadYearRequest(request_id="r-3", source="two"), subject="u2")
    assert await world.pool.fetchval("SELECT count(*) FROM effect") == 2


async def test_a_request_without_id_is_refused_before_any_work(world: World) -> None:
    counter = Counter(world.db)
    with pytest.raises(InvalidArgument) as refused:
        await _call(counter, calendar_pb2.LoadYearRequest(source="x"))
    assert refused.value.violations[0].field == "request_id"
    assert counter.calls == 0
    assert await world.pool.fetchval("SELECT count(*) FROM idempotency") == 0


def test_the_declared_roles_travel_with_the_handler() -> None:
    assert getattr(Counter.Load, ROLES_ATTRIBUTE) == ("admin",)
