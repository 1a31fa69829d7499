"""Repair applications (信用修复) and objections (异议): cases decided against a deadline.

Both tables share the deadline columns and the reviewer's queue; the table name comes from this
module's constants, never from a request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from services.kernel.db import Connection, Executor, one

REPAIR = ("repair_application", "application_id")
OBJECTION = ("objection", "objection_id")
Table = tuple[str, str]


async def insert(conn: Connection, table: Table, values: dict[str, Any]) -> asyncpg.Record | None:
    """None when a pending case on the same record exists already."""
    name, key = table
    columns = [key, *values]
    params = ", ".join(f"${i + 1}" for i in range(len(columns)))
    return await conn.fetchrow(
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({params})"  # noqa: S608
        " ON CONFLICT DO NOTHING RETURNING *",
        uuid.uuid4(),
        *values.values(),
    )


async def get(
    conn: Executor, table: Table, case_id: uuid.UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    name, key = table
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(f"SELECT * FROM {name} WHERE {key} = $1{suffix}", case_id)  # noqa: S608


async def update(
    conn: Connection, table: Table, case_id: uuid.UUID, changes: dict[str, Any]
) -> asyncpg.Record:
    name, key = table
    assignments = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(changes))
    return one(
        await conn.fetchrow(
            f"UPDATE {name} SET {assignments} WHERE {key} = $1 RETURNING *",  # noqa: S608
            case_id,
            *changes.values(),
        )
    )


async def queue(
    conn: Executor,
    table: Table,
    department: str,
    *,
    status: str | None,
    after: tuple[dt.date, uuid.UUID] | None,
    size: int,
) -> list[asyncpg.Record]:
    """The department's cases, earliest deadline first (keyset pagination)."""
    name, key = table
    start, last = after or (dt.date.min, uuid.UUID(int=0))
    return await conn.fetch(
        f"SELECT * FROM {name} WHERE department = $1 AND ($2::text IS NULL OR status = $2)"  # noqa: S608
        f" AND (due_date, {key}) > ($3, $4) ORDER BY due_date, {key} LIMIT $5",
        department,
        status,
        start,
        last,
        size,
    )
