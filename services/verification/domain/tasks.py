"""What concluding, assigning and extending a verification task must satisfy (no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import PreconditionViolation, Violations
from services.verification.domain.rules import TaskRules

MAX_FINDINGS = 8000
MAX_LEGAL_BASIS = 1000
MAX_MEASURES = 20
MAX_EVIDENCE = 50
MAX_EVIDENCE_REF = 500
MAX_REASON = 1000
MAX_TEAM = 10
ON_SITE = "ON_SITE"
OPEN = "TASK_STATUS_OPEN"


def check_conclusion(v: Violations, request: pb.ConcludeTaskRequest, today: dt.date) -> dt.date | None:
    """Every problem of a conclusion; returns the decision date when it is usable."""
    if request.outcome == pb.OUTCOME_UNSPECIFIED or request.outcome not in pb.Outcome.values():
        v.add("outcome", "required: true, false or unverifiable")
    if not request.findings.strip():
        v.add("findings", "required: what was checked and found")
    elif len(request.findings) > MAX_FINDINGS:
        v.add("findings", f"at most {MAX_FINDINGS} characters")
    decided = convert.date_field(v, "decision_date", request.decision_date)
    if decided and decided > today:
        v.add("decision_date", f"{decided} is in the future")
    _check_measures(v, request)
    check_evidence(v, "evidence_refs", request.evidence_refs)
    return decided


def _check_measures(v: Violations, request: pb.ConcludeTaskRequest) -> None:
    if request.outcome == pb.OUTCOME_FALSE and not request.measures:
        v.add(
            "measures",
            "a false commitment requires the measures taken"
            " (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)12)",
        )
    if request.outcome != pb.OUTCOME_FALSE and request.measures:
        v.add("measures", "measures are taken only on a false commitment")
    if len(request.measures) > MAX_MEASURES:
        v.add("measures", f"at most {MAX_MEASURES} measures")
    for i, measure in enumerate(request.measures):
        if measure.kind == pb.MEASURE_KIND_UNSPECIFIED or measure.kind not in pb.MeasureKind.values():
            v.add(f"measures[{i}].kind", "required")
        if not measure.legal_basis.strip() or len(measure.legal_basis) > MAX_LEGAL_BASIS:
            v.add(f"measures[{i}].legal_basis", f"required, at most {MAX_LEGAL_BASIS} characters")
        if measure.kind == pb.MEASURE_KIND_ORDER_RECTIFICATION:
            convert.date_field(v, f"measures[{i}].deadline", measure.deadline)
        if len(measure.note) > MAX_REASON:
            v.add(f"measures[{i}].note", f"at most {MAX_REASON} characters")


def check_evidence(v: Violations, field: str, refs: Sequence[str]) -> None:
    if len(refs) > MAX_EVIDENCE:
        v.add(field, f"at most {MAX_EVIDENCE} references")
    for i, ref in enumerate(refs):
        if not ref.strip() or len(ref) > MAX_EVIDENCE_REF:
            v.add(f"{field}[{i}]", f"required, at most {MAX_EVIDENCE_REF} characters")


def referred_to_judiciary(measures: Sequence[pb.Measure]) -> bool:
    return any(m.kind == pb.MEASURE_KIND_REFER_TO_JUDICIARY for m in measures)


def measure_names(measures: Sequence[pb.Measure]) -> list[str]:
    return [pb.MeasureKind.Name(m.kind) for m in measures]


def check_extension(v: Violations, request: pb.ExtendDeadlineRequest, rules: TaskRules) -> None:
    if not 1 <= request.working_days <= rules.max_extension_working_days:
        v.add(
            "working_days",
            f"must be 1 to {rules.max_extension_working_days} working days (rule set {rules.id})",
        )
    if not request.reason.strip():
        v.add("reason", "required: why the deadline cannot be kept")
    elif len(request.reason) > MAX_REASON:
        v.add("reason", f"at most {MAX_REASON} characters")


def check_team_request(v: Violations, numbers: Sequence[str]) -> list[str]:
    """The requested certificate numbers, normalised, after the request-shape checks."""
    if not numbers:
        v.add("certificate_numbers", "required: at least one inspector")
    if len(numbers) > MAX_TEAM:
        v.add("certificate_numbers", f"at most {MAX_TEAM} inspectors")
    cleaned = [n.strip() for n in numbers]
    for i, number in enumerate(cleaned):
        if not number or len(number) > 64:
            v.add(f"certificate_numbers[{i}]", "required, at most 64 characters")
        elif number in cleaned[:i]:
            v.add(f"certificate_numbers[{i}]", f"{number} is listed twice")
    return cleaned


@dataclass(frozen=True)
class InspectorFacts:
    certificate_number: str
    department: str
    active: bool
    valid_until: dt.date | None
    conflicts: frozenset[str]  # subject codes the inspector declared a conflict with
    domains: frozenset[str] = frozenset()  # supervision domains the inspector is qualified for

    def qualified_on(self, day: dt.date) -> bool:
        return self.active and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
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


def check_rectification(
    v: Violations, request: pb.RecordRectificationRequest, today: dt.date
) -> dt.date | None:
    """The request's own problems; returns the completion date when it is usable."""
    completed = convert.date_field(v, "completed_on", request.completed_on)
    if completed and completed > today:
        v.add("completed_on", f"{completed} is in the future")
    if not request.assessment.strip():
        v.add("assessment", "required: how the correction and any harm were established")
    elif len(request.assessment) > MAX_FINDINGS:
        v.add("assessment", f"at most {MAX_FINDINGS} characters")
    check_evidence(v, "evidence_refs", request.evidence_refs)
    return completed


@dataclass(frozen=True)
class Concluded:
    """What a rectification is checked against: the task's conclusion."""

    task_id: str
    status: str
    outcome: str
    measures: Sequence[pb.Measure]
    decision_date: dt.date | None
    rectified: bool


def rectification_deadline(
    task: Concluded, completed: dt.date
) -> tuple[dt.date | None, list[PreconditionViolation]]:
    """The deadline of the order to rectify, or why no rectification may be recorded."""
    if task.status != "TASK_STATUS_CONCLUDED" or task.outcome != "OUTCOME_FALSE":
        return None, [_not_rectifiable(task.task_id, "only a task concluded false has an order to rectify")]
    deadlines = [
        convert.from_date(m.deadline) for m in task.measures if m.kind == pb.MEASURE_KIND_ORDER_RECTIFICATION
    ]
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
