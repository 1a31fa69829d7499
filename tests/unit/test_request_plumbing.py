"""The request plumbing every service shares from the kernel: page tokens, request ids and the
China date of an instant, each written once (issue 15)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from pathlib import Path

import pytest

from services.kernel import paging
from services.kernel.clock import CHINA, china_date
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.ids import optional_uuid, request_uuid, uuid_field

ROOT = Path(__file__).resolve().parents[2]
AT = dt.datetime(2027, 3, 1, 2, 30, tzinfo=dt.UTC)
ID = uuid.UUID("0b8a4f52-6f1e-4e0c-9d52-0e3c4b1f7a10")


def _encoded(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _refusal(page_token: str, *parsers: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidArgument) as refused:
        paging.after(page_token, *parsers)  # type: ignore[call-overload]
    return [(v.field, v.description) for v in refused.value.violations]


def test_a_token_round_trips_each_kind_of_part() -> None:
    issued = paging.token(AT, "名称|含分隔符", ID)
    assert paging.after(issued, paging.instant, str, uuid.UUID) == (AT, "名称|含分隔符", ID)
    assert paging.after(paging.token(dt.date(2027, 3, 1), 42), dt.date.fromisoformat, paging.natural) == (
        dt.date(2027, 3, 1),
        42,
    )
    assert paging.after("", str) is None


@pytest.mark.parametrize(
    ("page_token", "parsers"),
    [
        ("garbage!", (str,)),
        ("xyz", (str,)),
        (_encoded(["a", "b"]), (str,)),  # another listing's token: more parts
        (_encoded([1]), (str,)),  # not the parts a token is made of
        (_encoded({"a": "b"}), (str,)),
        (_encoded(["yesterday", str(ID)]), (paging.instant, uuid.UUID)),
        (_encoded(["2027-03-01T10:30:00", str(ID)]), (paging.instant, uuid.UUID)),  # no offset
        (_encoded(["-1"]), (paging.natural,)),
        (_encoded([str(2**63)]), (paging.natural,)),  # would overflow the bigint it is compared with
        (_encoded(["٣"]), (paging.natural,)),  # a digit, but not an ASCII one
        (base64.urlsafe_b64encode(b"[" * 100_000).decode(), (str,)),  # nested past the parser's depth
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), (str,)),
    ],
)
def test_a_token_no_listing_issued_is_refused_on_page_token(page_token: str, parsers: tuple[object]) -> None:
    assert _refusal(page_token, *parsers) == [("page_token", "not a token this service issued")]


def test_the_next_token_follows_only_a_full_page() -> None:
    rows = [{"seq": 7, "at": AT}, {"seq": 6, "at": AT}]
    assert paging.after(paging.next_token(rows, 2, "seq", "at"), paging.natural, paging.instant) == (6, AT)
    assert paging.next_token(rows, 3, "seq") == ""


@pytest.mark.parametrize(("requested", "size"), [(0, 50), (1, 1), (200, 200)])
def test_a_page_size_defaults_and_is_bounded(requested: int, size: int) -> None:
    assert paging.page_size(requested, 50, 200) == size


@pytest.mark.parametrize("requested", [-1, 201])
def test_a_page_size_out_of_bounds_is_refused(requested: int) -> None:
    with pytest.raises(InvalidArgument) as refused:
        paging.page_size(requested, 50, 200)
    assert [(v.field, v.description) for v in refused.value.violations] == [("page_size", "must be 1 to 200")]


@pytest.mark.parametrize(
    ("value", "what", "problem"),
    [
        ("", "task", "required: a task id"),
        ("not-an-id", "task", "not a valid task id"),
        ("", "", "required: an id as returned by this service"),
        ("not-an-id", "", "not a valid id"),
    ],
)
def test_an_id_that_does_not_parse_is_refused_on_its_field(value: str, what: str, problem: str) -> None:
    v = Violations()
    assert uuid_field(v, "task_id", value, what) is None
    assert [(f.field, f.description) for f in v.items] == [("task_id", problem)]
    with pytest.raises(InvalidArgument) as refused:
        request_uuid("task_id", value, what)
    assert [(f.field, f.description) for f in refused.value.violations] == [("task_id", problem)]


def test_an_id_parses_and_an_empty_filter_is_none() -> None:
    v = Violations()
    assert request_uuid("task_id", str(ID)) == ID
    assert uuid_field(v, "task_id", str(ID).upper()) == ID
    assert optional_uuid(v, "item_id", "") is None
    assert v.items == []


def test_the_china_date_of_an_instant_turns_at_midnight_china_time() -> None:
    assert china_date(dt.datetime(2027, 12, 31, 15, 59, 59, tzinfo=dt.UTC)) == dt.date(2027, 12, 31)
    assert china_date(dt.datetime(2027, 12, 31, 16, 0, tzinfo=dt.UTC)) == dt.date(2028, 1, 1)
    assert china_date(dt.datetime(2028, 1, 1, 0, 0, tzinfo=CHINA)) == dt.date(2028, 1, 1)


def test_no_service_converts_an_instant_to_a_china_date_by_hand() -> None:
    inline = re.compile(r"astimezone\(CHINA\)\.date\(\)")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "services").rglob("*.py"))
        if path != ROOT / "services/kernel/clock.py"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if inline.search(line)
    ]
    assert found == []
