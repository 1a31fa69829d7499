"""Repair applications and objections as the API states them."""

from __future__ import annotations

from typing import Any

from chengnuo.credit.v1 import credit_pb2, objections_pb2, repair_pb2
from services.contracts.subjects import subject_of
from services.credit.domain.cases import Case, Objection, RepairApplication
from services.credit.wire.records import record_class
from services.kernel import convert


def deadline(c: Case) -> credit_pb2.DecisionDeadline:
    return credit_pb2.DecisionDeadline(
        due_date=convert.to_date(c.due_date),
        provisional=c.due_provisional,
        extended=c.extensions > 0,
        extension_reason=c.extension_reason,
    )


def _common(c: Case) -> dict[str, Any]:
    """The fields every case message has, under the same names."""
    return {
        "record_id": str(c.record_id),
        "subject": subject_of(c.subject_kind, c.subject_code),
        "evidence": c.evidence,
        "deadline": deadline(c),
        "decision_reason": c.decision_reason,
        "decided_by": c.decided_by,
        "rule_set": c.rule_set,
        "decided_at": convert.opt_timestamp(c.decided_at),
    }


def repair_application(a: RepairApplication) -> repair_pb2.RepairApplication:
    return repair_pb2.RepairApplication(
        application_id=str(a.case_id),
        obligations_performed=a.obligations_performed,
        repair_commitment=a.repair_commitment,
        applied_at=convert.to_timestamp(a.applied_at),
        status=repair_pb2.RepairStatus.Value(a.status),
        **_common(a),
    )


def objection(o: Objection) -> objections_pb2.Objection:
    return objections_pb2.Objection(
        objection_id=str(o.case_id),
        reason=o.reason,
        filed_by=o.filed_by,
        filed_at=convert.to_timestamp(o.filed_at),
        status=objections_pb2.ObjectionStatus.Value(o.status),
        outcome=objections_pb2.ObjectionOutcome.Value(o.outcome or "OBJECTION_OUTCOME_UNSPECIFIED"),
        corrected_facts=o.corrected_facts,
        corrected_class=record_class(o.corrected_class),
        **_common(o),
    )
