"""CalendarService: any caller reads the schedule and counts working days; an administrator
loads a year, which every service then applies (services/kernel/features/calendar/keeper.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from chengnuo.common.v1 import calendar_pb2, calendar_pb2_grpc
from chengnuo.events.v1 import calendar_events_pb2
from services.kernel import convert
from services.kernel.auth import ADMIN, ANY_ROLE
from services.kernel.calendar import MAX_WORKING_DAYS, YearSchedule
from services.kernel.errors import FieldViolation, InvalidArgument, Violations
from services.kernel.features.calendar import store
from services.kernel.features.calendar.keeper import CalendarKeeper
from services.kernel.features.calendar.wire import to_proto
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork


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
        previous = await store.get(uow.conn, schedule.year)
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
