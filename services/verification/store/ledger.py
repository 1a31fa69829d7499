"""SQL of the inspection ledger (services/verification/domain/ledger.py): every path that plans
an inspection of a subject records it here, and the annual cap and the superior-department rule
read it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg

from services.kernel.db import Connection, Executor
from services.verification.domain.ledger import DRAW, JOINT, REGISTRATION, TASK, Entry, PoolExclusion

_COLUMNS = "origin, origin_id, subject_code, department, inspection_type, year, planned_on, visit"

# A subject is left out of a draw's pool (排除) when the ledger holds, this year, as many visits
# of one of the plan's capped types as the cap allows, or any inspection by a superior of a
# department of the plan's check items (of a type that rule applies to). $1 is the pool's
# subject code; $2 the year; $3 the capped types; $4 the cap; $5 the superiors; $6 their exempt types.
POOL_EXCLUDES = (
    "EXISTS (SELECT 1 FROM inspection_ledger l WHERE l.subject_code = {code} AND l.year = {year}"
    " AND l.cancelled_at IS NULL AND ("
    "  (l.inspection_type = ANY({types}) AND (SELECT count(DISTINCT m.visit) FROM inspection_ledger m"
    "   WHERE m.subject_code = l.subject_code AND m.year = l.year AND m.cancelled_at IS NULL"
    "   AND m.inspection_type = l.inspection_type) >= {cap})"
    "  OR (l.department = ANY({superiors}) AND NOT l.inspection_type = ANY({superior_exempt}))))"
)


def pool_arguments(exclusion: PoolExclusion) -> tuple[object, ...]:
    e = exclusion
    return (e.year, list(e.capped_types), e.cap, list(e.superiors), list(e.superior_exempt_types))


def _entry(row: asyncpg.Record) -> Entry:
    return Entry(**row)


async def of_subject(
    conn: Executor, code: str, year: int, *, without: Sequence[tuple[str, str]] = ()
) -> list[Entry]:
    """The subject's inspections of the year that count (not cancelled)."""
    return await of_subjects(conn, [code], year, without=without)


async def of_subjects(
    conn: Executor, codes: Sequence[str], year: int, *, without: Sequence[tuple[str, str]] = ()
) -> list[Entry]:
    """The inspections of the year that count, of these subjects; `without`: (origin, origin id)
    of inspections being planned now, whose visits are not earlier ones."""
    origins, ids = (list(x) for x in zip(*without, strict=True)) if without else ([], [])
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM inspection_ledger l"  # noqa: S608
        " WHERE l.subject_code = ANY($1) AND l.year = $2 AND l.cancelled_at IS NULL"
        " AND l.visit NOT IN (SELECT x.visit FROM inspection_ledger x"
        "  JOIN unnest($3::text[], $4::text[]) AS c(origin, id)"
        "  ON x.origin = c.origin AND x.origin_id = c.id)"
        " ORDER BY l.planned_on, l.visit, l.origin, l.origin_id",
        list(codes),
        year,
        origins,
        ids,
    )
    return [_entry(r) for r in rows]


async def record_draw(conn: Connection, draw_id: uuid.UUID, plan_id: uuid.UUID, now: dt.datetime) -> int:
    """Every drawn subject, once per department and type of the plan's check items."""
    result = await conn.execute(
        "INSERT INTO inspection_ledger"
        " SELECT DISTINCT $3, r.draw_id || '/' || r.position, i->>'department', i->>'type', r.subject_code,"
        " extract(year FROM p.window_start)::integer, p.window_end,"
        " 'draw/' || r.draw_id || '/' || r.position, $4::timestamptz, NULL::timestamptz"
        " FROM draw_result r, plan p, jsonb_array_elements(p.check_items) AS i"
        " WHERE r.draw_id = $1 AND p.plan_id = $2 ON CONFLICT DO NOTHING",
        draw_id,
        plan_id,
        DRAW,
        now,
    )
    return int(result.split()[-1])


async def record_tasks(conn: Connection, task_ids: Sequence[uuid.UUID], now: dt.datetime) -> None:
    """The tasks checked on site (ON_SITE); a drawn commitment's task is the draw's visit."""
    await conn.execute(
        "INSERT INTO inspection_ledger"
        " SELECT $2, t.task_id::text, t.department, t.inspection_type, t.subject_code,"
        " extract(year FROM t.due_date)::integer, t.due_date,"
        " CASE WHEN r.position IS NULL THEN 'task/' || t.task_id"
        "  ELSE 'draw/' || r.draw_id || '/' || r.position END, $3::timestamptz, NULL::timestamptz"
        " FROM task t LEFT JOIN draw_result r ON r.draw_id = t.draw_id AND r.subject_code = t.subject_code"
        " WHERE t.task_id = ANY($1) AND t.method = 'ON_SITE' ON CONFLICT DO NOTHING",
        list(task_ids),
        TASK,
        now,
    )


async def move_tasks(conn: Connection, moves: Sequence[tuple[uuid.UUID, dt.date]]) -> None:
    """Tasks whose deadline moved (an extension, an official calendar that arrived): the ledger
    follows the date the visit is due by."""
    if moves:
        await conn.execute(
            "UPDATE inspection_ledger l SET planned_on = c.due, year = extract(year FROM c.due)::integer"
            " FROM unnest($1::text[], $2::date[]) AS c(id, due) WHERE l.origin = $3 AND l.origin_id = c.id",
            [str(t) for t, _ in moves],
            [d for _, d in moves],
            TASK,
        )


async def record_joint(
    conn: Connection,
    joint_id: uuid.UUID,
    entries: Sequence[tuple[str, str, str, int, dt.date]],
    merged: Sequence[tuple[str, str]],
    now: dt.datetime,
) -> None:
    """A joint inspection: `entries` (subject, department, type, year, visit date) it adds, and
    the (origin, origin id) of the tasks and drawn subjects it merged, which now count as it."""
    visit = f"joint/{joint_id}"
    await conn.executemany(
        "INSERT INTO inspection_ledger VALUES ($1, $2, $4, $5, $3, $6, $7, $8, $9, NULL)"
        " ON CONFLICT DO NOTHING",
        [(JOINT, str(joint_id), code, d, t, year, on, visit, now) for code, d, t, year, on in entries],
    )
    if merged:
        await conn.execute(
            "UPDATE inspection_ledger SET visit = $1 WHERE visit IN (SELECT l.visit FROM inspection_ledger l"
            " JOIN unnest($2::text[], $3::text[]) AS c(origin, id)"
            " ON l.origin = c.origin AND l.origin_id = c.id)",
            visit,
            *(list(x) for x in zip(*merged, strict=True)),
        )


async def record_registration(
    conn: Connection,
    registration_id: uuid.UUID,
    entry: tuple[str, str, str, dt.date],
    now: dt.datetime,
) -> None:
    """A registered inspection: (subject, department, type, planned date)."""
    code, department, kind, on = entry
    await conn.execute(
        "INSERT INTO inspection_ledger VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
        REGISTRATION,
        str(registration_id),
        department,
        kind,
        code,
        on.year,
        on,
        f"registration/{registration_id}",
        now,
    )


async def cancel(conn: Connection, origin: str, origin_ids: Sequence[str], now: dt.datetime) -> None:
    """Cancelled inspections no longer count."""
    if origin_ids:
        await conn.execute(
            "UPDATE inspection_ledger SET cancelled_at = $3"
            " WHERE origin = $1 AND origin_id = ANY($2) AND cancelled_at IS NULL",
            origin,
            list(origin_ids),
            now,
        )
