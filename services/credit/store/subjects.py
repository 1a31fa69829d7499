"""Per-subject state: the versioned restriction set and grade, and kept commitments."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from services.credit.domain.standing import Kept
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import typed


@dataclass(frozen=True, slots=True)
class SubjectState:
    """What was last announced of a subject: its restriction set and its grade, each versioned."""

    subject_code: str
    subject_kind: str
    region: str
    version: int
    announced: list[dict[str, Any]] | None  # None: never announced
    grade: str | None
    score: int | None


@dataclass(frozen=True, slots=True)
class SubjectKey:
    subject_code: str
    subject_kind: str


async def lock(conn: Connection, kind: str, code: str, region: str) -> SubjectState:
    """The subject's state row, locked: every change of one subject happens in turn, and what is
    read after this sees every earlier change committed."""
    row = one(
        await conn.fetchrow(
            "INSERT INTO subject_version AS s (subject_code, subject_kind, version, region)"
            " VALUES ($1, $2, 0, $3)"
            " ON CONFLICT (subject_code) DO UPDATE SET region = excluded.region RETURNING *",
            code,
            kind,
            region,
        )
    )
    return typed(SubjectState, row)


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
) -> list[SubjectKey]:
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
    found = {r["subject_code"]: r for r in [*due, *stale]}.values()
    return [SubjectKey(r["subject_code"], r["subject_kind"]) for r in found]


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


async def kept(conn: Executor, code: str) -> list[Kept]:
    rows = await conn.fetch(
        "SELECT commitment_id, decision_date FROM kept_commitment WHERE subject_code = $1", code
    )
    return [Kept(r["commitment_id"], r["decision_date"]) for r in rows]
