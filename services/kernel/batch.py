"""Group commit: the writes of concurrent requests committed together.

A request prepares everything it will write as a `Plan` (rows per table, events, audit entries,
its idempotency record) and submits it. A single writer takes every plan waiting at that moment,
writes them in one transaction with one COPY per table, and commits once: one fsync for the
whole group. Each request is answered only after that commit. If the group fails on the data of
one plan (a request racing its own retry, a constraint, a bad value), the writer applies the plans
one by one in savepoints of one transaction, so one request's failure never fails its neighbours.

`Coalescer` does the same for reads: the keys of concurrent requests go to the database in one
query, which saves a round trip (and a pool checkout) per request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy

from services.kernel.batch_statement import GroupWriter
from services.kernel.coalesce import Coalescer
from services.kernel.db import Connection
from services.kernel.errors import ServiceError
from services.kernel.idempotency import StoredAnswer, StoredKey
from services.kernel.uow import Database
from services.kernel.writes import DuplicateRequest, PendingWrites, entries_of, rows_of

__all__ = ["DuplicateRequest", "Plan", "StoredAnswer", "StoredKey", "WriteBatcher"]

log = structlog.get_logger()

# Errors one plan's own data can cause (unlike losing the connection): the group is retried plan
# by plan so that only the plan at fault fails. ValueError: asyncpg refusing to encode a value.
_PLAN_ERRORS = (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError, ValueError)
# What applying one plan alone may answer: the above, or the answer the plan chose for a duplicate.
_ONE_PLAN_ERRORS = (*_PLAN_ERRORS, DuplicateRequest, ServiceError)


class Plan(PendingWrites):
    """The group-committed form of the one write interface (services/kernel/writes.py): a
    request's rows, events, audit entries and idempotency record, written by a WriteBatcher.
    Built as `Plan(actor, request_id, now)`."""


@dataclass
class _Waiting:
    plan: Plan
    done: asyncio.Future[None]


class WriteBatcher:
    def __init__(self, db: Database, max_batch: int = 128) -> None:
        self.db, self.max_batch = db, max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._conn: PoolConnectionProxy[asyncpg.Record] | None = None
        self._writer_of_groups = GroupWriter(db.audit_key, db.column_types)
        self.batches = 0
        self._stored: Coalescer[StoredKey, StoredAnswer] = Coalescer(db.pool, db.idempotency.stored)

    async def stored(self, scope: str, request_id: str) -> StoredAnswer:
        """The first answer to this request, if one was committed (read with concurrent requests')."""
        return await self._stored.get((scope, request_id))

    async def submit(self, plan: Plan) -> None:
        """Returns once the plan is durable; raises its own failure (e.g. DuplicateRequest)."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever())
        waiting = _Waiting(plan, asyncio.get_running_loop().create_future())
        await self._queue.put(waiting)
        await waiting.done

    async def _connection(self) -> PoolConnectionProxy[asyncpg.Record]:
        """The writer's connection, kept while groups keep coming (no pool checkout per group)."""
        if self._conn is None:
            self._conn = await self.db.pool.acquire()
        return self._conn

    async def _release(self, broken: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if broken:
                conn.terminate()
            await self.db.pool.release(conn)

    async def _write_forever(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < self.max_batch and not self._queue.empty():
                group.append(self._queue.get_nowait())
            await self._write(group)
            if self._queue.empty():  # idle: give the connection back (the pool may be closing)
                await self._release()

    async def _write(self, group: list[_Waiting]) -> None:
        plans = [w.plan for w in group]
        try:
            conn = await self._connection()
            try:
                await self._writer_of_groups.write(conn, rows_of(self.db.catalog, plans), entries_of(plans))
                outcomes: list[BaseException | None] = [None] * len(group)
            except _PLAN_ERRORS:
                outcomes = await self._one_by_one(conn, plans)
        except Exception as exc:  # the database is away: every request of the group fails with it
            await self._release(broken=True)
            outcomes = [exc] * len(group)
        self.batches += 1
        committed = [w.plan for w, o in zip(group, outcomes, strict=True) if o is None]
        if any(p.events for p in committed):
            self.db.outbox_written()
        for plan in committed:
            plan.committed()
        for waiting, outcome in zip(group, outcomes, strict=True):
            _settle(waiting.done, outcome)

    async def _one_by_one(self, conn: Connection, plans: list[Plan]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        self._writer_of_groups.head = None  # these appends bypass the writer's own chaining
        async with conn.transaction():
            for plan in plans:
                try:
                    async with conn.transaction():  # a savepoint per plan
                        await self.db.write(conn, plan)
                    outcomes.append(None)
                except _ONE_PLAN_ERRORS as exc:
                    outcomes.append(exc)
        return outcomes


def _settle(done: asyncio.Future[None], outcome: BaseException | None) -> None:
    if done.cancelled():
        return
    if outcome is None:
        done.set_result(None)
    else:
        done.set_exception(outcome)
