"""Conversions between protobuf well-known types and Python values.

Dates and instants from requests are accepted only within a documented range, years
MIN_YEAR..MAX_YEAR (1900-01-01 to 2199-12-31, China time): far beyond any certificate, commitment
or credit record, and far enough from Python's and PostgreSQL's own limits (years 1..9999) that
date arithmetic on them (deadlines, publicity periods, working days) cannot overflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from services.kernel.errors import InvalidArgument, Violations

MIN_YEAR = 1900
MAX_YEAR = 2199
FIRST_DAY = dt.date(MIN_YEAR, 1, 1)
LAST_DAY = dt.date(MAX_YEAR, 12, 31)
# Instants are bounded in UTC by a day more on either side, so every in-range day has all its hours.
FIRST_INSTANT = dt.datetime(MIN_YEAR - 1, 12, 31, tzinfo=dt.UTC)
LAST_INSTANT = dt.datetime(MAX_YEAR + 1, 1, 2, tzinfo=dt.UTC)
MAX_NANOS = 999_999_999
T = TypeVar("T")
RANGE = f"between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"


def to_date(value: dt.date) -> Date:
    return Date(year=value.year, month=value.month, day=value.day)


def opt_date(value: dt.date | None) -> Date | None:
    return to_date(value) if value else None


def from_date(value: Date) -> dt.date:
    """Raises ValueError for an impossible date."""
    return dt.date(value.year, value.month, value.day)


def is_set(value: Date) -> bool:
    return bool(value.year or value.month or value.day)


def to_timestamp(value: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def opt_timestamp(value: dt.datetime | None) -> Timestamp | None:
    """An instant that may not have happened yet (None leaves the message field unset)."""
    return to_timestamp(value) if value else None


def from_timestamp(value: Timestamp) -> dt.datetime:
    """For timestamps this system wrote (events, stored rows); requests go through timestamp_field."""
    return value.ToDatetime(tzinfo=dt.UTC)


def date_problem(value: Date) -> str | None:
    """Why a set request date is unusable, or None."""
    try:
        day = from_date(value)
    except (ValueError, OverflowError):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d} is not a real date"
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"{day.isoformat()} is out of range: dates must lie {RANGE}"
    return None


def date_field(violations: Violations, field: str, value: Date, *, required: bool = True) -> dt.date | None:
    """A request date, or None after recording why it is unusable."""
    if not is_set(value):
        if required:
            violations.add(field, "required")
        return None
    return _recorded(violations, field, date_problem(value), lambda: from_date(value))


def request_date(field: str, value: Date) -> dt.date:
    """A set request date, or InvalidArgument naming the field."""
    return _refused(field, date_problem(value), lambda: from_date(value))


def timestamp_problem(value: Timestamp) -> str | None:
    """Why a request timestamp is unusable, or None."""
    if not 0 <= value.nanos <= MAX_NANOS:
        return f"nanos {value.nanos} must lie between 0 and {MAX_NANOS}"
    first, last = FIRST_INSTANT.timestamp(), LAST_INSTANT.timestamp()
    if not first <= value.seconds <= last:
        return f"seconds {value.seconds} is out of range: instants must lie {RANGE} (China time)"
    return None


def timestamp_field(
    violations: Violations, field: str, value: Timestamp, *, present: bool = True
) -> dt.datetime | None:
    """A request timestamp (None when absent, or after recording why it is unusable)."""
    if not present:
        return None
    return _recorded(violations, field, timestamp_problem(value), lambda: from_timestamp(value))


def request_timestamp(field: str, value: Timestamp) -> dt.datetime:
    """A request timestamp, or InvalidArgument naming the field."""
    return _refused(field, timestamp_problem(value), lambda: from_timestamp(value))


def _recorded(violations: Violations, field: str, problem: str | None, value: Callable[[], T]) -> T | None:
    """The value, or None after recording the problem with it."""
    if problem:
        violations.add(field, problem)
        return None
    return value()


def _refused(field: str, problem: str | None, value: Callable[[], T]) -> T:
    """The value, or InvalidArgument naming the field and the problem with it."""
    if problem:
        raise InvalidArgument.one(field, problem)
    return value()


def duration_problem(value: Duration, longest: dt.timedelta) -> str | None:
    """Why a request duration is unusable (out of protobuf's own range, or longer than `longest`)."""
    if not -MAX_NANOS <= value.nanos <= MAX_NANOS or (value.seconds and value.nanos * value.seconds < 0):
        return f"nanos {value.nanos} must lie between -{MAX_NANOS} and {MAX_NANOS}, with the sign of seconds"
    if abs(value.seconds) > longest.days * 86_400 + longest.seconds:
        return f"at most {longest.days} days either way"
    return None
