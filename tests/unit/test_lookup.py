"""The refusals every handler shares (services.kernel.lookup): which field, which rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from services.kernel import lookup
from services.kernel.errors import InvalidArgument, NotFound, PermissionDenied
from tests.support.memory import acting_as, caller


@dataclass(frozen=True)
class Record:
    department: str


def test_found_returns_what_exists_and_names_the_field_when_nothing_does() -> None:
    record = Record("D1")
    assert lookup.found(record, "task", "t-1", "task_id") is record
    with pytest.raises(NotFound) as refused:
        lookup.found(None, "task", "t-1", "task_id")
    assert (refused.value.resource, refused.value.name, refused.value.field) == ("task", "t-1", "task_id")


def test_owned_refuses_another_departments_record() -> None:
    with acting_as(caller("credit_officer", department="D1")):
        assert lookup.owned(Record("D1"), "record", "r-1", "record_id") == Record("D1")
        with pytest.raises(PermissionDenied, match="'D2'"):
            lookup.owned(Record("D2"), "record", "r-1", "record_id")
        with pytest.raises(NotFound):
            lookup.owned(None, "record", "r-1", "record_id")


async def test_by_id_parses_the_id_before_loading() -> None:
    wanted = uuid.uuid4()
    loaded: list[uuid.UUID] = []

    async def load(key: uuid.UUID) -> Record | None:
        loaded.append(key)
        return Record("D1") if key == wanted else None

    assert await lookup.by_id("plan_id", str(wanted), "plan", load) == Record("D1")
    with pytest.raises(NotFound) as missing:
        await lookup.by_id("plan_id", str(uuid.uuid4()), "plan", load)
    assert missing.value.field == "plan_id"
    with pytest.raises(InvalidArgument) as malformed:
        await lookup.by_id("plan_id", "not-an-id", "plan", load)
    assert [v.field for v in malformed.value.violations] == ["plan_id"]
    assert len(loaded) == 2  # the malformed id never reached the store


def test_in_force_turns_a_date_without_rules_into_the_requests_fault() -> None:
    assert lookup.in_force("window_start", lambda: "SAMPLING-2022") == "SAMPLING-2022"

    def uncovered() -> str:
        raise LookupError("no sampling rule set is in force on 2001-01-01")

    with pytest.raises(InvalidArgument) as refused:
        lookup.in_force("window_start", uncovered)
    (violation,) = refused.value.violations
    assert violation.field == "window_start"
    assert "2001-01-01" in violation.description
