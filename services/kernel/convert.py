"""Conversions between protobuf well-known types and Python values."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from services.kernel.errors import Violations


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


def from_timestamp(value: Timestamp) -> dt.datetime:
    return value.ToDatetime(tzinfo=dt.UTC)


def date_field(violations: Violations, field: str, value: Date, *, required: bool = True) -> dt.date | None:
    """A request date, or None after recording why it is unusable."""
    if not is_set(value):
        if required:
            violations.add(field, "required")
        return None
    try:
        return from_date(value)
    except ValueError:
        violations.add(field, f"{value.year:04d}-{value.month:02d}-{value.day:02d} is not a real date")
        return None
