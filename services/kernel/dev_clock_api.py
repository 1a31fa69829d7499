"""DevClockService: lets development stacks (tests, the demo) move time forward.

Only registered when CHENGNUO_ENV=development. The offset is stored in the service's schema so
a restarted process and other replicas follow it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import asyncpg

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from services.kernel import convert, supervise
from services.kernel.auth import ADMIN, ANY_ROLE
from services.kernel.clock import DevClock, SystemClock, offset_to
from services.kernel.errors import InvalidArgument
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

FOLLOW_SECONDS = 1.0
# How far ahead of the system clock a development stack may run, all advances together: a century
# keeps every date the services compute within the range requests may name (convert.MAX_YEAR).
MAX_OFFSET = dt.timedelta(days=36_525)


class DevClockApi(dev_clock_pb2_grpc.DevClockServiceServicer):
    def __init__(self, db: Database, clock: DevClock, on_advance: Callable[[], None] = lambda: None) -> None:
        self.db, self.clock, self.on_advance = db, clock, on_advance

    def _answer(self, offset: dt.timedelta | None = None) -> dev_clock_pb2.GetTimeResponse:
        offset = self.clock.offset if offset is None else max(offset, self.clock.offset)
        answer = dev_clock_pb2.GetTimeResponse(now=convert.to_timestamp(SystemClock().now() + offset))
        answer.offset.FromTimedelta(offset)
        return answer

    @query(ANY_ROLE)
    async def GetTime(
        self, request: dev_clock_pb2.GetTimeRequest, context: Any
    ) -> dev_clock_pb2.GetTimeResponse:
        return self._answer()

    @command(ADMIN, reply=dev_clock_pb2.GetTimeResponse)
    async def Advance(
        self, request: dev_clock_pb2.AdvanceRequest, uow: UnitOfWork
    ) -> dev_clock_pb2.GetTimeResponse:
        problem = convert.duration_problem(request.by, MAX_OFFSET)
        if problem:
            raise InvalidArgument.one("by", problem)
        by = request.by.ToTimedelta()
        if by < dt.timedelta(0):
            raise InvalidArgument.one("by", "must not be negative: time only moves forward")
        # Locked, so concurrent advances add up instead of overwriting each other.
        stored = await uow.conn.fetchval("SELECT offset_us FROM dev_clock FOR UPDATE")
        offset = dt.timedelta(microseconds=stored or 0) + by
        if offset > MAX_OFFSET:
            raise InvalidArgument.one(
                "by", f"would put the clock {offset.days} days ahead; at most {MAX_OFFSET.days} days in all"
            )
        await uow.conn.execute(
            "INSERT INTO dev_clock (offset_us) VALUES ($1) ON CONFLICT (id) DO UPDATE SET offset_us = $1",
            _micros(offset),
        )
        uow.audit("clock.advance", "clock", change=str(by))
        # Only a committed advance moves this process's clock: a failed one must leave it as it was.
        uow.after_commit(lambda: self.clock.catch_up(offset))
        uow.after_commit(self.on_advance)  # scheduled work may have fallen due
        return self._answer(offset)


def _micros(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


async def adopt(pool: asyncpg.Pool, clock: DevClock, start: dt.datetime | None) -> None:
    """Take the stored offset at start-up, before serving. A configured start applies only to a
    stack whose clock was never set: a restarted process keeps the time the stack has reached."""
    if start is not None:
        await pool.execute(
            "INSERT INTO dev_clock (offset_us) VALUES ($1) ON CONFLICT (id) DO NOTHING",
            _micros(offset_to(start)),
        )
    offset = await pool.fetchval("SELECT offset_us FROM dev_clock")
    if offset is not None:
        clock.offset = dt.timedelta(microseconds=offset)


async def follow(db: Database, clock: DevClock, on_advance: Callable[[], None]) -> None:
    """Adopt the stored offset now and whenever another replica moves it; a jump makes this
    replica's scheduled work run at once too, as on the replica that was asked to advance.
    While the database is away the clock keeps its offset and the follower waits (supervise)."""

    async def look() -> None:
        await _adopt_stored(db, clock, on_advance)
        await asyncio.sleep(FOLLOW_SECONDS)

    await supervise.forever("dev-clock-follower", look)


async def _adopt_stored(db: Database, clock: DevClock, on_advance: Callable[[], None]) -> None:
    offset = await db.pool.fetchval("SELECT offset_us FROM dev_clock")
    if offset is not None and dt.timedelta(microseconds=offset) > clock.offset:
        clock.catch_up(dt.timedelta(microseconds=offset))
        on_advance()
