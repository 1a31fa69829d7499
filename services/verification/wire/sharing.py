"""Verification results shared with other departments as verification.v1 sharing messages."""

from __future__ import annotations

from chengnuo.verification.v1 import sharing_pb2 as spb
from chengnuo.verification.v1 import verification_pb2 as vpb
from services.kernel import convert
from services.verification.store.sharing import SharedResult
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
