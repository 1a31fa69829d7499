"""Verification results shared with other departments as verification.v1 sharing messages."""

from __future__ import annotations

from chengnuo.verification.v1 import sharing_pb2 as spb
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.verification.store.results import StoredResult
from services.verification.store.sharing import SharedResult
from services.verification.wire import results as results_wire
from services.verification.wire.tasks import identity, measures


def result(r: SharedResult) -> spb.VerificationResult:
    return spb.VerificationResult(
        **identity(r),
        department=r.department,
        method=r.method,
        outcome=vpb.Outcome.Value(r.outcome),
        findings=r.findings,
        measures=measures(r.measures),
        decision_date=convert.opt_date(r.decision_date),
        concluded_at=convert.to_timestamp(r.concluded_at),
    )


def inspection_result(r: StoredResult) -> spb.SharedInspectionResult:
    """What an inspection result shares: no inspectors, evidence or refusal note."""
    return spb.SharedInspectionResult(
        result_id=str(r.result_id),
        subject=subject_of(r.subject_kind, r.subject_code),
        subject_name=r.subject_name,
        recording_department=r.recording_department,
        departments=r.departments,
        inspection_date=convert.to_date(r.inspection_date),
        items=[results_wire.item(i) for i in r.items],
        problem_found=r.problem_found,
        measures=[results_wire.measure(m) for m in r.measures],
        recorded_at=convert.to_timestamp(r.recorded_at),
    )
