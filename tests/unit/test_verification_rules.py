"""The packaged verification rule sets: numbers from the law, each cited, chosen by date."""

from __future__ import annotations

import datetime as dt

import pytest

from services.kernel.rule_sets import RuleSet, choose
from services.verification.domain.rules import Band, RuleBook
from services.verification.store.rules import packaged_rule_sets

BOOK = RuleBook(packaged_rule_sets())
DAY = dt.date(2026, 6, 1)


def test_every_rule_set_and_every_number_carries_a_citation() -> None:
    for rule_set in BOOK.rule_sets:
        assert rule_set.citation.strip()
        for value in rule_set.rules.values():
            if isinstance(value, dict):
                assert value.get("citation", "").strip(), (rule_set.id, value)


def test_sampling_bands_and_defaults_are_those_of_the_credit_risk_classes() -> None:
    sampling = BOOK.sampling(DAY)
    assert sampling.bands == {
        1: Band(0, 500, 500),
        2: Band(500, 2000, 1500),
        3: Band(2100, 6000, 4000),
        4: Band(6100, 10000, 8000),
    }
    assert sampling.ungraded == 2  # B (信用风险一般), from the rule data
    assert "国市监信发〔2022〕6号" in sampling_rule_set().rules["ungraded"]["citation"]
    assert (sampling.priority_always_drawn, sampling.minimum_team) == (True, 2)


def sampling_rule_set() -> RuleSet:
    return next(r for r in BOOK.rule_sets if r.kind == "sampling")


def test_publication_joint_and_task_rules() -> None:
    publication = BOOK.publication(DAY)
    assert (publication.push_days, publication.publish_working_days, publication.decision_working_days) == (
        5,
        20,
        7,
    )
    joint = BOOK.joint(DAY)
    assert joint.annual_cap == 1
    assert {"COMMITMENT_VERIFICATION", "ENVIRONMENT", "SAFETY"} <= joint.exempt_types
    tasks = BOOK.tasks(DAY)
    assert (tasks.on_site_minimum_inspectors, tasks.max_extension_working_days) == (2, 20)


def test_a_later_or_regional_rule_set_wins_on_its_dates() -> None:
    base = sampling_rule_set()
    later = RuleSet("S-2027", "sampling", "", dt.date(2027, 1, 1), None, "x", base.rules)
    regional = RuleSet(
        "S-FJ", "sampling", "350000", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "x", base.rules
    )
    sets = [base, later, regional]
    assert choose(sets, "sampling", dt.date(2026, 6, 1)).id == "SAMPLING-2022"
    assert choose(sets, "sampling", dt.date(2026, 6, 1), "350200").id == "S-FJ"
    assert choose(sets, "sampling", dt.date(2027, 6, 1), "350200").id == "S-2027"
    with pytest.raises(LookupError):
        choose(sets, "sampling", dt.date(2020, 1, 1))
