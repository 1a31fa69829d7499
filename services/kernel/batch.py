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
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from asyncpg.pool import PoolConnectionProxy
from google.protobuf.message import Message

from services.kernel import audit
from services.kernel.batch_statement import GroupWriter, Rows
from services.kernel.coalesce import Coalescer
from services.kernel.db import Connection
from services.kernel.errors import ServiceError
from services.kernel.uow import Actor, Database

log = structlog.get_logger()

OUTBOX_COLUMNS = ("id", "subject", "type", "entity", "payload", "occurred_at")
_STORED = """
SELECT i.scope, i.request_id, i.request_hash, i.response FROM idempotency i
JOIN unnest($1::text[], $2::text[]) AS k(scope, request_id) USING (scope, request_id)
WHERE i.response IS NOT NULL
"""
IDEMPOTENCY_COLUMNS = ("scope", "request_id", "request_hash", "response")


class DuplicateRequest(Exception):
    """Another request with the same idempotency key committed first."""


# Errors one plan's own data can cause (unlike losing the connection): the group is retried plan
# by plan so that only the plan at fault fails. ValueError: asyncpg refusing to encode a value.
_PLAN_ERRORS = (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError, ValueError)


@dataclass
class Plan:
    actor: Actor
    request_id: str
    now: dt.datetime
    rows: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = field(default_factory=dict)
    events: list[tuple[Message, str]] = field(default_factory=list)
    audits: list[audit.AuditEntry] = field(default_factory=list)
    idempotency: tuple[str, str, bytes, bytes] | None = None
    # The answer to give instead of a unique violation on a table (e.g. ALREADY_EXISTS).
    refusals: dict[str, ServiceError] = field(default_factory=dict)

    def insert(self, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> None:
        self.rows.setdefault((table, columns), []).append(row)

    def refuse_duplicate(self, table: str, error: ServiceError) -> None:
        self.refusals[table] = error

    def emit(self, event: Message, *, entity: str) -> None:
        self.events.append((event, entity))

    def audit(self, action: str, target: str, *, change: Any = None, subject_code: str = "") -> None:
        self.audits.append(
            audit.entry(
                self.actor.as_tuple(),
                self.request_id,
                self.now,
                action,
                target,
                change=change,
                subject_code=subject_code,
            )
        )


@dataclass
class _Waiting:
    plan: Plan
    done: asyncio.Future[None]


StoredKey = tuple[str, str]  # (scope, request id)
StoredAnswer = tuple[bytes, bytes] | None  # (request hash, response) of the first request


class WriteBatcher:
    def __init__(self, db: Database, max_batch: int = 128) -> None:
        self.db, self.max_batch = db, max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._conn: PoolConnectionProxy[asyncpg.Record] | None = None
        self._writer_of_groups = GroupWriter(db.audit_key)
        self.batches = 0
        self._stored: Coalescer[StoredKey, StoredAnswer] = Coalescer(db.pool, _fetch_stored)

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
                await self._writer_of_groups.write(conn, _tables(self.db, plans), _entries(plans))
                outcomes: list[BaseException | None] = [None] * len(group)
            except _PLAN_ERRORS:
                outcomes = await self._one_by_one(conn, group)
        except Exception as exc:  # the database is away: every request of the group fails with it
            await self._release(broken=True)
            outcomes = [exc] * len(group)
        self.batches += 1
        for waiting, outcome in zip(group, outcomes, strict=True):
            _settle(waiting.done, outcome)
        if any(o is None and w.plan.events for w, o in zip(group, outcomes, strict=True)):
            self.db.outbox_written()

    async def _one_by_one(self, conn: Connection, group: list[_Waiting]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        async with conn.transaction():
            for waiting in group:
                plans = [waiting.plan]
                try:
                    async with conn.transaction():  # a savepoint per plan
                        await self._writer_of_groups.apply(conn, _tables(self.db, plans), _entries(plans))
                    outcomes.append(None)
                except asyncpg.UniqueViolationError as exc:
                    outcomes.append(_duplicate(waiting.plan, exc))
                except _PLAN_ERRORS as exc:
                    outcomes.append(exc)
        return outcomes


async def _fetch_stored(conn: Connection, keys: list[StoredKey]) -> list[StoredAnswer]:
    rows = await conn.fetch(_STORED, [k[0] for k in keys], [k[1] for k in keys])
    found = {(r["scope"], r["request_id"]): (bytes(r["request_hash"]), bytes(r["response"])) for r in rows}
    return [found.get(k) for k in keys]


def _duplicate(plan: Plan, exc: asyncpg.UniqueViolationError) -> BaseException:
    if exc.table_name == "idempotency":
        return DuplicateRequest()
    return plan.refusals.get(exc.table_name or "", exc)


def _settle(done: asyncio.Future[None], outcome: BaseException | None) -> None:
    if done.cancelled():
        return
    if outcome is None:
        done.set_result(None)
    else:
        done.set_exception(outcome)


def _tables(db: Database, plans: Sequence[Plan]) -> Rows:
    """Every row of the plans by table: idempotency records first (a replay fails fast), the
    plans' own rows, then outbox events."""
    tables: Rows = {}
    keyed = [p.idempotency for p in plans if p.idempotency]
    if keyed:
        tables["idempotency", IDEMPOTENCY_COLUMNS] = keyed
    for plan in plans:
        for key, rows in plan.rows.items():
            tables.setdefault(key, []).extend(rows)
    events = [_outbox_row(db, event, entity, p.now) for p in plans for event, entity in p.events]
    if events:
        tables["outbox", OUTBOX_COLUMNS] = events
    return tables


def _entries(plans: Sequence[Plan]) -> list[audit.AuditEntry]:
    return [entry for p in plans for entry in p.audits]


def _outbox_row(db: Database, event: Message, entity: str, now: dt.datetime) -> tuple[Any, ...]:
    kind = db.catalog.for_message(event)
    return (uuid.uuid4(), kind.subject, kind.ce_type, entity, event.SerializeToString(), now)
