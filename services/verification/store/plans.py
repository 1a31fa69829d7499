"""SQL of random-inspection plans."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import for_update, one_or_none
from services.verification.domain.plans import CheckItem, Filter, PlanDraft


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan (a row of `plan`)."""

    plan_id: uuid.UUID
    name: str
    owner_department: str
    departments: list[str]
    check_items: list[CheckItem]
    filter: Filter
    ratios_bp: list[int]  # basis points for grades A, B, C, D
    team_size: int
    domain: str
    window_start: dt.date
    window_end: dt.date
    rule_set: str
    status: str
    draw_id: uuid.UUID | None
    created_by: str
    created_at: dt.datetime
    annual_plan_id: uuid.UUID | None = None


def _plan(row: asyncpg.Record) -> Plan:
    return Plan(
        **{
            **row,
            "check_items": [CheckItem.of_json(i) for i in row["check_items"]],
            "filter": Filter.of_json(row["filter"]),
        }
    )


async def insert(conn: Connection, plan: PlanDraft, by: str, now: dt.datetime) -> Plan:
    row = await conn.fetchrow(
        "INSERT INTO plan (plan_id, name, owner_department, departments, check_items, filter, ratios_bp,"
        " team_size, domain, window_start, window_end, rule_set, status, created_by, created_at,"
        " annual_plan_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'PLAN_STATUS_READY', $13, $14,"
        " $15)"
        " RETURNING *",
        uuid.uuid4(),
        plan.name,
        plan.owner,
        plan.departments,
        [i.as_json() for i in plan.check_items],
        plan.filter.as_json(),
        plan.ratios_bp,
        plan.team_size,
        plan.domain,
        plan.window_start,
        plan.window_end,
        plan.rule_set,
        by,
        now,
        plan.annual_plan_id,
    )
    return _plan(one(row))


async def get(conn: Executor, plan_id: uuid.UUID, *, lock: bool = False) -> Plan | None:
    query = for_update("SELECT * FROM plan WHERE plan_id = $1", lock)
    return await one_or_none(conn, _plan, query, plan_id)


async def listing(
    conn: Executor, department: str, after: tuple[dt.datetime, uuid.UUID] | None, limit: int
) -> list[Plan]:
    rows = await conn.fetch(
        "SELECT * FROM plan WHERE departments @> ARRAY[$1]"
        " AND ($2::timestamptz IS NULL OR (created_at, plan_id) > ($2, $3))"
        " ORDER BY created_at, plan_id LIMIT $4",
        department,
        *(after or (None, None)),
        limit,
    )
    return [_plan(r) for r in rows]


async def mark_drawn(conn: Connection, plan_id: uuid.UUID, draw_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE plan SET status = 'PLAN_STATUS_DRAWN', draw_id = $2 WHERE plan_id = $1", plan_id, draw_id
    )
