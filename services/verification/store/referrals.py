"""SQL of referrals to the judicial organs (移送司法机关): the 移送书, its receipt and outcome."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed


@dataclass(frozen=True, slots=True)
class NewReferral:
    """What concluding with a referral stores."""

    task_id: uuid.UUID
    commitment_id: uuid.UUID
    commitment_code: str
    subject_kind: str
    subject_code: str
    subject_name: str
    department: str
    suspected_offence: str
    materials: tuple[str, ...]
    receiving_organ: str
    referred_on: dt.date
    referred_by: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Referral(NewReferral):
    """A referral with its receipt and outcome (a row of `referral`)."""

    referral_id: uuid.UUID
    status: str
    received_on: dt.date | None
    receiver: str
    outcome: str
    outcome_on: dt.date | None
    outcome_note: str
    updated_at: dt.datetime


def _referral(row: Row) -> Referral:
    return typed(Referral, row, materials=tuple(row["materials"]))


async def insert(conn: Connection, r: NewReferral) -> Referral:
    row = await conn.fetchrow(
        "INSERT INTO referral (referral_id, task_id, commitment_id, commitment_code, subject_kind,"
        " subject_code, subject_name, department, suspected_offence, materials, receiving_organ,"
        " referred_on, referred_by, created_at, status, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'REFERRAL_STATUS_SENT', $14)"
        " RETURNING *",
        uuid.uuid4(),
        r.task_id,
        r.commitment_id,
        r.commitment_code,
        r.subject_kind,
        r.subject_code,
        r.subject_name,
        r.department,
        r.suspected_offence,
        list(r.materials),
        r.receiving_organ,
        r.referred_on,
        r.referred_by,
        r.created_at,
    )
    return _referral(one(row))


async def get(conn: Executor, referral_id: uuid.UUID, *, lock: bool = False) -> Referral | None:
    query = for_update("SELECT * FROM referral WHERE referral_id = $1", lock)
    return await one_or_none(conn, _referral, query, referral_id)


async def receive(
    conn: Connection, referral_id: uuid.UUID, on: dt.date, receiver: str, now: dt.datetime
) -> Referral:
    row = await conn.fetchrow(
        "UPDATE referral SET status = 'REFERRAL_STATUS_RECEIVED', received_on = $2, receiver = $3,"
        " updated_at = $4 WHERE referral_id = $1 RETURNING *",
        referral_id,
        on,
        receiver,
        now,
    )
    return _referral(one(row))


async def decide(
    conn: Connection, referral_id: uuid.UUID, outcome: str, *, on: dt.date, note: str, now: dt.datetime
) -> Referral:
    row = await conn.fetchrow(
        "UPDATE referral SET status = 'REFERRAL_STATUS_DECIDED', outcome = $2, outcome_on = $3,"
        " outcome_note = $4, updated_at = $5 WHERE referral_id = $1 RETURNING *",
        referral_id,
        outcome,
        on,
        note,
        now,
    )
    return _referral(one(row))


async def listing(
    conn: Executor,
    department: str,
    status: str | None,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[Referral]:
    rows = await conn.fetch(
        "SELECT * FROM referral WHERE department = $1 AND ($2::text IS NULL OR status = $2)"
        " AND ($3::timestamptz IS NULL OR (created_at, referral_id) < ($3, $4))"
        " ORDER BY created_at DESC, referral_id DESC LIMIT $5",
        department,
        status,
        *(after or (None, None)),
        limit,
    )
    return [_referral(r) for r in rows]
