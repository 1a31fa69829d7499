"""SQL of the commitments shared with other departments: one subject's, newest first (keyset)."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from services.kernel.db import Executor

# Served by the index commitment_subject_recorded (subject_code, recorded_at DESC, commitment_id DESC).
_OF_SUBJECT = """
SELECT * FROM commitment
WHERE subject_code = $1
  AND ($2::timestamptz IS NULL OR (recorded_at, commitment_id) < ($2, $3::uuid))
ORDER BY recorded_at DESC, commitment_id DESC
LIMIT $4
"""


async def of_subject(
    conn: Executor, code: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
) -> list[asyncpg.Record]:
    return await conn.fetch(_OF_SUBJECT, code, *(after or (None, None)), size)
