"""SQL of catalogues: draft items, published versions and their items, filings."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.json_format import MessageToDict, ParseDict

from chengnuo.commitment.v1 import catalogue_pb2
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed


def as_json(message: Any) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def parse_draft(content: dict[str, Any]) -> catalogue_pb2.ItemDraft:
    return ParseDict(content, catalogue_pb2.ItemDraft(), ignore_unknown_fields=True)


@dataclass(frozen=True, slots=True)
class Draft:
    item_id: uuid.UUID
    department: str
    revision: int
    withdrawn: bool
    updated_at: dt.datetime
    draft: catalogue_pb2.ItemDraft


@dataclass(frozen=True, slots=True)
class Filing:
    filed_on: dt.date
    reference: str
    authority: str
    recorded_at: dt.datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class CatalogueVersion:
    department: str
    version: int
    published_at: dt.datetime
    published_by: str
    item_count: int
    commitment_item_count: int
    region_code: str
    filing: Filing | None = None

    def audited(self) -> dict[str, Any]:
        """The version as the audit trail records its publication (the stored row)."""
        return {
            "department": self.department,
            "version": self.version,
            "published_at": self.published_at,
            "published_by": self.published_by,
            "item_count": self.item_count,
            "commitment_item_count": self.commitment_item_count,
            "region_code": self.region_code,
        }


@dataclass(frozen=True, slots=True)
class PublishedItem:
    item_id: uuid.UUID
    name: str
    region_code: str
    commitment_allowed: bool


def _draft(row: Row) -> Draft:
    return typed(Draft, row, draft=parse_draft(row["content"]))


Drafts = Sequence[tuple[uuid.UUID, catalogue_pb2.ItemDraft]]


def _arrays(drafts: Drafts) -> tuple[list[uuid.UUID], list[str]]:
    """The ids and the JSON contents of `drafts`, as the unnest of one statement takes them."""
    return [item_id for item_id, _ in drafts], [json.dumps(as_json(d), ensure_ascii=False) for _, d in drafts]


async def insert_items(conn: Connection, department: str, drafts: Drafts, now: dt.datetime) -> None:
    """One statement for any number of new drafts (bulk imports send hundreds)."""
    await conn.execute(
        "INSERT INTO catalogue_item (item_id, department, created_at, updated_at, content)"
        " SELECT id, $1, $2, $2, content::jsonb FROM unnest($3::uuid[], $4::text[]) AS t(id, content)",
        department,
        now,
        *_arrays(drafts),
    )


async def update_items(conn: Connection, department: str, drafts: Drafts, now: dt.datetime) -> list[Draft]:
    rows = await conn.fetch(
        "UPDATE catalogue_item c SET content = t.content::jsonb, revision = c.revision + 1, updated_at = $2"
        " FROM unnest($3::uuid[], $4::text[]) AS t(id, content)"
        " WHERE c.item_id = t.id AND c.department = $1 AND NOT c.withdrawn RETURNING c.*",
        department,
        now,
        *_arrays(drafts),
    )
    return [_draft(r) for r in rows]


_DRAFT = "SELECT * FROM catalogue_item WHERE item_id = $1"


async def lock_draft(conn: Connection, item_id: uuid.UUID) -> Draft | None:
    return await one_or_none(conn, _draft, for_update(_DRAFT, True), item_id)


async def get_draft(conn: Executor, item_id: uuid.UUID) -> Draft | None:
    return await one_or_none(conn, _draft, _DRAFT, item_id)


async def withdraw_item(conn: Connection, item_id: uuid.UUID, reason: str, now: dt.datetime) -> Draft:
    row = await conn.fetchrow(
        "UPDATE catalogue_item SET withdrawn = true, withdrawn_at = $2, withdrawal_reason = $3,"
        " revision = revision + 1, updated_at = $2 WHERE item_id = $1 RETURNING *",
        item_id,
        now,
        reason,
    )
    return _draft(one(row))


async def live_drafts(conn: Connection, department: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `ids` are drafts of the department that are not withdrawn."""
    rows = await conn.fetch(
        "SELECT item_id FROM catalogue_item WHERE item_id = ANY($1::uuid[]) AND department = $2"
        " AND NOT withdrawn",
        list(ids),
        department,
    )
    return {r["item_id"] for r in rows}


async def list_drafts(
    conn: Executor, department: str, withdrawn: bool, after: tuple[str, uuid.UUID] | None, size: int
) -> list[Draft]:
    rows = await conn.fetch(
        "SELECT * FROM catalogue_item WHERE department = $1 AND ($2 OR NOT withdrawn)"
        " AND ($3::text IS NULL OR (content->>'name', item_id) > ($3, $4::uuid))"
        " ORDER BY content->>'name', item_id LIMIT $5",
        department,
        withdrawn,
        *(after or (None, None)),
        size,
    )
    return [_draft(r) for r in rows]


async def publish(
    conn: Connection, department: str, region: str, by: str, now: dt.datetime
) -> tuple[CatalogueVersion, list[PublishedItem]]:
    """Freeze the department's drafts into the next version (serialised per department)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('catalogue:' || $1))", department)
    row = one(await conn.fetchrow(_NEW_VERSION, department, now, by, region))
    items = await conn.fetch(_SNAPSHOT, department, row["version"])
    return _version(row), [typed(PublishedItem, i) for i in items]


_NEW_VERSION = """
INSERT INTO catalogue_version (department, version, published_at, published_by, item_count,
                               commitment_item_count, region_code)
SELECT $1, (SELECT coalesce(max(version), 0) + 1 FROM catalogue_version WHERE department = $1),
       $2, $3, count(*), count(*) FILTER (WHERE (content->>'commitment_allowed')::boolean), $4
FROM catalogue_item WHERE department = $1 AND NOT withdrawn
RETURNING *
"""

# Every live draft as it stands becomes the item's immutable version.
_SNAPSHOT = """
INSERT INTO item_version (item_id, version, department, name, region_code, commitment_allowed, content)
SELECT item_id, $2, department, content->>'name', content->>'region_code',
       coalesce((content->>'commitment_allowed')::boolean, false), content
FROM catalogue_item WHERE department = $1 AND NOT withdrawn
RETURNING item_id, name, region_code, commitment_allowed
"""


_VERSION = """
SELECT v.*, f.filed_on, f.reference, f.authority, f.recorded_at AS filing_recorded_at,
       f.recorded_by AS filing_recorded_by
FROM catalogue_version v LEFT JOIN catalogue_filing f USING (department, version)
"""


def _version(row: Row, filing: Filing | None = None) -> CatalogueVersion:
    return typed(CatalogueVersion, row, filing=filing)


def _filed(row: Row) -> CatalogueVersion:
    """A version read with its filing (_VERSION), if it was filed."""
    if not row["filed_on"]:
        return _version(row)
    filing = Filing(
        row["filed_on"],
        row["reference"],
        row["authority"],
        row["filing_recorded_at"],
        row["filing_recorded_by"],
    )
    return _version(row, filing)


async def get_version(conn: Executor, department: str, version: int) -> CatalogueVersion | None:
    query = _VERSION + " WHERE v.department = $1 AND v.version = $2"
    return await one_or_none(conn, _filed, query, department, version)


async def list_versions(
    conn: Executor, department: str, before: int | None, size: int
) -> list[CatalogueVersion]:
    rows = await conn.fetch(
        _VERSION + " WHERE v.department = $1 AND ($2::int IS NULL OR v.version < $2)"
        " ORDER BY v.version DESC LIMIT $3",
        department,
        before,
        size,
    )
    return [_filed(r) for r in rows]


async def record_filing(conn: Connection, department: str, version: int, filing: Filing) -> bool:
    """False when the version was filed before (a filing is recorded once)."""
    stored = await conn.fetchval(
        "INSERT INTO catalogue_filing VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT DO NOTHING RETURNING true",
        department,
        version,
        filing.filed_on,
        filing.reference,
        filing.authority,
        filing.recorded_at,
        filing.recorded_by,
    )
    return bool(stored)
