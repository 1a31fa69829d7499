"""综合查一次 (《连云港市优化营商环境攻坚年若干政策措施(第4号)》四): merging inspections of one subject
into one joint visit (no I/O).

Each candidate item is one department's inspection of a subject for one inspection type: an
open on-site verification task, or a drawn subject for one check item of a plan. Per subject,
the items that survive the rules become one joint inspection with a lead department.

Rules (rule set kind "joint"; which types are exempt from which rule depends on the rule set,
see JointRules):
- annual cap: a subject gets at most `annual_cap` inspections of one type per year; earlier
  inspections of the year count, and the items of one type merged into one visit count once;
- superior department: an item is dropped when a superior department (any level up) already
  inspected the subject this year with a non-exempt inspection.
Within one run the merged items of a subject share one visit, so a superior and a subordinate
planned together are not excluded by each other.

Each item brings its own inspectors (the task's team, or the team the draw gave the subject),
and they must still be qualified on the planning day for the item's supervision domain: a
roster import may have deactivated them or removed the domain since they were put on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.kernel.errors import PreconditionViolation
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.rules import JointRules
from services.verification.domain.tasks import InspectorFacts

ANNUAL_CAP = "ANNUAL_CAP"
SUPERIOR_INSPECTED = "SUPERIOR_INSPECTED"
TASK, DRAW = "TASK", "DRAW"  # where an item comes from
COMMITMENT_VERIFICATION = "COMMITMENT_VERIFICATION"  # the check item of a commitment task's visit


@dataclass(frozen=True)
class Item:
    source: str  # "TASK" or "DRAW"
    source_id: str  # the task id, or "<draw id>/<position>"
    subject_code: str
    subject_kind: str
    subject_name: str
    department: str
    inspection_type: str
    check_item: str = ""
    due: dt.date | None = None  # a task's deadline
    inspectors: tuple[str, ...] = ()
    domain: str = ""  # supervision domain its inspectors must be qualified for; empty: any


@dataclass(frozen=True)
class Inspection:
    """An inspection of a subject this year, planned earlier (from the inspection ledger):
    `joint_id` names the visit it counts as ("joint/<id>", "draw/<id>/<position>", ...)."""

    subject_code: str
    department: str
    inspection_type: str
    joint_id: str


@dataclass(frozen=True)
class Joint:
    subject_code: str
    subject_kind: str
    subject_name: str
    lead_department: str
    departments: tuple[str, ...]
    items: tuple[Item, ...]
    visit_by: dt.date
    inspectors: tuple[str, ...]

    def log_entries(self) -> list[tuple[str, str]]:
        """(department, inspection type) pairs this visit adds to the year's inspections."""
        return sorted({(i.department, i.inspection_type) for i in self.items})


@dataclass(frozen=True)
class Excluded:
    item: Item
    reason: str
    by_joint_id: str


@dataclass(frozen=True)
class JointPlan:
    joints: list[Joint]
    excluded: list[Excluded]
    candidate_items: int
    visits_without_merging: int

    @property
    def visits_saved(self) -> int:
        return self.visits_without_merging - len(self.joints)

    def excluded_for(self, reason: str) -> int:
        return sum(1 for e in self.excluded if e.reason == reason)


def plan(
    items: Sequence[Item],
    earlier: Iterable[Inspection],
    hierarchy: Hierarchy,
    rules: JointRules,
    window_end: dt.date,
) -> JointPlan:
    before: dict[str, list[Inspection]] = {}
    for inspection in earlier:
        before.setdefault(inspection.subject_code, []).append(inspection)
    by_subject: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (i.subject_code, i.source_id, i.check_item)):
        by_subject.setdefault(item.subject_code, []).append(item)
    joints: list[Joint] = []
    excluded: list[Excluded] = []
    sources: set[tuple[str, str]] = set()  # (subject, task or drawn subject): one visit each
    for code, subject_items in by_subject.items():
        kept = []
        for item in subject_items:
            reason = exclusion(item, before.get(code, []), hierarchy, rules)
            if reason:
                excluded.append(reason)
            else:
                kept.append(item)
        if kept:
            joints.append(merge(kept, hierarchy, window_end))
            sources.update((code, i.source_id) for i in kept)
    return JointPlan(joints, excluded, len(items), len(sources))


def exclusion(
    item: Item, earlier: Sequence[Inspection], hierarchy: Hierarchy, rules: JointRules
) -> Excluded | None:
    """Why the item may not be planned: the cap (unless its type is exempt from it) or a
    superior's inspection this year (unless its type is exempt from that rule). Under JOINT-2022
    the same types were exempt from both; see JointRules."""
    if item.inspection_type not in rules.exempt_types:
        same_type = sorted({e.joint_id for e in earlier if e.inspection_type == item.inspection_type})
        if len(same_type) >= rules.annual_cap:
            return Excluded(item, ANNUAL_CAP, same_type[0])
    if rules.superior_excludes and item.inspection_type not in rules.superior_exempt_types:
        by_superior = sorted(
            e.joint_id
            for e in earlier
            if e.inspection_type not in rules.superior_exempt_types
            and hierarchy.is_superior(e.department, item.department)
        )
        if by_superior:
            return Excluded(item, SUPERIOR_INSPECTED, by_superior[0])
    return None


def merge(items: Sequence[Item], hierarchy: Hierarchy, window_end: dt.date) -> Joint:
    """One visit, led by the department with most items, then the highest one, then by code."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.department] = counts.get(item.department, 0) + 1
    lead = min(counts, key=lambda d: (-counts[d], hierarchy.depth(d), d))
    first = items[0]
    return Joint(
        subject_code=first.subject_code,
        subject_kind=first.subject_kind,
        subject_name=first.subject_name,
        lead_department=lead,
        departments=tuple(sorted(counts)),
        items=tuple(items),
        visit_by=min([i.due for i in items if i.due] + [window_end]),
        inspectors=tuple(sorted({n for i in items for n in i.inspectors})),
    )


def team_problems(
    joints: Iterable[Joint], inspectors: Mapping[str, InspectorFacts], today: dt.date
) -> list[PreconditionViolation]:
    """Why the inspectors the items bring may not make the visits, once per inspector and domain."""
    found: dict[tuple[str, str], PreconditionViolation] = {}
    for j in joints:
        for item in j.items:
            for number in item.inspectors:
                why = _unqualified(inspectors.get(number), item.domain, today)
                if why and (number, item.domain) not in found:
                    where = f"{item.source.lower()} {item.source_id} of {item.department}"
                    found[number, item.domain] = PreconditionViolation(
                        "INSPECTOR_NOT_QUALIFIED", number, f"inspector {number} ({where}) {why}"
                    )
    return list(found.values())


def _unqualified(facts: InspectorFacts | None, domain: str, today: dt.date) -> str:
    if facts is None:
        return "is not on the inspectors' roster"
    if not facts.qualified_on(today):
        return "is inactive or the enforcement certificate has expired"
    if domain and domain not in facts.domains:
        return f"is not qualified for {domain}"
    return ""
