"""The punishment measure catalogue (失信惩戒措施清单) and what it brings into force."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from services.credit.domain.schema import Checker
from services.kernel.rule_sets import RuleSet

# What brings a measure into force: a record of a class, or being on the list.
TRIGGERS = ("MINOR", "ORDINARY", "SERIOUS", "BLACKLISTED")
RESTRICTIONS = ("NO_COMMITMENT", "PRIORITY_SUPERVISION")
# Purposes are named like the purposes of sharing agreements (services/kernel/features/sharing/).
_PURPOSE = re.compile(r"[a-z][a-z0-9_]{1,63}")


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    legal_basis: str
    applies_to: tuple[str, ...]
    departments: tuple[str, ...]
    restriction: str | None
    # The purposes of the queries the measure concerns (批量比对: public_procurement for the
    # procurement limitation); optional, so catalogues without them stay valid.
    purposes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A department's report that it applied a measure (反馈), as it reports it."""

    subject_code: str
    measure_code: str
    source_id: uuid.UUID  # the record or list entry that brought the measure
    department: str
    applied_on: dt.date
    action: str
    reported_by: str


@dataclass(frozen=True, slots=True)
class Feedback(Report):
    """A report as kept."""

    feedback_id: uuid.UUID
    reported_at: dt.datetime


def catalogue(rule_set: RuleSet) -> list[Measure]:
    return [
        Measure(
            code=m["code"],
            name=m["name"],
            legal_basis=m["legal_basis"],
            applies_to=tuple(m["applies_to"]),
            departments=tuple(m["implementing_departments"]),
            restriction=m.get("restriction"),
            purposes=tuple(m.get("purposes", ())),
        )
        for m in rule_set.rules["measures"]
    ]


def brought_by(rule_set: RuleSet, trigger: str) -> list[Measure]:
    """The measures a record of a class (or a listing) brings, pinned when it is decided."""
    return [m for m in catalogue(rule_set) if trigger in m.applies_to]


def by_code(rule_set: RuleSet, codes: list[str]) -> list[Measure]:
    known = {m.code: m for m in catalogue(rule_set)}
    return [known[c] for c in codes if c in known]


def check_rules(check: Checker, data: dict[str, Any]) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(check.items(data, "measures")):
        nested = check.at(f"measures[{i}]")
        if not isinstance(entry, dict):
            nested.add("", "must be an object")
            continue
        code = nested.text(entry, "code", 64)
        if code in seen:
            nested.add("code", f"{code} appears twice")
        seen.add(code)
        nested.text(entry, "name", 200)
        nested.text(entry, "legal_basis", 2000)
        for j, trigger in enumerate(nested.items(entry, "applies_to", at_most=len(TRIGGERS))):
            if trigger not in TRIGGERS:
                nested.add(f"applies_to[{j}]", f"one of {', '.join(TRIGGERS)}")
        for j, department in enumerate(nested.items(entry, "implementing_departments", at_most=50)):
            if not isinstance(department, str) or not 1 <= len(department) <= 200:
                nested.add(f"implementing_departments[{j}]", "text of 1 to 200 characters")
        if entry.get("restriction") is not None:
            nested.choice(entry, "restriction", RESTRICTIONS)
        _check_purposes(nested, entry)


def _check_purposes(check: Checker, entry: dict[str, Any]) -> None:
    if "purposes" not in entry:
        return
    for j, purpose in enumerate(check.items(entry, "purposes", at_most=50)):
        if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
            check.add(f"purposes[{j}]", "lower_snake_case, 2 to 64 characters")


def relevant(rule_set: RuleSet, purpose: str) -> list[str]:
    """Codes of the catalogue's measures that concern queries made for `purpose`."""
    return [m.code for m in catalogue(rule_set) if purpose in m.purposes]


def pinned(catalogue: RuleSet, trigger: str) -> tuple[list[str], list[str]]:
    """The measure codes a record of a class (or a listing) brings, pinned with it when decided,
    and the restriction kinds among them."""
    brought = brought_by(catalogue, trigger)
    return [m.code for m in brought], sorted({m.restriction for m in brought if m.restriction})
