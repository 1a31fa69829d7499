from __future__ import annotations

import datetime as dt

import pytest

from services.kernel.calendar import WorkingCalendar, YearSchedule
from services.kernel.features.calendar.store import packaged_years

D = dt.date
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def official() -> WorkingCalendar:
    return WorkingCalendar.of(packaged_years(NOW))


def test_national_day_2026_and_its_make_up_days(official: WorkingCalendar) -> None:
    # Oct 1-7 off; Sep 20 (Sunday) and Oct 10 (Saturday) are make-up working days.
    assert all(not official.is_working_day(D(2026, 10, d)).working for d in range(1, 8))
    assert official.is_working_day(D(2026, 9, 20)).working
    assert official.is_working_day(D(2026, 10, 10)).working
    assert not official.is_working_day(D(2026, 10, 11)).working  # an ordinary Sunday


def test_deadline_across_national_day(official: WorkingCalendar) -> None:
    # Approved Tue 2026-09-29: 30 Sep is day 1; 1-7 Oct off; 8, 9 Oct (Thu, Fri), 10 Oct (Sat, make-up).
    answer = official.add_working_days(D(2026, 9, 29), 4)
    assert answer == official.add_working_days(D(2026, 9, 29), 4)
    assert answer.date == D(2026, 10, 10)
    assert not answer.provisional


def test_twenty_working_days_across_spring_festival_2026(official: WorkingCalendar) -> None:
    # 2026 Spring Festival: 15-23 Feb off, 14 Feb (Sat) and 28 Feb (Sat) worked.
    answer = official.add_working_days(D(2026, 2, 10), 20)
    expected = [
        D(2026, 2, 11), D(2026, 2, 12), D(2026, 2, 13), D(2026, 2, 14),
        D(2026, 2, 24), D(2026, 2, 25), D(2026, 2, 26), D(2026, 2, 27), D(2026, 2, 28),
        D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 6),
        D(2026, 3, 9), D(2026, 3, 10), D(2026, 3, 11), D(2026, 3, 12), D(2026, 3, 13), D(2026, 3, 16),
    ]  # fmt: skip
    assert answer.date == expected[-1]
    assert official.working_days_between(D(2026, 2, 10), expected[-1]) == 20


def test_2025_spring_festival_make_up_sunday(official: WorkingCalendar) -> None:
    assert official.is_working_day(D(2025, 1, 26)).working  # Sunday worked before Spring Festival
    assert not official.is_working_day(D(2025, 1, 28)).working


def test_a_year_without_schedule_is_provisional_weekends_only(official: WorkingCalendar) -> None:
    answer = official.add_working_days(D(2026, 12, 28), 5)
    assert answer.provisional  # runs into 2027, not loaded by the package
    assert answer.date == D(2027, 1, 4)  # weekdays only: 29, 30, 31 Dec, 1 Jan (!), 4 Jan
    inside = official.add_working_days(D(2026, 12, 1), 5)
    assert not inside.provisional


def test_loading_a_year_replaces_the_provisional_answer(official: WorkingCalendar) -> None:
    loaded = official.with_year(
        YearSchedule(2027, frozenset({D(2027, 1, 1)}), frozenset(), "test notice", NOW)
    )
    answer = loaded.add_working_days(D(2026, 12, 28), 5)
    assert answer == type(answer)(D(2027, 1, 5), provisional=False)


def test_schedule_problems_are_named() -> None:
    schedule = YearSchedule(
        2027,
        holidays=frozenset({D(2026, 10, 1), D(2027, 5, 1)}),
        workdays=frozenset({D(2027, 5, 3), D(2027, 5, 1)}),  # a Monday, and one that is also a holiday
        source="x",
        loaded_at=NOW,
    )
    problems = schedule.problems()
    assert ("holidays", "2026-10-01 is not in 2027") in problems
    assert ("make_up_workdays", "2027-05-03 is a weekday") in problems
    assert ("holidays", "2027-05-01 is also a make-up workday") in problems


def test_zero_days_is_the_start_and_bounds_are_enforced(official: WorkingCalendar) -> None:
    assert official.add_working_days(D(2026, 10, 1), 0).date == D(2026, 10, 1)
    with pytest.raises(ValueError, match="between"):
        official.add_working_days(D(2026, 10, 1), -1)
