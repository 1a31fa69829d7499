"""SQL of fulfilment: verification outcomes per task and the status derived from them."""

from __future__ import annotations

import datetime as dt
import uuid

from services.commitment.domain.commitments import Commitment
from services.commitment.store.commitments import commitment_of
from services.kernel.db import Connection


async def save_result(
    conn: Connection,
    task_id: uuid.UUID,
    commitment_id: uuid.UUID,
    *,
    outcome: str,
    department: str,
    decided: dt.date,
    concluded_at: dt.datetime,
) -> bool:
    """Keep each task's latest conclusion; an older one arriving late changes nothing."""
    stored = await conn.fetchval(
        "INSERT INTO verification_result AS r VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (task_id) DO UPDATE SET outcome = excluded.outcome,"
        "  department = excluded.department, decision_date = excluded.decision_date,"
        "  concluded_at = excluded.concluded_at"
        " WHERE excluded.concluded_at > r.concluded_at RETURNING true",
        task_id,
        commitment_id,
        outcome,
        department,
        decided,
        concluded_at,
    )
    return bool(stored)


async def outcomes(conn: Connection, commitment_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch("SELECT outcome FROM verification_result WHERE commitment_id = $1", commitment_id)
    return [r["outcome"] for r in rows]


async def set_fulfilment(
    conn: Connection, commitment_id: uuid.UUID, *, status: str, by: str, on: dt.date, at: dt.datetime
) -> Commitment | None:
    row = await conn.fetchrow(
        "UPDATE commitment SET fulfilment = $2, fulfilment_by = $3, fulfilment_on = $4, fulfilment_at = $5"
        " WHERE commitment_id = $1 RETURNING *",
        commitment_id,
        status,
        by,
        on,
        at,
    )
    return commitment_of(row) if row else None
