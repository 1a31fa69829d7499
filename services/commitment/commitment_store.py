"""SQL of commitments: the one-round-trip lookup, recording, the life of a commitment."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from chengnuo.commitment.v1 import commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.commitment.domain import Restriction
from services.commitment.eligibility_store import parse_restrictions
from services.commitment.item_versions import IN_FORCE_OF
from services.contracts.subjects import subject_of
from services.kernel import convert
from services.kernel.db import Connection, Executor, one
from services.kernel.errors import AlreadyExists

ACTIVE = "COMMITMENT_STATUS_ACTIVE"
WITHDRAWN = "COMMITMENT_STATUS_WITHDRAWN"
CONCLUDED = "COMMITMENT_STATUS_MATTER_CONCLUDED"


@dataclass(frozen=True)
class Lookup:
    """Everything recording a commitment reads, fetched in one statement."""

    version: int | None  # of the item in force, None when not listed
    known: bool  # the item exists at all (as a draft at least)
    restrictions: list[Restriction]
    certificate_route: bool  # the applicant already chose the certificate in this case


# Many lookups in one statement: the keys of concurrent requests arrive as arrays.
_LOOKUPS = f"""
SELECT f.version,
       (SELECT restrictions FROM subject_restriction WHERE subject_code = k.subject_code) AS restrictions,
       f.version IS NOT NULL OR EXISTS (SELECT 1 FROM catalogue_item WHERE item_id = k.item_id) AS known,
       EXISTS (SELECT 1 FROM certificate_route WHERE item_id = k.item_id AND case_number = k.case_number)
         AS route
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY
     AS k(item_id, at, subject_code, case_number, n)
LEFT JOIN LATERAL ({IN_FORCE_OF.format(item="k.item_id", at="k.at")}) AS f ON true
ORDER BY k.n
"""  # noqa: S608 (constant text, no input)

LookupKey = tuple[uuid.UUID, dt.datetime, str, str]  # item, instant, subject code, case number


async def lookups(conn: Executor, keys: Sequence[LookupKey]) -> list[Lookup]:
    """One Lookup per key, in order, in one round trip."""
    rows = await conn.fetch(_LOOKUPS, *(list(column) for column in zip(*keys, strict=True)))
    return [Lookup(r["version"], r["known"], parse_restrictions(r["restrictions"]), r["route"]) for r in rows]


async def lookup(
    conn: Executor, item_id: uuid.UUID, at: dt.datetime, subject_code: str, case_number: str
) -> Lookup:
    (found,) = await lookups(conn, [(item_id, at, subject_code, case_number)])
    return found


def _letter_values(letter: commitment_pb2.SignedLetter) -> list[dict[str, Any]]:
    return [{"name": v.name, "value": v.value, "trade_secret": v.trade_secret} for v in letter.values]


COMMITMENT_COLUMNS = (
    "commitment_id", "code", "subject_kind", "subject_code", "subject_name", "item_id", "item_version",
    "department", "region_code", "case_number", "channel", "publication_type", "recorded_at", "recorded_by",
    "letter_text", "letter_sha256", "letter_values", "signature_method", "signature_reference", "signed_on",
    "recorded_by_department",
)  # fmt: skip


def duplicate_commitment(c: commitment_pb2.Commitment) -> AlreadyExists:
    return AlreadyExists("commitment", f"item {c.item_id} in case {c.case_number}")


def commitment_row(c: commitment_pb2.Commitment, by: str, by_department: str) -> tuple[Any, ...]:
    """The commitment's row in COMMITMENT_COLUMNS order."""
    letter = c.letter
    return (
        uuid.UUID(c.commitment_id),
        c.code,
        subject_pb2.SubjectKind.Name(c.subject.kind),
        c.subject.code,
        c.subject_name,
        uuid.UUID(c.item_id),
        c.item_version,
        c.department,
        c.region_code,
        c.case_number,
        commitment_pb2.Channel.Name(c.channel),
        commitment_pb2.PublicationType.Name(c.publication_type),
        convert.from_timestamp(c.recorded_at),
        by,
        letter.text,
        bytes.fromhex(letter.sha256),
        _letter_values(letter),
        commitment_pb2.SignatureMethod.Name(letter.signature_method),
        letter.signature_reference,
        convert.from_date(letter.signed_on),
        by_department,
    )


async def get_commitment(conn: Executor, commitment_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM commitment WHERE commitment_id = $1", commitment_id)


async def lock_commitment(conn: Connection, commitment_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM commitment WHERE commitment_id = $1 FOR UPDATE", commitment_id)


async def withdraw(
    conn: Connection, commitment_id: uuid.UUID, reason: str, now: dt.datetime
) -> asyncpg.Record:
    return one(
        await conn.fetchrow(
            "UPDATE commitment SET status = $2, withdrawn_at = $3, withdrawal_reason = $4"
            " WHERE commitment_id = $1 RETURNING *",
            commitment_id,
            WITHDRAWN,
            now,
            reason,
        )
    )


async def conclude(conn: Connection, commitment_id: uuid.UUID, day: dt.date) -> asyncpg.Record:
    return one(
        await conn.fetchrow(
            "UPDATE commitment SET status = $2, matter_concluded_on = $3"
            " WHERE commitment_id = $1 RETURNING *",
            commitment_id,
            CONCLUDED,
            day,
        )
    )


def to_proto(row: asyncpg.Record) -> commitment_pb2.Commitment:
    c = commitment_pb2.Commitment(
        commitment_id=str(row["commitment_id"]),
        code=row["code"],
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        item_id=str(row["item_id"]),
        item_version=row["item_version"],
        department=row["department"],
        case_number=row["case_number"],
        channel=commitment_pb2.Channel.Value(row["channel"]),
        publication_type=commitment_pb2.PublicationType.Value(row["publication_type"]),
        recorded_at=convert.to_timestamp(row["recorded_at"]),
        status=commitment_pb2.CommitmentStatus.Value(row["status"]),
        letter=_letter(row),
        fulfilment=_fulfilment(row),
        region_code=row["region_code"],
        withdrawal_reason=row["withdrawal_reason"],
        matter_concluded_on=convert.opt_date(row["matter_concluded_on"]),
    )
    if row["withdrawn_at"]:
        c.withdrawn_at.FromDatetime(row["withdrawn_at"])
    return c


def _letter(row: asyncpg.Record) -> commitment_pb2.SignedLetter:
    return commitment_pb2.SignedLetter(
        text=row["letter_text"],
        values=[commitment_pb2.LetterValue(**v) for v in row["letter_values"]],
        sha256=bytes(row["letter_sha256"]).hex() if row["letter_sha256"] else "",
        signature_method=commitment_pb2.SignatureMethod.Value(row["signature_method"]),
        signature_reference=row["signature_reference"],
        signed_on=convert.opt_date(row["signed_on"]),
    )


def _fulfilment(row: asyncpg.Record) -> commitment_pb2.Fulfilment:
    f = commitment_pb2.Fulfilment(
        status=commitment_pb2.FulfilmentStatus.Value(row["fulfilment"]),
        determined_by=row["fulfilment_by"],
        determined_on=convert.opt_date(row["fulfilment_on"]),
    )
    if row["fulfilment_at"]:
        f.changed_at.FromDatetime(row["fulfilment_at"])
    return f


async def insert_route(conn: Connection, r: commitment_pb2.CertificateRoute, by: str) -> None:
    try:
        await conn.execute(
            "INSERT INTO certificate_route VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            uuid.UUID(r.route_id),
            subject_pb2.SubjectKind.Name(r.subject.kind),
            r.subject.code,
            r.subject_name,
            uuid.UUID(r.item_id),
            r.item_version,
            r.department,
            r.case_number,
            commitment_pb2.Channel.Name(r.channel),
            convert.from_timestamp(r.chosen_at),
            by,
            uuid.UUID(r.withdrawn_commitment_id) if r.withdrawn_commitment_id else None,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyExists("certificate route", f"item {r.item_id} in case {r.case_number}") from None


async def live_commitment_in_case(conn: Executor, item_id: uuid.UUID, case_number: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval(
        "SELECT commitment_id FROM commitment WHERE item_id = $1 AND case_number = $2 AND status <> $3",
        item_id,
        case_number,
        WITHDRAWN,
    )
    return found
