"""Versioned rule sets and which one applies on a date in a region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.kernel.identifiers import region_covers, region_prefix

KINDS = ("records", "grading", "blacklist", "measures")


@dataclass(frozen=True)
class RuleSet:
    id: str
    kind: str
    region: str
    effective_from: dt.date
    effective_to: dt.date | None
    citation: str
    rules: dict[str, Any]

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def applies_to(self, region: str) -> bool:
        return not self.region or region_covers(self.region, region)

    @property
    def _precedence(self) -> tuple[int, dt.date]:
        # A narrower region beats a wider one; within a region the latest start supersedes.
        return (len(region_prefix(self.region)) if self.region else 0, self.effective_from)


def choose_rule_set(rule_sets: Iterable[RuleSet], kind: str, day: dt.date, region: str) -> RuleSet:
    """The rule set of `kind` in force on `day` for `region`."""
    candidates = [r for r in rule_sets if r.kind == kind and r.in_force_on(day) and r.applies_to(region)]
    if not candidates:
        raise LookupError(f"no credit rule set of kind {kind} in force on {day} for region {region or 'CN'}")
    return max(candidates, key=lambda r: r._precedence)


def find(rule_sets: Iterable[RuleSet], rule_set_id: str) -> RuleSet:
    for rule_set in rule_sets:
        if rule_set.id == rule_set_id:
            return rule_set
    raise LookupError(f"rule set {rule_set_id!r} is not loaded")


def subject_region(kind: str, code: str) -> str:
    """The region a subject is registered in: USCC characters 3-8, resident ID digits 1-6."""
    return code[:6] if kind == "SUBJECT_KIND_NATURAL_PERSON" else code[2:8]
