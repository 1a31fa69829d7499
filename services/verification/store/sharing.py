"""SQL of the verification results shared with other departments: a subject's concluded tasks."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg

from services.kernel.db import Executor

# Only what a result shares (no inspectors, no evidence references); the subject's tasks are
# found by the index task_subject and are few, so the sort is cheap.
_RESULTS = """
SELECT task_id, commitment_id, commitment_code, subject_kind, subject_code, subject_name, item_id,
       item_name, department, method, outcome, findings, measures, decision_date, concluded_at
FROM task
WHERE subject_code = $1 AND status = 'TASK_STATUS_CONCLUDED'
  AND ($2::timestamptz IS NULL OR (concluded_at, task_id) < ($2, $3::uuid))
ORDER BY concluded_at DESC, task_id DESC
LIMIT $4
"""


async def results_of(
    conn: Executor, code: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
) -> list[asyncpg.Record]:
    return await conn.fetch(_RESULTS, code, *(after or (None, None)), size)
