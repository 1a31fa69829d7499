"""The rule data packaged with the service (services/commitment/rules/)."""

from __future__ import annotations

import json
from importlib import resources

from services.commitment.domain.filing import FilingRule, rule_of


def filing_rules() -> list[FilingRule]:
    """Every filing rule (FILING-*.json) of the package."""
    folder = resources.files("services.commitment.rules")
    return [rule_of(json.loads(f.read_text())) for f in folder.iterdir() if f.name.startswith("FILING-")]
