"""The rule data packaged with the service (services/commitment/rules/)."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from services.commitment.domain.filing import FilingRule, rule_of
from services.kernel.rule_sets import RuleSet


def filing_rules() -> list[FilingRule]:
    """Every filing rule (FILING-*.json) of the package."""
    folder = resources.files("services.commitment.rules")
    return [rule_of(json.loads(f.read_text())) for f in folder.iterdir() if f.name.startswith("FILING-")]


def reapplication_rules() -> list[RuleSet]:
    """Every re-application ban rule set (REAPPLICATION-*.json) of the package."""
    folder = resources.files("services.commitment.rules")
    return [
        _rule_set(json.loads(f.read_text())) for f in folder.iterdir() if f.name.startswith("REAPPLICATION-")
    ]


def _rule_set(data: dict[str, Any]) -> RuleSet:
    until = data["effective_to"]
    return RuleSet(
        id=data["id"],
        kind=data["kind"],
        region=data["region"],
        effective_from=dt.date.fromisoformat(data["effective_from"]),
        effective_to=dt.date.fromisoformat(until) if until else None,
        citation=data["citation"],
        rules=data,
    )
