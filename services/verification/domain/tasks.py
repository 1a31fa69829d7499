"""What concluding, assigning, extending and rectifying a verification task must satisfy (no I/O).

Outcomes, statuses and measure kinds are named as they are stored (the names of the
verification.v1 enums); reading them from a request is api/parse.py's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel.errors import PreconditionViolation, Violations
from services.verification.domain.refusals import refuse
from services.verification.domain.rules import TaskRules

MAX_FINDINGS = 8000
MAX_LEGAL_BASIS = 1000
MAX_MEASURES = 20
MAX_EVIDENCE = 50
MAX_EVIDENCE_REF = 500
MAX_REASON = 1000
MAX_TEAM = 10

OPEN = "TASK_STATUS_OPEN"
CONCLUDED = "TASK_STATUS_CONCLUDED"
CANCELLED = "TASK_STATUS_CANCELLED"
ON_SITE = "ON_SITE"
OUTCOME_FALSE = "OUTCOME_FALSE"
ORDER_RECTIFICATION = "MEASURE_KIND_ORDER_RECTIFICATION"
REFER_TO_JUDICIARY = "MEASURE_KIND_REFER_TO_JUDICIARY"


def check_open(task_id: str, status: str) -> None:
    if status != OPEN:
        raise refuse("TASK_NOT_OPEN", task_id, f"the task is {status}, no longer open")


def check_on_site_team(task_id: str, method: str, inspectors: int, rules: TaskRules) -> None:
    """An on-site check is concluded by at least the rule set's number of inspectors, the team
    assigned to it (《中华人民共和国行政处罚法》第四十二条: 执法人员不得少于两人)."""
    minimum = rules.on_site_minimum_inspectors
    if method == ON_SITE and inspectors < minimum:
        raise refuse("TASK_NOT_ASSIGNED", task_id, f"an on-site check is done by {minimum} inspectors")


def check_measures_for(v: Violations, outcome: str, measures: int) -> None:
    """Measures belong to a false commitment, and a false commitment requires them."""
    if outcome == OUTCOME_FALSE and not measures:
        v.add(
            "measures",
            "a false commitment requires the measures taken"
            " (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)12)",
        )
    if outcome != OUTCOME_FALSE and measures:
        v.add("measures", "measures are taken only on a false commitment")


def referred_to_judiciary(kinds: Iterable[str]) -> bool:
    return REFER_TO_JUDICIARY in kinds


def check_extension_days(v: Violations, working_days: int, rules: TaskRules) -> None:
    """One extension adds at most the rule set's number of working days."""
    if not 1 <= working_days <= rules.max_extension_working_days:
        v.add(
            "working_days",
            f"must be 1 to {rules.max_extension_working_days} working days (rule set {rules.id})",
        )


@dataclass(frozen=True, slots=True)
class InspectorFacts:
    certificate_number: str
    department: str
    active: bool
    valid_until: dt.date | None
    conflicts: frozenset[str]  # subject codes the inspector declared a conflict with
    domains: frozenset[str] = frozenset()  # supervision domains the inspector is qualified for

    def qualified_on(self, day: dt.date) -> bool:
        return self.active and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True, slots=True)
class TaskFacts:
    department: str
    subject_code: str
    method: str
    domain: str = ""  # supervision domain the item's rule asks for; empty: any


def team_problems(
    task: TaskFacts, team: Sequence[InspectorFacts], rules: TaskRules, today: dt.date
) -> list[PreconditionViolation]:
    """Why these inspectors may not check this task: department, qualification, recusal, size."""
    found = [_problem(task, i, today) for i in team]
    problems = [p for p in found if p is not None]
    if task.method == ON_SITE and len(team) < rules.on_site_minimum_inspectors:
        problems.append(
            PreconditionViolation(
                "TOO_FEW_INSPECTORS",
                "certificate_numbers",
                f"an on-site check needs at least {rules.on_site_minimum_inspectors} inspectors"
                f" (rule set {rules.id})",
            )
        )
    return problems


def _problem(task: TaskFacts, inspector: InspectorFacts, today: dt.date) -> PreconditionViolation | None:
    number = inspector.certificate_number
    if inspector.department != task.department:
        return PreconditionViolation(
            "INSPECTOR_OTHER_DEPARTMENT",
            number,
            f"inspector {number} belongs to {inspector.department}, the task to {task.department}",
        )
    if not inspector.qualified_on(today):
        return PreconditionViolation(
            "INSPECTOR_NOT_QUALIFIED",
            number,
            f"inspector {number} is inactive or the enforcement certificate has expired",
        )
    if task.domain and task.domain not in inspector.domains:
        return PreconditionViolation(
            "INSPECTOR_NOT_QUALIFIED",
            number,
            f"inspector {number} is not qualified for {task.domain}",
        )
    if task.subject_code in inspector.conflicts:
        return PreconditionViolation(
            "INSPECTOR_CONFLICT", number, f"inspector {number} declared a conflict with the subject (回避)"
        )
    return None


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure taken on a false commitment as the rules read it: its kind and, for an order to
    rectify (责令限期整改), the deadline of the correction."""

    kind: str
    deadline: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Concluded:
    """What a rectification is checked against: the task's conclusion."""

    task_id: str
    status: str
    outcome: str
    measures: Sequence[Measure]
    decision_date: dt.date | None
    rectified: bool


def rectification_deadline(
    task: Concluded, completed: dt.date
) -> tuple[dt.date | None, list[PreconditionViolation]]:
    """The deadline of the order to rectify, or why no rectification may be recorded."""
    if task.status != CONCLUDED or task.outcome != OUTCOME_FALSE:
        return None, [_not_rectifiable(task.task_id, "only a task concluded false has an order to rectify")]
    deadlines = [m.deadline for m in task.measures if m.kind == ORDER_RECTIFICATION and m.deadline]
    if not deadlines:
        return None, [_not_rectifiable(task.task_id, "the conclusion ordered no rectification")]
    if task.rectified:
        return None, [PreconditionViolation("ALREADY_RECTIFIED", task.task_id, "a rectification is recorded")]
    if task.decision_date and completed < task.decision_date:
        return None, [
            PreconditionViolation(
                "BEFORE_DECISION", "completed_on", f"the order to rectify was decided on {task.decision_date}"
            )
        ]
    return max(deadlines), []


def _not_rectifiable(task_id: str, why: str) -> PreconditionViolation:
    return PreconditionViolation("NO_ORDER_TO_RECTIFY", task_id, why)


@dataclass(frozen=True, slots=True)
class Rectification:
    """The subject's correction after an order to rectify, kept with the task."""

    completed_on: dt.date
    in_time: bool  # completed by the order's deadline
    harm_caused: bool
    assessment: str
    evidence_refs: tuple[str, ...]
    deadline: dt.date
    recorded_by: str
    recorded_at: dt.datetime

    @classmethod
    def of(
        cls,
        completed: dt.date,
        deadline: dt.date,
        *,
        harm_caused: bool,
        assessment: str,
        evidence_refs: Sequence[str],
        by: str,
        at: dt.datetime,
    ) -> Rectification:
        return cls(
            completed, completed <= deadline, harm_caused, assessment, tuple(evidence_refs), deadline, by, at
        )

    @property
    def corrected_in_time_without_harm(self) -> bool:
        return self.in_time and not self.harm_caused

    def as_json(self) -> dict[str, Any]:
        return {
            "completed_on": self.completed_on.isoformat(),
            "in_time": self.in_time,
            "harm_caused": self.harm_caused,
            "assessment": self.assessment,
            "evidence_refs": list(self.evidence_refs),
            "deadline": self.deadline.isoformat(),
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
        }

    @classmethod
    def of_json(cls, stored: dict[str, Any]) -> Rectification:
        return cls(
            completed_on=dt.date.fromisoformat(stored["completed_on"]),
            in_time=stored["in_time"],
            harm_caused=stored["harm_caused"],
            assessment=stored["assessment"],
            evidence_refs=tuple(stored["evidence_refs"]),
            deadline=dt.date.fromisoformat(stored["deadline"]),
            recorded_by=stored["recorded_by"],
            recorded_at=dt.datetime.fromisoformat(stored["recorded_at"]),
        )
