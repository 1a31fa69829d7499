"""The stores the commitment service's handlers use, one protocol each (what the handlers call).

In production the store modules themselves (and the item version cache and code sequences of
store/), built by main.py; in the handler unit tests in-memory versions
(tests/support/memory_commitment.py). A store module satisfies its protocol as it is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.commitment.domain.commitments import CertificateRoute, Commitment
from services.commitment.domain.publication import Published
from services.commitment.domain.recording import Lookup
from services.commitment.store.catalogue import CatalogueVersion, Draft, Drafts, Filing, PublishedItem
from services.commitment.store.items import ItemVersion, Key, ListFilter
from services.commitment.store.listings import Cursor, PublicFilter, StaffFilter
from services.kernel.writes import PendingWrites

# What a store reads and writes through: a unit of work's connection or the pool in production,
# the in-memory tables in the handler tests.
Conn = Any


class CommitmentStore(Protocol):
    async def lookup(
        self, conn: Conn, item_id: uuid.UUID, at: dt.datetime, subject_code: str, case_number: str
    ) -> Lookup: ...
    def insert(self, writes: PendingWrites, c: Commitment) -> None: ...
    async def get(self, conn: Conn, commitment_id: uuid.UUID) -> Commitment | None: ...
    async def lock(self, conn: Conn, commitment_id: uuid.UUID) -> Commitment | None: ...
    async def withdraw(
        self, conn: Conn, commitment_id: uuid.UUID, reason: str, now: dt.datetime
    ) -> Commitment: ...
    async def conclude(self, conn: Conn, commitment_id: uuid.UUID, day: dt.date) -> Commitment: ...
    async def insert_route(self, conn: Conn, r: CertificateRoute, by: str) -> None: ...
    async def live_in_case(self, conn: Conn, item_id: uuid.UUID, case_number: str) -> uuid.UUID | None: ...


class ListingStore(Protocol):
    async def for_staff(
        self, conn: Conn, f: StaffFilter, after: Cursor | None, size: int
    ) -> list[Commitment]: ...
    async def for_public(
        self, conn: Conn, f: PublicFilter, after: Cursor | None, size: int
    ) -> list[Published]: ...
    async def of_subject(
        self, conn: Conn, code: str, after: Cursor | None, size: int
    ) -> list[Commitment]: ...


class ItemStore(Protocol):
    async def get(self, conn: Conn, item_id: uuid.UUID, version: int) -> ItemVersion | None: ...
    async def many(self, conn: Conn, keys: Iterable[Key]) -> dict[Key, ItemVersion]: ...
    async def in_force(self, conn: Conn, item_id: uuid.UUID, at: dt.datetime) -> ItemVersion | None: ...
    async def listing(
        self, conn: Conn, at: dt.datetime, f: ListFilter, after: tuple[str, str, uuid.UUID] | None, size: int
    ) -> list[ItemVersion]: ...
    async def exists(self, conn: Conn, item_id: uuid.UUID) -> bool: ...


class CatalogueStore(Protocol):
    def as_json(self, message: Any) -> dict[str, Any]: ...
    async def insert_items(self, conn: Conn, department: str, drafts: Drafts, now: dt.datetime) -> None: ...
    async def update_items(
        self, conn: Conn, department: str, drafts: Drafts, now: dt.datetime
    ) -> list[Draft]: ...
    async def lock_draft(self, conn: Conn, item_id: uuid.UUID) -> Draft | None: ...
    async def get_draft(self, conn: Conn, item_id: uuid.UUID) -> Draft | None: ...
    async def withdraw_item(self, conn: Conn, item_id: uuid.UUID, reason: str, now: dt.datetime) -> Draft: ...
    async def live_drafts(self, conn: Conn, department: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...
    async def list_drafts(
        self, conn: Conn, department: str, withdrawn: bool, after: tuple[str, uuid.UUID] | None, size: int
    ) -> list[Draft]: ...
    async def publish(
        self, conn: Conn, department: str, region: str, by: str, now: dt.datetime
    ) -> tuple[CatalogueVersion, list[PublishedItem]]: ...
    async def get_version(self, conn: Conn, department: str, version: int) -> CatalogueVersion | None: ...
    async def list_versions(
        self, conn: Conn, department: str, before: int | None, size: int
    ) -> list[CatalogueVersion]: ...
    async def record_filing(self, conn: Conn, department: str, version: int, filing: Filing) -> bool: ...


class CodeStore(Protocol):
    async def next(self, region: str, day: dt.date) -> int: ...


@dataclass(frozen=True)
class Stores:
    commitments: CommitmentStore
    listings: ListingStore
    items: ItemStore
    catalogue: CatalogueStore
    codes: CodeStore
