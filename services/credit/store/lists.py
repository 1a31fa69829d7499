"""Entries of the serious-dishonesty list (严重失信主体名单)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.credit.domain.blacklist import EarlyRemoval, ListEntry, Notice, Statement
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed


@dataclass(frozen=True)
class Proposal:
    subject_kind: str
    subject_code: str
    subject_name: str
    record_ids: list[uuid.UUID]
    department: str
    region_code: str
    reasons: str
    notice: Notice
    proposed_on: dt.date
    proposed_by: str
    rule_set: str
    measures: list[str]
    measure_catalogue: str
    restricts: list[str]


def entry_of(row: Row) -> ListEntry:
    """A stored row as the entry it is (its arrays as tuples, its JSON columns as records)."""
    return typed(
        ListEntry,
        row,
        record_ids=tuple(row["record_ids"]),
        notice=Notice.from_json(row["notice"], row["reasons"]),
        statements=tuple(Statement.from_json(s) for s in row["statements"]),
        measures=tuple(row["measures"]),
        restricts=tuple(row["restricts"]),
        early_removal=EarlyRemoval.from_json(row["early_removal"]),
    )


def _entries(rows: list[Any]) -> list[ListEntry]:
    return [entry_of(r) for r in rows]


async def propose(conn: Connection, p: Proposal, now: dt.datetime) -> ListEntry | None:
    """None when the subject has an open (proposed or listed) entry already."""
    row = await conn.fetchrow(
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
        p.notice.as_json(),
        p.proposed_on,
        p.proposed_by,
        p.rule_set,
        p.measures,
        p.measure_catalogue,
        p.restricts,
        now,
    )
    return entry_of(row) if row else None


async def get(conn: Executor, entry_id: uuid.UUID, *, lock: bool = False) -> ListEntry | None:
    query = for_update("SELECT * FROM list_entry WHERE entry_id = $1", lock)
    return await one_or_none(conn, entry_of, query, entry_id)


async def of_subject(conn: Executor, code: str) -> list[ListEntry]:
    return _entries(
        await conn.fetch("SELECT * FROM list_entry WHERE subject_code = $1 ORDER BY proposed_on", code)
    )


async def open_resting_on(conn: Connection, subject_code: str, record_id: uuid.UUID) -> list[ListEntry]:
    """The subject's proposed or listed entries that rest on the record, locked."""
    rows = await conn.fetch(
        "SELECT * FROM list_entry WHERE subject_code = $1 AND $2 = ANY(record_ids)"
        " AND status IN ('LIST_ENTRY_STATUS_PROPOSED', 'LIST_ENTRY_STATUS_LISTED') FOR UPDATE",
        subject_code,
        record_id,
    )
    return _entries(rows)


async def add_statement(conn: Connection, entry_id: uuid.UUID, statement: Statement) -> ListEntry:
    row = await conn.fetchrow(
        "UPDATE list_entry SET statements = statements || jsonb_build_array($2::jsonb)"
        " WHERE entry_id = $1 RETURNING *",
        entry_id,
        statement.as_json(),
    )
    return entry_of(one(row))


async def set_notice(conn: Connection, entry_id: uuid.UUID, notice: Notice) -> ListEntry:
    """Keep the notice as served (its service and statement period)."""
    row = await conn.fetchrow(
        "UPDATE list_entry SET notice = $2 WHERE entry_id = $1 RETURNING *", entry_id, notice.as_json()
    )
    return entry_of(one(row))


async def decide(conn: Connection, entry_id: uuid.UUID, changes: Mapping[str, object]) -> ListEntry:
    """Set the given columns (names come from this service's code, never from a request); an
    early-removal application is kept as JSON."""
    names = list(changes)
    values = [v.as_json() if isinstance(v, EarlyRemoval) else v for v in changes.values()]
    assignments = ", ".join(f"{name} = ${i + 2}" for i, name in enumerate(names))
    row = await conn.fetchrow(
        f"UPDATE list_entry SET {assignments} WHERE entry_id = $1 RETURNING *",  # noqa: S608
        entry_id,
        *values,
    )
    return entry_of(one(row))


async def claim_due(conn: Connection, today: dt.date, batch: int) -> list[ListEntry]:
    """Listings whose period is over, removed; replicas skip each other's."""
    rows = await conn.fetch(
        "UPDATE list_entry SET status = 'LIST_ENTRY_STATUS_REMOVED', removed_on = removal_due,"
        " removal_reason = 'REMOVAL_REASON_PERIOD_ENDED'"
        " WHERE entry_id IN (SELECT entry_id FROM list_entry"
        "   WHERE status = 'LIST_ENTRY_STATUS_LISTED' AND removal_due <= $1"
        "   ORDER BY removal_due LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        today,
        batch,
    )
    return _entries(rows)


async def public_page(
    conn: Executor, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
) -> list[ListEntry]:
    start, last = after or (dt.date.max, uuid.UUID(int=(1 << 128) - 1))
    rows = await conn.fetch(
        "SELECT * FROM list_entry WHERE status = 'LIST_ENTRY_STATUS_LISTED' AND region_code LIKE $1 || '%'"
        " AND (listed_on, entry_id) < ($2, $3) ORDER BY listed_on DESC, entry_id DESC LIMIT $4",
        region,
        start,
        last,
        size,
    )
    return _entries(rows)
