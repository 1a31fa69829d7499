"""SQL of publication (公示): public numbers (公示编号), assigned once per published thing and
kind, and what a published draw needs besides the draw itself (the pool with each subject's
kind, the natural persons among the inspectors' conflicts, the deciding department's name)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection, Executor
from services.verification.domain.publication import public_number

NATURAL_PERSON = "SUBJECT_KIND_NATURAL_PERSON"


@dataclass(frozen=True, slots=True)
class PoolSubject:
    """A subject of a draw's pool snapshot; `natural` when a natural person (or no longer on the
    roster, so its code stays masked as in the draw's own listing)."""

    code: str
    grade: int
    priority: bool
    natural: bool


@dataclass(frozen=True, slots=True)
class Authority:
    """A department as published: its name (the code when the roster has none) and region."""

    code: str
    name: str
    region_code: str


async def number(
    conn: Connection, entity: str, kind: str, *, department: str, year: int, at: dt.datetime
) -> str:
    """The number of `entity` for `kind`, made now if it has none. Callers hold the entity's
    row lock (a task, a draw's plan, a result's inspection), so two numbers never race."""
    found = await known(conn, entity, kind)
    if found is not None:
        return found
    seq = int(await conn.fetchval("SELECT nextval('public_number_seq')"))
    made = public_number(department, kind, year, seq)
    await conn.execute("INSERT INTO public_number VALUES ($1, $2, $3, $4)", entity, kind, made, at)
    return made


async def known(conn: Executor, entity: str, kind: str) -> str | None:
    found = await conn.fetchval(
        "SELECT number FROM public_number WHERE entity = $1 AND kind = $2", entity, kind
    )
    return str(found) if found is not None else None


async def pool_subjects(conn: Executor, draw_id: uuid.UUID, departments: Sequence[str]) -> list[PoolSubject]:
    """The draw's pool snapshot in its stored order (by code, byte order) with each subject's kind."""
    rows = await conn.fetch(
        "SELECT u.code, u.grade, u.priority, coalesce(s.subject_kind, $3) = $3 AS natural"
        " FROM draw_pool d, unnest(d.codes, d.grades, d.priorities) WITH ORDINALITY"
        "  AS u(code, grade, priority, n)"
        " LEFT JOIN LATERAL (SELECT x.subject_kind FROM roster_subject x"
        "  WHERE x.department = ANY($2) AND x.subject_code = u.code ORDER BY x.department LIMIT 1) s ON true"
        " WHERE d.draw_id = $1 ORDER BY u.n",
        draw_id,
        list(departments),
        NATURAL_PERSON,
    )
    return [PoolSubject(r["code"], r["grade"], r["priority"], r["natural"]) for r in rows]


async def natural_conflicts(conn: Executor, numbers: Sequence[str]) -> set[str]:
    """The codes of natural persons the inspectors declared a conflict with (回避)."""
    rows = await conn.fetch(
        "SELECT DISTINCT subject_code FROM inspector_conflict"
        " WHERE certificate_number = ANY($1) AND subject_kind = $2",
        list(numbers),
        NATURAL_PERSON,
    )
    return {r["subject_code"] for r in rows}


async def authority(conn: Executor, code: str, region_code: str = "") -> Authority:
    """The department as published; `region_code` when the roster of departments does not know it."""
    row = await conn.fetchrow("SELECT name, region_code FROM department WHERE code = $1", code)
    if row is None:
        return Authority(code, code, region_code)
    return Authority(code, row["name"] or code, row["region_code"] or region_code)
