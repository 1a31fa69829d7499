"""Unit of work: one connection, one transaction, and everything that must commit with it.

Events (outbox rows) and audit rows are collected while the work runs and written just before
COMMIT, so the change, its events and its audit trail commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from google.protobuf.message import Message

from services.kernel import audit
from services.kernel.auth import Caller
from services.kernel.clock import Clock
from services.kernel.db import Connection
from services.kernel.events import EventCatalog

_OUTBOX_INSERT = """
INSERT INTO outbox (id, subject, type, entity, payload, occurred_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[])
"""


@dataclass(frozen=True)
class Actor:
    """Who a change is attributed to in the audit trail."""

    name: str
    department: str
    role: str

    @classmethod
    def of(cls, caller: Caller) -> Actor:
        return cls(caller.subject, caller.department, caller.role)

    def as_tuple(self) -> tuple[str, str, str]:
        return self.name, self.department, self.role


@dataclass
class _Pending:
    events: list[tuple[uuid.UUID, str, str, str, bytes, dt.datetime]] = field(default_factory=list)
    audit: list[audit.AuditEntry] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)


class UnitOfWork:
    def __init__(self, conn: Connection, db: Database, actor: Actor, request_id: str) -> None:
        self.conn = conn
        self.db = db
        self.actor = actor
        self.request_id = request_id
        # One instant for the whole unit, so every row it writes agrees on "now".
        self.now = db.clock.now()
        self._pending = _Pending()

    def emit(self, event: Message, *, entity: str) -> str:
        """Queue an event; `entity` names what it is about (never personal data)."""
        kind = self.db.catalog.for_message(event)
        event_id = uuid.uuid4()
        row = (event_id, kind.subject, kind.ce_type, entity, event.SerializeToString(), self.now)
        self._pending.events.append(row)
        return str(event_id)

    def audit(
        self,
        action: str,
        target: str,
        *,
        change: Any = None,
        subject_code: str = "",
        outcome: str = "ok",
        purpose: str = "",
    ) -> None:
        entry = audit.entry(
            self.actor.as_tuple(),
            self.request_id,
            self.now,
            action,
            target,
            change=change,
            subject_code=subject_code,
            outcome=outcome,
            purpose=purpose,
        )
        self._pending.audit.append(entry)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._pending.after_commit.append(callback)

    async def _flush(self) -> None:
        if self._pending.events:
            await self.conn.execute(_OUTBOX_INSERT, *zip(*self._pending.events, strict=True))
        if self._pending.audit:
            await audit.append(self.conn, self.db.audit_key, self._pending.audit)

    def _committed(self) -> None:
        if self._pending.events:
            self.db.outbox_written()
        for callback in self._pending.after_commit:
            callback()


class Batch:
    """Several units of work in one transaction: each in a savepoint of its own, one commit for
    all (group commit for consumers). A unit that fails is rolled back alone."""

    def __init__(self, conn: Connection, db: Database) -> None:
        self.conn, self.db = conn, db
        self._units: list[UnitOfWork] = []

    @asynccontextmanager
    async def unit(self, actor: Actor | None = None, request_id: str = "") -> AsyncIterator[UnitOfWork]:
        async with self.conn.transaction():  # a savepoint inside the batch's transaction
            uow = UnitOfWork(self.conn, self.db, actor or self.db.system_actor, request_id)
            yield uow
            await uow._flush()
        self._units.append(uow)


class Database:
    def __init__(
        self,
        pool: asyncpg.Pool,
        clock: Clock,
        catalog: EventCatalog,
        audit_key: bytes,
        system_actor: Actor,
    ) -> None:
        self.pool = pool
        self.clock = clock
        self.catalog = catalog
        self.audit_key = audit_key
        self.system_actor = system_actor
        self._outbox_listeners: list[Callable[[], None]] = []

    def on_outbox_write(self, listener: Callable[[], None]) -> None:
        self._outbox_listeners.append(listener)

    def outbox_written(self) -> None:
        for listener in self._outbox_listeners:
            listener()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Batch]:
        async with self.pool.acquire() as conn, conn.transaction():
            batch = Batch(conn, self)
            yield batch
        for uow in batch._units:
            uow._committed()

    @asynccontextmanager
    async def unit_of_work(
        self, actor: Actor | None = None, request_id: str = ""
    ) -> AsyncIterator[UnitOfWork]:
        async with self.pool.acquire() as conn, conn.transaction():
            uow = UnitOfWork(conn, self, actor or self.system_actor, request_id)
            yield uow
            await uow._flush()
        uow._committed()
