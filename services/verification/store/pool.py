"""SQL of the exempt commitments waiting in the random-inspection pool (免予核查 → 双随机).

An exempt item's commitment is verified only if a draw selects its subject: the draw turns
every pooled commitment of a drawn subject, in the plan's departments, into a task due by the
end of the plan's window and assigned to the team the draw gave that subject, when that team is
qualified for the supervision domain of the commitment's item.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection
from services.verification.store import ledger
from services.verification.store.tasks import NewTask

_DATED = ("base_date", "due_date", "due_provisional")


async def add(conn: Connection, task: NewTask, now: dt.datetime) -> bool:
    """Pool the commitment once; False if it is pooled already or was withdrawn meanwhile."""
    waiting = {k: v for k, v in dataclasses.asdict(task).items() if k not in _DATED}
    return bool(
        await conn.fetchval(
            "INSERT INTO pooled_commitment (commitment_id, department, subject_code, task, pooled_at)"
            " SELECT $1, $2, $3, $4, $5"
            " WHERE NOT EXISTS (SELECT 1 FROM withdrawn_commitment WHERE commitment_id = $1)"
            " AND NOT EXISTS (SELECT 1 FROM task WHERE commitment_id = $1)"
            " ON CONFLICT (commitment_id) DO NOTHING RETURNING true",
            uuid.UUID(task.commitment_id),
            task.department,
            task.subject_code,
            waiting,
            now,
        )
    )


async def forget(conn: Connection, commitment_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM pooled_commitment WHERE commitment_id = $1", commitment_id)


@dataclass(frozen=True, slots=True)
class Created:
    task_id: uuid.UUID
    subject_code: str


async def tasks_for_draw(
    conn: Connection,
    draw_id: uuid.UUID,
    departments: Sequence[str],
    dates: tuple[dt.date, dt.date],
    now: dt.datetime,
) -> list[Created]:
    """Create the tasks of the drawn subjects' pooled commitments, with the drawn team assigned.

    `dates` are the draw date (the base) and the due date; the tasks leave the pool. The team was
    drawn for the plan's domain; a commitment whose item needs a domain some member of the team
    (in the task's department) is not qualified for stays in the pool, for a plan of its domain
    to draw: a drawn commitment never gets an unqualified inspector nor a hand-picked one."""
    created = await conn.fetch(
        "WITH drawn AS (DELETE FROM pooled_commitment p USING draw_result r"
        "  WHERE r.draw_id = $1 AND r.subject_code = p.subject_code AND p.department = ANY($2)"
        # no member of the team who would be put on the task lacks the item's domain
        "  AND NOT EXISTS (SELECT 1 FROM draw_inspector d JOIN inspector i USING (certificate_number)"
        "   WHERE d.draw_id = r.draw_id AND d.team = r.team AND d.department = p.department"
        "   AND coalesce(p.task->>'supervision_domain', '') <> ''"
        "   AND NOT (p.task->>'supervision_domain') = ANY(i.domains))"
        "  RETURNING p.commitment_id, p.task, r.team)"
        " INSERT INTO task (task_id, commitment_id, commitment_code, subject_kind, subject_code,"
        " subject_name, item_id, item_version, item_name, department, region_code, method, standard,"
        " time_limit_days, base_date, due_date, due_provisional, safety_related, status, created_at,"
        " supervision_domain, draw_id)"
        " SELECT gen_random_uuid(), commitment_id, task->>'commitment_code', task->>'subject_kind',"
        " task->>'subject_code', task->>'subject_name', (task->>'item_id')::uuid,"
        " (task->>'item_version')::integer, task->>'item_name', task->>'department',"
        " task->>'region_code', task->>'method', task->>'standard', (task->>'time_limit_days')::integer,"
        " $3, $4, false, (task->>'safety_related')::boolean, 'TASK_STATUS_OPEN', $5,"
        " task->>'supervision_domain', $1 FROM drawn"
        " ON CONFLICT (commitment_id) DO NOTHING"
        " RETURNING task_id, subject_code, department",
        draw_id,
        list(departments),
        *dates,
        now,
    )
    await conn.execute(
        "INSERT INTO task_inspector (task_id, certificate_number, assigned_at, assigned_by)"
        " SELECT t.task_id, i.certificate_number, $2, $3"
        " FROM task t JOIN draw_result r ON r.draw_id = t.draw_id AND r.subject_code = t.subject_code"
        " JOIN draw_inspector i ON i.draw_id = r.draw_id AND i.team = r.team AND i.department = t.department"
        " WHERE t.task_id = ANY($1)",
        [r["task_id"] for r in created],
        now,
        f"draw/{draw_id}",  # who assigned them: the draw's random team
    )
    await ledger.record_tasks(conn, [r["task_id"] for r in created], now)
    return [Created(r["task_id"], r["subject_code"]) for r in created]


async def pooled_department(conn: Connection, commitment_id: uuid.UUID) -> str | None:
    """The department of a commitment waiting in the pool, locked until the unit of work ends."""
    found = await conn.fetchval(
        "SELECT department FROM pooled_commitment WHERE commitment_id = $1 FOR UPDATE", commitment_id
    )
    return str(found) if found is not None else None


async def task_for_supervision(
    conn: Connection, commitment_id: uuid.UUID, on: dt.date, now: dt.datetime
) -> uuid.UUID:
    """Turn a pooled commitment into an open task dated `on`, for daily supervision (日常监管) to
    conclude: an exempt commitment is supervised without waiting for a draw."""
    task_id = await conn.fetchval(
        "WITH taken AS (DELETE FROM pooled_commitment WHERE commitment_id = $1"
        " RETURNING commitment_id, task)"
        " INSERT INTO task (task_id, commitment_id, commitment_code, subject_kind, subject_code,"
        " subject_name, item_id, item_version, item_name, department, region_code, method, standard,"
        " time_limit_days, base_date, due_date, due_provisional, safety_related, status, created_at,"
        " supervision_domain)"
        " SELECT gen_random_uuid(), commitment_id, task->>'commitment_code', task->>'subject_kind',"
        " task->>'subject_code', task->>'subject_name', (task->>'item_id')::uuid,"
        " (task->>'item_version')::integer, task->>'item_name', task->>'department',"
        " task->>'region_code', task->>'method', task->>'standard', (task->>'time_limit_days')::integer,"
        " $2, $2, false, (task->>'safety_related')::boolean, 'TASK_STATUS_OPEN', $3,"
        " task->>'supervision_domain' FROM taken RETURNING task_id",
        commitment_id,
        on,
        now,
    )
    assert task_id is not None  # the caller locked the pooled row
    return uuid.UUID(str(task_id))


async def withdrawn(conn: Connection, commitment_id: uuid.UUID) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM withdrawn_commitment WHERE commitment_id = $1", commitment_id
    )
    return bool(found)
