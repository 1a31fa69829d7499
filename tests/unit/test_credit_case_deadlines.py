"""Decision deadlines of repair applications (信用修复: 3 working days, extendable once by 3) and
objections (异议: 5 working days) on the official working-day calendar, with the numbers of the
packaged records rule sets."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from services.credit.domain import cases
from services.credit.domain.cases import Deadline, RepairApplication
from services.kernel.calendar import WorkingCalendar
from services.kernel.errors import FailedPrecondition
from services.kernel.features.calendar.store import packaged_years

D = dt.date
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
RULES = Path(__file__).resolve().parents[2] / "services" / "credit" / "rules"


def terms(rule_set: str, section: str) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = json.loads((RULES / f"{rule_set}.json").read_text(encoding="utf-8"))
    return rules[section]


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar.of(packaged_years(NOW))


@pytest.mark.parametrize("rule_set", ["NDRC-58", "NDRC-36"])
def test_a_repair_received_before_national_day_is_due_after_it(
    calendar: WorkingCalendar, rule_set: str
) -> None:
    # 2026: 1-7 October are holidays, Saturday 10 October a make-up workday (调休).
    due = cases.deadline(terms(rule_set, "repair"), calendar, D(2026, 9, 30))
    assert due == Deadline(D(2026, 10, 10), provisional=False)


def test_an_objection_is_due_five_working_days_after_receipt(calendar: WorkingCalendar) -> None:
    assert cases.deadline(terms("NDRC-36", "objection"), calendar, D(2026, 9, 30)).due == D(2026, 10, 13)
    # An ordinary week: Wednesday + 5 working days is the next Wednesday.
    assert cases.deadline(terms("NDRC-36", "objection"), calendar, D(2026, 7, 1)).due == D(2026, 7, 8)


def test_a_repair_deadline_extends_once_by_three_working_days(calendar: WorkingCalendar) -> None:
    repair = terms("NDRC-36", "repair")
    first = cases.deadline(repair, calendar, D(2026, 9, 30))
    once = cases.extended(repair, calendar, first)
    assert once == Deadline(D(2026, 10, 14), provisional=False, extensions=1)
    assert once is not None
    assert cases.extended(repair, calendar, once) is None
    with pytest.raises(FailedPrecondition) as refused:
        cases.extend(repair, calendar, _case(once))
    assert [(p.type, p.subject) for p in refused.value.violations] == [("EXTENSION_USED", str(CASE_ID))]


def test_a_deadline_in_a_year_without_an_official_schedule_is_provisional(calendar: WorkingCalendar) -> None:
    due = cases.deadline(terms("NDRC-36", "repair"), calendar, D(2027, 12, 29))
    assert due.provisional
    extended = cases.extended(terms("NDRC-36", "repair"), calendar, Deadline(D(2026, 12, 30), False))
    assert extended is not None
    assert extended.provisional  # it runs into 2027


CASE_ID = uuid.uuid4()


def _case(deadline: Deadline) -> RepairApplication:
    return RepairApplication(
        case_id=CASE_ID,
        record_id=uuid.uuid4(),
        subject_kind="SUBJECT_KIND_LEGAL_PERSON",
        subject_code="91350200MA00000000",
        department="350200-SCJ",
        evidence=(),
        due_date=deadline.due,
        due_provisional=deadline.provisional,
        extensions=deadline.extensions,
        extension_reason="需核实",
        status=cases.REPAIR_PENDING,
        decision_reason="",
        decided_by="",
        decided_at=None,
        rule_set="NDRC-36",
        obligations_performed="已履行",
        repair_commitment="承诺守信",
        applied_by="portal",
        applied_at=NOW,
    )
