"""SQL of registrations (报备) of inspections outside the plans; each registration is also an
entry of the inspection ledger (store/ledger.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import for_update, one_or_none, typed
from services.verification.domain.registrations import CANCELLED, REGISTERED


@dataclass(frozen=True, slots=True)
class NewRegistration:
    """What registering stores."""

    subject_kind: str
    subject_code: str
    subject_name: str
    department: str
    inspection_type: str
    check_items: tuple[str, ...]
    planned_date: dt.date
    basis: str
    consent_reference: str
    advance_notice: bool
    no_notice_ground: str  # NoNoticeGround name; UNSPECIFIED when notified in advance
    no_notice_reason: str
    certificate_numbers: tuple[str, ...]
    rule_sets: tuple[str, ...]
    registered_by: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Registration(NewRegistration):
    """A registration with its state (a row of `inspection_registration`)."""

    registration_id: uuid.UUID
    status: str
    cancel_reason: str
    cancelled_by: str
    cancelled_at: dt.datetime | None


def _registration(row: asyncpg.Record) -> Registration:
    return typed(
        Registration,
        row,
        check_items=tuple(row["check_items"]),
        certificate_numbers=tuple(row["certificate_numbers"]),
        rule_sets=tuple(row["rule_sets"]),
    )


async def insert(conn: Connection, r: NewRegistration) -> Registration:
    row = await conn.fetchrow(
        "INSERT INTO inspection_registration (registration_id, subject_kind, subject_code, subject_name,"
        " department, inspection_type, check_items, planned_date, basis, consent_reference, advance_notice,"
        " no_notice_ground, no_notice_reason, certificate_numbers, status, rule_sets, registered_by,"
        " registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
        " $18) RETURNING *",
        uuid.uuid4(),
        r.subject_kind,
        r.subject_code,
        r.subject_name,
        r.department,
        r.inspection_type,
        list(r.check_items),
        r.planned_date,
        r.basis,
        r.consent_reference,
        r.advance_notice,
        r.no_notice_ground,
        r.no_notice_reason,
        list(r.certificate_numbers),
        REGISTERED,
        list(r.rule_sets),
        r.registered_by,
        r.registered_at,
    )
    return _registration(one(row))


_GET = "SELECT * FROM inspection_registration WHERE registration_id = $1"


async def get(conn: Executor, registration_id: uuid.UUID, *, lock: bool = False) -> Registration | None:
    return await one_or_none(conn, _registration, for_update(_GET, lock), registration_id)


async def cancel(
    conn: Connection, registration_id: uuid.UUID, reason: str, by: str, now: dt.datetime
) -> Registration:
    row = await conn.fetchrow(
        "UPDATE inspection_registration SET status = $2, cancel_reason = $3, cancelled_by = $4,"
        " cancelled_at = $5 WHERE registration_id = $1 RETURNING *",
        registration_id,
        CANCELLED,
        reason,
        by,
        now,
    )
    return _registration(one(row))


async def listing(
    conn: Executor, department: str, year: int, after: tuple[dt.date, uuid.UUID] | None, limit: int
) -> list[Registration]:
    rows = await conn.fetch(
        "SELECT * FROM inspection_registration WHERE department = $1"
        " AND planned_date BETWEEN make_date($2, 1, 1) AND make_date($2, 12, 31)"
        " AND ($3::date IS NULL OR (planned_date, registration_id) > ($3, $4))"
        " ORDER BY planned_date, registration_id LIMIT $5",
        department,
        year,
        *(after or (None, None)),
        limit,
    )
    return [_registration(r) for r in rows]
