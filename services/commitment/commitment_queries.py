"""SQL of commitment lists: the owning department's view and the public view (keyset pages)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Executor

Cursor = tuple[dt.datetime, uuid.UUID]


@dataclass(frozen=True)
class Period:
    start: dt.datetime | None  # included
    end: dt.datetime | None  # excluded


@dataclass(frozen=True)
class StaffFilter:
    department: str
    subject_code: str | None
    status: str | None
    fulfilment: str | None
    item_id: uuid.UUID | None
    period: Period


@dataclass(frozen=True)
class PublicFilter:
    department: str
    region_prefix: str
    item_id: uuid.UUID | None
    period: Period


_STAFF = """
SELECT * FROM commitment
WHERE department = $1
  AND ($2::text IS NULL OR subject_code = $2)
  AND ($3::text IS NULL OR status = $3)
  AND ($4::text IS NULL OR fulfilment = $4)
  AND ($5::uuid IS NULL OR item_id = $5)
  AND ($6::timestamptz IS NULL OR recorded_at >= $6)
  AND ($7::timestamptz IS NULL OR recorded_at < $7)
  AND ($8::timestamptz IS NULL OR (recorded_at, commitment_id) < ($8, $9::uuid))
ORDER BY recorded_at DESC, commitment_id DESC
LIMIT $10
"""

# Only what the public view shows; the stored letter is re-rendered from its values, masked.
_PUBLIC = """
SELECT commitment_id, code, subject_kind, subject_code, subject_name, item_id, item_version,
       department, case_number, recorded_at, fulfilment, letter_text, letter_values, signed_on
FROM commitment
WHERE publication_type = 'PUBLICATION_TYPE_PUBLIC' AND status <> 'COMMITMENT_STATUS_WITHDRAWN'
  AND ($1 = '' OR department = $1)
  AND ($2 = '' OR region_code LIKE $2 || '%')
  AND ($3::uuid IS NULL OR item_id = $3)
  AND ($4::timestamptz IS NULL OR recorded_at >= $4)
  AND ($5::timestamptz IS NULL OR recorded_at < $5)
  AND ($6::timestamptz IS NULL OR (recorded_at, commitment_id) < ($6, $7::uuid))
ORDER BY recorded_at DESC, commitment_id DESC
LIMIT $8
"""


async def for_staff(conn: Executor, f: StaffFilter, after: Cursor | None, size: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        _STAFF,
        f.department,
        f.subject_code,
        f.status,
        f.fulfilment,
        f.item_id,
        f.period.start,
        f.period.end,
        *(after or (None, None)),
        size,
    )


async def for_public(
    conn: Executor, f: PublicFilter, after: Cursor | None, size: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        _PUBLIC,
        f.department,
        f.region_prefix,
        f.item_id,
        f.period.start,
        f.period.end,
        *(after or (None, None)),
        size,
    )
