"""Unit of work: one connection, one transaction, and everything that must commit with it.

A `UnitOfWork` is the single-request form of the kernel's one write interface
(services/kernel/writes.py): rows, events (outbox rows) and audit entries are collected while the
work runs and written just before COMMIT, so the change, its events and its audit trail commit
together or not at all. Its `conn` is the transaction's connection, for the stores' own SQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

import asyncpg

from services.kernel import audit, batch_statement, idempotency
from services.kernel.clock import Clock
from services.kernel.db import Connection
from services.kernel.events import EventCatalog
from services.kernel.writes import Actor, PendingWrites, Rows, rows_of

__all__ = ["Actor", "Batch", "Database", "UnitOfWork"]


class UnitOfWork(PendingWrites):
    def __init__(self, conn: Connection, db: Database, actor: Actor, request_id: str) -> None:
        super().__init__(actor, request_id, db.clock.now())
        self.conn = conn
        self.db = db

    async def _flush(self) -> None:
        await self.db.write(self.conn, self)

    def _committed(self) -> None:
        if self.events:
            self.db.outbox_written()
        self.committed()


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
    """The service's database: units of work and batches of them, and how pending writes are
    written (`write`, `write_rows`) and requests remembered (`idempotency`)."""

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
        self.idempotency: idempotency.Store = idempotency
        self.column_types = batch_statement.ColumnTypes()
        self._outbox_listeners: list[Callable[[], None]] = []

    def on_outbox_write(self, listener: Callable[[], None]) -> None:
        self._outbox_listeners.append(listener)

    def outbox_written(self) -> None:
        for listener in self._outbox_listeners:
            listener()

    async def write(self, conn: Connection, pending: PendingWrites) -> None:
        """Everything `pending` queued, in the caller's transaction; a unique violation becomes
        the answer `pending` chose for it (DuplicateRequest on the idempotency record)."""
        try:
            await self.write_rows(conn, rows_of(self.catalog, [pending]), pending.audits)
        except asyncpg.UniqueViolationError as exc:
            answer = pending.duplicate(exc.table_name or "")
            if answer is None:
                raise
            raise answer from exc

    async def write_rows(self, conn: Connection, tables: Rows, entries: Sequence[audit.AuditEntry]) -> None:
        await batch_statement.apply(conn, self.column_types, self.audit_key, tables, entries)

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
