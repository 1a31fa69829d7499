"""SQL of bulk matching (批量比对): which of many subjects carry relevant measures in force today.

One statement for the whole list: the codes travel as arrays, are unnested with their position
and joined to the records and list entries on the indexed subject code, so 100,000 codes cost
one round trip and index probes, not 100,000 queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.credit.domain.records import ACTIVE
from services.credit.domain.sharing import Asked, Scope
from services.kernel.db import Executor

# A record or listing counts where it is in force: the same rules as services/credit/domain/standing.py
# (`sources`) and services/credit/domain/sharing.py.
_MATCH = """
WITH asked AS (
    SELECT a.code, (a.ord - 1)::int AS idx,
           CASE WHEN a.person THEN left(a.code, 6) ELSE substr(a.code, 3, 6) END AS region
    FROM unnest($1::text[], $2::bool[]) WITH ORDINALITY AS a(code, person, ord)
), relevant AS (
    SELECT * FROM unnest($3::text[], $4::text[]) AS r(catalogue, measure)
), found AS (
    SELECT a.idx, d.measures, d.measure_catalogue, d.publicity_end AS until,
           d.status = 'RECORD_STATUS_UNDER_OBJECTION' AS disputed
    FROM asked a JOIN dishonesty_record d ON d.subject_code = a.code
    WHERE $5::text IS NOT NULL AND a.region LIKE $5 || '%'
      AND d.status = ANY($6::text[]) AND d.publicity_end > $7
    UNION ALL
    SELECT a.idx, e.measures, e.measure_catalogue, e.removal_due, false
    FROM asked a JOIN list_entry e ON e.subject_code = a.code
    WHERE $8::text IS NOT NULL AND a.region LIKE $8 || '%'
      AND e.status = 'LIST_ENTRY_STATUS_LISTED' AND e.removal_due > $7
)
SELECT f.idx, array_agg(DISTINCT m.measure ORDER BY m.measure) AS measures,
       max(f.until) AS until, bool_or(f.disputed) AS disputed
FROM found f JOIN relevant m ON m.catalogue = f.measure_catalogue AND m.measure = ANY(f.measures)
GROUP BY f.idx ORDER BY f.idx
"""


@dataclass(frozen=True, slots=True)
class Hit:
    """A subject of the list (by its position) with relevant measures in force."""

    idx: int
    measures: tuple[str, ...]
    until: dt.date
    disputed: bool


async def match(conn: Executor, asked: Asked, scope: Scope, today: dt.date) -> list[Hit]:
    rows = await conn.fetch(
        _MATCH,
        asked.codes,
        asked.natural,
        [catalogue for catalogue, _ in scope.relevant],
        [code for _, code in scope.relevant],
        scope.records_region,
        list(ACTIVE),
        today,
        scope.lists_region,
    )
    return [Hit(r["idx"], tuple(r["measures"]), r["until"], r["disputed"]) for r in rows]
