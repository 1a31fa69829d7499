"""SQL of annual inspection plans (年度检查计划)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed
from services.verification.domain.annual_plans import DRAFT, PUBLISHED, Entry


@dataclass(frozen=True, slots=True)
class AnnualPlan:
    """A plan (a row of `annual_plan`)."""

    annual_plan_id: uuid.UUID
    department: str
    year: int
    name: str
    status: str
    revision: int
    entries: tuple[Entry, ...]
    rule_set: str
    published_on: dt.date | None
    report_due: dt.date | None
    report_due_provisional: bool
    published_by: str
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Publication:
    on: dt.date
    report_due: dt.date
    provisional: bool
    rule_set: str
    by: str


def _plan(row: Row) -> AnnualPlan:
    return typed(AnnualPlan, row, entries=tuple(Entry.of_json(e) for e in row["entries"]))


async def get(conn: Executor, plan_id: uuid.UUID, *, lock: bool = False) -> AnnualPlan | None:
    query = for_update("SELECT * FROM annual_plan WHERE annual_plan_id = $1", lock)
    return await one_or_none(conn, _plan, query, plan_id)


async def of_year(conn: Executor, department: str, year: int) -> AnnualPlan | None:
    return await one_or_none(
        conn, _plan, "SELECT * FROM annual_plan WHERE department = $1 AND year = $2", department, year
    )


async def insert(
    conn: Connection,
    department: str,
    year: int,
    name: str,
    entries: Sequence[Entry],
    *,
    by: str,
    now: dt.datetime,
) -> AnnualPlan | None:
    """The new draft, or None when the department has a plan for the year already."""
    row = await conn.fetchrow(
        "INSERT INTO annual_plan (annual_plan_id, department, year, name, status, revision, entries,"
        " created_by, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)"
        " ON CONFLICT (department, year) DO NOTHING RETURNING *",
        uuid.uuid4(),
        department,
        year,
        name.strip(),
        DRAFT,
        [e.as_json() for e in entries],
        by,
        now,
    )
    return _plan(row) if row else None


async def revise(conn: Connection, plan_id: uuid.UUID, name: str, entries: Sequence[Entry]) -> AnnualPlan:
    row = await conn.fetchrow(
        "UPDATE annual_plan SET name = $2, entries = $3, revision = revision + 1"
        " WHERE annual_plan_id = $1 RETURNING *",
        plan_id,
        name.strip(),
        [e.as_json() for e in entries],
    )
    return _plan(one(row))


async def publish(conn: Connection, plan_id: uuid.UUID, p: Publication) -> AnnualPlan:
    row = await conn.fetchrow(
        "UPDATE annual_plan SET status = $2, published_on = $3, report_due = $4,"
        " report_due_provisional = $5, rule_set = $6, published_by = $7, revision = revision + 1"
        " WHERE annual_plan_id = $1 RETURNING *",
        plan_id,
        PUBLISHED,
        p.on,
        p.report_due,
        p.provisional,
        p.rule_set,
        p.by,
    )
    return _plan(one(row))


async def listing(
    conn: Executor, department: str, year: int, after: tuple[int, uuid.UUID] | None, limit: int
) -> list[AnnualPlan]:
    """The department's plans (of `year` unless 0), latest year first."""
    rows = await conn.fetch(
        "SELECT * FROM annual_plan WHERE department = $1 AND ($2 = 0 OR year = $2)"
        " AND ($3::integer IS NULL OR (year, annual_plan_id) < ($3, $4::uuid))"
        " ORDER BY year DESC, annual_plan_id DESC LIMIT $5",
        department,
        year,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_plan(r) for r in rows]
