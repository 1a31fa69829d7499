"""Versioned rule sets: legal numbers as data, each with its effective dates, region and citation.

A decision uses the rule set of its kind in force on the decision date for its region: a
narrower region beats a wider one, and within one region the latest start supersedes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.kernel.identifiers import region_covers, region_prefix


@dataclass(frozen=True)
class RuleSet:
    id: str
    kind: str
    region: str  # '' is national
    effective_from: dt.date
    effective_to: dt.date | None
    citation: str
    rules: dict[str, Any]

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def applies_to(self, region: str) -> bool:
        return not self.region or region_covers(self.region, region)

    @property
    def precedence(self) -> tuple[int, dt.date]:
        return (len(region_prefix(self.region)) if self.region else 0, self.effective_from)


def choose(
    rule_sets: Iterable[RuleSet], kind: str, day: dt.date, region: str = "", service: str = ""
) -> RuleSet:
    """The rule set of `kind` in force on `day` for `region`; LookupError when there is none."""
    candidates = [r for r in rule_sets if r.kind == kind and r.in_force_on(day) and r.applies_to(region)]
    if not candidates:
        owner = f"{service} " if service else ""
        raise LookupError(f"no {owner}rule set of kind {kind} in force on {day} for region {region or 'CN'}")
    return max(candidates, key=lambda r: r.precedence)
