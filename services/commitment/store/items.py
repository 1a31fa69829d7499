"""Published item versions: reads, the catalogue in force, and a cache of parsed versions.

An item version never changes once published, so a parsed copy may be kept for the life of the
process; only the question "which version is in force" has to go to the database.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment.store.catalogue import parse_draft
from services.kernel.db import Executor

Key = tuple[uuid.UUID, int]


@dataclass(frozen=True, slots=True)
class ItemVersion:
    item_id: uuid.UUID
    version: int
    department: str
    published_at: dt.datetime
    draft: catalogue_pb2.ItemDraft  # never changed once published


@dataclass(frozen=True, slots=True)
class ListFilter:
    department: str
    commitment_only: bool
    region_prefix: str
    matter: str
    text: str  # already a LIKE pattern, or ""


_ITEM = """
SELECT i.item_id, i.version, i.department, v.published_at, i.content
FROM item_version i JOIN catalogue_version v USING (department, version)
"""

# The version of item {item} in the department's latest catalogue published by {at}, if listed.
IN_FORCE_OF = """
SELECT i.item_id, i.version, i.department, v.published_at
FROM item_version i JOIN catalogue_version v USING (department, version)
WHERE i.item_id = {item} AND i.version = (
    SELECT max(c.version) FROM catalogue_version c
    WHERE c.department = i.department AND c.published_at <= {at})
"""
IN_FORCE = IN_FORCE_OF.format(item="$1", at="$2")

_LIST = """
WITH v AS (
    SELECT DISTINCT ON (department) department, version, published_at FROM catalogue_version
    WHERE published_at <= $1 AND ($2 = '' OR department = $2)
    ORDER BY department, version DESC)
SELECT i.item_id, i.version, i.department, v.published_at, i.content
FROM v JOIN item_version i USING (department, version)
WHERE (NOT $3 OR i.commitment_allowed)
  AND ($4 = '' OR i.region_code LIKE $4 || '%')
  AND ($5 = '' OR i.content->'matters' ? $5)
  AND ($6 = '' OR i.name ILIKE $6 OR i.content->>'certified_content' ILIKE $6)
  AND ($7::text IS NULL OR (i.department, i.name, i.item_id) > ($7, $8, $9::uuid))
ORDER BY i.department, i.name, i.item_id
LIMIT $10
"""


class ItemVersions:
    """Reads of published item versions through a bounded cache of parsed ones."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._parsed: OrderedDict[Key, ItemVersion] = OrderedDict()

    def _from_row(self, row: asyncpg.Record) -> ItemVersion:
        key = (row["item_id"], row["version"])
        found = self._parsed.get(key)
        if found is None:
            found = ItemVersion(
                key[0], key[1], row["department"], row["published_at"], parse_draft(row["content"])
            )
            self._keep(found)
        return found

    def _keep(self, item: ItemVersion) -> None:
        self._parsed[(item.item_id, item.version)] = item
        if len(self._parsed) > self.limit:
            self._parsed.popitem(last=False)

    async def get(self, conn: Executor, item_id: uuid.UUID, version: int) -> ItemVersion | None:
        found = self._parsed.get((item_id, version))
        if found is not None:
            return found
        row = await conn.fetchrow(_ITEM + " WHERE i.item_id = $1 AND i.version = $2", item_id, version)
        return self._from_row(row) if row else None

    async def many(self, conn: Executor, keys: Iterable[Key]) -> dict[Key, ItemVersion]:
        """Several versions with at most one query for those not parsed yet (no N+1)."""
        wanted = set(keys)
        missing = [k for k in wanted if k not in self._parsed]
        if missing:
            rows = await conn.fetch(
                _ITEM + " JOIN unnest($1::uuid[], $2::int[]) AS k(id, ver)"
                " ON i.item_id = k.id AND i.version = k.ver",
                [k[0] for k in missing],
                [k[1] for k in missing],
            )
            for row in rows:
                self._from_row(row)
        return {k: self._parsed[k] for k in wanted if k in self._parsed}

    async def in_force(self, conn: Executor, item_id: uuid.UUID, at: dt.datetime) -> ItemVersion | None:
        """The item as in the department's latest version published by `at`, if still listed."""
        row = await conn.fetchrow(IN_FORCE, item_id, at)
        return await self.get(conn, item_id, row["version"]) if row else None

    async def listing(
        self,
        conn: Executor,
        at: dt.datetime,
        f: ListFilter,
        after: tuple[str, str, uuid.UUID] | None,
        size: int,
    ) -> list[ItemVersion]:
        rows = await conn.fetch(
            _LIST,
            at,
            f.department,
            f.commitment_only,
            f.region_prefix,
            f.matter,
            f.text,
            *(after or (None, None, None)),
            size,
        )
        return [self._from_row(r) for r in rows]

    async def exists(self, conn: Executor, item_id: uuid.UUID) -> bool:
        """Whether the item exists at all (as a draft at least)."""
        return bool(await conn.fetchval("SELECT true FROM catalogue_item WHERE item_id = $1", item_id))
