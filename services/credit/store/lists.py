"""Entries of the serious-dishonesty list (严重失信主体名单)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.kernel.db import Connection, Executor, one

LISTED = "LIST_ENTRY_STATUS_LISTED"
PROPOSED = "LIST_ENTRY_STATUS_PROPOSED"


@dataclass(frozen=True)
class Proposal:
    subject_kind: str
    subject_code: str
    subject_name: str
    record_ids: list[uuid.UUID]
    department: str
    region_code: str
    reasons: str
    notice: dict[str, Any]
    proposed_on: dt.date
    proposed_by: str
    rule_set: str
    measures: list[str]
    measure_catalogue: str
    restricts: list[str]


async def propose(conn: Connection, p: Proposal, now: dt.datetime) -> asyncpg.Record | None:
    """None when the subject has an open (proposed or listed) entry already."""
    return await conn.fetchrow(
        "INSERT INTO list_entry (entry_id, subject_kind, subject_code, subject_name, status, record_ids,"
        " department, region_code, reasons, notice, proposed_on, proposed_by, rule_set, measures,"
        " measure_catalogue, restricts, created_at)"
        " VALUES ($1, $2, $3, $4, 'LIST_ENTRY_STATUS_PROPOSED', $5, $6, $7, $8, $9, $10, $11, $12, $13,"
        " $14, $15, $16) ON CONFLICT DO NOTHING RETURNING *",
        uuid.uuid4(),
        p.subject_kind,
        p.subject_code,
        p.subject_name,
        p.record_ids,
        p.department,
        p.region_code,
        p.reasons,
        p.notice,
        p.proposed_on,
        p.proposed_by,
        p.rule_set,
        p.measures,
        p.measure_catalogue,
        p.restricts,
        now,
    )


async def get(conn: Executor, entry_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow("SELECT * FROM list_entry WHERE entry_id = $1" + suffix, entry_id)  # noqa: S608


async def of_subject(conn: Executor, code: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM list_entry WHERE subject_code = $1 ORDER BY proposed_on", code)


async def open_resting_on(conn: Connection, subject_code: str, record_id: uuid.UUID) -> list[asyncpg.Record]:
    """The subject's proposed or listed entries that rest on the record, locked."""
    return await conn.fetch(
        "SELECT * FROM list_entry WHERE subject_code = $1 AND $2 = ANY(record_ids)"
        " AND status IN ('LIST_ENTRY_STATUS_PROPOSED', 'LIST_ENTRY_STATUS_LISTED') FOR UPDATE",
        subject_code,
        record_id,
    )


async def add_statement(conn: Connection, entry_id: uuid.UUID, statement: dict[str, Any]) -> asyncpg.Record:
    return one(
        await conn.fetchrow(
            "UPDATE list_entry SET statements = statements || jsonb_build_array($2::jsonb)"
            " WHERE entry_id = $1 RETURNING *",
            entry_id,
            statement,
        )
    )


async def decide(conn: Connection, entry_id: uuid.UUID, changes: dict[str, Any]) -> asyncpg.Record:
    """Set the given columns (names come from this service's code, never from a request)."""
    names = list(changes)
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    return one(
        await conn.fetchrow(
            f"UPDATE list_entry SET {assignments} WHERE entry_id = $1 RETURNING *",  # noqa: S608
            entry_id,
            *changes.values(),
        )
    )


async def claim_due(conn: Connection, today: dt.date, batch: int) -> list[asyncpg.Record]:
    """Listings whose period is over, removed; replicas skip each other's."""
    return await conn.fetch(
        "UPDATE list_entry SET status = 'LIST_ENTRY_STATUS_REMOVED', removed_on = removal_due,"
        " removal_reason = 'REMOVAL_REASON_PERIOD_ENDED'"
        " WHERE entry_id IN (SELECT entry_id FROM list_entry"
        "   WHERE status = 'LIST_ENTRY_STATUS_LISTED' AND removal_due <= $1"
        "   ORDER BY removal_due LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        today,
        batch,
    )


async def public_page(
    conn: Executor, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
) -> list[asyncpg.Record]:
    start, last = after or (dt.date.max, uuid.UUID(int=(1 << 128) - 1))
    return await conn.fetch(
        "SELECT * FROM list_entry WHERE status = 'LIST_ENTRY_STATUS_LISTED' AND region_code LIKE $1 || '%'"
        " AND (listed_on, entry_id) < ($2, $3) ORDER BY listed_on DESC, entry_id DESC LIMIT $4",
        region,
        start,
        last,
        size,
    )
