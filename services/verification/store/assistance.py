"""SQL of 部门间协查: checks one department asks of another for a task."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import for_update, one_or_none


@dataclass(frozen=True, slots=True)
class Request:
    """What asking another department stores."""

    task_id: uuid.UUID
    subject_kind: str
    subject_code: str
    subject_name: str
    from_department: str
    to_department: str
    question: str
    answer_by: dt.date
    requested_by: str
    requested_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Answer:
    """What answering stores."""

    finding: str
    answer: str
    evidence_refs: list[str]
    answered_by: str
    answered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Assistance(Request):
    """A request for assistance with its state and answer (a row of `assistance`)."""

    assistance_id: uuid.UUID
    status: str
    finding: str
    answer: str
    evidence_refs: tuple[str, ...]
    answered_by: str
    answered_at: dt.datetime | None


def _assistance(row: asyncpg.Record) -> Assistance:
    fields = {k: v for k, v in row.items() if k != "overdue_notified_for"}  # the job's bookkeeping
    return Assistance(**{**fields, "evidence_refs": tuple(row["evidence_refs"])})


async def insert(conn: Connection, a: Request) -> Assistance:
    row = await conn.fetchrow(
        "INSERT INTO assistance (assistance_id, task_id, subject_kind, subject_code, subject_name,"
        " from_department, to_department, question, answer_by, status, requested_by, requested_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ASSISTANCE_STATUS_PENDING', $10, $11)"
        " RETURNING *",
        uuid.uuid4(),
        a.task_id,
        a.subject_kind,
        a.subject_code,
        a.subject_name,
        a.from_department,
        a.to_department,
        a.question,
        a.answer_by,
        a.requested_by,
        a.requested_at,
    )
    return _assistance(one(row))


async def get(conn: Executor, assistance_id: uuid.UUID, *, lock: bool = False) -> Assistance | None:
    query = for_update("SELECT * FROM assistance WHERE assistance_id = $1", lock)
    return await one_or_none(conn, _assistance, query, assistance_id)


async def answer(conn: Connection, assistance_id: uuid.UUID, a: Answer) -> Assistance:
    row = await conn.fetchrow(
        "UPDATE assistance SET status = 'ASSISTANCE_STATUS_ANSWERED', finding = $2, answer = $3,"
        " evidence_refs = $4, answered_by = $5, answered_at = $6 WHERE assistance_id = $1 RETURNING *",
        assistance_id,
        a.finding,
        a.answer,
        a.evidence_refs,
        a.answered_by,
        a.answered_at,
    )
    return _assistance(one(row))


async def listing(
    conn: Executor,
    *,
    incoming: bool,
    department: str,
    status: str | None,
    after: tuple[dt.date, uuid.UUID] | None,
    limit: int,
    overdue_on: dt.date | None = None,  # only pending requests to answer before this date
) -> list[Assistance]:
    column = "to_department" if incoming else "from_department"
    rows = await conn.fetch(
        f"SELECT * FROM assistance WHERE {column} = $1 AND ($2::text IS NULL OR status = $2)"  # noqa: S608
        " AND ($3::date IS NULL OR (answer_by, assistance_id) > ($3, $4))"
        " AND ($6::date IS NULL OR (status = 'ASSISTANCE_STATUS_PENDING' AND answer_by < $6))"
        " ORDER BY answer_by, assistance_id LIMIT $5",
        department,
        status,
        *(after or (None, None)),
        limit,
        overdue_on,
    )
    return [_assistance(r) for r in rows]


async def department_exists(conn: Executor, code: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM department WHERE code = $1", code))


async def overdue_counts(
    conn: Executor, departments: Sequence[str], today: dt.date
) -> dict[str, tuple[int, int]]:
    """(overdue, pending) requests by asked department, for the departments asked something."""
    rows = await conn.fetch(
        "SELECT to_department, count(*) FILTER (WHERE answer_by < $2) AS overdue, count(*) AS pending"
        " FROM assistance WHERE status = 'ASSISTANCE_STATUS_PENDING' AND to_department = ANY($1)"
        " GROUP BY to_department ORDER BY to_department",
        list(departments),
        today,
    )
    return {r["to_department"]: (r["overdue"], r["pending"]) for r in rows}


async def claim_newly_overdue(conn: Connection, today: dt.date, limit: int) -> list[Assistance]:
    """Pending requests past their answer_by date not announced yet; replicas skip each other's rows."""
    rows = await conn.fetch(
        "UPDATE assistance SET overdue_notified_for = answer_by WHERE assistance_id IN ("
        " SELECT assistance_id FROM assistance WHERE status = 'ASSISTANCE_STATUS_PENDING' AND answer_by < $1"
        " AND overdue_notified_for IS DISTINCT FROM answer_by"
        " ORDER BY answer_by LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING *",
        today,
        limit,
    )
    return [_assistance(r) for r in rows]
