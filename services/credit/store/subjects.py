"""Per-subject state: the versioned restriction set and grade, and kept commitments."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from services.kernel.db import Connection, Executor, one


async def lock(conn: Connection, kind: str, code: str, region: str) -> asyncpg.Record:
    """The subject's state row, locked: every change of one subject happens in turn, and what is
    read after this sees every earlier change committed."""
    return one(
        await conn.fetchrow(
            "INSERT INTO subject_version AS s (subject_code, subject_kind, version, region)"
            " VALUES ($1, $2, 0, $3)"
            " ON CONFLICT (subject_code) DO UPDATE SET region = excluded.region RETURNING *",
            code,
            kind,
            region,
        )
    )


async def announce(conn: Connection, code: str, announced: list[dict[str, Any]]) -> int:
    version: int = await conn.fetchval(
        "UPDATE subject_version SET version = version + 1, announced = $2"
        " WHERE subject_code = $1 RETURNING version",
        code,
        announced,
    )
    return version


async def save_grade(conn: Connection, code: str, grade: dict[str, Any], *, bump: bool) -> int:
    version: int = await conn.fetchval(
        "UPDATE subject_version SET grade = $2, score = $3, grade_points = $4, grade_rule_set = $5,"
        " graded_at = $6, review_on = $7, grade_version = grade_version + $8::int"
        " WHERE subject_code = $1 RETURNING grade_version",
        code,
        grade["grade"],
        grade["score"],
        grade["points"],
        grade["rule_set"],
        grade["at"],
        grade["review_on"],
        int(bump),
    )
    return version


async def claim_regrade(
    conn: Connection, today: dt.date, in_force: dict[str, str], batch: int
) -> list[asyncpg.Record]:
    """Subjects whose grade may be stale: a window closed, or another grading rule set now
    applies to their region (`in_force`: region -> rule set id). Replicas skip each other's."""
    due = await conn.fetch(
        "SELECT subject_code, subject_kind FROM subject_version WHERE review_on <= $1"
        " ORDER BY review_on LIMIT $2 FOR UPDATE SKIP LOCKED",
        today,
        batch,
    )
    stale = await conn.fetch(
        "SELECT s.subject_code, s.subject_kind FROM subject_version s"
        " JOIN unnest($1::text[], $2::text[]) AS x(region, id)"
        "   ON s.region = x.region AND s.grade_rule_set <> x.id"
        " LIMIT $3 FOR UPDATE OF s SKIP LOCKED",
        list(in_force),
        list(in_force.values()),
        batch,
    )
    return list({r["subject_code"]: r for r in [*due, *stale]}.values())


async def regions(conn: Connection) -> list[str]:
    rows = await conn.fetch("SELECT DISTINCT region FROM subject_version")
    return [r["region"] for r in rows]


async def add_kept(
    conn: Connection, commitment_id: str, *, kind: str, code: str, decided: dt.date, event_id: str
) -> bool:
    inserted = await conn.fetchval(
        "INSERT INTO kept_commitment VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING true",
        uuid.UUID(commitment_id),
        kind,
        code,
        decided,
        event_id,
    )
    return bool(inserted)


async def kept(conn: Executor, code: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT commitment_id, decision_date FROM kept_commitment WHERE subject_code = $1", code
    )
