"""Sharing agreements (table sharing_agreement) and pushed events awaiting feedback (push_delivery)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, one_or_none, typed


@dataclass(frozen=True, slots=True)
class Agreement:
    agreement_id: uuid.UUID
    consumer: str
    data_class: str
    purposes: tuple[str, ...]
    region_code: str  # the region whose data it covers (empty: everywhere)
    fields: tuple[str, ...]  # the fields it shares (empty: all)
    valid_from: dt.date
    valid_until: dt.date
    push: bool
    legal_basis: str
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None
    resident_ids: bool = False  # the legal basis grants natural persons' numbers


@dataclass(frozen=True, slots=True)
class Delivery:
    event_id: uuid.UUID
    receiver: str
    event: str
    data_class: str
    entity: str
    occurred_at: dt.datetime
    acknowledged_at: dt.datetime | None
    outcome: str
    feedback: str
    push_deadline: dt.date | None = None


def _agreement(row: Row) -> Agreement:
    return typed(Agreement, row, purposes=tuple(row["purposes"]), fields=tuple(row["fields"]))


def _delivery(row: Row) -> Delivery:
    return typed(Delivery, row)


async def in_force_for(conn: Connection, consumer: str, data_classes: Sequence[str]) -> list[Agreement]:
    """The consumer's unrevoked agreements for these data classes (valid or not on any day)."""
    rows = await conn.fetch(
        "SELECT * FROM sharing_agreement WHERE consumer = $1 AND data_class = ANY($2::text[])"
        " AND revoked_at IS NULL",
        consumer,
        list(data_classes),
    )
    return [_agreement(r) for r in rows]


async def create(conn: Connection, a: Agreement) -> Agreement:
    row = await conn.fetchrow(
        "INSERT INTO sharing_agreement VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " RETURNING *",
        a.agreement_id,
        a.consumer,
        a.data_class,
        list(a.purposes),
        a.region_code,
        list(a.fields),
        a.valid_from,
        a.valid_until,
        a.push,
        a.legal_basis,
        a.created_at,
        a.created_by,
        a.revoked_at,
        a.resident_ids,
    )
    return _agreement(one(row))


async def revoke(conn: Connection, agreement_id: uuid.UUID, now: dt.datetime) -> Agreement | None:
    """The agreement revoked (at its first revocation, if it was revoked before); None if unknown."""
    return await one_or_none(
        conn,
        _agreement,
        "UPDATE sharing_agreement SET revoked_at = coalesce(revoked_at, $2)"
        " WHERE agreement_id = $1 RETURNING *",
        agreement_id,
        now,
    )


async def listing(conn: Executor, consumer: str) -> list[Agreement]:
    """Every agreement of `consumer` ("": of every consumer), oldest first."""
    rows = await conn.fetch(
        "SELECT * FROM sharing_agreement WHERE ($1 = '' OR consumer = $1) ORDER BY created_at", consumer
    )
    return [_agreement(r) for r in rows]


async def record_push(
    conn: Connection,
    *,
    event_id: uuid.UUID,
    subject: str,
    data_class: str,
    entity: str,
    occurred_at: dt.datetime,
    day: dt.date,
    push_deadline: dt.date | None = None,
    receivers: Sequence[str] | None = None,
) -> list[str]:
    """One delivery of the event per receiver whose push agreement is in force on `day` (among
    `receivers`, when given); the receivers newly recorded (none for an event recorded before)."""
    rows = await conn.fetch(
        "INSERT INTO push_delivery"
        " (event_id, receiver, event, data_class, entity, occurred_at, push_deadline)"
        " SELECT DISTINCT $1::uuid, consumer, $2, $3, $4, $5::timestamptz, $7::date FROM sharing_agreement"
        " WHERE data_class = $3 AND push AND revoked_at IS NULL"
        " AND $6::date BETWEEN valid_from AND valid_until"
        " AND ($8::text[] IS NULL OR consumer = ANY($8::text[])) ON CONFLICT DO NOTHING RETURNING receiver",
        event_id,
        subject,
        data_class,
        entity,
        occurred_at,
        day,
        push_deadline,
        None if receivers is None else list(receivers),
    )
    return [r["receiver"] for r in rows]


async def pushing(conn: Connection, data_class: str, day: dt.date) -> list[Agreement]:
    """The unrevoked push agreements for the data class in force on `day`, oldest first."""
    rows = await conn.fetch(
        "SELECT * FROM sharing_agreement WHERE data_class = $1 AND push AND revoked_at IS NULL"
        " AND $2::date BETWEEN valid_from AND valid_until ORDER BY created_at",
        data_class,
        day,
    )
    return [_agreement(r) for r in rows]


async def acknowledge(
    conn: Connection,
    *,
    event_id: uuid.UUID,
    receiver: str,
    outcome: str,
    feedback: str,
    now: dt.datetime,
) -> Delivery | None:
    return await one_or_none(
        conn,
        _delivery,
        "UPDATE push_delivery SET acknowledged_at = $3, outcome = $4, feedback = $5"
        " WHERE event_id = $1 AND receiver = $2 RETURNING *",
        event_id,
        receiver,
        now,
        outcome,
        feedback,
    )


async def pending(
    conn: Connection,
    receiver: str,
    after: tuple[dt.datetime, uuid.UUID] | None,
    size: int,
    overdue_on: dt.date | None = None,
) -> list[Delivery]:
    """Unacknowledged deliveries to `receiver` ("": to anyone) in the order they happened; with
    `overdue_on`, only those whose push deadline passed before that day."""
    rows = await conn.fetch(
        "SELECT * FROM push_delivery WHERE acknowledged_at IS NULL AND ($1 = '' OR receiver = $1)"
        " AND ($2::timestamptz IS NULL OR (occurred_at, event_id) > ($2, $3))"
        " AND ($5::date IS NULL OR push_deadline < $5)"
        " ORDER BY occurred_at, event_id LIMIT $4",
        receiver,
        *(after or (None, None)),
        size,
        overdue_on,
    )
    return [_delivery(r) for r in rows]


async def pending_counts(conn: Connection, receiver: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT receiver, count(*) AS n FROM push_delivery WHERE acknowledged_at IS NULL"
        " AND ($1 = '' OR receiver = $1) GROUP BY receiver",
        receiver,
    )
    return {r["receiver"]: r["n"] for r in rows}
