"""Escalations, referrals (移送司法机关) and 部门间协查 as messages and events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import referrals_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts import verification_events as contract
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.clock import china_date
from services.kernel.uow import UnitOfWork
from services.verification.store.assistance import Assistance
from services.verification.store.referrals import Referral
from services.verification.store.tasks import Task


def escalated(uow: UnitOfWork, t: Task) -> None:
    e = t.escalation
    assert e is not None
    uow.emit(
        events.TaskEscalated(
            task_id=str(t.task_id),
            commitment_id=str(t.commitment_id),
            subject=subject_of(t.subject_kind, t.subject_code),
            department=t.department,
            lead_department=e.lead_department,
            lead_officer=e.lead_officer,
            deadline=convert.to_date(e.deadline),
            escalated_on=convert.to_date(e.escalated_on),
        ),
        entity=f"task/{t.task_id}",
    )


def escalation_counts(
    departments: Sequence[str], counts: Mapping[str, tuple[int, int]], today: dt.date
) -> pb.CountOverdueEscalationsResponse:
    """(overdue, escalated) per department, zero for a department without escalated tasks."""
    return pb.CountOverdueEscalationsResponse(
        departments=[
            pb.DepartmentEscalations(
                department=d, overdue=counts.get(d, (0, 0))[0], escalated=counts.get(d, (0, 0))[1]
            )
            for d in departments
        ],
        as_of=convert.to_date(today),
    )


def assistance_counts(
    departments: Sequence[str], counts: Mapping[str, tuple[int, int]], today: dt.date
) -> pb.CountOverdueAssistanceResponse:
    """(overdue, pending) per asked department, zero for one without pending requests."""
    return pb.CountOverdueAssistanceResponse(
        departments=[
            pb.DepartmentAssistance(
                department=d, overdue=counts.get(d, (0, 0))[0], pending=counts.get(d, (0, 0))[1]
            )
            for d in departments
        ],
        as_of=convert.to_date(today),
    )


def referral(r: Referral) -> rpb.Referral:
    return rpb.Referral(
        referral_id=str(r.referral_id),
        task_id=str(r.task_id),
        commitment_id=str(r.commitment_id),
        commitment_code=r.commitment_code,
        subject=subject_of(r.subject_kind, r.subject_code),
        subject_name=r.subject_name,
        department=r.department,
        detail=rpb.ReferralDetail(
            suspected_offence=r.suspected_offence, materials=r.materials, receiving_organ=r.receiving_organ
        ),
        referred_on=convert.to_date(r.referred_on),
        referred_by=r.referred_by,
        created_at=convert.to_timestamp(r.created_at),
        status=rpb.ReferralStatus.Value(r.status),
        received_on=convert.opt_date(r.received_on),
        receiver=r.receiver,
        outcome=rpb.ReferralOutcome.Value(r.outcome),
        outcome_on=convert.opt_date(r.outcome_on),
        outcome_note=r.outcome_note,
        updated_at=convert.to_timestamp(r.updated_at),
    )


def referral_changed(uow: UnitOfWork, r: Referral, *, created: bool) -> None:
    """`verification.referral_created` for a new referral, `verification.referral_updated` after."""
    uow.emit(
        events.ReferralChanged(
            referral_id=str(r.referral_id),
            task_id=str(r.task_id),
            commitment_id=str(r.commitment_id),
            subject=subject_of(r.subject_kind, r.subject_code),
            department=r.department,
            receiving_organ=r.receiving_organ,
            status=rpb.ReferralStatus.Value(r.status),
            outcome=rpb.ReferralOutcome.Value(r.outcome),
            referred_on=convert.to_date(r.referred_on),
            changed_at=convert.to_timestamp(r.updated_at),
        ),
        entity=f"referral/{r.referral_id}",
        kind=contract.REFERRAL_CREATED if created else contract.REFERRAL_UPDATED,
    )


def assistance_requested(uow: UnitOfWork, a: Assistance) -> None:
    uow.emit(
        events.AssistanceRequested(
            assistance_id=str(a.assistance_id),
            task_id=str(a.task_id),
            subject=subject_of(a.subject_kind, a.subject_code),
            from_department=a.from_department,
            to_department=a.to_department,
            answer_by=convert.to_date(a.answer_by),
            requested_at=convert.to_timestamp(a.requested_at),
        ),
        entity=f"assistance/{a.assistance_id}",
    )


def assistance_answered(uow: UnitOfWork, a: Assistance) -> None:
    assert a.answered_at is not None
    uow.emit(
        events.AssistanceAnswered(
            assistance_id=str(a.assistance_id),
            task_id=str(a.task_id),
            subject=subject_of(a.subject_kind, a.subject_code),
            from_department=a.from_department,
            to_department=a.to_department,
            finding=pb.AssistanceFinding.Value(a.finding),
            late=china_date(a.answered_at) > a.answer_by,
            answered_at=convert.to_timestamp(a.answered_at),
        ),
        entity=f"assistance/{a.assistance_id}",
    )


def assistance_overdue(uow: UnitOfWork, a: Assistance, today: dt.date) -> None:
    uow.emit(
        events.AssistanceOverdue(
            assistance_id=str(a.assistance_id),
            task_id=str(a.task_id),
            subject=subject_of(a.subject_kind, a.subject_code),
            from_department=a.from_department,
            to_department=a.to_department,
            answer_by=convert.to_date(a.answer_by),
            detected_on=convert.to_date(today),
        ),
        entity=f"assistance/{a.assistance_id}",
    )
