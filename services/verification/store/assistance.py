"""SQL of 部门间协查: checks one department asks of another for a task."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from services.kernel.db import Connection, Executor, one

PENDING = "ASSISTANCE_STATUS_PENDING"


async def insert(conn: Connection, a: dict[str, Any]) -> asyncpg.Record:
    return one(
        await conn.fetchrow(
            "INSERT INTO assistance (assistance_id, task_id, subject_kind, subject_code, subject_name,"
            " from_department, to_department, question, answer_by, status, requested_by, requested_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ASSISTANCE_STATUS_PENDING', $10, $11)"
            " RETURNING *",
            uuid.uuid4(),
            a["task_id"],
            a["subject_kind"],
            a["subject_code"],
            a["subject_name"],
            a["from_department"],
            a["to_department"],
            a["question"],
            a["answer_by"],
            a["requested_by"],
            a["requested_at"],
        )
    )


async def get(conn: Executor, assistance_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow("SELECT * FROM assistance WHERE assistance_id = $1" + suffix, assistance_id)  # noqa: S608


async def answer(conn: Connection, assistance_id: uuid.UUID, a: dict[str, Any]) -> asyncpg.Record:
    return one(
        await conn.fetchrow(
            "UPDATE assistance SET status = 'ASSISTANCE_STATUS_ANSWERED', finding = $2, answer = $3,"
            " evidence_refs = $4, answered_by = $5, answered_at = $6 WHERE assistance_id = $1 RETURNING *",
            assistance_id,
            a["finding"],
            a["answer"],
            a["evidence_refs"],
            a["answered_by"],
            a["answered_at"],
        )
    )


async def listing(
    conn: Executor,
    *,
    incoming: bool,
    department: str,
    status: str | None,
    after: tuple[dt.date, uuid.UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    column = "to_department" if incoming else "from_department"
    return await conn.fetch(
        f"SELECT * FROM assistance WHERE {column} = $1 AND ($2::text IS NULL OR status = $2)"  # noqa: S608
        " AND ($3::date IS NULL OR (answer_by, assistance_id) > ($3, $4))"
        " ORDER BY answer_by, assistance_id LIMIT $5",
        department,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def department_exists(conn: Executor, code: str) -> bool:
    return bool(await conn.fetchval("SELECT true FROM department WHERE code = $1", code))
