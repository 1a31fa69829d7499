"""Working days on China's official calendar: the holidays of 《全国年节及纪念日放假办法》 as each
year's notice of the General Office of the State Council on holiday arrangements sets them.

A year's schedule lists the weekdays that are days off and the weekend days that are working days
(调休). A year without a loaded schedule falls back to weekends only, and every answer that relies
on such a year says so (provisional) so it can be recomputed once the schedule is loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

_DAY = dt.timedelta(days=1)
# Far enough for any legal deadline; stops a runaway loop on absurd input.
MAX_WORKING_DAYS = 3660


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str
    loaded_at: dt.datetime
    revision: int = 1

    def problems(self) -> list[tuple[str, str]]:
        """Field problems that make the schedule unusable, as (field, description)."""
        found = [
            (name, f"{d} is not in {self.year}")
            for name, days in (("holidays", self.holidays), ("make_up_workdays", self.workdays))
            for d in days
            if d.year != self.year
        ]
        found += [("make_up_workdays", f"{d} is a weekday") for d in self.workdays if d.weekday() < 5]
        found += [("holidays", f"{d} is also a make-up workday") for d in self.holidays & self.workdays]
        return found


@dataclass(frozen=True)
class DayAnswer:
    working: bool
    provisional: bool


@dataclass(frozen=True)
class DateAnswer:
    date: dt.date
    provisional: bool


class WorkingCalendar:
    def __init__(self, years: Mapping[int, YearSchedule]) -> None:
        self._years = dict(years)

    @classmethod
    def of(cls, schedules: Iterable[YearSchedule]) -> WorkingCalendar:
        return cls({s.year: s for s in schedules})

    def year(self, year: int) -> YearSchedule | None:
        return self._years.get(year)

    def with_year(self, schedule: YearSchedule) -> WorkingCalendar:
        return WorkingCalendar({**self._years, schedule.year: schedule})

    def is_working_day(self, day: dt.date) -> DayAnswer:
        schedule = self._years.get(day.year)
        if schedule is None:
            return DayAnswer(day.weekday() < 5, provisional=True)
        if day in schedule.workdays:
            return DayAnswer(True, provisional=False)
        return DayAnswer(day.weekday() < 5 and day not in schedule.holidays, provisional=False)

    def add_working_days(self, start: dt.date, days: int) -> DateAnswer:
        """The `days`-th working day after `start` (start itself is not counted)."""
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}")
        day, provisional, left = start, False, days
        while left:
            day += _DAY
            answer = self.is_working_day(day)
            provisional |= answer.provisional
            left -= answer.working
        return DateAnswer(day, provisional)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += _DAY
            count += self.is_working_day(day).working
        return count


class CurrentCalendar(Protocol):
    """The working-day calendar as currently loaded: the calendar keeper in production
    (kernel/features/calendar/keeper.py), a fixed calendar in the handler unit tests."""

    @property
    def current(self) -> WorkingCalendar: ...
