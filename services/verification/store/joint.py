"""SQL of joint inspections (综合查一次); the year's inspections are on the ledger (store/ledger.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection, Executor
from services.verification.domain.joint import DRAW, TASK, Inspection, Item, Joint
from services.verification.store import ledger

# Joint planning reads the year's inspections and then adds to them: one planner at a time.
PLANNING_LOCK = "chengnuo.verification.joint-planning"


@dataclass(frozen=True, slots=True)
class Planned:
    """A joint inspection as planned: its id, year and time, and the visit."""

    joint_id: uuid.UUID
    year: int
    planned_at: dt.datetime
    joint: Joint


async def lock_planning(conn: Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", PLANNING_LOCK)


async def earlier(
    conn: Connection, codes: Sequence[str], year: int, without: Sequence[tuple[str, str]] = ()
) -> list[Inspection]:
    """The year's inspections of these subjects on the ledger, but the visits of the items being
    planned (`without`: their (source, source id)); each named by the visit it counts as."""
    entries = await ledger.of_subjects(conn, codes, year, without=without)
    return [Inspection(e.subject_code, e.department, e.inspection_type, e.visit) for e in entries]


async def insert(conn: Connection, planned: Sequence[Planned], by: str) -> None:
    """Store the joints, their log entries, and mark the tasks and drawn subjects they merged."""
    if not planned:
        return
    await conn.execute(
        "INSERT INTO joint_inspection SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(joint_id uuid,"
        " subject_code text, subject_kind text, subject_name text, year integer, lead_department text,"
        " departments text[], items jsonb, visit_by date, certificate_numbers text[], planned_by text,"
        " planned_at timestamptz)",
        [_row(p, by) for p in planned],
    )
    for p in planned:
        j = p.joint
        entries = [(j.subject_code, d, t, p.year, j.visit_by) for d, t in j.log_entries()]
        sources = [(i.source, i.source_id) for i in j.items]
        await ledger.record_joint(conn, p.joint_id, entries, sources, p.planned_at)
    merged = [(p.joint_id, i) for p in planned for i in p.joint.items]
    tasks = [(joint_id, uuid.UUID(i.source_id)) for joint_id, i in merged if i.source == TASK]
    draws = {(joint_id, i.source_id) for joint_id, i in merged if i.source == DRAW}
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


def _row(p: Planned, by: str) -> dict[str, object]:
    j = p.joint
    items = [
        {"source": i.source, "id": i.source_id, "department": i.department, "type": i.inspection_type,
         "check_item": i.check_item}
        for i in j.items
    ]  # fmt: skip
    return {
        "joint_id": str(p.joint_id),
        "subject_code": j.subject_code,
        "subject_kind": j.subject_kind,
        "subject_name": j.subject_name,
        "year": p.year,
        "lead_department": j.lead_department,
        "departments": list(j.departments),
        "items": items,
        "visit_by": j.visit_by.isoformat(),
        "certificate_numbers": list(j.inspectors),
        "planned_by": by,
        "planned_at": p.planned_at.isoformat(),
    }


def _planned(row: asyncpg.Record) -> Planned:
    code, kind, name = row["subject_code"], row["subject_kind"], row["subject_name"]
    items = tuple(
        Item(i["source"], i["id"], code, kind, name, i["department"], i["type"], i["check_item"])
        for i in row["items"]
    )
    visit = Joint(
        subject_code=code,
        subject_kind=kind,
        subject_name=name,
        lead_department=row["lead_department"],
        departments=tuple(row["departments"]),
        items=items,
        visit_by=row["visit_by"],
        inspectors=tuple(row["certificate_numbers"]),
    )
    return Planned(row["joint_id"], row["year"], row["planned_at"], visit)


async def listing(
    conn: Executor, department: str, year: int, after: tuple[dt.datetime, uuid.UUID] | None, limit: int
) -> list[Planned]:
    rows = await conn.fetch(
        "SELECT * FROM joint_inspection WHERE year = $1 AND departments @> ARRAY[$2]"
        " AND ($3::timestamptz IS NULL OR (planned_at, joint_id) > ($3, $4))"
        " ORDER BY planned_at, joint_id LIMIT $5",
        year,
        department,
        *(after or (None, None)),
        limit,
    )
    return [_planned(r) for r in rows]
