"""SQL of the verification service."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from google.protobuf.json_format import MessageToDict, ParseDict

from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.db import Connection, Executor, one


@dataclass(frozen=True)
class NewTask:
    commitment_id: str
    commitment_code: str
    subject_kind: str
    subject_code: str
    subject_name: str
    item_id: str
    item_version: int
    item_name: str
    department: str
    region_code: str
    method: str
    standard: str
    time_limit_days: int
    base_date: dt.date
    due_date: dt.date
    due_provisional: bool


async def insert_task(conn: Connection, task: NewTask, now: dt.datetime) -> uuid.UUID | None:
    """Create the task of a commitment once; None if it already has one."""
    task_id = uuid.uuid4()
    created = await conn.fetchval(
        "INSERT INTO task (task_id, commitment_id, commitment_code, subject_kind, subject_code,"
        " subject_name, item_id, item_version, item_name, department, region_code, method, standard,"
        " time_limit_days, base_date, due_date, due_provisional, status, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        " 'TASK_STATUS_OPEN', $18) ON CONFLICT (commitment_id) DO NOTHING RETURNING true",
        task_id,
        uuid.UUID(task.commitment_id),
        task.commitment_code,
        task.subject_kind,
        task.subject_code,
        task.subject_name,
        uuid.UUID(task.item_id),
        task.item_version,
        task.item_name,
        task.department,
        task.region_code,
        task.method,
        task.standard,
        task.time_limit_days,
        task.base_date,
        task.due_date,
        task.due_provisional,
        now,
    )
    return task_id if created else None


async def get_task(conn: Executor, task_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow("SELECT * FROM task WHERE task_id = $1" + suffix, task_id)  # noqa: S608


async def list_tasks(
    conn: asyncpg.Pool,
    department: str,
    status: str | None,
    after: tuple[dt.date, uuid.UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM task WHERE department = $1 AND ($2::text IS NULL OR status = $2)"
        " AND ($3::date IS NULL OR (due_date, task_id) > ($3, $4))"
        " ORDER BY due_date, task_id LIMIT $5",
        department,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def conclude(
    conn: Connection,
    task_id: uuid.UUID,
    *,
    request: pb.ConcludeTaskRequest,
    decided: dt.date,
    by: str,
    now: dt.datetime,
) -> asyncpg.Record:
    measures = [MessageToDict(m, preserving_proto_field_name=True) for m in request.measures]
    return one(
        await conn.fetchrow(
            "UPDATE task SET status = 'TASK_STATUS_CONCLUDED', outcome = $2, findings = $3, measures = $4,"
            " decision_date = $5, concluded_at = $6, concluded_by = $7 WHERE task_id = $1 RETURNING *",
            task_id,
            pb.Outcome.Name(request.outcome),
            request.findings.strip(),
            measures,
            decided,
            now,
            by,
        )
    )


def to_proto(row: asyncpg.Record) -> pb.Task:
    task = pb.Task(
        task_id=str(row["task_id"]),
        commitment_id=str(row["commitment_id"]),
        commitment_code=row["commitment_code"],
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        item_id=str(row["item_id"]),
        item_version=row["item_version"],
        department=row["department"],
        method=row["method"],
        due_date=convert.to_date(row["due_date"]),
        due_date_provisional=row["due_provisional"],
        status=pb.TaskStatus.Value(row["status"]),
        outcome=pb.Outcome.Value(row["outcome"]),
        findings=row["findings"],
        measures=[_measure(m) for m in row["measures"]],
        decision_date=convert.opt_date(row["decision_date"]),
    )
    task.created_at.FromDatetime(row["created_at"])
    return task


def _measure(stored: dict[str, Any]) -> pb.Measure:
    return ParseDict(stored, pb.Measure(), ignore_unknown_fields=True)
