"""SQL of commitment lists, newest first in keyset pages: the owning department's view, the public
view, and one subject's commitments shared with other departments."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.commitment.domain.commitments import Commitment
from services.commitment.domain.publication import Published
from services.commitment.store.commitments import commitment_of, values_of
from services.kernel.db import Executor
from services.kernel.rows import typed

Cursor = tuple[dt.datetime, uuid.UUID]  # (recorded_at, commitment_id) of the last row handed out


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.datetime | None  # included
    end: dt.datetime | None  # excluded


@dataclass(frozen=True, slots=True)
class StaffFilter:
    department: str
    subject_code: str | None
    status: str | None
    fulfilment: str | None
    item_id: uuid.UUID | None
    period: Period


@dataclass(frozen=True, slots=True)
class PublicFilter:
    department: str
    region_prefix: str
    item_id: uuid.UUID | None
    period: Period


def _recorded_page(n: int) -> str:
    """Recorded in the period, after the cursor, newest first: parameters $n to $n+4 (start, end,
    the cursor's instant and id, the page size)."""
    start, end, at, last, size = (f"${i}" for i in range(n, n + 5))
    return f"""
  AND ({start}::timestamptz IS NULL OR recorded_at >= {start})
  AND ({end}::timestamptz IS NULL OR recorded_at < {end})
  AND ({at}::timestamptz IS NULL OR (recorded_at, commitment_id) < ({at}, {last}::uuid))
ORDER BY recorded_at DESC, commitment_id DESC
LIMIT {size}
"""


_STAFF = """
SELECT * FROM commitment
WHERE department = $1
  AND ($2::text IS NULL OR subject_code = $2)
  AND ($3::text IS NULL OR status = $3)
  AND ($4::text IS NULL OR fulfilment = $4)
  AND ($5::uuid IS NULL OR item_id = $5)""" + _recorded_page(6)

# Only what the public view shows; the stored letter is re-rendered from its values, masked.
_PUBLIC = """
SELECT commitment_id, code, subject_kind, subject_code, subject_name, item_id, item_version,
       department, case_number, recorded_at, fulfilment, letter_text, letter_values, signed_on,
       stopped_on, revoked_on, revocation_basis
FROM commitment
WHERE publication_type = 'PUBLICATION_TYPE_PUBLIC' AND status <> 'COMMITMENT_STATUS_WITHDRAWN'
  AND ($1 = '' OR department = $1)
  AND ($2 = '' OR region_code LIKE $2 || '%')
  AND ($3::uuid IS NULL OR item_id = $3)""" + _recorded_page(4)

# Served by the index commitment_subject_recorded (subject_code, recorded_at DESC, commitment_id DESC).
_OF_SUBJECT = """
SELECT * FROM commitment
WHERE subject_code = $1
  AND ($2::timestamptz IS NULL OR (recorded_at, commitment_id) < ($2, $3::uuid))
ORDER BY recorded_at DESC, commitment_id DESC
LIMIT $4
"""


def _page(period: Period, after: Cursor | None, size: int) -> tuple[object, ...]:
    return (period.start, period.end, *(after or (None, None)), size)


async def for_staff(conn: Executor, f: StaffFilter, after: Cursor | None, size: int) -> list[Commitment]:
    rows = await conn.fetch(
        _STAFF, f.department, f.subject_code, f.status, f.fulfilment, f.item_id, *_page(f.period, after, size)
    )
    return [commitment_of(r) for r in rows]


async def for_public(conn: Executor, f: PublicFilter, after: Cursor | None, size: int) -> list[Published]:
    rows = await conn.fetch(_PUBLIC, f.department, f.region_prefix, f.item_id, *_page(f.period, after, size))
    return [typed(Published, r, letter_values=values_of(r["letter_values"])) for r in rows]


async def of_subject(conn: Executor, code: str, after: Cursor | None, size: int) -> list[Commitment]:
    rows = await conn.fetch(_OF_SUBJECT, code, *(after or (None, None)), size)
    return [commitment_of(r) for r in rows]
