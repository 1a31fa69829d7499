"""The one source of time in a process.

Production uses the system clock. Development mode adds an offset that only grows, so tests and
the demo can let months pass through the real code paths instead of faking results.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

# China has a single time zone without daylight saving; a fixed offset avoids a tzdata dependency.
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(CHINA).date()


class DevClock(SystemClock):
    """System time plus an offset that can only move forward."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return super().now() + self.offset

    def advance(self, by: dt.timedelta) -> None:
        if by < dt.timedelta(0):
            raise ValueError("time only moves forward")
        self.offset += by

    def catch_up(self, offset: dt.timedelta) -> None:
        """Adopt an offset another replica persisted, never going back."""
        self.offset = max(self.offset, offset)


class FixedClock:
    """A clock that stands still until moved; for pure unit tests."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def today(self) -> dt.date:
        return self.at.astimezone(CHINA).date()
