"""DevClockService: lets development stacks (tests, the demo) move time forward.

Only registered when CHENGNUO_ENV=development. The offset is stored in the service's schema so
a restarted process and other replicas follow it (follow.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from chengnuo.common.v1 import dev_clock_pb2, dev_clock_pb2_grpc
from services.kernel import convert
from services.kernel.auth import ADMIN, ANY_ROLE
from services.kernel.clock import DevClock, SystemClock
from services.kernel.errors import InvalidArgument
from services.kernel.features.dev_clock import store
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

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
        offset = await store.lock_offset(uow.conn) + by
        if offset > MAX_OFFSET:
            raise InvalidArgument.one(
                "by", f"would put the clock {offset.days} days ahead; at most {MAX_OFFSET.days} days in all"
            )
        await store.set_offset(uow.conn, offset)
        uow.audit("clock.advance", "clock", change=str(by))
        # Only a committed advance moves this process's clock: a failed one must leave it as it was.
        uow.after_commit(lambda: self.clock.catch_up(offset))
        uow.after_commit(self.on_advance)  # scheduled work may have fallen due
        return self._answer(offset)
