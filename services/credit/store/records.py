"""Dishonesty records (失信信息)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.credit.domain.records import ACTIVE, Decision, Record
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed


def record_of(row: Row) -> Record:
    """A stored row as the record it is."""
    return typed(Record, row, restricts=tuple(row["restricts"]), measures=tuple(row["measures"]))


@dataclass(frozen=True)
class NewRecord:
    subject_kind: str
    subject_code: str
    subject_name: str
    source_event_id: str
    commitment_id: str
    facts: str
    legal_basis: str
    deciding_department: str
    region_code: str
    decision_date: dt.date
    safety_related_item: bool


@dataclass(frozen=True)
class Consequences:
    """What the decision brings into force, pinned with the record."""

    measures: list[str]
    measure_catalogue: str
    restricts: list[str]
    repair_notice: str


async def insert_record(
    conn: Connection, new: NewRecord, decision: Decision, then: Consequences, now: dt.datetime
) -> Record | None:
    """None when a record from the same source event exists already."""
    row = await conn.fetchrow(
        "INSERT INTO dishonesty_record (record_id, subject_kind, subject_code, subject_name,"
        " source_event_id, commitment_id, facts, legal_basis, deciding_department, region_code,"
        " decision_date, record_class, status, publicity_start, repairable_from, publicity_end,"
        " published, restricts, rule_set, rule, created_at, safety_related_item, measures,"
        " measure_catalogue, repair_notice)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'RECORD_STATUS_PUBLISHED', $11,"
        " $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
        " ON CONFLICT (source_event_id) DO NOTHING RETURNING *",
        uuid.uuid4(),
        new.subject_kind,
        new.subject_code,
        new.subject_name,
        new.source_event_id,
        uuid.UUID(new.commitment_id) if new.commitment_id else None,
        new.facts,
        new.legal_basis,
        new.deciding_department,
        new.region_code,
        new.decision_date,
        decision.record_class,
        decision.repairable_from,
        decision.publicity_end,
        decision.periods.published,
        then.restricts,
        decision.rule_set,
        decision.rule,
        now,
        new.safety_related_item,
        then.measures,
        then.measure_catalogue,
        then.repair_notice,
    )
    return record_of(row) if row else None


async def earlier_false_commitments(conn: Connection, subject_code: str) -> tuple[dt.date, ...]:
    rows = await conn.fetch(
        "SELECT decision_date FROM dishonesty_record WHERE subject_code = $1 AND commitment_id IS NOT NULL"
        " AND status <> 'RECORD_STATUS_REVOKED'",
        subject_code,
    )
    return tuple(r["decision_date"] for r in rows)


async def add_rectification(
    conn: Connection,
    commitment_id: uuid.UUID,
    task_id: uuid.UUID,
    completed_on: dt.date,
    *,
    event: str,
    now: dt.datetime,
) -> bool:
    """Remember a correction in time and without harm once; False if it was known."""
    return bool(
        await conn.fetchval(
            "INSERT INTO rectification VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
            commitment_id,
            task_id,
            completed_on,
            event,
            now,
        )
    )


async def rectified(conn: Executor, commitment_id: uuid.UUID) -> bool:
    """Whether the subject corrected the commitment in time and without harm."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM rectification WHERE commitment_id = $1)", commitment_id
        )
    )


async def of_commitment(conn: Connection, commitment_id: uuid.UUID) -> Record | None:
    """The record a false commitment made, locked."""
    query = "SELECT * FROM dishonesty_record WHERE commitment_id = $1 FOR UPDATE"
    return await one_or_none(conn, record_of, query, commitment_id)


async def records_of(conn: Executor, subject_code: str) -> list[Record]:
    rows = await conn.fetch(
        "SELECT * FROM dishonesty_record WHERE subject_code = $1 ORDER BY decision_date, created_at",
        subject_code,
    )
    return [record_of(r) for r in rows]


async def get(conn: Executor, record_id: uuid.UUID, *, lock: bool = False) -> Record | None:
    query = for_update("SELECT * FROM dishonesty_record WHERE record_id = $1", lock)
    return await one_or_none(conn, record_of, query, record_id)


async def some(conn: Connection, record_ids: list[uuid.UUID]) -> list[Record]:
    """The records, shared-locked while a listing rests on them."""
    rows = await conn.fetch(
        "SELECT * FROM dishonesty_record WHERE record_id = ANY($1::uuid[]) ORDER BY record_id FOR SHARE",
        record_ids,
    )
    return [record_of(r) for r in rows]


async def set_status(conn: Connection, record_id: uuid.UUID, status: str, ended_on: dt.date | None) -> Record:
    row = await conn.fetchrow(
        "UPDATE dishonesty_record SET status = $2, ended_on = $3 WHERE record_id = $1 RETURNING *",
        record_id,
        status,
        ended_on,
    )
    return record_of(one(row))


@dataclass(frozen=True)
class Correction:
    facts: str
    record_class: str
    repairable_from: dt.date
    publicity_end: dt.date
    published: bool
    measures: list[str]
    restricts: list[str]
    rule: str | None = None  # the classification rule now applied; None keeps the record's
    repair_notice: str | None = None  # None keeps the record's


async def correct(conn: Connection, record_id: uuid.UUID, status: str, c: Correction) -> Record:
    row = await conn.fetchrow(
        "UPDATE dishonesty_record SET status = $2, facts = $3, record_class = $4, repairable_from = $5,"
        " publicity_end = $6, published = $7, measures = $8, restricts = $9, rule = coalesce($10, rule),"
        " repair_notice = coalesce($11, repair_notice), revision = revision + 1"
        " WHERE record_id = $1 RETURNING *",
        record_id,
        status,
        c.facts,
        c.record_class,
        c.repairable_from,
        c.publicity_end,
        c.published,
        c.measures,
        c.restricts,
        c.rule,
        c.repair_notice,
    )
    return record_of(one(row))


async def claim_expired(conn: Connection, today: dt.date, batch: int) -> list[Record]:
    """Records in force whose maximum period is over, marked expired; replicas skip each other's."""
    rows = await conn.fetch(
        "UPDATE dishonesty_record SET status = 'RECORD_STATUS_EXPIRED', ended_on = publicity_end"
        " WHERE record_id IN (SELECT record_id FROM dishonesty_record"
        "   WHERE status = ANY($2::text[]) AND publicity_end <= $1"
        "   ORDER BY publicity_end LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        today,
        list(ACTIVE),
        batch,
    )
    return [record_of(r) for r in rows]


async def public_page(
    conn: Executor, today: dt.date, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
) -> list[Record]:
    """Published records within their publicity period, newest first."""
    start, last = after or (dt.date.max, uuid.UUID(int=(1 << 128) - 1))
    rows = await conn.fetch(
        "SELECT * FROM dishonesty_record WHERE published"
        " AND status IN ('RECORD_STATUS_PUBLISHED', 'RECORD_STATUS_UNDER_OBJECTION')"
        " AND publicity_start <= $1 AND publicity_end > $1 AND region_code LIKE $2 || '%'"
        " AND (publicity_start, record_id) < ($3, $4)"
        " ORDER BY publicity_start DESC, record_id DESC LIMIT $5",
        today,
        region,
        start,
        last,
        size,
    )
    return [record_of(r) for r in rows]
