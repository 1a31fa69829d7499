"""Local projections of the credit service's grades and priority supervision.

Both events carry a per-subject version; a projection keeps the highest version it saw, so
events applied late or twice never roll a subject back.
"""

from __future__ import annotations

import datetime as dt

from services.kernel.db import Connection, Executor


async def put_grade(conn: Connection, code: str, grade: int, version: int, at: dt.datetime) -> bool:
    return await _put(conn, "credit_grade", "grade", (code, grade, version, at))


async def put_priority(conn: Connection, code: str, priority: bool, version: int, at: dt.datetime) -> bool:
    return await _put(conn, "credit_priority", "priority", (code, priority, version, at))


async def _put(conn: Connection, table: str, column: str, row: tuple[object, ...]) -> bool:
    """Upsert (code, value, version, at) unless the stored version is as new or newer."""
    applied = await conn.fetchval(
        f"INSERT INTO {table} AS p VALUES ($1, $2, $3, $4) ON CONFLICT (subject_code) DO UPDATE"  # noqa: S608
        f" SET {column} = excluded.{column}, version = excluded.version, changed_at = excluded.changed_at"
        " WHERE excluded.version > p.version RETURNING true",
        *row,
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
