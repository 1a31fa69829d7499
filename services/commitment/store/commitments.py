"""SQL of commitments: the one-round-trip lookup, recording, the life of a commitment, and the
certificate route."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from services.commitment.domain.commitments import (
    CONCLUDED,
    WITHDRAWN,
    CertificateRoute,
    Commitment,
    Fulfilment,
    SignedLetter,
)
from services.commitment.domain.letters import LetterValue
from services.commitment.domain.measures import REVOKE_DECISION, STOP_PROCESSING, Decision
from services.commitment.domain.recording import Lookup, LookupKey
from services.commitment.store.eligibility import parse_bans, parse_restrictions
from services.commitment.store.items import IN_FORCE_OF
from services.kernel.db import Connection, Executor, one
from services.kernel.errors import AlreadyExists
from services.kernel.rows import Row, for_update, one_or_none, typed
from services.kernel.writes import PendingWrites

# Many lookups in one statement: the keys of concurrent requests arrive as arrays.
_LOOKUPS = f"""
SELECT f.version,
       (SELECT restrictions FROM subject_restriction WHERE subject_code = k.subject_code) AS restrictions,
       f.version IS NOT NULL OR EXISTS (SELECT 1 FROM catalogue_item WHERE item_id = k.item_id) AS known,
       EXISTS (SELECT 1 FROM certificate_route WHERE item_id = k.item_id AND case_number = k.case_number)
         AS route,
       (SELECT jsonb_agg(jsonb_build_object('task_id', b.task_id, 'description', b.description,
                                            'ends_on', b.ends_on) ORDER BY b.ends_on)
        FROM reapplication_ban b WHERE b.subject_code = k.subject_code AND b.item_id = k.item_id) AS bans
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY
     AS k(item_id, at, subject_code, case_number, n)
LEFT JOIN LATERAL ({IN_FORCE_OF.format(item="k.item_id", at="k.at")}) AS f ON true
ORDER BY k.n
"""  # noqa: S608 (constant text, no input)


async def lookups(conn: Executor, keys: Sequence[LookupKey]) -> list[Lookup]:
    """One Lookup per key, in order, in one round trip."""
    rows = await conn.fetch(_LOOKUPS, *(list(column) for column in zip(*keys, strict=True)))
    return [
        Lookup(
            r["version"],
            r["known"],
            tuple(parse_restrictions(r["restrictions"])),
            r["route"],
            tuple(parse_bans(r["bans"])),
        )
        for r in rows
    ]


async def lookup(
    conn: Executor, item_id: uuid.UUID, at: dt.datetime, subject_code: str, case_number: str
) -> Lookup:
    (found,) = await lookups(conn, [(item_id, at, subject_code, case_number)])
    return found


COLUMNS = (
    "commitment_id", "code", "subject_kind", "subject_code", "subject_name", "item_id", "item_version",
    "department", "region_code", "case_number", "channel", "publication_type", "recorded_at", "recorded_by",
    "letter_text", "letter_sha256", "letter_values", "signature_method", "signature_reference", "signed_on",
    "recorded_by_department",
)  # fmt: skip


def insert(writes: PendingWrites, c: Commitment) -> None:
    """Queue the new commitment's row on a plan (or unit of work); a second live commitment for
    the item in the same case is refused as ALREADY_EXISTS when it is written."""
    writes.insert("commitment", COLUMNS, _row(c))
    duplicate = AlreadyExists("commitment", f"item {c.item_id} in case {c.case_number}")
    writes.refuse_duplicate("commitment", duplicate)


def _row(c: Commitment) -> tuple[Any, ...]:
    """The commitment's row in COLUMNS order."""
    letter = c.letter
    return (
        c.commitment_id,
        c.code,
        c.subject_kind,
        c.subject_code,
        c.subject_name,
        c.item_id,
        c.item_version,
        c.department,
        c.region_code,
        c.case_number,
        c.channel,
        c.publication_type,
        c.recorded_at,
        c.recorded_by,
        letter.text,
        bytes.fromhex(letter.sha256),
        values_json(letter.values),
        letter.signature_method,
        letter.signature_reference,
        letter.signed_on,
        c.recorded_by_department,
    )


def values_json(values: Sequence[LetterValue]) -> list[dict[str, Any]]:
    return [{"name": v.name, "value": v.value, "trade_secret": v.trade_secret} for v in values]


def values_of(stored: Sequence[dict[str, Any]]) -> tuple[LetterValue, ...]:
    return tuple(LetterValue(**v) for v in stored)


def commitment_of(row: Row) -> Commitment:
    """A stored row as the commitment it is (its letter and its fulfilment as records)."""
    return typed(
        Commitment,
        row,
        letter=SignedLetter(
            text=row["letter_text"],
            values=values_of(row["letter_values"]),
            sha256=bytes(row["letter_sha256"]).hex() if row["letter_sha256"] else "",
            signature_method=row["signature_method"],
            signature_reference=row["signature_reference"],
            signed_on=row["signed_on"],
        ),
        fulfilment=Fulfilment(
            row["fulfilment"], row["fulfilment_by"], row["fulfilment_on"], row["fulfilment_at"]
        ),
        stopped=_decision(row, MEASURE_COLUMNS[STOP_PROCESSING]),
        revoked=_decision(row, MEASURE_COLUMNS[REVOKE_DECISION]),
    )


# The columns of each acting measure's decision on the commitment row (migration 0004).
MEASURE_COLUMNS = {
    STOP_PROCESSING: ("stopped_on", "stopped_by", "stopped_task", "stop_basis", "stop_ban"),
    REVOKE_DECISION: ("revoked_on", "revoked_by", "revoked_task", "revocation_basis", "revocation_ban"),
}


def _decision(row: Row, columns: tuple[str, str, str, str, str]) -> Decision | None:
    """A measure's decision as its columns keep it; None when the measure was not taken (the
    in-memory rows of the handler tests may lack the columns)."""
    on, by, task, basis, ban = columns
    if row.get(on) is None:
        return None
    return Decision(row[on], row[by], row[task], row[basis], row[f"{ban}_ends_on"], row[f"{ban}_rule_set"])


_ONE = "SELECT * FROM commitment WHERE commitment_id = $1"


async def get(conn: Executor, commitment_id: uuid.UUID) -> Commitment | None:
    return await one_or_none(conn, commitment_of, _ONE, commitment_id)


async def lock(conn: Connection, commitment_id: uuid.UUID) -> Commitment | None:
    return await one_or_none(conn, commitment_of, for_update(_ONE, True), commitment_id)


async def withdraw(conn: Connection, commitment_id: uuid.UUID, reason: str, now: dt.datetime) -> Commitment:
    row = await conn.fetchrow(
        "UPDATE commitment SET status = $2, withdrawn_at = $3, withdrawal_reason = $4"
        " WHERE commitment_id = $1 RETURNING *",
        commitment_id,
        WITHDRAWN,
        now,
        reason,
    )
    return commitment_of(one(row))


async def conclude(conn: Connection, commitment_id: uuid.UUID, day: dt.date) -> Commitment:
    row = await conn.fetchrow(
        "UPDATE commitment SET status = $2, matter_concluded_on = $3 WHERE commitment_id = $1 RETURNING *",
        commitment_id,
        CONCLUDED,
        day,
    )
    return commitment_of(one(row))


async def insert_route(conn: Connection, r: CertificateRoute, by: str) -> None:
    try:
        await conn.execute(
            "INSERT INTO certificate_route VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            r.route_id,
            r.subject_kind,
            r.subject_code,
            r.subject_name,
            r.item_id,
            r.item_version,
            r.department,
            r.case_number,
            r.channel,
            r.chosen_at,
            by,
            r.withdrawn_commitment_id,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyExists("certificate route", f"item {r.item_id} in case {r.case_number}") from None


async def live_in_case(conn: Executor, item_id: uuid.UUID, case_number: str) -> uuid.UUID | None:
    """The commitment recorded (and not withdrawn) for the item in the case, if any."""
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT commitment_id FROM commitment WHERE item_id = $1 AND case_number = $2 AND status <> $3",
        item_id,
        case_number,
        WITHDRAWN,
    )
    return found
