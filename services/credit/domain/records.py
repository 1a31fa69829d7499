"""Dishonesty records (失信信息): classification, publicity periods, repair and objection terms."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

from services.credit.domain.schema import Checker
from services.kernel.rule_sets import RuleSet

CLASSES = ("MINOR", "ORDINARY", "SERIOUS")
CONDITIONS = (
    "always",
    "referred_to_judiciary",
    "safety_related_item",
    "corrected_in_time_without_harm",
    "earlier_false_commitment_within_months",
)
MAX_MONTHS = 120
PUBLISHED = "RECORD_STATUS_PUBLISHED"
UNDER_OBJECTION = "RECORD_STATUS_UNDER_OBJECTION"
REPAIRED = "RECORD_STATUS_REPAIRED"
REVOKED = "RECORD_STATUS_REVOKED"
EXPIRED = "RECORD_STATUS_EXPIRED"
ACTIVE = (PUBLISHED, UNDER_OBJECTION)


@dataclass(frozen=True, slots=True)
class Record:
    """A dishonesty record (失信信息) as stored."""

    record_id: uuid.UUID
    subject_kind: str
    subject_code: str
    subject_name: str
    source_event_id: str
    commitment_id: uuid.UUID | None
    facts: str
    legal_basis: str
    deciding_department: str
    region_code: str
    decision_date: dt.date
    record_class: str
    status: str
    publicity_start: dt.date
    repairable_from: dt.date
    publicity_end: dt.date
    published: bool
    restricts: tuple[str, ...]
    rule_set: str
    rule: str
    created_at: dt.datetime
    safety_related_item: bool
    measures: tuple[str, ...]
    measure_catalogue: str
    repair_notice: str
    ended_on: dt.date | None
    revision: int

    @property
    def in_force(self) -> bool:
        """Published or disputed: it bars, is shared, and may be repaired or objected to."""
        return self.status in ACTIVE

    @property
    def disputed(self) -> bool:
        return self.status == UNDER_OBJECTION


@dataclass(frozen=True)
class Facts:
    """What is known about a false commitment, for the classification predicates."""

    referred_to_judiciary: bool
    earlier_false_commitments: tuple[dt.date, ...]  # decision dates of the subject's earlier ones
    safety_related_item: bool
    corrected_in_time_without_harm: bool
    decided: dt.date


@dataclass(frozen=True)
class Periods:
    repairable_from: dt.date
    publicity_end: dt.date
    published: bool


@dataclass(frozen=True)
class Decision:
    record_class: str
    rule_set: str
    rule: str
    periods: Periods

    @property
    def repairable_from(self) -> dt.date:
        return self.periods.repairable_from

    @property
    def publicity_end(self) -> dt.date:
        return self.periods.publicity_end


def _holds(condition: dict[str, Any], facts: Facts) -> bool:
    match condition["when"]:
        case "always":
            return True
        case "referred_to_judiciary":
            return facts.referred_to_judiciary
        case "safety_related_item":
            return facts.safety_related_item
        case "corrected_in_time_without_harm":
            return facts.corrected_in_time_without_harm
        case "earlier_false_commitment_within_months":
            since = add_months(facts.decided, -int(condition["months"]))
            return any(since <= d <= facts.decided for d in facts.earlier_false_commitments)
    raise ValueError(f"unknown rule condition {condition['when']!r}")


def decide(rule_set: RuleSet, facts: Facts) -> Decision:
    """Class by the first classification rule that holds; periods from the class and overrides."""
    rule = next(r for r in rule_set.rules["classification"] if _holds(r, facts))
    return Decision(rule["class"], rule_set.id, rule["rule"], periods(rule_set, rule["class"], facts))


def stored_facts(safety_related_item: bool, decided: dt.date) -> Facts:
    """The facts a stored record still carries; the others only mattered on the day it was decided."""
    return Facts(False, (), safety_related_item, False, decided)


def after_rectification(rule_set: RuleSet, applied_rule: str, facts: Facts) -> Decision | None:
    """The decision once the subject corrected in time and without harm, or None if the class stays.

    Only a record classified by the default rule (the last, 'always') can change: every rule ranked
    above it did not hold at the decision, and those facts do not change afterwards."""
    default = rule_set.rules["classification"][-1]
    if applied_rule != default["rule"]:
        return None
    decision = decide(rule_set, replace(facts, corrected_in_time_without_harm=True))
    return None if decision.rule == applied_rule else decision


def periods(rule_set: RuleSet, record_class: str, facts: Facts) -> Periods:
    period = rule_set.rules["periods"][record_class]
    minimum = int(period["minimum_months"])
    for override in rule_set.rules.get("period_overrides", []):
        if _holds(override, facts):
            minimum = max(minimum, int(override["minimum_months"]))
    return Periods(
        repairable_from=add_months(facts.decided, minimum),
        publicity_end=add_months(facts.decided, int(period["maximum_months"])),
        published=bool(period["published"]),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def repair_notice(rule_set: RuleSet, department: str, decided: Decision) -> str:
    """信用修复告知, given together with the decision (两书同达)."""
    template: str = rule_set.rules["repair"]["notice"]
    return template.format(
        repairable_from=decided.repairable_from.isoformat(),
        publicity_end=decided.publicity_end.isoformat(),
        department=department,
    )


def check_rules(check: Checker, data: dict[str, Any]) -> None:
    check.text(data, "record_legal_basis", 2000)
    rules = check.items(data, "classification")
    for i, rule in enumerate(rules):
        _check_condition(check.at(f"classification[{i}]"), rule, with_class=True)
    if rules and not (isinstance(rules[-1], dict) and rules[-1].get("when") == "always"):
        check.add("classification", "the last rule must be 'always' so every case gets a class")
    periods = check.obj(data, "periods")
    for record_class in CLASSES:
        _check_period(check.at("periods"), periods, record_class)
    for i, override in enumerate(check.items(data, "period_overrides", at_least=0)):
        nested = check.at(f"period_overrides[{i}]")
        _check_condition(nested, override, with_class=False)
        if isinstance(override, dict):
            nested.integer(override, "minimum_months", 0, MAX_MONTHS)
    repair = check.obj(data, "repair")
    _check_deadlines(check, repair, "repair")
    _check_deadlines(check, check.obj(data, "objection"), "objection")
    names = ("repairable_from", "publicity_end", "department")
    check.at("repair").template(repair, "notice", 2000, names)


def _check_condition(check: Checker, rule: Any, *, with_class: bool) -> None:
    if not isinstance(rule, dict):
        check.add("", "must be an object")
        return
    check.text(rule, "rule", 64)
    when = check.choice(rule, "when", CONDITIONS)
    if when == "earlier_false_commitment_within_months":
        check.integer(rule, "months", 1, MAX_MONTHS)
    if with_class:
        check.choice(rule, "class", CLASSES)


def _check_period(check: Checker, periods: dict[str, Any], record_class: str) -> None:
    period = check.obj(periods, record_class)
    nested = check.at(record_class)
    low = nested.integer(period, "minimum_months", 0, MAX_MONTHS)
    high = nested.integer(period, "maximum_months", 1, MAX_MONTHS)
    nested.flag(period, "published")
    if low is not None and high is not None and low > high:
        nested.add("minimum_months", "must not exceed maximum_months")


def _check_deadlines(check: Checker, section: dict[str, Any], name: str) -> None:
    nested = check.at(name)
    nested.integer(section, "decision_working_days", 1, 60)
    nested.integer(section, "extension_working_days", 0, 60)
    nested.integer(section, "max_extensions", 0, 3)
