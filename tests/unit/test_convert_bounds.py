"""Request dates, timestamps and durations are accepted only within the documented range."""

from __future__ import annotations

import datetime as dt

import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from google.type.date_pb2 import Date

from services.kernel import convert
from services.kernel.errors import InvalidArgument, Violations


def _parse(value: Date) -> tuple[dt.date | None, list[str]]:
    v = Violations()
    day = convert.date_field(v, "start", value)
    return day, [f"{x.field}: {x.description}" for x in v.items]


def test_dates_inside_the_range_are_taken() -> None:
    assert _parse(Date(year=1900, month=1, day=1)) == (dt.date(1900, 1, 1), [])
    assert _parse(Date(year=2199, month=12, day=31)) == (dt.date(2199, 12, 31), [])


@pytest.mark.parametrize("year", [1, 1899, 2200, 9999])
def test_dates_outside_the_range_are_refused_naming_the_field(year: int) -> None:
    day, problems = _parse(Date(year=year, month=12, day=31))
    assert day is None
    assert problems == [
        f"start: {year:04d}-12-31 is out of range: dates must lie between 1900-01-01 and 2199-12-31"
    ]


@pytest.mark.parametrize("parts", [(2026, 2, 30), (2026, 13, 1), (-1, -1, -1), (2**31 - 1, 1, 1)])
def test_impossible_dates_are_refused(parts: tuple[int, int, int]) -> None:
    year, month, day = parts
    assert _parse(Date(year=year, month=month, day=day))[1][0].endswith("is not a real date")


def test_request_date_raises_invalid_argument() -> None:
    with pytest.raises(InvalidArgument) as refused:
        convert.request_date("recorded_to", Date(year=9999, month=12, day=31))
    assert refused.value.violations[0].field == "recorded_to"


@pytest.mark.parametrize(
    ("seconds", "nanos", "problem"),
    [
        (-1, 2147483647, "nanos 2147483647 must lie between 0 and 999999999"),
        (0, -1, "nanos -1 must lie between 0 and 999999999"),
        (-(2**63), 0, "out of range"),
        (253402300799, 0, "out of range"),  # 9999-12-31: valid protobuf, beyond our range
    ],
)
def test_timestamps_out_of_range_are_refused(seconds: int, nanos: int, problem: str) -> None:
    v = Violations()
    assert convert.timestamp_field(v, "since", Timestamp(seconds=seconds, nanos=nanos)) is None
    assert v.items[0].field == "since"
    assert problem in v.items[0].description


def test_timestamps_in_range_are_taken() -> None:
    at = dt.datetime(2199, 12, 31, 23, 59, tzinfo=dt.UTC)
    assert convert.request_timestamp("since", convert.to_timestamp(at)) == at
    assert convert.timestamp_field(Violations(), "since", Timestamp(), present=False) is None


def test_durations_are_bounded() -> None:
    day = dt.timedelta(days=1)
    assert convert.duration_problem(Duration(seconds=86_400), day) is None
    assert convert.duration_problem(Duration(seconds=86_401), day) == "at most 1 days either way"
    assert "nanos" in (convert.duration_problem(Duration(seconds=1, nanos=-5), day) or "")
    assert "nanos" in (convert.duration_problem(Duration(nanos=10**9), day) or "")
