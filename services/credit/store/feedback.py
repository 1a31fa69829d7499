"""Departments' reports that they applied a punishment measure (反馈)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection, Executor, one


@dataclass(frozen=True)
class Report:
    subject_code: str
    measure_code: str
    source_id: uuid.UUID
    department: str
    applied_on: dt.date
    action: str
    reported_by: str


async def insert(conn: Connection, report: Report, now: dt.datetime) -> asyncpg.Record:
    return one(
        await conn.fetchrow(
            "INSERT INTO measure_feedback VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
            uuid.uuid4(),
            report.subject_code,
            report.measure_code,
            report.source_id,
            report.department,
            report.applied_on,
            report.action,
            report.reported_by,
            now,
        )
    )


async def of_subject(conn: Executor, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM measure_feedback WHERE subject_code = $1 ORDER BY reported_at", code
    )
