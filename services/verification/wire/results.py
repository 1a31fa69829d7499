"""Inspection results as verification.v1 messages and as the `verification.inspection_result` event."""

from __future__ import annotations

from typing import Any

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import results_pb2 as pb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.uow import UnitOfWork
from services.verification.domain.results import ItemResult, Measure
from services.verification.store.results import StoredResult


def item(i: ItemResult) -> pb.ItemResult:
    outcome = pb.ItemOutcome.Value(i.outcome)
    return pb.ItemResult(check_item=i.check_item, outcome=outcome, findings=i.findings)


def measure(m: Measure) -> pb.ResultMeasure:
    return pb.ResultMeasure(
        kind=pb.ResultMeasureKind.Value(m.kind),
        legal_basis=m.legal_basis,
        deadline=convert.opt_date(m.deadline),
        case_number=m.case_number,
        to_department=m.to_department,
        note=m.note,
    )


def _common(r: StoredResult) -> dict[str, Any]:
    return {
        "result_id": str(r.result_id),
        "draw_id": str(r.draw_id) if r.draw_id else "",
        "joint_inspection_id": str(r.joint_id) if r.joint_id else "",
        "registration_id": str(r.registration_id) if r.registration_id else "",
        "subject": subject_of(r.subject_kind, r.subject_code),
        "subject_name": r.subject_name,
        "recording_department": r.recording_department,
        "departments": r.departments,
        "inspection_date": convert.to_date(r.inspection_date),
        "items": [item(i) for i in r.items],
        "problem_found": r.problem_found,
        "measures": [measure(m) for m in r.measures],
        "push_deadline": convert.to_date(r.push_deadline),
        "publication_deadline": convert.to_date(r.publication_deadline),
        "publication_deadline_provisional": r.publication_provisional,
        "publication_rule_set": r.publication_rule_set,
        "recorded_at": convert.to_timestamp(r.recorded_at),
    }


def result(r: StoredResult) -> pb.InspectionResult:
    return pb.InspectionResult(
        **_common(r),
        position=r.position or 0,
        year=r.year,
        evidence_refs=r.evidence_refs,
        inspectors=r.inspectors,
        acknowledgement=pb.Acknowledgement.Value(r.acknowledgement),
        refusal_note=r.refusal_note,
        recorded_by=r.recorded_by,
    )


def recorded(uow: UnitOfWork, r: StoredResult) -> None:
    """`verification.inspection_result`: for publication, the platforms' push and the credit service."""
    uow.emit(events.InspectionResultRecorded(**_common(r)), entity=f"result/{r.result_id}")
