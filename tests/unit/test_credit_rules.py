from __future__ import annotations

import datetime as dt

import pytest

from services.credit.domain.records import Facts, add_months, after_rectification, decide
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.domain.standing import Source, restrictions
from services.credit.store.rule_sets import packaged_rule_sets

D = dt.date


def facts(decided: dt.date, *, referred: bool = False, earlier: tuple[dt.date, ...] = ()) -> Facts:
    return Facts(
        referred_to_judiciary=referred,
        earlier_false_commitments=earlier,
        safety_related_item=False,
        corrected_in_time_without_harm=False,
        decided=decided,
    )


@pytest.mark.parametrize(
    ("decided", "rule_set", "repairable", "ends"),
    [
        (D(2026, 3, 31), "NDRC-58", D(2026, 6, 30), D(2029, 3, 31)),  # last day of the old rules
        (D(2026, 4, 1), "NDRC-36", D(2026, 7, 1), D(2027, 4, 1)),  # first day of the new rules
    ],
)
def test_ordinary_periods_across_the_2026_04_01_boundary(
    decided: dt.date, rule_set: str, repairable: dt.date, ends: dt.date
) -> None:
    chosen = choose_rule_set(packaged_rule_sets(), "records", decided, "350200")
    decision = decide(chosen, facts(decided))
    assert (decision.rule_set, decision.record_class, decision.rule) == (
        rule_set,
        "ORDINARY",
        "default_false_commitment",
    )
    assert (decision.repairable_from, decision.publicity_end) == (repairable, ends)


def test_referral_and_repeat_make_a_record_serious_under_ndrc_36() -> None:
    rule_set = choose_rule_set(packaged_rule_sets(), "records", D(2026, 6, 1), "350200")
    referred = decide(rule_set, facts(D(2026, 6, 1), referred=True))
    assert (referred.record_class, referred.rule) == ("SERIOUS", "referred_to_judiciary")
    assert (referred.repairable_from, referred.publicity_end) == (D(2027, 6, 1), D(2029, 6, 1))
    repeat = decide(rule_set, facts(D(2026, 6, 1), earlier=(D(2024, 6, 2),)))
    assert repeat.rule == "repeat_within_period"
    old = decide(rule_set, facts(D(2026, 6, 1), earlier=(D(2024, 5, 31),)))
    assert old.rule == "default_false_commitment"


def test_no_rule_set_before_the_first_one() -> None:
    with pytest.raises(LookupError, match="no credit rule set"):
        choose_rule_set(packaged_rule_sets(), "records", D(2023, 4, 30), "350200")


def test_months_clamp_to_the_end_of_shorter_months() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2026, 6, 1), -24) == D(2024, 6, 1)


def test_restrictions_end_with_the_publicity_period() -> None:
    record = Source("r1", "ORDINARY", ("NO_COMMITMENT",), D(2026, 7, 1), D(2027, 4, 1))
    assert [r.kind for r in restrictions([record], D(2027, 3, 31))] == ["NO_COMMITMENT"]
    assert restrictions([record], D(2027, 4, 1)) == []


def test_a_correction_in_time_without_harm_makes_only_a_default_record_minor() -> None:
    day = D(2026, 6, 1)
    chosen = choose_rule_set(packaged_rule_sets(), "records", day, "350200")
    ordinary = decide(chosen, facts(day))
    minor = after_rectification(chosen, ordinary.rule, facts(day))
    assert minor is not None
    assert (minor.record_class, minor.rule, minor.repairable_from, minor.publicity_end) == (
        "MINOR",
        "corrected_in_time",
        day,
        D(2026, 9, 1),
    )
    assert not minor.periods.published
    serious = decide(chosen, facts(day, referred=True))
    assert serious.record_class == "SERIOUS"
    assert after_rectification(chosen, serious.rule, facts(day, referred=True)) is None
    assert after_rectification(chosen, minor.rule, facts(day)) is None  # once only
