"""Turning credit rows into API and event messages."""

from __future__ import annotations

import datetime as dt
import json
from typing import TypeVar

import asyncpg

from chengnuo.credit.v1 import credit_pb2 as pb
from chengnuo.credit.v1 import lists_pb2, objections_pb2, repair_pb2, rule_sets_pb2
from services.contracts.subjects import subject_of
from services.credit.domain import grades, measures, standing
from services.kernel import convert
from services.kernel.rule_sets import RuleSet

M = TypeVar("M", repair_pb2.RepairApplication, objections_pb2.Objection)


def record(row: asyncpg.Record) -> pb.DishonestyRecord:
    message = pb.DishonestyRecord(
        record_id=str(row["record_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        record_class=pb.RecordClass.Value(f"RECORD_CLASS_{row['record_class']}"),
        status=pb.RecordStatus.Value(row["status"]),
        facts=row["facts"],
        legal_basis=row["legal_basis"],
        deciding_department=row["deciding_department"],
        decision_date=convert.to_date(row["decision_date"]),
        publicity_start=convert.to_date(row["publicity_start"]),
        repairable_from=convert.to_date(row["repairable_from"]),
        publicity_end=convert.to_date(row["publicity_end"]),
        rule_set=row["rule_set"],
        rule=row["rule"],
        source_event_id=row["source_event_id"],
        published=row["published"],
        measures=row["measures"],
        measure_catalogue=row["measure_catalogue"],
        ended_on=convert.opt_date(row["ended_on"]),
        commitment_id=str(row["commitment_id"] or ""),
        region_code=row["region_code"],
        repair_notice=row["repair_notice"],
        revision=row["revision"],
    )
    message.created_at.FromDatetime(row["created_at"])
    return message


def restriction(r: standing.Restriction) -> pb.Restriction:
    return pb.Restriction(
        kind=pb.RestrictionKind.Value(f"RESTRICTION_KIND_{r.kind}"),
        cause=pb.RestrictionCause.Value(f"RESTRICTION_CAUSE_{r.cause}"),
        record_id=r.record_id,
        description=r.description,
        repairable_from=convert.to_date(r.repairable_from),
        ends_on=convert.to_date(r.ends_on),
        disputed=r.disputed,
    )


def grade_points(result: grades.Result) -> list[pb.GradePoint]:
    return [pb.GradePoint(rule=p.rule, points=p.points, reason=p.reason) for p in result.points]


def grade(letter: str) -> pb.Grade.ValueType:
    return pb.Grade.Value(f"GRADE_{letter}")


def measure(m: measures.Measure) -> pb.Measure:
    return pb.Measure(
        code=m.code,
        name=m.name,
        legal_basis=m.legal_basis,
        applies_to=[pb.MeasureTrigger.Value(trigger(t)) for t in m.applies_to],
        implementing_departments=list(m.departments),
        restriction=pb.RestrictionKind.Value(f"RESTRICTION_KIND_{m.restriction}")
        if m.restriction
        else pb.RESTRICTION_KIND_UNSPECIFIED,
        purposes=list(m.purposes),
    )


def trigger(name: str) -> str:
    return "MEASURE_TRIGGER_BLACKLISTED" if name == "BLACKLISTED" else f"MEASURE_TRIGGER_{name}_RECORD"


def feedback(row: asyncpg.Record) -> pb.MeasureFeedback:
    return pb.MeasureFeedback(
        feedback_id=str(row["feedback_id"]),
        measure_code=row["measure_code"],
        source_id=str(row["source_id"]),
        department=row["department"],
        applied_on=convert.to_date(row["applied_on"]),
        action=row["action"],
        reported_by=row["reported_by"],
        reported_at=convert.to_timestamp(row["reported_at"]),
    )


def deadline(row: asyncpg.Record) -> pb.DecisionDeadline:
    return pb.DecisionDeadline(
        due_date=convert.to_date(row["due_date"]),
        provisional=row["due_provisional"],
        extended=row["extensions"] > 0,
        extension_reason=row["extension_reason"],
    )


def _decided(message: M, row: asyncpg.Record) -> M:
    if row["decided_at"]:
        message.decided_at.CopyFrom(convert.to_timestamp(row["decided_at"]))
    return message


def repair_application(row: asyncpg.Record) -> repair_pb2.RepairApplication:
    message = repair_pb2.RepairApplication(
        application_id=str(row["application_id"]),
        record_id=str(row["record_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        obligations_performed=row["obligations_performed"],
        evidence=row["evidence"],
        repair_commitment=row["repair_commitment"],
        applied_at=convert.to_timestamp(row["applied_at"]),
        deadline=deadline(row),
        status=repair_pb2.RepairStatus.Value(row["status"]),
        decision_reason=row["decision_reason"],
        decided_by=row["decided_by"],
        rule_set=row["rule_set"],
    )
    return _decided(message, row)


def objection(row: asyncpg.Record) -> objections_pb2.Objection:
    corrected = row["corrected_class"]
    message = objections_pb2.Objection(
        objection_id=str(row["objection_id"]),
        record_id=str(row["record_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        reason=row["reason"],
        evidence=row["evidence"],
        filed_by=row["filed_by"],
        filed_at=convert.to_timestamp(row["filed_at"]),
        deadline=deadline(row),
        status=objections_pb2.ObjectionStatus.Value(row["status"]),
        outcome=objections_pb2.ObjectionOutcome.Value(row["outcome"] or "OBJECTION_OUTCOME_UNSPECIFIED"),
        decision_reason=row["decision_reason"],
        corrected_facts=row["corrected_facts"],
        corrected_class=pb.RecordClass.Value(f"RECORD_CLASS_{corrected or 'UNSPECIFIED'}"),
        decided_by=row["decided_by"],
        rule_set=row["rule_set"],
    )
    return _decided(message, row)


def list_entry(row: asyncpg.Record) -> lists_pb2.ListEntry:
    notice = row["notice"]
    return lists_pb2.ListEntry(
        entry_id=str(row["entry_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        status=lists_pb2.ListEntryStatus.Value(row["status"]),
        record_ids=[str(r) for r in row["record_ids"]],
        department=row["department"],
        region_code=row["region_code"],
        notice=lists_pb2.PreNotice(
            legal_basis=notice["legal_basis"],
            reasons=row["reasons"],
            measures=notice["measures"],
            removal_conditions=notice["removal_conditions"],
            remedies=notice["remedies"],
            statement_until=convert.to_date(dt.date.fromisoformat(notice["statement_until"])),
            statement_until_provisional=notice["provisional"],
        ),
        statements=[_statement(s) for s in row["statements"]],
        proposed_on=convert.to_date(row["proposed_on"]),
        listed_on=convert.opt_date(row["listed_on"]),
        early_removal_from=convert.opt_date(row["early_removal_from"]),
        removal_due=convert.opt_date(row["removal_due"]),
        removed_on=convert.opt_date(row["removed_on"]),
        removal_reason=lists_pb2.RemovalReason.Value(row["removal_reason"] or "REMOVAL_REASON_UNSPECIFIED"),
        decision_reason=row["decision_reason"],
        rule_set=row["rule_set"],
        measures=row["measures"],
        measure_catalogue=row["measure_catalogue"],
        early_removal=_early_removal(row["early_removal"]),
    )


def _statement(s: dict[str, str]) -> lists_pb2.Statement:
    return lists_pb2.Statement(
        text=s["text"],
        evidence=s["evidence"],
        submitted_by=s["submitted_by"],
        submitted_at=convert.to_timestamp(dt.datetime.fromisoformat(s["submitted_at"])),
    )


def _early_removal(a: dict[str, str] | None) -> lists_pb2.EarlyRemovalApplication | None:
    if not a:
        return None
    message = lists_pb2.EarlyRemovalApplication(
        obligations_performed=a["obligations_performed"],
        harm_eliminated=a["harm_eliminated"],
        evidence=a["evidence"],
        applied_at=convert.to_timestamp(dt.datetime.fromisoformat(a["applied_at"])),
        decision=lists_pb2.RemovalDecision.Value(a.get("decision") or "REMOVAL_DECISION_UNSPECIFIED"),
        decision_reason=a.get("decision_reason", ""),
    )
    if a.get("decided_at"):
        message.decided_at.CopyFrom(convert.to_timestamp(dt.datetime.fromisoformat(a["decided_at"])))
    return message


def rule_set(row: asyncpg.Record) -> rule_sets_pb2.RuleSet:
    return rule_sets_pb2.RuleSet(
        id=row["id"],
        kind=rule_sets_pb2.RuleSetKind.Value(f"RULE_SET_KIND_{row['kind'].upper()}"),
        region=row["region"],
        effective_from=convert.to_date(row["effective_from"]),
        effective_to=convert.opt_date(row["effective_to"]),
        citation=row["citation"],
        document=json.dumps(row["rules"], ensure_ascii=False, indent=2),
        loaded_at=convert.to_timestamp(row["loaded_at"]),
        loaded_by=row["loaded_by"],
    )


def catalogue(chosen: RuleSet) -> pb.ListMeasureCatalogueResponse:
    return pb.ListMeasureCatalogueResponse(
        rule_set=chosen.id,
        citation=chosen.citation,
        measures=[measure(m) for m in measures.catalogue(chosen)],
    )
