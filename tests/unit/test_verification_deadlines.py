"""Verification deadlines on China's official calendar, real dates of 2025 and 2026.

Expected dates are counted by hand from the State Council's holiday notices (国办发明电):
2025 Spring Festival Jan 28 - Feb 4 off, make-up Sun Jan 26 and Sat Feb 8; 2026 Spring Festival
Feb 15 - 23 off, make-up Sat Feb 14 and Sat Feb 28; 2026 National Day Oct 1 - 7 off, make-up
Sun Sep 20 and Sat Oct 10 (Mid-Autumn Fri Sep 25 off).
"""

from __future__ import annotations

import datetime as dt

import pytest

from services.kernel.calendar import WorkingCalendar
from services.kernel.features.calendar.store import packaged_years
from services.verification.domain import deadlines
from services.verification.domain.rules import RuleBook
from services.verification.store.rules import packaged_rule_sets

D = dt.date


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar.of(packaged_years(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))


@pytest.mark.parametrize(
    ("approved", "days", "due"),
    [
        (D(2026, 9, 18), 5, D(2026, 9, 24)),  # Sun Sep 20 is a working day
        (D(2026, 9, 28), 5, D(2026, 10, 10)),  # National Day, then Sat Oct 10 works
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # Mid-Autumn Fri Sep 25 off
        (D(2026, 2, 12), 3, D(2026, 2, 24)),  # Sat Feb 14 works, Feb 15-23 off
        (D(2026, 2, 24), 4, D(2026, 2, 28)),  # Sat Feb 28 works
        (D(2025, 1, 24), 20, D(2025, 2, 27)),  # Spring Festival 2025 with both make-up days
        (D(2026, 11, 24), 20, D(2026, 12, 22)),  # an ordinary stretch
    ],
)
def test_due_dates_follow_holidays_and_make_up_days(
    calendar: WorkingCalendar, approved: dt.date, days: int, due: dt.date
) -> None:
    answer = deadlines.due_date(calendar, approved, days)
    assert (answer.date, answer.provisional) == (due, False)


def test_a_deadline_into_a_year_without_a_schedule_is_provisional(calendar: WorkingCalendar) -> None:
    answer = deadlines.due_date(calendar, D(2026, 12, 21), 20)
    assert (answer.date, answer.provisional) == (D(2027, 1, 18), True)  # weekdays only in 2027


def test_publication_deadlines_count_days_for_the_push_and_working_days_for_publication(
    calendar: WorkingCalendar,
) -> None:
    rules = RuleBook(packaged_rule_sets()).publication(D(2026, 9, 28))
    found = deadlines.publication_deadlines(calendar, rules, D(2026, 9, 28), ["MEASURE_KIND_PENALTY"])
    # 5 calendar days (《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四))
    assert found.push == D(2026, 10, 3)
    # 20 working days: Sep 29, 30, Oct 8, 9, 10 (make-up), 12-16, 19-23, 26-30
    assert (found.publish.date, found.publish.provisional) == (D(2026, 10, 30), False)
    assert found.decision is not None
    assert found.decision.date == D(2026, 10, 13)  # 7 working days for the penalty decision (双公示)
    assert found.rule_set == "PUBLICATION-2021"


def test_a_plain_outcome_has_no_decision_publication_deadline(calendar: WorkingCalendar) -> None:
    rules = RuleBook(packaged_rule_sets()).publication(D(2026, 3, 2))
    found = deadlines.publication_deadlines(calendar, rules, D(2026, 3, 2), ["MEASURE_KIND_STOP_PROCESSING"])
    assert found.decision is None
