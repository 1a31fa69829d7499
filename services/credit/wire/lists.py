"""Entries of the serious-dishonesty list as the API states them."""

from __future__ import annotations

from chengnuo.credit.v1 import lists_pb2 as pb
from services.contracts.subjects import subject_of
from services.credit.domain.blacklist import EarlyRemoval, ListEntry, Service, Statement
from services.kernel import convert


def list_entry(e: ListEntry) -> pb.ListEntry:
    notice = e.notice
    return pb.ListEntry(
        entry_id=str(e.entry_id),
        subject=subject_of(e.subject_kind, e.subject_code),
        subject_name=e.subject_name,
        status=pb.ListEntryStatus.Value(e.status),
        record_ids=[str(r) for r in e.record_ids],
        department=e.department,
        region_code=e.region_code,
        notice=pb.PreNotice(
            legal_basis=notice.legal_basis,
            reasons=e.reasons,
            measures=notice.measures,
            removal_conditions=notice.removal_conditions,
            remedies=notice.remedies,
            statement_until=convert.opt_date(notice.statement_until),
            statement_until_provisional=notice.provisional,
            service=_service(notice.service),
        ),
        statements=[_statement(s) for s in e.statements],
        proposed_on=convert.to_date(e.proposed_on),
        listed_on=convert.opt_date(e.listed_on),
        early_removal_from=convert.opt_date(e.early_removal_from),
        removal_due=convert.opt_date(e.removal_due),
        removed_on=convert.opt_date(e.removed_on),
        removal_reason=pb.RemovalReason.Value(e.removal_reason or "REMOVAL_REASON_UNSPECIFIED"),
        decision_reason=e.decision_reason,
        rule_set=e.rule_set,
        measures=e.measures,
        measure_catalogue=e.measure_catalogue,
        early_removal=_early_removal(e.early_removal),
    )


def _statement(s: Statement) -> pb.Statement:
    return pb.Statement(
        text=s.text,
        evidence=s.evidence,
        submitted_by=s.submitted_by,
        submitted_at=convert.to_timestamp(s.submitted_at),
    )


def _early_removal(a: EarlyRemoval | None) -> pb.EarlyRemovalApplication | None:
    if a is None:
        return None
    return pb.EarlyRemovalApplication(
        obligations_performed=a.obligations_performed,
        harm_eliminated=a.harm_eliminated,
        evidence=a.evidence,
        applied_at=convert.to_timestamp(a.applied_at),
        decision=pb.RemovalDecision.Value(a.decision or "REMOVAL_DECISION_UNSPECIFIED"),
        decision_reason=a.decision_reason,
        decided_at=convert.opt_timestamp(a.decided_at),
    )


def _service(s: Service | None) -> pb.NoticeService | None:
    if s is None:
        return None
    return pb.NoticeService(
        method=pb.ServiceMethod.Value(s.method),
        served_on=convert.to_date(s.served_on),
        proof_reference=s.proof_reference,
        recorded_by=s.recorded_by,
        recorded_at=convert.to_timestamp(s.recorded_at),
    )
