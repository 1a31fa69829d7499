"""Local projections of the credit service's grades and priority supervision.

Both events carry a per-subject version; a projection keeps the highest version it saw, so
events applied late or twice never roll a subject back.
"""

from __future__ import annotations

import datetime as dt

from services.kernel.db import Connection, Executor


async def put_grade(conn: Connection, code: str, grade: int, version: int, at: dt.datetime) -> bool:
    applied = await conn.fetchval(
        "INSERT INTO credit_grade AS g VALUES ($1, $2, $3, $4) ON CONFLICT (subject_code) DO UPDATE"
        " SET grade = excluded.grade, version = excluded.version, changed_at = excluded.changed_at"
        " WHERE excluded.version > g.version RETURNING true",
        code,
        grade,
        version,
        at,
    )
    return bool(applied)


async def put_priority(conn: Connection, code: str, priority: bool, version: int, at: dt.datetime) -> bool:
    applied = await conn.fetchval(
        "INSERT INTO credit_priority AS p VALUES ($1, $2, $3, $4) ON CONFLICT (subject_code) DO UPDATE"
        " SET priority = excluded.priority, version = excluded.version, changed_at = excluded.changed_at"
        " WHERE excluded.version > p.version RETURNING true",
        code,
        priority,
        version,
        at,
    )
    return bool(applied)


async def view_of(conn: Executor, code: str) -> tuple[int | None, bool]:
    """(grade or None when never graded, under priority supervision)."""
    row = await conn.fetchrow(
        "SELECT (SELECT grade FROM credit_grade WHERE subject_code = $1) AS grade,"
        " coalesce((SELECT priority FROM credit_priority WHERE subject_code = $1), false) AS priority",
        code,
    )
    return (row["grade"], row["priority"]) if row else (None, False)
