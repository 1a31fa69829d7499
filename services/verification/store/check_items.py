"""SQL of the random inspection list (随机抽查事项清单): one row per version of an item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, one_or_none, typed
from services.verification.domain.annual_plans import ItemInForce
from services.verification.domain.check_items import ItemDraft, Latest


@dataclass(frozen=True, slots=True)
class ListedItem:
    """A version of an item (a row of `check_item`)."""

    department: str
    code: str
    version: int
    name: str
    legal_basis: str
    inspection_type: str
    supervision_domain: str
    check_content: str
    check_method: str
    advance_notice_allowed: bool
    no_notice_reason: str
    effective_from: dt.date
    retired_on: dt.date | None
    recorded_by: str
    recorded_at: dt.datetime

    @property
    def latest(self) -> Latest:
        return Latest(self.code, self.version, self.effective_from, self.retired_on)


def _item(row: Row) -> ListedItem:
    return typed(ListedItem, row)


_LATEST = "SELECT * FROM check_item WHERE department = $1 AND code = $2 ORDER BY version DESC LIMIT 1"


async def latest(conn: Executor, department: str, code: str, *, lock: bool = False) -> ListedItem | None:
    """The item's latest version; `lock` serialises changes of the item (its first version included,
    which has no row to lock yet) until the transaction ends."""
    if lock:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", f"{department}\x1f{code}")
    return await one_or_none(conn, _item, _LATEST, department, code)


async def version(conn: Executor, department: str, code: str, number: int) -> ListedItem | None:
    return await one_or_none(
        conn,
        _item,
        "SELECT * FROM check_item WHERE department = $1 AND code = $2 AND version = $3",
        department,
        code,
        number,
    )


async def insert(
    conn: Connection, department: str, draft: ItemDraft, number: int, *, by: str, now: dt.datetime
) -> ListedItem:
    row = await conn.fetchrow(
        "INSERT INTO check_item (department, code, version, name, legal_basis, inspection_type,"
        " supervision_domain, check_content, check_method, advance_notice_allowed, no_notice_reason,"
        " effective_from, recorded_by, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *",
        department,
        draft.code,
        number,
        draft.name.strip(),
        draft.legal_basis.strip(),
        draft.inspection_type,
        draft.supervision_domain.strip(),
        draft.check_content.strip(),
        draft.check_method.strip(),
        draft.advance_notice_allowed,
        draft.no_notice_reason.strip(),
        draft.effective_from,
        by,
        now,
    )
    return _item(one(row))


async def retire(conn: Connection, department: str, code: str, number: int, on: dt.date) -> ListedItem:
    row = await conn.fetchrow(
        "UPDATE check_item SET retired_on = $4 WHERE department = $1 AND code = $2 AND version = $3"
        " RETURNING *",
        department,
        code,
        number,
        on,
    )
    return _item(one(row))


async def listing(
    conn: Executor, department: str, *, on: dt.date | None, after: str | None, limit: int
) -> list[ListedItem]:
    """The latest version of each of the department's items by code; with `on`, only items not
    retired by that date."""
    rows = await conn.fetch(
        "SELECT * FROM (SELECT DISTINCT ON (code) * FROM check_item WHERE department = $1"
        " ORDER BY code, version DESC) latest"
        " WHERE ($2::date IS NULL OR retired_on IS NULL OR retired_on > $2)"
        " AND ($3::text IS NULL OR code > $3) ORDER BY code LIMIT $4",
        department,
        on,
        after,
        limit,
    )
    return [_item(r) for r in rows]


async def in_force(conn: Executor, department: str, code: str, on: dt.date) -> ItemInForce | None:
    """The item's version in force on `on` (the latest taking effect by then), with the item's
    retirement date; None when the list has no such item by then."""
    row = await conn.fetchrow(
        "SELECT v.version, v.name, v.inspection_type, v.advance_notice_allowed, v.no_notice_reason,"
        " (SELECT retired_on FROM check_item l WHERE l.department = $1 AND l.code = $2"
        "  ORDER BY l.version DESC LIMIT 1) AS retired_on"
        " FROM check_item v WHERE v.department = $1 AND v.code = $2 AND v.effective_from <= $3"
        " ORDER BY v.version DESC LIMIT 1",
        department,
        code,
        on,
    )
    return typed(ItemInForce, row) if row else None
