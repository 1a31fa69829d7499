"""The events the verification service emits, built from its records and domain values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.uow import UnitOfWork
from services.verification.domain import tasks as rules
from services.verification.store.draws import Draw
from services.verification.store.joint import Planned
from services.verification.store.tasks import OverdueTask, Task
from services.verification.wire.inspections import digests
from services.verification.wire.tasks import identity, measures, rectification


def _about(t: Task | OverdueTask) -> dict[str, Any]:
    """The fields every task event starts with: the task, its commitment, subject and department."""
    return {
        "task_id": str(t.task_id),
        "commitment_id": str(t.commitment_id),
        "subject": subject_of(t.subject_kind, t.subject_code),
        "department": t.department,
    }


def concluded(uow: UnitOfWork, t: Task) -> None:
    """`verification.concluded` for every outcome; `verification.false_commitment` as well when false."""
    entity = f"task/{t.task_id}"
    uow.emit(_concluded(t), entity=entity)
    if t.outcome == rules.OUTCOME_FALSE:
        uow.emit(_false(t), entity=entity)


def _concluded(t: Task) -> events.VerificationConcluded:
    assert t.decision_date is not None
    assert t.concluded_at is not None
    return events.VerificationConcluded(
        **_about(t),
        outcome=pb.Outcome.Value(t.outcome),
        decision_date=convert.to_date(t.decision_date),
        concluded_at=convert.to_timestamp(t.concluded_at),
        push_deadline=convert.opt_date(t.push_deadline),
        publication_deadline=convert.opt_date(t.publication_deadline),
        publication_deadline_provisional=t.publication_provisional,
        decision_publication_deadline=convert.opt_date(t.decision_publication_deadline),
        publication_rule_set=t.publication_rule_set,
        item_id=str(t.item_id),
        measures=measures(t.measures),
    )


def _false(t: Task) -> events.FalseCommitmentFound:
    """Everything the credit service needs to create and classify a dishonesty record."""
    assert t.decision_date is not None
    assert t.concluded_at is not None
    return events.FalseCommitmentFound(
        **identity(t),
        item_version=t.item_version,
        deciding_department=t.department,
        region_code=t.region_code,
        decision_date=convert.to_date(t.decision_date),
        findings=t.findings,
        measures=measures(t.measures),
        referred_to_judiciary=rules.referred_to_judiciary(t.measure_kinds),
        concluded_at=convert.to_timestamp(t.concluded_at),
        safety_related_item=t.safety_related,
    )


def rectified(uow: UnitOfWork, t: Task, r: rules.Rectification) -> None:
    uow.emit(
        events.RectificationRecorded(
            **_about(t),
            rectification=rectification(r),
            corrected_in_time_without_harm=r.corrected_in_time_without_harm,
        ),
        entity=f"task/{t.task_id}",
    )


def overdue(uow: UnitOfWork, t: OverdueTask, today: dt.date) -> None:
    uow.emit(
        events.TaskOverdue(
            **_about(t),
            due_date=convert.to_date(t.due_date),
            detected_on=convert.to_date(today),
        ),
        entity=f"task/{t.task_id}",
    )


def draw_completed(uow: UnitOfWork, d: Draw) -> None:
    uow.emit(
        events.DrawCompleted(
            draw_id=str(d.draw_id),
            plan_id=str(d.plan_id),
            owner_department=d.owner_department,
            departments=d.departments,
            seed=d.seed,
            algorithm=d.algorithm,
            **digests(d.run),
            drawn_at=convert.to_timestamp(d.drawn_at),
        ),
        entity=f"draw/{d.draw_id}",
    )


def joint_planned(uow: UnitOfWork, p: Planned) -> None:
    j = p.joint
    uow.emit(
        events.JointInspectionPlanned(
            joint_inspection_id=str(p.joint_id),
            subject=subject_of(j.subject_kind, j.subject_code),
            lead_department=j.lead_department,
            departments=j.departments,
            inspection_types=sorted({i.inspection_type for i in j.items}),
            visit_by=convert.to_date(j.visit_by),
            items=len(j.items),
            year=p.year,
        ),
        entity=f"joint/{p.joint_id}",
    )
