"""Registrations (报备) and dry-run answers as protos."""

from __future__ import annotations

from collections.abc import Sequence

from chengnuo.verification.v1 import registrations_pb2 as gpb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.verification.domain.registrations import Refusal
from services.verification.store.registrations import Registration


def registration(r: Registration) -> gpb.Registration:
    inspection = gpb.PlannedInspection(
        subject=subject_of(r.subject_kind, r.subject_code),
        subject_name=r.subject_name,
        department=r.department,
        inspection_type=r.inspection_type,
        check_items=r.check_items,
        planned_date=convert.to_date(r.planned_date),
        basis=r.basis,
        consent_reference=r.consent_reference,
        advance_notice=r.advance_notice,
        no_notice_ground=gpb.NoNoticeGround.Value(r.no_notice_ground or "NO_NOTICE_GROUND_UNSPECIFIED"),
        no_notice_reason=r.no_notice_reason,
        certificate_numbers=r.certificate_numbers,
    )
    return gpb.Registration(
        registration_id=str(r.registration_id),
        inspection=inspection,
        status=gpb.RegistrationStatus.Value(r.status),
        rule_sets=r.rule_sets,
        registered_by=r.registered_by,
        registered_at=convert.to_timestamp(r.registered_at),
        cancel_reason=r.cancel_reason,
        cancelled_by=r.cancelled_by,
        cancelled_at=convert.opt_timestamp(r.cancelled_at),
    )


def allowed(refusals: Sequence[Refusal], rule_sets: Sequence[str]) -> gpb.CheckInspectionAllowedResponse:
    return gpb.CheckInspectionAllowedResponse(
        allowed=not refusals,
        refusals=[
            gpb.Refusal(
                rule=r.rule,
                description=r.description,
                earlier_inspection=r.earlier.name if r.earlier else "",
                earliest_date=convert.to_date(r.earliest_date) if r.earliest_date else None,
            )
            for r in refusals
        ],
        rule_sets=rule_sets,
    )
