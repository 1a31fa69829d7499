"""The inspection ledger (every inspection of a subject, whatever path planned it) and the
rules of 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三) read on it (no I/O).

Paths (origins): a random draw (双随机, one entry per drawn subject and check-item type), a joint
inspection (综合查一次), a registered inspection outside the plans (计划外检查报备) and a
verification task checked on site. Entries that are one visit share a `visit` key: the items a
joint inspection merged count as that joint, a drawn commitment's task as the draw's visit.
- annual cap: at most `annual_cap` visits of one inspection type per subject per year, unless
  a law provides otherwise for the type (rule data); the consent exemptions do not apply.
- superior department: a subject a superior department inspected this year is excluded by the
  lower department.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.rules import JointRules

DRAW, JOINT, REGISTRATION, TASK = "DRAW", "JOINT", "REGISTRATION", "TASK"
ORIGINS = (DRAW, JOINT, REGISTRATION, TASK)


@dataclass(frozen=True)
class Entry:
    origin: str
    origin_id: str  # "<draw id>/<position>", the joint, registration or task id
    subject_code: str
    department: str
    inspection_type: str
    year: int
    planned_on: dt.date
    visit: str  # "<origin lower-case>/<id>" of the visit it counts as

    @property
    def name(self) -> str:
        """How a refusal names it: origin and id."""
        return f"{self.origin.lower()} {self.origin_id}"


def visit_key(origin: str, origin_id: str) -> str:
    return f"{origin.lower()}/{origin_id}"


def _first(entries: Iterable[Entry]) -> Entry | None:
    return min(entries, key=lambda e: (e.planned_on, e.visit, e.origin, e.origin_id), default=None)


def cap_conflict(
    earlier: Sequence[Entry], subject_code: str, inspection_type: str, year: int, rules: JointRules
) -> Entry | None:
    """The earliest same-type inspection that fills the subject's cap for the year, if any."""
    if inspection_type in rules.exempt_types:
        return None
    same = [
        e
        for e in earlier
        if e.subject_code == subject_code and e.year == year and e.inspection_type == inspection_type
    ]
    if len({e.visit for e in same}) < rules.annual_cap:
        return None
    return _first(same)


def superior_conflict(
    earlier: Sequence[Entry],
    subject_code: str,
    department: str,
    year: int,
    *,
    hierarchy: Hierarchy,
    rules: JointRules,
) -> Entry | None:
    """The earliest inspection of the subject this year by a superior of `department`, if any."""
    if not rules.superior_excludes:
        return None
    return _first(
        e
        for e in earlier
        if e.subject_code == subject_code
        and e.year == year
        and e.inspection_type not in rules.superior_exempt_types
        and hierarchy.is_superior(e.department, department)
    )


@dataclass(frozen=True)
class PoolExclusion:
    """What a draw leaves out of its pool (排除): subjects with a visit this year of one of the
    plan's check-item types the cap applies to, or inspected by a superior of a department of
    the plan's check items. A subject is in or out of a draw as a whole: a draw inspects each
    drawn subject for all of the plan's check items."""

    year: int
    capped_types: tuple[str, ...]
    cap: int
    superiors: tuple[str, ...]
    superior_exempt_types: tuple[str, ...]


def pool_exclusion(
    year: int, items: Iterable[tuple[str, str]], hierarchy: Hierarchy, rules: JointRules
) -> PoolExclusion:
    """`items`: the plan's check items as (department, inspection type)."""
    pairs = list(items)
    superiors: set[str] = set()
    if rules.superior_excludes:
        for department, _ in pairs:
            superiors.update(hierarchy.ancestors(department))
    return PoolExclusion(
        year=year,
        capped_types=tuple(sorted({t for _, t in pairs if t not in rules.exempt_types})),
        cap=rules.annual_cap,
        superiors=tuple(sorted(superiors)),
        superior_exempt_types=tuple(sorted(rules.superior_exempt_types)),
    )
