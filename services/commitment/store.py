"""SQL of the commitment service. Functions take the unit of work's connection."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from google.protobuf.json_format import MessageToDict, ParseDict

from chengnuo.commitment.v1 import catalogue_pb2, commitment_pb2
from chengnuo.common.v1 import subject_pb2
from services.commitment.domain import CODE_SEQUENCE_MAX, Restriction
from services.contracts.subjects import subject_of
from services.kernel.db import Connection, Executor, one
from services.kernel.errors import FailedPrecondition, PreconditionViolation


def as_json(message: Any) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


async def insert_item(
    conn: Connection, department: str, draft: catalogue_pb2.ItemDraft, now: dt.datetime
) -> uuid.UUID:
    item_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO catalogue_item (item_id, department, created_at, updated_at, content)"
        " VALUES ($1, $2, $3, $3, $4)",
        item_id,
        department,
        now,
        as_json(draft),
    )
    return item_id


async def publish(conn: Connection, department: str, by: str, now: dt.datetime) -> asyncpg.Record:
    """Freeze the department's drafts into the next version (serialised per department)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('catalogue:' || $1))", department)
    version = await conn.fetchval(
        "SELECT coalesce(max(version), 0) + 1 FROM catalogue_version WHERE department = $1",
        department,
    )
    counts = one(
        await conn.fetchrow(
            "SELECT count(*) AS items,"
            "  count(*) FILTER (WHERE (content->>'commitment_allowed')::boolean) AS allowed"
            " FROM catalogue_item WHERE department = $1 AND NOT withdrawn",
            department,
        )
    )
    row = one(
        await conn.fetchrow(
            "INSERT INTO catalogue_version VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
            department,
            version,
            now,
            by,
            counts["items"],
            counts["allowed"],
        )
    )
    await conn.execute(
        "INSERT INTO item_version"
        " (item_id, version, department, name, region_code, commitment_allowed, content)"
        " SELECT item_id, $2, department, content->>'name', content->>'region_code',"
        "        coalesce((content->>'commitment_allowed')::boolean, false), content"
        " FROM catalogue_item WHERE department = $1 AND NOT withdrawn",
        department,
        version,
    )
    return row


@dataclass(frozen=True)
class ItemVersion:
    item_id: uuid.UUID
    version: int
    department: str
    published_at: dt.datetime
    draft: catalogue_pb2.ItemDraft

    def to_proto(self) -> catalogue_pb2.CatalogueItem:
        item = catalogue_pb2.CatalogueItem(
            item_id=str(self.item_id),
            department=self.department,
            version=self.version,
            content=self.draft,
        )
        item.published_at.FromDatetime(self.published_at)
        return item


_ITEM = """
SELECT i.item_id, i.version, i.department, v.published_at, i.content
FROM item_version i JOIN catalogue_version v USING (department, version)
"""


async def item_in_force(conn: Connection, item_id: uuid.UUID, at: dt.datetime) -> ItemVersion | None:
    """The item as in the department's latest version published by `at`, if it is still listed."""
    row = await conn.fetchrow(
        _ITEM + " WHERE i.item_id = $1 AND i.version = ("  # noqa: S608 (constant text, no input)
        "   SELECT max(c.version) FROM catalogue_version c"
        "   WHERE c.department = i.department AND c.published_at <= $2)",
        item_id,
        at,
    )
    return _item(row) if row else None


async def item_version(conn: Connection, item_id: uuid.UUID, version: int) -> ItemVersion | None:
    row = await conn.fetchrow(_ITEM + " WHERE i.item_id = $1 AND i.version = $2", item_id, version)
    return _item(row) if row else None


async def item_exists(conn: Connection, item_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM catalogue_item WHERE item_id = $1", item_id))


def _item(row: asyncpg.Record) -> ItemVersion:
    draft = ParseDict(row["content"], catalogue_pb2.ItemDraft(), ignore_unknown_fields=True)
    return ItemVersion(row["item_id"], row["version"], row["department"], row["published_at"], draft)


async def insert_commitment(conn: Connection, c: commitment_pb2.Commitment, region: str, by: str) -> None:
    await conn.execute(
        "INSERT INTO commitment VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        uuid.UUID(c.commitment_id),
        c.code,
        subject_pb2.SubjectKind.Name(c.subject.kind),
        c.subject.code,
        c.subject_name,
        uuid.UUID(c.item_id),
        c.item_version,
        c.department,
        region,
        c.case_number,
        commitment_pb2.Channel.Name(c.channel),
        commitment_pb2.PublicationType.Name(c.publication_type),
        c.recorded_at.ToDatetime(tzinfo=dt.UTC),
        by,
    )


async def get_commitment(conn: Connection, commitment_id: uuid.UUID) -> commitment_pb2.Commitment | None:
    row = await conn.fetchrow("SELECT * FROM commitment WHERE commitment_id = $1", commitment_id)
    return _commitment(row) if row else None


def _commitment(row: asyncpg.Record) -> commitment_pb2.Commitment:
    c = commitment_pb2.Commitment(
        commitment_id=str(row["commitment_id"]),
        code=row["code"],
        subject=subject_of(row["subject_kind"], row["subject_code"]),
        subject_name=row["subject_name"],
        item_id=str(row["item_id"]),
        item_version=row["item_version"],
        department=row["department"],
        case_number=row["case_number"],
        channel=commitment_pb2.Channel.Value(row["channel"]),
        publication_type=commitment_pb2.PublicationType.Value(row["publication_type"]),
    )
    c.recorded_at.FromDatetime(row["recorded_at"])
    return c


class CodeSequences:
    """Hands out commitment code sequence numbers per (region, day) in blocks.

    Each block is reserved by its own short statement outside the caller's transaction, so
    concurrent commitments never wait on one counter row until commit. Numbers of a block left
    unused when a process stops are skipped: codes stay unique, not gapless.
    """

    def __init__(self, pool: asyncpg.Pool, block: int = 20) -> None:
        self.pool, self.block = pool, block
        self._free: dict[tuple[str, dt.date], tuple[int, int]] = {}
        self._lock = asyncio.Lock()

    async def next(self, region: str, day: dt.date) -> int:
        async with self._lock:
            low, high = self._free.get((region, day), (0, 0))
            if low >= high:
                high = await self.pool.fetchval(
                    "INSERT INTO code_block AS b (region_code, day, next) VALUES ($1, $2, $3 + 1)"
                    " ON CONFLICT (region_code, day) DO UPDATE SET next = b.next + $3"
                    " RETURNING next",
                    region,
                    day,
                    self.block,
                )
                low = high - self.block
            if low > CODE_SEQUENCE_MAX:
                raise FailedPrecondition(
                    "the region has used every commitment code of the day",
                    [
                        PreconditionViolation(
                            "CODE_SEQUENCE_EXHAUSTED", region, f"{CODE_SEQUENCE_MAX} codes a day"
                        )
                    ],
                )
            self._free[(region, day)] = (low + 1, high)
            return low


async def restrictions_of(conn: Executor, subject_code: str) -> list[Restriction]:
    stored = await conn.fetchval(
        "SELECT restrictions FROM subject_restriction WHERE subject_code = $1", subject_code
    )
    return [_restriction(r) for r in stored or []]


def _restriction(r: dict[str, Any]) -> Restriction:
    return Restriction(
        cause=r["cause"],
        record_id=r["record_id"],
        description=r["description"],
        repairable_from=dt.date.fromisoformat(r["repairable_from"]) if r.get("repairable_from") else None,
        ends_on=dt.date.fromisoformat(r["ends_on"]) if r.get("ends_on") else None,
    )


async def save_restrictions(
    conn: Connection,
    subject_code: str,
    version: int,
    restrictions: list[Restriction],
    at: dt.datetime,
) -> bool:
    """Keep the newest statement per subject; an older event arriving late changes nothing."""
    rows = [
        {
            "cause": r.cause,
            "record_id": r.record_id,
            "description": r.description,
            "repairable_from": r.repairable_from.isoformat() if r.repairable_from else None,
            "ends_on": r.ends_on.isoformat() if r.ends_on else None,
        }
        for r in restrictions
    ]
    stored = await conn.fetchval(
        "INSERT INTO subject_restriction AS s VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (subject_code) DO UPDATE SET version = excluded.version,"
        "  restrictions = excluded.restrictions, changed_at = excluded.changed_at"
        " WHERE excluded.version > s.version RETURNING true",
        subject_code,
        version,
        rows,
        at,
    )
    return bool(stored)
