"""Parsing request fields shared by the servicers: texts, periods, regions."""

from __future__ import annotations

import datetime as dt

from google.type.date_pb2 import Date

from services.commitment.commitment_queries import Period
from services.kernel import convert
from services.kernel.clock import CHINA
from services.kernel.errors import Violations
from services.kernel.identifiers import region_prefix, validate_region_code

MAX_REASON = 1000


def text(v: Violations, field: str, value: str, limit: int, *, required: bool = True) -> str:
    if required and not value.strip():
        v.add(field, f"required, at most {limit} characters")
    elif len(value) > limit:
        v.add(field, f"at most {limit} characters")
    return value.strip()


def region(v: Violations, field: str, code: str) -> str:
    """The LIKE prefix of a region filter ('' for none)."""
    if not code:
        return ""
    try:
        return region_prefix(validate_region_code(code))
    except ValueError as exc:
        v.add(field, str(exc))
        return ""


def period(v: Violations, start: Date, end: Date, fields: tuple[str, str]) -> Period:
    """China dates, both included, as a half-open range of instants."""
    first = convert.date_field(v, fields[0], start, required=False)
    last = convert.date_field(v, fields[1], end, required=False)
    if first and last and last < first:
        v.add(fields[1], "must not be before " + fields[0])
    return Period(_midnight(first), _midnight(last + dt.timedelta(days=1)) if last else None)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), CHINA) if day else None
