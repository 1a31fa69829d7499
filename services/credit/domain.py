"""Credit rules with no I/O: choosing a rule set, classifying a record, its periods, restrictions.

The numbers live in rule sets (services/credit/rules/*.json, loaded into the database); this
module only knows how to read them. Every decision names the rule set and the rule it applied.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.kernel.identifiers import region_covers

CLASSES = ("MINOR", "ORDINARY", "SERIOUS")


@dataclass(frozen=True)
class RuleSet:
    id: str
    region: str
    effective_from: dt.date
    effective_to: dt.date | None
    citation: str
    rules: dict[str, Any]

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def applies_to(self, region: str) -> bool:
        return not self.region or region_covers(self.region, region)


def choose_rule_set(rule_sets: Iterable[RuleSet], decided: dt.date, region: str) -> RuleSet:
    """The rule set in force on the decision date; a regional override beats the national one,
    and a narrower region beats a wider one."""
    candidates = [r for r in rule_sets if r.in_force_on(decided) and r.applies_to(region)]
    if not candidates:
        raise LookupError(f"no credit rule set in force on {decided} for region {region}")
    return max(candidates, key=lambda r: len(r.region.rstrip("0")))


@dataclass(frozen=True)
class Facts:
    """What is known about a false commitment, for the classification predicates."""

    referred_to_judiciary: bool
    earlier_false_commitments: tuple[dt.date, ...]  # decision dates of the subject's earlier ones
    safety_related_item: bool
    corrected_in_time_without_harm: bool
    decided: dt.date


@dataclass(frozen=True)
class Decision:
    record_class: str
    rule_set: str
    rule: str
    repairable_from: dt.date
    publicity_end: dt.date
    published: bool
    restricts: tuple[str, ...]


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
    rule = next(r for r in rule_set.rules["classification"] if _holds(r, facts))
    period = rule_set.rules["periods"][rule["class"]]
    minimum = int(period["minimum_months"])
    for override in rule_set.rules.get("period_overrides", []):
        if _holds(override, facts):
            minimum = max(minimum, int(override["minimum_months"]))
    return Decision(
        record_class=rule["class"],
        rule_set=rule_set.id,
        rule=rule["rule"],
        repairable_from=add_months(facts.decided, minimum),
        publicity_end=add_months(facts.decided, int(period["maximum_months"])),
        published=bool(period["published"]),
        restricts=tuple(rule_set.rules["restrictions"][rule["class"]]),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class ActiveRecord:
    record_id: str
    record_class: str
    repairable_from: dt.date
    publicity_end: dt.date
    restricts: tuple[str, ...]


@dataclass(frozen=True)
class Restriction:
    kind: str  # RestrictionKind without prefix, e.g. NO_COMMITMENT
    cause: str  # RestrictionCause without prefix
    record_id: str
    description: str
    repairable_from: dt.date
    ends_on: dt.date


def restrictions(records: Iterable[ActiveRecord], today: dt.date) -> list[Restriction]:
    """What a subject's records bar it from today (a false commitment: the commitment route,
    until repaired or the maximum publicity period ends; seed 001 §10)."""
    return [
        Restriction(
            kind=kind,
            cause="EARLIER_FALSE_COMMITMENT",
            record_id=r.record_id,
            description=f"{r.record_class.lower()} dishonesty record for a false commitment, "
            f"repairable from {r.repairable_from}, ends {r.publicity_end}",
            repairable_from=r.repairable_from,
            ends_on=r.publicity_end,
        )
        for r in records
        if today < r.publicity_end
        for kind in r.restricts
    ]
