"""Registration (报备) of inspections outside the plans and the ledger rules,
《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三): the 5-day rule to the day, the consent
exemptions, the annual cap across every path, the superior department, and the old rule set's
dates keeping its reading of the cap."""

from __future__ import annotations

import datetime as dt

from services.kernel.rule_sets import RuleSet
from services.verification.domain import joint, ledger, registrations
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.ledger import Entry
from services.verification.domain.registrations import Proposed
from services.verification.domain.rules import JointRules, RuleBook
from services.verification.store.rules import packaged_rule_sets

BOOK = RuleBook(packaged_rule_sets())
OLD, NEW = dt.date(2026, 12, 20), dt.date(2027, 3, 1)  # JOINT-2022, JOINT-2026
HIERARCHY = Hierarchy({"DISTRICT": "CITY", "CITY": "PROVINCE"})
S = "91350200MA0000000X"


def entry(origin: str, origin_id: str, kind: str, *, department: str = "CITY", on: dt.date = NEW) -> Entry:
    return Entry(origin, origin_id, S, department, kind, on.year, on, ledger.visit_key(origin, origin_id))


def refused(
    kind: str,
    planned: dt.date,
    today: dt.date,
    earlier: list[Entry] | None = None,
    *,
    department: str = "CITY",
    consent: str = "联席〔2027〕3号",
) -> list[str]:
    found = registrations.refusals(
        Proposed(S, department, kind, planned, consent),
        today,
        earlier or [],
        hierarchy=HIERARCHY,
        joint=BOOK.joint(planned),
        rules=BOOK.registration(planned),
    )
    return [r.rule for r in found]


def test_the_rule_sets_in_force() -> None:
    assert BOOK.joint(dt.date(2026, 12, 31)).id == "JOINT-2022"
    assert BOOK.joint(dt.date(2027, 1, 1)).id == "JOINT-2026"
    rules = BOOK.registration(OLD)
    assert (rules.id, rules.days_ahead) == ("REGISTRATION-2022", 5)
    assert {
        "COMMITMENT_VERIFICATION",
        "ENVIRONMENT",
        "SAFETY",
        "SPECIAL_CAMPAIGN",
    } == rules.consent_exempt_types
    new = BOOK.joint(NEW)
    assert (new.annual_cap, new.exempt_types, new.superior_exempt_types) == (1, frozenset(), frozenset())


def test_registered_five_calendar_days_ahead_exactly() -> None:
    today = dt.date(2027, 2, 24)
    assert refused("FOOD_SAFETY", dt.date(2027, 3, 1), today) == []  # 24 Feb + 5 days = 1 Mar
    assert refused("FOOD_SAFETY", dt.date(2027, 2, 28), today) == [registrations.TOO_LATE]
    assert refused("FOOD_SAFETY", today, today) == [registrations.TOO_LATE]
    (late,) = registrations.refusals(
        Proposed(S, "CITY", "FOOD_SAFETY", dt.date(2027, 2, 28), "x"),
        today,
        [],
        hierarchy=HIERARCHY,
        joint=BOOK.joint(NEW),
        rules=BOOK.registration(NEW),
    )
    assert late.earliest_date == dt.date(2027, 3, 1)
    assert "the earliest date is 2027-03-01" in late.description
    assert "later plan" in late.description
    violation = late.violation()
    assert (violation.type, violation.subject, violation.until) == (
        "REGISTRATION_TOO_LATE",
        "planned_date",
        dt.date(2027, 3, 1),
    )


def test_the_joint_meetings_consent_except_for_the_exempt_types() -> None:
    today = dt.date(2027, 2, 1)
    assert refused("FOOD_SAFETY", NEW, today, consent="") == [registrations.CONSENT_REQUIRED]
    assert refused("FOOD_SAFETY", NEW, today) == []
    for kind in ("COMMITMENT_VERIFICATION", "ENVIRONMENT", "SAFETY", "SPECIAL_CAMPAIGN"):
        assert refused(kind, NEW, today, consent="") == [], kind


def test_the_annual_cap_counts_every_path_and_names_the_earlier_one() -> None:
    today = dt.date(2027, 2, 1)
    for origin, origin_id in (
        (ledger.DRAW, "d1/7"),
        (ledger.JOINT, "j1"),
        (ledger.REGISTRATION, "r1"),
        (ledger.TASK, "t1"),
    ):
        earlier = [entry(origin, origin_id, "FOOD_SAFETY", on=dt.date(2027, 1, 10))]
        (cap,) = registrations.refusals(
            Proposed(S, "CITY", "FOOD_SAFETY", NEW, "x"),
            today,
            earlier,
            hierarchy=HIERARCHY,
            joint=BOOK.joint(NEW),
            rules=BOOK.registration(NEW),
        )
        assert (cap.rule, cap.earlier) == (registrations.ANNUAL_CAP, earlier[0])
        assert f"{origin.lower()} {origin_id}" in cap.description
        assert cap.violation().subject == f"{origin.lower()} {origin_id}"
    assert refused("PRICE", NEW, today, [entry(ledger.DRAW, "d1/7", "FOOD_SAFETY")]) == []
    last_year = entry(ledger.DRAW, "d0/1", "FOOD_SAFETY", on=dt.date(2026, 6, 1))
    assert refused("FOOD_SAFETY", NEW, today, [last_year]) == []


def test_the_consent_exemptions_do_not_lift_the_cap_from_2027() -> None:
    """JOINT-2022 read the consent exemptions as cap exemptions; its dates keep that reading."""
    earlier_old = [entry(ledger.TASK, "t1", "SAFETY", on=dt.date(2026, 12, 1))]
    assert refused("SAFETY", OLD, dt.date(2026, 12, 10), earlier_old) == []
    earlier_new = [entry(ledger.TASK, "t1", "SAFETY", on=dt.date(2027, 1, 20))]
    assert refused("SAFETY", NEW, dt.date(2027, 2, 1), earlier_new) == [registrations.ANNUAL_CAP]


def test_only_a_type_another_law_provides_for_lifts_the_cap() -> None:
    data = dict(next(r for r in packaged_rule_sets() if r.id == "JOINT-2026").rules)
    data["otherwise_provided"] = [{"inspection_type": "SAFETY", "legal_basis": "《某某条例》第十条"}]
    rules = JointRules.of(RuleSet("JOINT-X", "joint", "", NEW, None, "test", data))
    assert rules.exempt_types == {"SAFETY"}
    earlier = [entry(ledger.TASK, "t1", "SAFETY"), entry(ledger.DRAW, "d/1", "PRICE")]
    assert ledger.cap_conflict(earlier, S, "SAFETY", NEW.year, rules) is None
    assert ledger.cap_conflict(earlier, S, "PRICE", NEW.year, rules) == earlier[1]


def test_entries_of_one_visit_count_once() -> None:
    data = dict(next(r for r in packaged_rule_sets() if r.id == "JOINT-2026").rules)
    data["annual_cap_per_type"] = {"count": 2, "citation": "test"}
    rules = JointRules.of(RuleSet("JOINT-X", "joint", "", NEW, None, "test", data))
    merged = [
        Entry(ledger.DRAW, "d/1", S, "CITY", "PRICE", 2027, NEW, "joint/j1"),
        Entry(ledger.JOINT, "j1", S, "CITY", "PRICE", 2027, NEW, "joint/j1"),
    ]
    assert ledger.cap_conflict(merged, S, "PRICE", 2027, rules) is None
    another = [*merged, entry(ledger.REGISTRATION, "r2", "PRICE")]
    assert ledger.cap_conflict(another, S, "PRICE", 2027, rules) == merged[0]


def test_a_superior_departments_inspection_excludes_the_subject_for_the_lower_one() -> None:
    today = dt.date(2027, 2, 1)
    by_city = [entry(ledger.DRAW, "d1/3", "PRICE", department="CITY")]
    assert refused("FOOD_SAFETY", NEW, today, by_city, department="DISTRICT") == [
        registrations.SUPERIOR_INSPECTED
    ]
    by_province = [entry(ledger.JOINT, "j9", "PRICE", department="PROVINCE")]
    assert refused("FOOD_SAFETY", NEW, today, by_province, department="DISTRICT") == [
        registrations.SUPERIOR_INSPECTED
    ]
    by_district = [entry(ledger.DRAW, "d1/3", "PRICE", department="DISTRICT")]
    assert refused("FOOD_SAFETY", NEW, today, by_district, department="CITY") == []
    # JOINT-2022's exempt types were exempt from this rule too
    old = [entry(ledger.TASK, "t1", "SAFETY", department="CITY", on=dt.date(2026, 12, 1))]
    assert refused("PRICE", OLD, dt.date(2026, 12, 1), old, department="DISTRICT") == []


def test_a_draw_leaves_out_capped_and_superior_inspected_subjects() -> None:
    items = [("DISTRICT", "FOOD_SAFETY"), ("DISTRICT", "SAFETY"), ("CITY", "PRICE")]
    new = ledger.pool_exclusion(2027, items, HIERARCHY, BOOK.joint(NEW))
    assert new.capped_types == ("FOOD_SAFETY", "PRICE", "SAFETY")
    assert new.superiors == ("CITY", "PROVINCE")
    old = ledger.pool_exclusion(2026, items, HIERARCHY, BOOK.joint(OLD))
    assert old.capped_types == ("FOOD_SAFETY", "PRICE")  # SAFETY was exempt under JOINT-2022
    assert "SAFETY" in old.superior_exempt_types


def test_joint_planning_caps_commitment_checks_from_2027() -> None:
    item = joint.Item(
        "TASK", "t2", S, "SUBJECT_KIND_LEGAL_PERSON", "某公司", "CITY", "COMMITMENT_VERIFICATION"
    )
    earlier = [joint.Inspection(S, "CITY", "COMMITMENT_VERIFICATION", "registration/r1")]
    assert joint.exclusion(item, earlier, HIERARCHY, BOOK.joint(OLD)) is None
    excluded = joint.exclusion(item, earlier, HIERARCHY, BOOK.joint(NEW))
    assert excluded is not None
    assert (excluded.reason, excluded.by_joint_id) == (joint.ANNUAL_CAP, "registration/r1")


def test_a_registration_is_cancelled_once_and_before_its_date() -> None:
    day = dt.date(2027, 3, 1)
    assert registrations.check_cancellable("r", registrations.REGISTERED, day, day) == []
    assert registrations.check_cancellable("r", registrations.CANCELLED, day, day)
    assert registrations.check_cancellable("r", registrations.REGISTERED, day, day + dt.timedelta(days=1))
