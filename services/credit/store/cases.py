"""Repair applications (信用修复) and objections (异议): cases decided against a deadline.

Both tables share the deadline columns and the reviewer's queue; the table name comes from this
module's constants, never from a request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from services.credit.domain.cases import Case, Objection, RepairApplication
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed

C = TypeVar("C", bound=Case)


def repair_of(row: Row) -> RepairApplication:
    return typed(RepairApplication, row, case_id=row["application_id"], evidence=tuple(row["evidence"]))


def objection_of(row: Row) -> Objection:
    return typed(Objection, row, case_id=row["objection_id"], evidence=tuple(row["evidence"]))


@dataclass(frozen=True)
class Table(Generic[C]):
    """A case table: its name, its key column, and how one of its rows reads."""

    name: str
    key: str
    of: Callable[[Row], C]


REPAIR: Table[RepairApplication] = Table("repair_application", "application_id", repair_of)
OBJECTION: Table[Objection] = Table("objection", "objection_id", objection_of)


async def insert(conn: Connection, table: Table[C], values: dict[str, Any]) -> C | None:
    """None when a pending case on the same record exists already."""
    columns = [table.key, *values]
    params = ", ".join(f"${i + 1}" for i in range(len(columns)))
    row = await conn.fetchrow(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({params})"  # noqa: S608
        " ON CONFLICT DO NOTHING RETURNING *",
        uuid.uuid4(),
        *values.values(),
    )
    return table.of(row) if row else None


async def get(conn: Executor, table: Table[C], case_id: uuid.UUID, *, lock: bool = False) -> C | None:
    query = for_update(f"SELECT * FROM {table.name} WHERE {table.key} = $1", lock)  # noqa: S608
    return await one_or_none(conn, table.of, query, case_id)


async def update(conn: Connection, table: Table[C], case_id: uuid.UUID, changes: dict[str, Any]) -> C:
    assignments = ", ".join(f"{column} = ${i + 2}" for i, column in enumerate(changes))
    row = await conn.fetchrow(
        f"UPDATE {table.name} SET {assignments} WHERE {table.key} = $1 RETURNING *",  # noqa: S608
        case_id,
        *changes.values(),
    )
    return table.of(one(row))


async def queue(
    conn: Executor,
    table: Table[C],
    department: str,
    *,
    status: str | None,
    after: tuple[dt.date, uuid.UUID] | None,
    size: int,
) -> list[C]:
    """The department's cases, earliest deadline first (keyset pagination)."""
    name, key = table.name, table.key
    start, last = after or (dt.date.min, uuid.UUID(int=0))
    rows = await conn.fetch(
        f"SELECT * FROM {name} WHERE department = $1 AND ($2::text IS NULL OR status = $2)"  # noqa: S608
        f" AND (due_date, {key}) > ($3, $4) ORDER BY due_date, {key} LIMIT $5",
        department,
        status,
        start,
        last,
        size,
    )
    return [table.of(r) for r in rows]
