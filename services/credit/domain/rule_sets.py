"""Versioned rule sets and which one applies on a date in a region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from services.kernel.rule_sets import RuleSet, choose

KINDS = ("records", "grading", "blacklist", "measures", "inspection_records", "responsible_persons")


def choose_rule_set(rule_sets: Iterable[RuleSet], kind: str, day: dt.date, region: str) -> RuleSet:
    """The rule set of `kind` in force on `day` for `region`."""
    return choose(rule_sets, kind, day, region, service="credit")


def find(rule_sets: Iterable[RuleSet], rule_set_id: str) -> RuleSet:
    for rule_set in rule_sets:
        if rule_set.id == rule_set_id:
            return rule_set
    raise LookupError(f"rule set {rule_set_id!r} is not loaded")


def subject_region(kind: str, code: str) -> str:
    """The region a subject is registered in: USCC characters 3-8, resident ID digits 1-6."""
    return code[:6] if kind == "SUBJECT_KIND_NATURAL_PERSON" else code[2:8]
