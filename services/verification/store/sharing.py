"""SQL of the verification results shared with other departments: a subject's concluded tasks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from services.kernel.db import Executor
from services.verification.store.tasks import TaskIdentity


@dataclass(frozen=True, slots=True)
class SharedResult(TaskIdentity):
    """What a shared verification result holds of a concluded task."""

    department: str
    method: str
    outcome: str
    findings: str
    measures: list[dict[str, Any]]  # each a verification.v1.Measure as JSON
    decision_date: dt.date | None
    concluded_at: dt.datetime


# Only what a result shares (no inspectors, no evidence references), an escalated (无法核实) one
# included as it was before escalation existed; the subject's tasks are
# found by the index task_subject and are few, so the sort is cheap.
_RESULTS = """
SELECT task_id, commitment_id, commitment_code, subject_kind, subject_code, subject_name, item_id,
       item_name, department, method, outcome, findings, measures, decision_date, concluded_at
FROM task
WHERE subject_code = $1 AND status IN ('TASK_STATUS_CONCLUDED', 'TASK_STATUS_ESCALATED')
  AND ($2::timestamptz IS NULL OR (concluded_at, task_id) < ($2, $3::uuid))
ORDER BY concluded_at DESC, task_id DESC
LIMIT $4
"""


async def results_of(
    conn: Executor, code: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
) -> list[SharedResult]:
    return [SharedResult(**r) for r in await conn.fetch(_RESULTS, code, *(after or (None, None)), size)]
