"""SQL of the measures that act on a commitment's matter (终止办理, 撤销) and of the re-application
bans (不得再次申请) they bring, kept per subject and item."""

from __future__ import annotations

import uuid

from services.commitment.domain.commitments import Commitment
from services.commitment.domain.measures import Ban, Decision
from services.commitment.store.commitments import MEASURE_COLUMNS, commitment_of
from services.kernel.db import Connection, Executor


async def safety_related(conn: Executor, item_id: uuid.UUID, version: int) -> bool:
    """Whether the item version the commitment was made under is safety-related (直接关系公共安全、
    人身健康、生命财产安全)."""
    found = await conn.fetchval(
        "SELECT coalesce((content->>'safety_related')::boolean, false) FROM item_version"
        " WHERE item_id = $1 AND version = $2",
        item_id,
        version,
    )
    return bool(found)


async def take(conn: Connection, commitment_id: uuid.UUID, measure: str, d: Decision) -> Commitment | None:
    """Keep the measure's decision on the commitment; the first decision stays (a repeated or
    later conclusion of the same measure changes nothing) and None is returned then."""
    on, by, task, basis, ban = MEASURE_COLUMNS[measure]
    row = await conn.fetchrow(
        f"UPDATE commitment SET {on} = $2, {by} = $3, {task} = $4, {basis} = $5,"  # noqa: S608 (constant names)
        f" {ban}_ends_on = $6, {ban}_rule_set = $7"
        f" WHERE commitment_id = $1 AND {on} IS NULL RETURNING *",
        commitment_id,
        d.decided_on,
        d.department,
        d.task_id,
        d.legal_basis,
        d.ban_ends_on,
        d.ban_rule_set,
    )
    return commitment_of(row) if row else None


async def save_ban(conn: Connection, task_id: uuid.UUID, c: Commitment, ban: Ban, description: str) -> None:
    await conn.execute(
        "INSERT INTO reapplication_ban VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (task_id, measure) DO NOTHING",
        task_id,
        ban.measure,
        c.commitment_id,
        c.subject_code,
        c.item_id,
        ban.decided_on,
        ban.ends_on,
        ban.rule_set,
        description,
    )
