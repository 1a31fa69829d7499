"""The random inspection list's rules (随机抽查事项清单): a valid item, versions and retirement."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from services.kernel.errors import FailedPrecondition, Violations
from services.verification.domain import check_items
from services.verification.domain.check_items import ItemDraft, Latest

DAY = dt.date(2026, 3, 1)
DRAFT = ItemDraft(
    code="SCJ-FOOD-01",
    name="食品经营许可事项检查",
    legal_basis="《中华人民共和国食品安全法》第一百一十条",
    inspection_type="FOOD_SAFETY",
    supervision_domain="food",
    check_content="经营场所、设施设备与许可一致",
    check_method="现场检查",
    advance_notice_allowed=True,
    no_notice_reason="",
    effective_from=DAY,
)


def problems(draft: ItemDraft) -> dict[str, str]:
    v = Violations()
    check_items.check_draft(v, "item", draft)
    return {p.field: p.description for p in v.items}


def test_a_complete_item_has_no_problems() -> None:
    assert problems(DRAFT) == {}


def test_every_missing_or_oversized_field_is_named() -> None:
    bad = dataclasses.replace(
        DRAFT,
        code="has space",
        name="",
        legal_basis="x" * (check_items.MAX_LEGAL_BASIS + 1),
        inspection_type="food",
        supervision_domain=" ",
        check_content="",
        check_method="m" * (check_items.MAX_METHOD + 1),
    )
    assert sorted(problems(bad)) == [
        "item.check_content",
        "item.check_method",
        "item.code",
        "item.inspection_type",
        "item.legal_basis",
        "item.name",
        "item.supervision_domain",
    ]


def test_withholding_advance_notice_needs_its_reason_and_only_then() -> None:
    assert "item.no_notice_reason" in problems(dataclasses.replace(DRAFT, advance_notice_allowed=False))
    withheld = dataclasses.replace(DRAFT, advance_notice_allowed=False, no_notice_reason="上级机关明确要求")
    assert problems(withheld) == {}
    assert "item.no_notice_reason" in problems(
        dataclasses.replace(DRAFT, no_notice_reason="上级机关明确要求")
    )


def test_versions_count_up_and_never_date_themselves_before_the_latest() -> None:
    assert check_items.next_version(None, DAY) == 1
    latest = Latest("SCJ-FOOD-01", 3, DAY, None)
    assert check_items.next_version(latest, DAY) == 4
    with pytest.raises(FailedPrecondition) as refused:
        check_items.next_version(latest, DAY - dt.timedelta(days=1))
    assert refused.value.violations[0].type == "EFFECTIVE_BEFORE_LATEST"


def test_a_retired_item_is_neither_revised_nor_retired_again() -> None:
    retired = Latest("SCJ-FOOD-01", 2, DAY, DAY + dt.timedelta(days=30))
    for change in (
        lambda: check_items.next_version(retired, DAY + dt.timedelta(days=40)),
        lambda: check_items.check_retirement(retired, DAY + dt.timedelta(days=40)),
    ):
        with pytest.raises(FailedPrecondition) as refused:
            change()
        assert refused.value.violations[0].type == "CHECK_ITEM_RETIRED"


def test_an_item_cannot_retire_before_its_version_takes_effect() -> None:
    latest = Latest("SCJ-FOOD-01", 1, DAY, None)
    check_items.check_retirement(latest, DAY)
    with pytest.raises(FailedPrecondition) as refused:
        check_items.check_retirement(latest, DAY - dt.timedelta(days=1))
    assert refused.value.violations[0].type == "RETIRED_BEFORE_EFFECTIVE"
