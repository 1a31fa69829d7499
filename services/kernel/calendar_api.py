"""The CalendarService every service serves, and the consumer that keeps the copies in step.

A year loaded on any service is stored there and announced as `calendar.year_loaded`; every
service (including the one it was loaded on) applies the newest load of each year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc
from chengnuo.events.v1 import calendar_events_pb2
from services.kernel import calendar_store, convert
from services.kernel.auth import ADMIN, ANY_ROLE
from services.kernel.calendar import MAX_WORKING_DAYS, WorkingCalendar, YearSchedule
from services.kernel.errors import FieldViolation, InvalidArgument, Violations
from services.kernel.events import EventMeta, EventType, Stream
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

CALENDAR_STREAM = Stream("CALENDAR", ("calendar.>",), "official working-day schedules")
CALENDAR_YEAR_LOADED = EventType("calendar.year_loaded", calendar_events_pb2.CalendarYearLoaded, "CALENDAR")

YearListener = Callable[[YearSchedule, UnitOfWork], Awaitable[None]]


class CalendarKeeper:
    """The process's in-memory calendar, replaced whenever a newer year is committed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.current = WorkingCalendar({})
        self._listeners: list[YearListener] = []

    def on_year_loaded(self, listener: YearListener) -> None:
        """Run `listener` in the same unit of work that stores a newly loaded year."""
        self._listeners.append(listener)

    async def start(self) -> None:
        async with self.db.unit_of_work() as uow:
            await calendar_store.seed(uow.conn, uow.now)
            self.current = await calendar_store.load(uow.conn)

    async def apply(self, schedule: YearSchedule, uow: UnitOfWork) -> bool:
        if not await calendar_store.store_if_newer(uow.conn, schedule):
            return False
        for listener in self._listeners:
            await listener(schedule, uow)
        uow.after_commit(lambda: self._adopt(schedule))
        return True

    def _adopt(self, schedule: YearSchedule) -> None:
        self.current = self.current.with_year(schedule)

    async def on_event(
        self, event: calendar_events_pb2.CalendarYearLoaded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        schedule = from_proto(event.calendar)
        if await self.apply(schedule, uow):
            uow.audit("calendar.year_applied", f"calendar/{schedule.year}", change=meta.id)


def to_proto(schedule: YearSchedule) -> calendar_pb2.CalendarYear:
    return calendar_pb2.CalendarYear(
        year=schedule.year,
        holidays=[convert.to_date(d) for d in sorted(schedule.holidays)],
        make_up_workdays=[convert.to_date(d) for d in sorted(schedule.workdays)],
        source=schedule.source,
        revision=schedule.revision,
        loaded_at=convert.to_timestamp(schedule.loaded_at),
    )


def from_proto(message: calendar_pb2.CalendarYear) -> YearSchedule:
    return YearSchedule(
        year=message.year,
        holidays=frozenset(convert.from_date(d) for d in message.holidays),
        workdays=frozenset(convert.from_date(d) for d in message.make_up_workdays),
        source=message.source,
        loaded_at=convert.from_timestamp(message.loaded_at),
        revision=message.revision,
    )


class CalendarApi(calendar_pb2_grpc.CalendarServiceServicer):
    def __init__(self, db: Database, keeper: CalendarKeeper) -> None:
        self.db, self.keeper = db, keeper

    @query(ANY_ROLE)
    async def GetYear(
        self, request: calendar_pb2.GetYearRequest, context: Any
    ) -> calendar_pb2.GetYearResponse:
        schedule = self.keeper.current.year(request.year)
        return calendar_pb2.GetYearResponse(calendar=to_proto(schedule) if schedule else None)

    @query(ANY_ROLE)
    async def AddWorkingDays(
        self, request: calendar_pb2.AddWorkingDaysRequest, context: Any
    ) -> calendar_pb2.AddWorkingDaysResponse:
        violations = Violations()
        start = convert.date_field(violations, "start", request.start)
        if not 0 <= request.working_days <= MAX_WORKING_DAYS:
            violations.add("working_days", f"must be between 0 and {MAX_WORKING_DAYS}")
        answer = self.keeper.current.add_working_days(violations.ok(start), request.working_days)
        return calendar_pb2.AddWorkingDaysResponse(
            date=convert.to_date(answer.date), provisional=answer.provisional
        )

    @command(ADMIN, reply=calendar_pb2.LoadYearResponse)
    async def LoadYear(
        self, request: calendar_pb2.LoadYearRequest, uow: UnitOfWork
    ) -> calendar_pb2.LoadYearResponse:
        schedule = _parse_year(request, uow.now)
        previous = await calendar_store.get(uow.conn, schedule.year)
        schedule = replace(schedule, revision=previous.revision + 1 if previous else 1)
        await self.keeper.apply(schedule, uow)
        message = to_proto(schedule)
        uow.emit(
            calendar_events_pb2.CalendarYearLoaded(calendar=message),
            entity=f"calendar/{schedule.year}",
        )
        uow.audit("calendar.load_year", f"calendar/{schedule.year}", change=request.source)
        return calendar_pb2.LoadYearResponse(calendar=message)


def _parse_year(request: calendar_pb2.LoadYearRequest, now: dt.datetime) -> YearSchedule:
    violations = Violations()
    if not 2000 <= request.year <= 2100:
        violations.add("year", "must be between 2000 and 2100")
    if not request.source.strip():
        violations.add("source", "required: cite the notice the schedule comes from")
    holidays = [convert.date_field(violations, f"holidays[{i}]", d) for i, d in enumerate(request.holidays)]
    workdays = [
        convert.date_field(violations, f"make_up_workdays[{i}]", d)
        for i, d in enumerate(request.make_up_workdays)
    ]
    violations.raise_if_any()
    schedule = YearSchedule(
        year=request.year,
        holidays=frozenset(d for d in holidays if d),
        workdays=frozenset(d for d in workdays if d),
        source=request.source.strip(),
        loaded_at=now,
    )
    problems = schedule.problems()
    if problems:
        raise InvalidArgument([FieldViolation(field, why) for field, why in problems])
    return schedule
