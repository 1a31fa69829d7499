"""Task and assistance rows as protobuf messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import asyncpg
from google.protobuf.json_format import ParseDict

from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.clock import china_date


def identity(row: asyncpg.Record) -> dict[str, Any]:
    """The fields every message about a task shares: the task, its commitment, subject and item."""
    return {
        "task_id": str(row["task_id"]),
        "commitment_id": str(row["commitment_id"]),
        "commitment_code": row["commitment_code"],
        "subject": subject_of(row["subject_kind"], row["subject_code"]),
        "subject_name": row["subject_name"],
        "item_id": str(row["item_id"]),
        "item_name": row["item_name"],
    }


def task(row: asyncpg.Record, today: dt.date, extensions: Sequence[asyncpg.Record] = ()) -> pb.Task:
    message = pb.Task(
        **identity(row),
        item_version=row["item_version"],
        department=row["department"],
        method=row["method"],
        standard=row["standard"],
        time_limit_working_days=row["time_limit_days"],
        base_date=convert.to_date(row["base_date"]),
        due_date=convert.to_date(row["due_date"]),
        due_date_provisional=row["due_provisional"],
        status=pb.TaskStatus.Value(row["status"]),
        outcome=pb.Outcome.Value(row["outcome"]),
        findings=row["findings"],
        measures=[measure(m) for m in row["measures"]],
        decision_date=convert.opt_date(row["decision_date"]),
        safety_related=row["safety_related"],
        inspectors=[_inspector(i) for i in row["inspectors"]],
        extended_working_days=row["extended_days"],
        evidence_refs=row["evidence_refs"],
        cancel_reason=row["cancel_reason"],
        overdue=row["status"] == "TASK_STATUS_OPEN" and row["due_date"] < today,
        push_deadline=convert.opt_date(row["push_deadline"]),
        publication_deadline=convert.opt_date(row["publication_deadline"]),
        publication_deadline_provisional=row["publication_provisional"],
        decision_publication_deadline=convert.opt_date(row["decision_publication_deadline"]),
        publication_rule_set=row["publication_rule_set"],
        concluded_by=row["concluded_by"] or "",
        extensions=[_extension(e) for e in extensions],
        joint_inspection_id=str(row["joint_id"] or ""),
        draw_id=str(row["draw_id"] or ""),
        rectification=rectification(row["rectification"]) if row["rectification"] else None,
    )
    message.created_at.FromDatetime(row["created_at"])
    if row["concluded_at"]:
        message.concluded_at.FromDatetime(row["concluded_at"])
    return message


def rectification(stored: dict[str, Any]) -> pb.Rectification:
    message = pb.Rectification(
        completed_on=convert.to_date(dt.date.fromisoformat(stored["completed_on"])),
        in_time=stored["in_time"],
        harm_caused=stored["harm_caused"],
        assessment=stored["assessment"],
        evidence_refs=stored["evidence_refs"],
        deadline=convert.to_date(dt.date.fromisoformat(stored["deadline"])),
        recorded_by=stored["recorded_by"],
    )
    message.recorded_at.FromDatetime(dt.datetime.fromisoformat(stored["recorded_at"]))
    return message


def measure(stored: dict[str, Any]) -> pb.Measure:
    return ParseDict(stored, pb.Measure(), ignore_unknown_fields=True)


def _inspector(stored: dict[str, Any]) -> pb.AssignedInspector:
    return pb.AssignedInspector(
        certificate_number=stored["number"],
        name=stored["name"],
        assigned_at=convert.to_timestamp(dt.datetime.fromisoformat(stored["at"])),
    )


def _extension(row: asyncpg.Record) -> pb.DeadlineExtension:
    return pb.DeadlineExtension(
        working_days=row["working_days"],
        reason=row["reason"],
        approved_by=row["approved_by"],
        due_before=convert.to_date(row["due_before"]),
        due_after=convert.to_date(row["due_after"]),
        approved_at=convert.to_timestamp(row["approved_at"]),
    )


def assistance(row: asyncpg.Record, today: dt.date) -> pb.Assistance:
    pending = row["status"] == "ASSISTANCE_STATUS_PENDING"
    message = pb.Assistance(
        assistance_id=str(row["assistance_id"]),
        task_id=str(row["task_id"]),
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        from_department=row["from_department"],
        to_department=row["to_department"],
        question=row["question"],
        answer_by=convert.to_date(row["answer_by"]),
        status=pb.AssistanceStatus.Value(row["status"]),
        finding=pb.AssistanceFinding.Value(row["finding"]),
        answer=row["answer"],
        evidence_refs=row["evidence_refs"],
        requested_by=row["requested_by"],
        requested_at=convert.to_timestamp(row["requested_at"]),
        answered_by=row["answered_by"],
        overdue=pending and row["answer_by"] < today,
    )
    if row["answered_at"]:
        message.answered_at.FromDatetime(row["answered_at"])
        message.late = china_date(row["answered_at"]) > row["answer_by"]
    return message
