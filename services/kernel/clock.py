"""The one source of time in a process.

Production uses the system clock. Development mode adds an offset that only grows, so tests and
the demo can let months pass through the real code paths instead of faking results. A development
stack may also start on a named day (`CHENGNUO_CLOCK_START`): the suite then proves it passes on
any date, a year end or a year without a loaded holiday schedule included.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

# China has a single time zone without daylight saving; a fixed offset avoids a tzdata dependency.
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
# A start given as a bare date begins at nine in the morning: office hours, and far enough from
# midnight that processes starting a few seconds apart agree on the day.
START_OF_DAY = dt.time(9, 0, tzinfo=CHINA)


def parse_start(text: str) -> dt.datetime:
    """A clock start: an ISO date (that day, 09:00 China time) or an ISO date-time with an offset."""
    text = text.strip()
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), START_OF_DAY)
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (2027-12-27) or date-time with offset") from None
    if at.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset, e.g. 2027-12-27T09:00+08:00")
    return at


def china_date(moment: dt.datetime) -> dt.date:
    """The calendar day in China at an instant: the day every deadline, period and rule set is
    reckoned in, whatever zone the instant was stored or sent in."""
    return moment.astimezone(CHINA).date()


class Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return china_date(self.now())


class DevClock(SystemClock):
    """System time plus an offset that can only move forward."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self.offset = offset

    @classmethod
    def starting(cls, at: dt.datetime) -> DevClock:
        """A clock that reads `at` now and runs on from there (the offset may be negative)."""
        return cls(offset_to(at))

    def now(self) -> dt.datetime:
        return super().now() + self.offset

    def advance(self, by: dt.timedelta) -> None:
        if by < dt.timedelta(0):
            raise ValueError("time only moves forward")
        self.offset += by

    def catch_up(self, offset: dt.timedelta) -> None:
        """Adopt an offset another replica persisted, never going back."""
        self.offset = max(self.offset, offset)


def offset_to(at: dt.datetime) -> dt.timedelta:
    """The development offset that makes the system clock read `at` at this moment."""
    return at - dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until moved; for pure unit tests."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return china_date(self.at)
