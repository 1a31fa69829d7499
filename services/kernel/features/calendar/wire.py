"""Working-day schedules on the wire (chengnuo.common.v1.CalendarYear) and back."""

from __future__ import annotations

from chengnuo.common.v1 import calendar_pb2
from services.kernel import convert
from services.kernel.calendar import YearSchedule


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
