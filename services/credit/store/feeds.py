"""Imported snapshots of other authorities' lists: the head of each feed and its entries."""

from __future__ import annotations

import datetime as dt
import uuid

from services.credit.domain.feeds import FeedEntry, Gathered, Plan
from services.kernel.db import Connection, Executor
from services.kernel.rows import Row, typed


def entry_of(row: Row) -> FeedEntry:
    return typed(FeedEntry, row)


async def lock_head(conn: Connection, source: str, region_code: str) -> dt.date | None:
    """The date of the last snapshot imported, locking the feed so snapshots apply one at a time
    (the advisory lock holds for a feed's first snapshot too, before its head row exists)."""
    key = f"feed/{source}/{region_code}"
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
    last: dt.date | None = await conn.fetchval(
        "SELECT last_snapshot FROM feed_head WHERE source = $1 AND region_code = $2 FOR UPDATE",
        source,
        region_code,
    )
    return last


async def open_entries(conn: Connection, source: str, region_code: str) -> list[FeedEntry]:
    rows = await conn.fetch(
        "SELECT * FROM feed_entry WHERE source = $1 AND region_code = $2 AND lifted_on IS NULL",
        source,
        region_code,
    )
    return [entry_of(r) for r in rows]


async def apply(  # noqa: PLR0917 - one snapshot of one feed, with who imported it
    conn: Connection,
    source: str,
    region_code: str,
    snapshot_date: dt.date,
    change: Plan,
    department: str,
    by: str,
    now: dt.datetime,
) -> None:
    await conn.execute(
        "INSERT INTO feed_head (source, region_code, last_snapshot, imported_at, imported_by, department)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, region_code) DO UPDATE SET"
        " last_snapshot = $3, imported_at = $4, imported_by = $5, department = $6",
        source,
        region_code,
        snapshot_date,
        now,
        by,
        department,
    )
    if change.lifted:
        await conn.execute(
            "UPDATE feed_entry SET lifted_on = $2 WHERE entry_id = ANY($1::uuid[])",
            [e.entry_id for e in change.lifted],
            snapshot_date,
        )
    await conn.executemany(
        "UPDATE feed_entry SET basis = $2, listed_on = $3, valid_until = $4, last_snapshot = $5,"
        " imported_at = $6 WHERE entry_id = $1",
        [(e.entry_id, r.basis, r.listed_on, r.valid_until, snapshot_date, now) for e, r in change.kept],
    )
    await conn.executemany(
        "INSERT INTO feed_entry (entry_id, source, region_code, subject_kind, subject_code, basis,"
        " listed_on, valid_until, first_snapshot, last_snapshot, imported_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
        [
            (
                uuid.uuid4(),
                source,
                region_code,
                r.subject_kind,
                r.subject_code,
                r.basis,
                r.listed_on,
                r.valid_until,
                snapshot_date,
                now,
            )
            for r in change.added
        ],
    )


async def of_subject(conn: Executor, code: str) -> list[FeedEntry]:
    rows = await conn.fetch("SELECT * FROM feed_entry WHERE subject_code = $1 ORDER BY listed_on", code)
    return [entry_of(r) for r in rows]


async def page(  # noqa: PLR0917 - a filtered page
    conn: Executor,
    source: str,
    region_code: str,
    subject_code: str | None,
    after: tuple[dt.date, uuid.UUID] | None,
    size: int,
) -> list[FeedEntry]:
    rows = await conn.fetch(
        "SELECT * FROM feed_entry WHERE source = $1 AND region_code = $2"
        " AND ($3::text IS NULL OR subject_code = $3)"
        " AND ($4::date IS NULL OR (listed_on, entry_id) < ($4, $5::uuid))"
        " ORDER BY listed_on DESC, entry_id DESC LIMIT $6",
        source,
        region_code,
        subject_code,
        after[0] if after else None,
        after[1] if after else None,
        size,
    )
    return [entry_of(r) for r in rows]


async def insert_gathered(conn: Connection, info: Gathered) -> Gathered | None:
    """None when the source department's case is gathered under the subject already."""
    row = await conn.fetchrow(
        "INSERT INTO gathered_information (info_id, subject_kind, subject_code, source_department, kind,"
        " decision_date, basis, case_number, submitted_by, submitted_department, submitted_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING *",
        info.info_id,
        info.subject_kind,
        info.subject_code,
        info.source_department,
        info.kind,
        info.decision_date,
        info.basis,
        info.case_number,
        info.submitted_by,
        info.submitted_department,
        info.submitted_at,
    )
    return typed(Gathered, row) if row else None


async def gathered_of(conn: Executor, code: str) -> list[Gathered]:
    rows = await conn.fetch(
        "SELECT * FROM gathered_information WHERE subject_code = $1 ORDER BY decision_date, info_id", code
    )
    return [typed(Gathered, r) for r in rows]
