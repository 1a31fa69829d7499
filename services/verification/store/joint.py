"""SQL of joint inspections (综合查一次) and the year's inspection log."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import asyncpg

from services.kernel.db import Connection, Executor
from services.verification.domain.joint import Joint

# Joint planning reads the year's inspections and then adds to them: one planner at a time.
PLANNING_LOCK = "chengnuo.verification.joint-planning"


async def lock_planning(conn: Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", PLANNING_LOCK)


async def earlier(conn: Connection, codes: Sequence[str], year: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT subject_code, department, inspection_type, joint_id FROM inspection_log"
        " WHERE subject_code = ANY($1) AND year = $2",
        list(codes),
        year,
    )


async def insert(
    conn: Connection, planned: Sequence[tuple[uuid.UUID, Joint]], year: int, by: str, now: dt.datetime
) -> None:
    """Store the joints, their log entries, and mark the tasks and drawn subjects they merged."""
    if not planned:
        return
    await conn.execute(
        "INSERT INTO joint_inspection SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(joint_id uuid,"
        " subject_code text, subject_kind text, subject_name text, year integer, lead_department text,"
        " departments text[], items jsonb, visit_by date, certificate_numbers text[], planned_by text,"
        " planned_at timestamptz)",
        [_row(joint_id, j, year, by, now) for joint_id, j in planned],
    )
    log = [(j.subject_code, year, d, t, joint_id, now) for joint_id, j in planned for d, t in j.log_entries()]
    await conn.copy_records_to_table("inspection_log", records=log)
    tasks = [
        (joint_id, uuid.UUID(i.source_id)) for joint_id, j in planned for i in j.items if i.source == "TASK"
    ]
    draws = {(joint_id, i.source_id) for joint_id, j in planned for i in j.items if i.source == "DRAW"}
    if tasks:
        await conn.execute(
            "UPDATE task t SET joint_id = c.j FROM unnest($1::uuid[], $2::uuid[]) AS c(j, id)"
            " WHERE t.task_id = c.id",
            *zip(*tasks, strict=True),
        )
    if draws:
        ids = [(j, uuid.UUID(s.split("/")[0]), int(s.split("/")[1])) for j, s in draws]
        await conn.execute(
            "UPDATE draw_result r SET joint_id = c.j FROM unnest($1::uuid[], $2::uuid[], $3::bigint[])"
            " AS c(j, d, p) WHERE r.draw_id = c.d AND r.position = c.p",
            *zip(*ids, strict=True),
        )


def _row(joint_id: uuid.UUID, j: Joint, year: int, by: str, now: dt.datetime) -> dict[str, object]:
    items = [
        {"source": i.source, "id": i.source_id, "department": i.department, "type": i.inspection_type,
         "check_item": i.check_item}
        for i in j.items
    ]  # fmt: skip
    return {
        "joint_id": str(joint_id),
        "subject_code": j.subject_code,
        "subject_kind": j.subject_kind,
        "subject_name": j.subject_name,
        "year": year,
        "lead_department": j.lead_department,
        "departments": list(j.departments),
        "items": items,
        "visit_by": j.visit_by.isoformat(),
        "certificate_numbers": list(j.inspectors),
        "planned_by": by,
        "planned_at": now.isoformat(),
    }


async def listing(
    conn: Executor, department: str, year: int, after: tuple[dt.datetime, uuid.UUID] | None, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM joint_inspection WHERE year = $1 AND departments @> ARRAY[$2]"
        " AND ($3::timestamptz IS NULL OR (planned_at, joint_id) > ($3, $4))"
        " ORDER BY planned_at, joint_id LIMIT $5",
        year,
        department,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
