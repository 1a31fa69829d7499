"""SQL of bulk subject imports: COPY each chunk into staging, merge the import in one statement."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import for_update, one_or_none
from services.verification.domain.rosters import IMPORT_REPLACE, SubjectRecord

_STAGING = (
    "import_id",
    "row_no",
    "subject_code",
    "subject_kind",
    "name",
    "region_code",
    "industry",
    "tags",
    "risk_level",
)
_ERRORS = ("import_id", "row_no", "field", "description")


@dataclass(frozen=True, slots=True)
class SubjectImport:
    """A bulk import of subjects (a row of `subject_import`)."""

    import_id: uuid.UUID
    department: str
    mode: str
    source: str
    status: str
    chunks: int
    rows_received: int
    rows_rejected: int
    created: int
    updated: int
    deactivated: int
    duplicates: int
    created_by: str
    created_at: dt.datetime
    committed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RowError:
    row_no: int
    field: str
    description: str


def _import(row: asyncpg.Record | None) -> SubjectImport:
    return SubjectImport(**one(row))


async def begin(
    conn: Connection, department: str, mode: str, *, source: str, by: str, now: dt.datetime
) -> SubjectImport:
    return _import(
        await conn.fetchrow(
            "INSERT INTO subject_import (import_id, department, mode, source, status, created_by, created_at)"
            " VALUES ($1, $2, $3, $4, 'IMPORT_STATUS_OPEN', $5, $6) RETURNING *",
            uuid.uuid4(),
            department,
            mode,
            source,
            by,
            now,
        )
    )


async def get(conn: Executor, import_id: uuid.UUID, *, lock: bool = False) -> SubjectImport | None:
    query = for_update("SELECT * FROM subject_import WHERE import_id = $1", lock)
    return await one_or_none(conn, _import, query, import_id)


@dataclass(frozen=True)
class Chunk:
    number: int
    rows: int
    accepted: Sequence[tuple[int, SubjectRecord]]  # (row number, record)
    errors: Sequence[tuple[int, str, str]]  # (row number, field, description)


async def add_chunk(conn: Connection, import_id: uuid.UUID, chunk: Chunk) -> bool:
    """Stage a chunk once; False when its number was already uploaded."""
    fresh = await conn.fetchval(
        "INSERT INTO subject_import_chunk VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true",
        import_id,
        chunk.number,
        chunk.rows,
    )
    if not fresh:
        return False
    staged = [
        (import_id, row, r.code, r.kind, r.name, r.region_code, r.industry, r.tags, r.risk_level)
        for row, r in chunk.accepted
    ]
    await conn.copy_records_to_table("subject_staging", records=staged, columns=_STAGING)
    errors = [(import_id, row, field, why) for row, field, why in chunk.errors]
    await conn.copy_records_to_table("subject_import_error", records=errors, columns=_ERRORS)
    await conn.execute(
        "UPDATE subject_import SET chunks = chunks + 1, rows_received = rows_received + $2,"
        " rows_rejected = rows_rejected + $3 WHERE import_id = $1",
        import_id,
        chunk.rows,
        len({row for row, _, _ in chunk.errors}),
    )
    return True


# The last row of a subject wins; unchanged subjects are not rewritten (a re-import of the same
# million rows writes nothing), and the counts tell created from updated (xmax = 0 on insert).
_MERGE = """
WITH latest AS (
  SELECT DISTINCT ON (subject_code) * FROM subject_staging WHERE import_id = $1
  ORDER BY subject_code, row_no DESC
), up AS (
  INSERT INTO roster_subject AS r (department, subject_code, subject_kind, name, region_code, industry, tags,
    risk_level, active, source, updated_at)
  SELECT $2, subject_code, subject_kind, name, region_code, industry, tags, risk_level, true, 'import', $3
  FROM latest
  ON CONFLICT (department, subject_code) DO UPDATE SET subject_kind = excluded.subject_kind,
    name = excluded.name, region_code = excluded.region_code, industry = excluded.industry,
    tags = excluded.tags, risk_level = excluded.risk_level, active = true, source = 'import',
    updated_at = excluded.updated_at
  WHERE (r.subject_kind, r.name, r.region_code, r.industry, r.tags, r.risk_level, r.active, r.source)
    IS DISTINCT FROM (excluded.subject_kind, excluded.name, excluded.region_code, excluded.industry,
                      excluded.tags, excluded.risk_level, true, 'import')
  RETURNING xmax = 0 AS created
)
SELECT (SELECT count(*) FROM subject_staging WHERE import_id = $1) AS staged,
  (SELECT count(*) FROM latest) AS distinct_rows,
  count(*) FILTER (WHERE created) AS created, count(*) FILTER (WHERE NOT created) AS updated
FROM up
"""


async def commit(conn: Connection, imp: SubjectImport, now: dt.datetime) -> SubjectImport:
    """Merge the staged rows into the department's roster (the last row of a subject wins)."""
    import_id, department = imp.import_id, imp.department
    await conn.execute("SET LOCAL work_mem = '256MB'")  # the merge sorts the whole import once
    merged = one(await conn.fetchrow(_MERGE, import_id, department, now))
    deactivated = 0
    if imp.mode == IMPORT_REPLACE:
        deactivated = await _deactivate_missing(conn, import_id, department, now)
    await conn.execute("DELETE FROM subject_staging WHERE import_id = $1", import_id)
    return _import(
        await conn.fetchrow(
            "UPDATE subject_import SET status = 'IMPORT_STATUS_COMMITTED', created = $2, updated = $3,"
            " deactivated = $4, duplicates = $5, committed_at = $6 WHERE import_id = $1 RETURNING *",
            import_id,
            merged["created"],
            merged["updated"],
            deactivated,
            merged["staged"] - merged["distinct_rows"],
            now,
        )
    )


async def _deactivate_missing(
    conn: Connection, import_id: uuid.UUID, department: str, now: dt.datetime
) -> int:
    """A REPLACE import is the whole roster: earlier imported subjects missing from it go inactive
    (subjects that entered the pool from exempt commitments stay)."""
    result = await conn.execute(
        "UPDATE roster_subject r SET active = false, updated_at = $3"
        " WHERE r.department = $2 AND r.active AND r.source = 'import' AND NOT EXISTS"
        " (SELECT 1 FROM subject_staging s WHERE s.import_id = $1 AND s.subject_code = r.subject_code)",
        import_id,
        department,
        now,
    )
    return int(result.split()[-1])


async def errors(
    conn: Executor, import_id: uuid.UUID, after: tuple[int, str] | None, limit: int
) -> list[RowError]:
    rows = await conn.fetch(
        "SELECT row_no, field, description FROM subject_import_error WHERE import_id = $1"
        " AND ($2::bigint IS NULL OR (row_no, field) > ($2, $3)) ORDER BY row_no, field LIMIT $4",
        import_id,
        *(after or (None, None)),
        limit,
    )
    return [RowError(**r) for r in rows]


async def add_from_commitment(
    conn: Connection, row: tuple[str, str, str, str, str], now: dt.datetime
) -> None:
    """An exempt commitment puts its subject into the department's pool (免予核查 → 双随机)."""
    await conn.execute(
        "INSERT INTO roster_subject (department, subject_code, subject_kind, name, region_code, source,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, 'commitment', $6)"
        " ON CONFLICT (department, subject_code)"
        " DO UPDATE SET active = true, updated_at = excluded.updated_at"
        " WHERE NOT roster_subject.active",
        *row,
        now,
    )
