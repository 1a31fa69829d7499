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
    overdue: tuple[str, dt.date] | None = None,  # (the pending status, today): only cases past due
) -> list[C]:
    """The department's cases, earliest deadline first (keyset pagination)."""
    name, key = table.name, table.key
    start, last = after or (dt.date.min, uuid.UUID(int=0))
    pending, today = overdue or (None, None)
    rows = await conn.fetch(
        f"SELECT * FROM {name} WHERE department = $1 AND ($2::text IS NULL OR status = $2)"  # noqa: S608
        f" AND (due_date, {key}) > ($3, $4)"
        " AND ($6::text IS NULL OR (status = $6 AND due_date < $7))"
        f" ORDER BY due_date, {key} LIMIT $5",
        department,
        status,
        start,
        last,
        size,
        pending,
        today,
    )
    return [table.of(r) for r in rows]


async def overdue_count(
    conn: Executor, table: Table[C], department: str, pending: str, today: dt.date
) -> tuple[int, int]:
    """(overdue, pending) cases of the department: pending ones whose due date is before today."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE due_date < $3) AS overdue, count(*) AS pending"  # noqa: S608
        f" FROM {table.name} WHERE department = $1 AND status = $2",
        department,
        pending,
        today,
    )
    counted = one(row)  # an aggregate always returns its row
    return int(counted["overdue"]), int(counted["pending"])


async def claim_newly_overdue(
    conn: Connection, table: Table[C], pending: str, today: dt.date, limit: int
) -> list[C]:
    """Pending cases past their due date not announced for that due date yet; replicas skip each
    other's rows."""
    name, key = table.name, table.key
    rows = await conn.fetch(
        f"UPDATE {name} SET overdue_notified_for = due_date WHERE {key} IN ("  # noqa: S608
        f" SELECT {key} FROM {name} WHERE status = $1 AND due_date < $2"
        " AND overdue_notified_for IS DISTINCT FROM due_date"
        f" ORDER BY due_date, {key} LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *",
        pending,
        today,
        limit,
    )
    return sorted((table.of(r) for r in rows), key=lambda c: (c.due_date, str(c.case_id)))


async def of_records(conn: Executor, table: Table[C], record_ids: list[uuid.UUID]) -> list[C]:
    """Every case on the records, oldest deadline first."""
    rows = await conn.fetch(
        f"SELECT * FROM {table.name} WHERE record_id = ANY($1) ORDER BY due_date, {table.key}",  # noqa: S608
        record_ids,
    )
    return [table.of(r) for r in rows]
