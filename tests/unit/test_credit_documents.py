"""Rule set documents: the packaged ones are valid; a broken one names every bad path."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from services.credit.domain import documents
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store.rule_sets import packaged_rule_sets
from services.kernel.rule_sets import RuleSet

D = dt.date


def _doc(rule_set_id: str, **changes: Any) -> dict[str, Any]:
    found = next(r for r in packaged_rule_sets() if r.id == rule_set_id)
    return dict(found.rules) | changes


def _problems(document: dict[str, Any]) -> list[str]:
    rule_set, problems = documents.parse(json.dumps(document))
    assert rule_set is None
    return [field for field, _ in problems]


def test_every_kind_is_packaged_and_valid() -> None:
    assert {r.kind for r in packaged_rule_sets()} == {
        "records",
        "grading",
        "blacklist",
        "measures",
        "inspection_records",
        "responsible_persons",
    }


@pytest.mark.parametrize(
    ("rule_set_id", "changes", "fields"),
    [
        ("NDRC-36", {"kind": "other"}, ["document.kind"]),
        ("NDRC-36", {"id": "has space"}, ["document.id"]),
        ("NDRC-36", {"region": "12345"}, ["document.region"]),
        ("NDRC-36", {"effective_to": "2026-01-01"}, ["document.effective_to"]),
        (
            "NDRC-36",
            {
                "repair": {
                    "decision_working_days": 0,
                    "extension_working_days": 3,
                    "max_extensions": 1,
                    "notice": "from {when}",
                }
            },
            ["document.repair.decision_working_days", "document.repair.notice"],
        ),
        (
            "SAMR-2022-6",
            {
                "grades": [
                    {"grade": "A", "min_score": 50},
                    {"grade": "B", "min_score": 70},
                    {"grade": "C", "min_score": 40},
                    {"grade": "D", "min_score": None},
                ]
            },
            ["document.grades"],
        ),
        (
            "SAMR-2022-6",
            {"points": [{"rule": "x", "when": "sunny", "points": 1, "reason": "r"}]},
            ["document.points[0].when"],
        ),
        ("GOV-2020-49", {"early_removal_months": 48}, ["document.early_removal_months"]),
        ("GOV-2020-49", {"remedies": "until {deadline}"}, ["document.remedies"]),
        (
            "MEASURES-2020",
            {
                "measures": [
                    {
                        "code": "A",
                        "name": "n",
                        "legal_basis": "b",
                        "applies_to": ["EVERYONE"],
                        "implementing_departments": ["d"],
                        "restriction": "JAIL",
                    }
                ]
            },
            ["document.measures[0].applies_to[0]", "document.measures[0].restriction"],
        ),
    ],
)
def test_broken_documents_name_the_path(rule_set_id: str, changes: dict[str, Any], fields: list[str]) -> None:
    assert _problems(_doc(rule_set_id, **changes)) == fields


def test_not_an_object_or_not_json() -> None:
    assert documents.parse("[]")[1] == [("document", "must be a JSON object")]
    assert documents.parse("{")[1][0][0] == "document"


def _rule_set(rule_set_id: str, region: str, start: D) -> RuleSet:
    return RuleSet(rule_set_id, "records", region, start, None, "c", {})


def test_a_narrower_region_then_a_later_start_wins() -> None:
    sets = [
        _rule_set("CN", "", D(2026, 4, 1)),
        _rule_set("FJ", "350000", D(2026, 5, 1)),
        _rule_set("XM", "350200", D(2026, 6, 1)),
        _rule_set("CN2", "", D(2026, 9, 1)),
    ]
    assert choose_rule_set(sets, "records", D(2026, 7, 1), "350203").id == "XM"
    assert choose_rule_set(sets, "records", D(2026, 5, 15), "350203").id == "FJ"
    assert choose_rule_set(sets, "records", D(2026, 7, 1), "110000").id == "CN"
    assert choose_rule_set(sets, "records", D(2026, 9, 1), "110000").id == "CN2"
    with pytest.raises(LookupError, match="grading"):
        choose_rule_set(sets, "grading", D(2026, 7, 1), "110000")
