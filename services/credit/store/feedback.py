"""Departments' reports that they applied a punishment measure (反馈)."""

from __future__ import annotations

import datetime as dt
import uuid

from services.credit.domain.measures import Feedback, Report
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, typed


def feedback_of(row: Row) -> Feedback:
    return typed(Feedback, row)


async def insert(conn: Connection, report: Report, now: dt.datetime) -> Feedback:
    row = await conn.fetchrow(
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
    return feedback_of(one(row))


async def of_subject(conn: Executor, code: str) -> list[Feedback]:
    rows = await conn.fetch(
        "SELECT * FROM measure_feedback WHERE subject_code = $1 ORDER BY reported_at", code
    )
    return [feedback_of(r) for r in rows]
