"""SQL of the scene list (检查场景清单): one row per version of a scene."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, one_or_none, typed
from services.verification.domain.scenes import SceneItem


@dataclass(frozen=True, slots=True)
class Scene:
    """A version of a scene (a row of `scene`)."""

    lead_department: str
    code: str
    version: int
    name: str
    cooperating: tuple[str, ...]
    check_items: tuple[SceneItem, ...]
    effective_from: dt.date
    recorded_by: str
    recorded_at: dt.datetime


def _scene(row: Row) -> Scene:
    return typed(
        Scene,
        row,
        cooperating=tuple(row["cooperating"]),
        check_items=tuple(SceneItem.of_json(i) for i in row["check_items"]),
    )


async def latest(conn: Executor, lead: str, code: str, *, lock: bool = False) -> Scene | None:
    """The scene's latest version; `lock` serialises changes of the scene (its first version
    included) until the transaction ends."""
    if lock:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))", f"{lead}\x1f{code}")
    query = "SELECT * FROM scene WHERE lead_department = $1 AND code = $2 ORDER BY version DESC LIMIT 1"
    return await one_or_none(conn, _scene, query, lead, code)


async def version(conn: Executor, lead: str, code: str, number: int) -> Scene | None:
    query = "SELECT * FROM scene WHERE lead_department = $1 AND code = $2 AND version = $3"
    return await one_or_none(conn, _scene, query, lead, code, number)


async def insert(
    conn: Connection,
    lead: str,
    code: str,
    number: int,
    *,
    name: str,
    cooperating: Sequence[str],
    items: Sequence[SceneItem],
    effective_from: dt.date,
    by: str,
    now: dt.datetime,
) -> Scene:
    row = await conn.fetchrow(
        "INSERT INTO scene (lead_department, code, version, name, cooperating, check_items, effective_from,"
        " recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        lead,
        code,
        number,
        name.strip(),
        list(cooperating),
        [i.as_json() for i in items],
        effective_from,
        by,
        now,
    )
    return _scene(one(row))


async def listing(conn: Executor, department: str, after: tuple[str, str] | None, limit: int) -> list[Scene]:
    """The latest version of every scene the department leads or cooperates in."""
    rows = await conn.fetch(
        "SELECT * FROM (SELECT DISTINCT ON (lead_department, code) * FROM scene"
        " WHERE lead_department = $1 OR $1 = ANY (cooperating)"
        " ORDER BY lead_department, code, version DESC) latest"
        " WHERE ($2::text IS NULL OR (lead_department, code) > ($2, $3::text))"
        " ORDER BY lead_department, code LIMIT $4",
        department,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [_scene(r) for r in rows]
