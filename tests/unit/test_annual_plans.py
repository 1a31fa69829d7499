"""Annual inspection plans' rules (年度检查计划): entries in the year, joint draws' departments, the
list's item pinned as it read, and changes only to a draft at the revision read."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.kernel.errors import FailedPrecondition, Violations
from services.verification.domain import annual_plans
from services.verification.domain.annual_plans import JOINT_DRAW, RANDOM_DRAW, EntryDraft, ItemInForce

OWN = "350200-SCJ"
ENTRY = EntryDraft("SC-LL-01", RANDOM_DRAW, dt.date(2027, 3, 1), dt.date(2027, 3, 31), (), "")
ITEM = ItemInForce(2, "冷链食品贮存检查", "FOOD_SAFETY", None)


def problems(*entries: EntryDraft, most: int = 500) -> dict[str, str]:
    v = Violations()
    annual_plans.check_entries(v, 2027, OWN, entries, most)
    return {p.field: p.description for p in v.items}


def test_a_random_draw_in_the_year_is_valid() -> None:
    assert problems(ENTRY) == {}


def test_windows_lie_in_the_plans_year_and_run_forward() -> None:
    found = problems(
        dataclasses.replace(ENTRY, window_start=dt.date(2026, 12, 31)),
        dataclasses.replace(ENTRY, window_end=dt.date(2028, 1, 1)),
        dataclasses.replace(ENTRY, window_start=dt.date(2027, 4, 1)),
    )
    assert sorted(found) == ["entries[0].window_start", "entries[1].window_end", "entries[2].window_end"]
    assert "before window_start" in found["entries[2].window_end"]


def test_a_joint_draw_names_the_other_departments_and_only_it_does() -> None:
    joint = dataclasses.replace(ENTRY, kind=JOINT_DRAW)
    assert problems(dataclasses.replace(joint, cooperating=("350200-XFJ",))) == {}
    assert list(problems(joint)) == ["entries[0].cooperating_departments"]
    assert list(problems(dataclasses.replace(ENTRY, cooperating=("350200-XFJ",)))) == [
        "entries[0].cooperating_departments"
    ]
    found = problems(dataclasses.replace(joint, cooperating=(OWN, "350200-XFJ", "350200-XFJ", "bad code")))
    assert sorted(found) == [
        "entries[0].cooperating_departments[0]",
        "entries[0].cooperating_departments[2]",
        "entries[0].cooperating_departments[3]",
    ]
    too_many = tuple(f"350200-D{n}" for n in range(annual_plans.MAX_COOPERATING + 1))
    assert list(problems(dataclasses.replace(joint, cooperating=too_many))) == [
        "entries[0].cooperating_departments"
    ]


def test_the_kind_is_required_the_same_check_is_not_listed_twice_and_the_count_is_bounded() -> None:
    assert list(problems(dataclasses.replace(ENTRY, kind=""))) == ["entries[0].kind"]
    assert list(problems(ENTRY, ENTRY)) == ["entries[1].check_item_code"]
    assert list(problems(ENTRY, dataclasses.replace(ENTRY, window_start=dt.date(2027, 3, 2)))) == []
    assert list(problems(ENTRY, ENTRY, most=1)) == ["entries"]


def test_the_item_is_pinned_as_it_reads_on_the_windows_first_day() -> None:
    v = Violations()
    entry = annual_plans.pinned(v, "entries[0]", ENTRY, ITEM)
    assert entry is not None
    assert not v.items
    assert (entry.check_item_version, entry.inspection_type) == (2, "FOOD_SAFETY")
    assert annual_plans.Entry.of_json(entry.as_json()) == entry


def test_an_item_missing_or_retired_within_the_window_cannot_be_planned() -> None:
    v = Violations()
    assert annual_plans.pinned(v, "entries[0]", ENTRY, None) is None
    retired = dataclasses.replace(ITEM, retired_on=dt.date(2027, 3, 31))
    assert annual_plans.pinned(v, "entries[1]", ENTRY, retired) is None
    assert [p.field for p in v.items] == ["entries[0].check_item_code", "entries[1].check_item_code"]
    later = dataclasses.replace(ITEM, retired_on=dt.date(2027, 4, 1))
    assert annual_plans.pinned(Violations(), "entries[0]", ENTRY, later) is not None


def test_only_a_draft_at_the_revision_read_changes() -> None:
    annual_plans.check_draft_at("p", annual_plans.DRAFT, 3, 3)
    for status, expected, kind in (
        (annual_plans.PUBLISHED, 3, "ANNUAL_PLAN_PUBLISHED"),
        (annual_plans.DRAFT, 2, "REVISION_CHANGED"),
    ):
        with pytest.raises(FailedPrecondition) as refused:
            annual_plans.check_draft_at("p", status, 3, expected)
        assert refused.value.violations[0].type == kind


def test_the_heading_names_a_year_and_a_name() -> None:
    v = Violations()
    annual_plans.check_heading(v, 1999, " ")
    assert [p.field for p in v.items] == ["year", "name"]
