"""In-memory versions of the commitment service's stores, for handler tests without PostgreSQL.

They keep the signatures of the stores in services/commitment/store/ (the protocols of
services/commitment/api/deps.py) and work on the MemoryTables of tests/support/memory.py:

    db = MemoryDatabase(FixedClock(at), CATALOG)
    deps = commitment_deps(db)
    item = publish(db.tables, draft, department="350200-SCJ", at=at)
    restrict(db.tables, "91350200MA2YJ1XR9G", [Restriction(...)])
    RecordingHandlers(deps).RecordCommitment(request, None)

The tables hold what the migrations' tables hold, one dict per row under the same column names:
`catalogue_item`, `catalogue_version`, `item_version` (its `content` the parsed ItemDraft),
`subject_restriction`, `certificate_route` and `commitment` (its rows as RecordCommitment plans
them: the columns of store.commitments.COLUMNS, the rest at the defaults of the migrations).
Unique keys are declared as the migrations declare them; the partial index of one live
commitment per item and case is a plain key here (withdrawn commitments count too).

The listings and the catalogue store are the production modules: they run SQL, which
MemoryTables refuses, so a handler test that reaches them fails loudly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import cast

import asyncpg

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment.api.deps import Deps
from services.commitment.domain.commitments import ACTIVE, CONCLUDED, WITHDRAWN, CertificateRoute, Commitment
from services.commitment.domain.eligibility import Restriction
from services.commitment.domain.recording import Lookup, LookupKey, check_sequence
from services.commitment.store import catalogue, commitments, listings
from services.commitment.store.eligibility import parse_restrictions, stated
from services.commitment.store.items import ItemVersion, Key, ListFilter
from services.commitment.store.stores import Stores
from services.kernel.calendar import WorkingCalendar
from services.kernel.db import Connection, Executor
from services.kernel.errors import AlreadyExists
from services.kernel.features.sharing.gate import SharingGate
from tests.support.memory import MemoryBatcher, MemoryDatabase, MemoryTables, Row

# The columns of a commitment that RecordCommitment does not write, at their defaults.
_DEFAULTS: Row = {
    "status": ACTIVE,
    "withdrawn_at": None,
    "withdrawal_reason": "",
    "matter_concluded_on": None,
    "fulfilment": "FULFILMENT_STATUS_PENDING",
    "fulfilment_by": "",
    "fulfilment_on": None,
    "fulfilment_at": None,
}


def declare_keys(tables: MemoryTables) -> None:
    """The unique keys of the commitment service's tables."""
    tables.unique("catalogue_item", "item_id")
    tables.unique("catalogue_version", "department", "version")
    tables.unique("item_version", "item_id", "version")
    tables.unique("subject_restriction", "subject_code")
    tables.unique("commitment", "commitment_id")
    tables.unique("commitment", "code")
    tables.unique("commitment", "item_id", "case_number")
    tables.unique("certificate_route", "route_id")
    tables.unique("certificate_route", "item_id", "case_number")


def _in_force(t: MemoryTables, item_id: uuid.UUID, at: dt.datetime) -> int | None:
    """The version of the item in its department's latest catalogue published by `at`, if listed
    there (store.items.IN_FORCE_OF)."""
    listed = t.rows("item_version", item_id=item_id)
    if not listed:
        return None
    department = listed[0]["department"]
    published = [
        v["version"] for v in t.rows("catalogue_version", department=department) if v["published_at"] <= at
    ]
    latest = max(published, default=None)
    return latest if latest is not None and t.first("item_version", item_id=item_id, version=latest) else None


def _commitment(row: Row) -> Commitment:
    # The production mapping reads a row by column name, as a dict is read.
    return commitments.commitment_of(cast(asyncpg.Record, {**_DEFAULTS, **row}))


class MemoryCommitments:
    """store.commitments on MemoryTables."""

    async def lookup(
        self, conn: Executor, item_id: uuid.UUID, at: dt.datetime, subject_code: str, case_number: str
    ) -> Lookup:
        t = MemoryTables.of(conn)
        version = _in_force(t, item_id, at)
        stated = t.first("subject_restriction", subject_code=subject_code)
        return Lookup(
            version=version,
            known=version is not None or t.first("catalogue_item", item_id=item_id) is not None,
            restrictions=tuple(parse_restrictions(stated["restrictions"] if stated else None)),
            certificate_route=t.first("certificate_route", item_id=item_id, case_number=case_number)
            is not None,
        )

    # Queuing the row on the plan is the production code: the MemoryBatcher writes it.
    insert = staticmethod(commitments.insert)

    async def get(self, conn: Executor, commitment_id: uuid.UUID) -> Commitment | None:
        found = MemoryTables.of(conn).first("commitment", commitment_id=commitment_id)
        return _commitment(found) if found else None

    lock = get  # one transaction at a time in memory: reading is locking

    async def withdraw(
        self, conn: Connection, commitment_id: uuid.UUID, reason: str, now: dt.datetime
    ) -> Commitment:
        changes = {"status": WITHDRAWN, "withdrawn_at": now, "withdrawal_reason": reason}
        (row,) = MemoryTables.of(conn).update("commitment", changes, commitment_id=commitment_id)
        return _commitment(row)

    async def conclude(self, conn: Connection, commitment_id: uuid.UUID, day: dt.date) -> Commitment:
        changes = {"status": CONCLUDED, "matter_concluded_on": day}
        (row,) = MemoryTables.of(conn).update("commitment", changes, commitment_id=commitment_id)
        return _commitment(row)

    async def insert_route(self, conn: Connection, r: CertificateRoute, by: str) -> None:
        row = asdict(r)
        try:
            MemoryTables.of(conn).insert("certificate_route", {**row, "chosen_by": by})
        except asyncpg.UniqueViolationError:
            raise AlreadyExists("certificate route", f"item {r.item_id} in case {r.case_number}") from None

    async def live_in_case(self, conn: Executor, item_id: uuid.UUID, case_number: str) -> uuid.UUID | None:
        found = MemoryTables.of(conn).rows("commitment", item_id=item_id, case_number=case_number)
        live = [c["commitment_id"] for c in found if c.get("status", ACTIVE) != WITHDRAWN]
        return live[0] if live else None


class MemoryItems:
    """store.items.ItemVersions on MemoryTables (no cache: the tables are memory already)."""

    async def get(self, conn: Executor, item_id: uuid.UUID, version: int) -> ItemVersion | None:
        t = MemoryTables.of(conn)
        found = t.first("item_version", item_id=item_id, version=version)
        if found is None:
            return None
        published = t.first("catalogue_version", department=found["department"], version=version)
        assert published is not None
        return ItemVersion(item_id, version, found["department"], published["published_at"], found["content"])

    async def many(self, conn: Executor, keys: Iterable[Key]) -> dict[Key, ItemVersion]:
        found = {k: await self.get(conn, *k) for k in set(keys)}
        return {k: v for k, v in found.items() if v is not None}

    async def in_force(self, conn: Executor, item_id: uuid.UUID, at: dt.datetime) -> ItemVersion | None:
        version = _in_force(MemoryTables.of(conn), item_id, at)
        return await self.get(conn, item_id, version) if version is not None else None

    async def listing(
        self,
        conn: Executor,
        at: dt.datetime,
        f: ListFilter,
        after: tuple[str, str, uuid.UUID] | None,
        size: int,
    ) -> list[ItemVersion]:
        raise NotImplementedError("the catalogue listing has no memory version (yet)")

    async def exists(self, conn: Executor, item_id: uuid.UUID) -> bool:
        return MemoryTables.of(conn).first("catalogue_item", item_id=item_id) is not None


class MemoryCodes:
    """store.codes.CodeSequences without blocks: 1, 2, ... per region and day."""

    def __init__(self) -> None:
        self.issued: dict[tuple[str, dt.date], int] = {}

    async def next(self, region: str, day: dt.date) -> int:
        sequence = self.issued.get((region, day), 0) + 1
        check_sequence(region, sequence)
        self.issued[(region, day)] = sequence
        return sequence


class MemoryLookups:
    """The coalesced lookup of recording (kernel.coalesce.Coalescer over store.commitments)."""

    def __init__(self, pool: Executor, store: MemoryCommitments) -> None:
        self.pool, self.store = pool, store
        self.keys: list[LookupKey] = []

    async def get(self, key: LookupKey) -> Lookup:
        self.keys.append(key)
        return await self.store.lookup(self.pool, *key)


class _Calendar:
    current = WorkingCalendar({})


def commitment_deps(db: MemoryDatabase, credit_view_as_of: dt.datetime | None = None) -> Deps:
    """The commitment service's Deps on `db`, with the memory stores above."""
    declare_keys(db.tables)
    store = MemoryCommitments()
    return Deps(
        db=db,
        store=Stores(
            commitments=store,
            listings=listings,
            items=MemoryItems(),
            catalogue=catalogue,
            codes=MemoryCodes(),
        ),
        batcher=MemoryBatcher(db),
        lookups=MemoryLookups(db.pool, store),
        calendar=_Calendar(),
        filing_rules=(),
        sharing=SharingGate(db),
        credit_view_as_of=lambda: credit_view_as_of,
    )


def publish(
    tables: MemoryTables,
    draft: catalogue_pb2.ItemDraft,
    *,
    department: str,
    at: dt.datetime,
    item_id: uuid.UUID | None = None,
) -> ItemVersion:
    """A new catalogue version of `department`, published at `at`, listing the item `draft` (a new
    one unless `item_id` is given) and the department's other items as their last versions had them."""
    item_id = item_id or uuid.uuid4()
    if tables.first("catalogue_item", item_id=item_id) is None:
        tables.insert("catalogue_item", {"item_id": item_id, "department": department, "withdrawn": False})
    version = 1 + max(
        (v["version"] for v in tables.rows("catalogue_version", department=department)), default=0
    )
    tables.insert("catalogue_version", {"department": department, "version": version, "published_at": at})
    listed = {
        r["item_id"]: r["content"]
        for r in tables.rows("item_version", department=department, version=version - 1)
    }
    listed[item_id] = draft
    for listed_id, content in listed.items():
        tables.insert(
            "item_version",
            {"item_id": listed_id, "version": version, "department": department, "content": content},
        )
    return ItemVersion(item_id, version, department, at, draft)


def restrict(
    tables: MemoryTables, subject_code: str, restrictions: Sequence[Restriction], version: int = 1
) -> None:
    """The credit restrictions of a subject, as the credit service's RestrictionChanged left them
    (store.eligibility.save_restrictions)."""
    tables.delete("subject_restriction", subject_code=subject_code)
    tables.insert(
        "subject_restriction",
        {"subject_code": subject_code, "version": version, "restrictions": stated(restrictions)},
    )
