"""Tasks, their conclusions and 部门间协查 as verification.v1 messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf.json_format import ParseDict

from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.clock import china_date
from services.verification.domain import assistance as rules
from services.verification.domain import tasks as domain
from services.verification.domain.closing import Escalation
from services.verification.store.assistance import Assistance
from services.verification.store.tasks import AssignedInspector, Extension, Task, TaskIdentity


def identity(t: TaskIdentity) -> dict[str, Any]:
    """The fields every message about a task shares: the task, its commitment, subject and item."""
    return {
        "task_id": str(t.task_id),
        "commitment_id": str(t.commitment_id),
        "commitment_code": t.commitment_code,
        "subject": subject_of(t.subject_kind, t.subject_code),
        "subject_name": t.subject_name,
        "item_id": str(t.item_id),
        "item_name": t.item_name,
    }


def task(t: Task, today: dt.date, extensions: Sequence[Extension] = ()) -> pb.Task:
    return pb.Task(
        **identity(t),
        item_version=t.item_version,
        department=t.department,
        method=t.method,
        standard=t.standard,
        time_limit_working_days=t.time_limit_days,
        base_date=convert.to_date(t.base_date),
        due_date=convert.to_date(t.due_date),
        due_date_provisional=t.due_provisional,
        status=pb.TaskStatus.Value(t.status),
        outcome=pb.Outcome.Value(t.outcome),
        findings=t.findings,
        measures=measures(t.measures),
        decision_date=convert.opt_date(t.decision_date),
        safety_related=t.safety_related,
        inspectors=[_inspector(i) for i in t.inspectors],
        extended_working_days=t.extended_days,
        evidence_refs=t.evidence_refs,
        cancel_reason=t.cancel_reason,
        overdue=t.status == domain.OPEN and t.due_date < today,
        push_deadline=convert.opt_date(t.push_deadline),
        publication_deadline=convert.opt_date(t.publication_deadline),
        publication_deadline_provisional=t.publication_provisional,
        decision_publication_deadline=convert.opt_date(t.decision_publication_deadline),
        publication_rule_set=t.publication_rule_set,
        concluded_by=t.concluded_by,
        extensions=[_extension(e) for e in extensions],
        joint_inspection_id=str(t.joint_id or ""),
        draw_id=str(t.draw_id or ""),
        rectification=rectification(t.rectification) if t.rectification else None,
        created_at=convert.to_timestamp(t.created_at),
        concluded_at=convert.opt_timestamp(t.concluded_at),
        escalation=escalation(t.escalation, t.status, today) if t.escalation else None,
        concluded_via=pb.ConclusionSource.Value(t.concluded_via),
    )


def escalation(e: Escalation, status: str, today: dt.date) -> pb.Escalation:
    return pb.Escalation(
        lead_department=e.lead_department,
        lead_officer=e.lead_officer,
        deadline=convert.to_date(e.deadline),
        deadline_provisional=e.deadline_provisional,
        rule_set=e.rule_set,
        escalated_on=convert.to_date(e.escalated_on),
        escalated_by=e.escalated_by,
        overdue=e.overdue(status, today),
    )


def rectification(r: domain.Rectification) -> pb.Rectification:
    return pb.Rectification(
        completed_on=convert.to_date(r.completed_on),
        in_time=r.in_time,
        harm_caused=r.harm_caused,
        assessment=r.assessment,
        evidence_refs=r.evidence_refs,
        deadline=convert.to_date(r.deadline),
        recorded_by=r.recorded_by,
        recorded_at=convert.to_timestamp(r.recorded_at),
    )


def measures(stored: Sequence[dict[str, Any]]) -> list[pb.Measure]:
    """Measures as stored (the JSON of verification.v1.Measure) as messages again."""
    return [ParseDict(m, pb.Measure(), ignore_unknown_fields=True) for m in stored]


def _inspector(i: AssignedInspector) -> pb.AssignedInspector:
    return pb.AssignedInspector(
        certificate_number=i.number, name=i.name, assigned_at=convert.to_timestamp(i.at)
    )


def _extension(e: Extension) -> pb.DeadlineExtension:
    return pb.DeadlineExtension(
        working_days=e.working_days,
        reason=e.reason,
        approved_by=e.approved_by,
        due_before=convert.to_date(e.due_before),
        due_after=convert.to_date(e.due_after),
        approved_at=convert.to_timestamp(e.approved_at),
    )


def overdue_counts(
    departments: Sequence[str], counts: Mapping[str, tuple[int, int]], today: dt.date
) -> pb.CountOverdueTasksResponse:
    """(overdue, open) per department, zero for a department without open tasks."""
    return pb.CountOverdueTasksResponse(
        departments=[
            pb.DepartmentOverdue(
                department=d, overdue=counts.get(d, (0, 0))[0], open=counts.get(d, (0, 0))[1]
            )
            for d in departments
        ],
        as_of=convert.to_date(today),
    )


def assistance(a: Assistance, today: dt.date) -> pb.Assistance:
    return pb.Assistance(
        assistance_id=str(a.assistance_id),
        task_id=str(a.task_id),
        subject=subject_of(a.subject_kind, a.subject_code),
        subject_name=a.subject_name,
        from_department=a.from_department,
        to_department=a.to_department,
        question=a.question,
        answer_by=convert.to_date(a.answer_by),
        status=pb.AssistanceStatus.Value(a.status),
        finding=pb.AssistanceFinding.Value(a.finding),
        answer=a.answer,
        evidence_refs=a.evidence_refs,
        requested_by=a.requested_by,
        requested_at=convert.to_timestamp(a.requested_at),
        answered_by=a.answered_by,
        overdue=a.status == rules.PENDING and a.answer_by < today,
        answered_at=convert.opt_timestamp(a.answered_at),
        late=a.answered_at is not None and china_date(a.answered_at) > a.answer_by,
    )
