"""Group commit: the writes of concurrent requests committed together.

A request prepares everything it will write as a `Plan` (rows per table, events, audit entries,
its idempotency record) and submits it. A single writer takes every plan waiting at that moment,
writes them in one transaction with one COPY per table, and commits once: one fsync for the
whole group. Each request is answered only after that commit. If the group fails on a constraint
(a request racing its own retry, say), the writer applies the plans one by one in savepoints of
one transaction, so one request's failure never fails its neighbours.
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
from google.protobuf.message import Message

from services.kernel import audit
from services.kernel.db import Connection
from services.kernel.uow import Actor, Database

log = structlog.get_logger()

OUTBOX_COLUMNS = ("id", "subject", "type", "entity", "payload", "occurred_at")
IDEMPOTENCY_COLUMNS = ("scope", "request_id", "request_hash", "response")


class DuplicateRequest(Exception):
    """Another request with the same idempotency key committed first."""


@dataclass
class Plan:
    actor: Actor
    request_id: str
    now: dt.datetime
    rows: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = field(default_factory=dict)
    events: list[tuple[Message, str]] = field(default_factory=list)
    audits: list[audit.AuditEntry] = field(default_factory=list)
    idempotency: tuple[str, str, bytes, bytes] | None = None

    def insert(self, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> None:
        self.rows.setdefault((table, columns), []).append(row)

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


class WriteBatcher:
    def __init__(self, db: Database, max_batch: int = 128) -> None:
        self.db, self.max_batch = db, max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0

    async def submit(self, plan: Plan) -> None:
        """Returns once the plan is durable; raises its own failure (e.g. DuplicateRequest)."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever())
        waiting = _Waiting(plan, asyncio.get_running_loop().create_future())
        await self._queue.put(waiting)
        await waiting.done

    async def _write_forever(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < self.max_batch and not self._queue.empty():
                group.append(self._queue.get_nowait())
            await self._write(group)

    async def _write(self, group: list[_Waiting]) -> None:
        try:
            async with self.db.pool.acquire() as conn:
                try:
                    async with conn.transaction():
                        await _apply(conn, self.db, [w.plan for w in group])
                    outcomes: list[BaseException | None] = [None] * len(group)
                except asyncpg.IntegrityConstraintViolationError:
                    outcomes = await _one_by_one(conn, self.db, group)
        except Exception as exc:  # the database is away: every request of the group fails with it
            outcomes = [exc] * len(group)
        self.batches += 1
        for waiting, outcome in zip(group, outcomes, strict=True):
            _settle(waiting.done, outcome)
        if any(o is None and w.plan.events for w, o in zip(group, outcomes, strict=True)):
            self.db.outbox_written()


async def _one_by_one(conn: Connection, db: Database, group: list[_Waiting]) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = []
    async with conn.transaction():
        for waiting in group:
            try:
                async with conn.transaction():  # a savepoint per plan
                    await _apply(conn, db, [waiting.plan])
                outcomes.append(None)
            except asyncpg.UniqueViolationError as exc:
                duplicate = exc.table_name == "idempotency"
                outcomes.append(DuplicateRequest() if duplicate else exc)
            except asyncpg.IntegrityConstraintViolationError as exc:
                outcomes.append(exc)
    return outcomes


def _settle(done: asyncio.Future[None], outcome: BaseException | None) -> None:
    if done.cancelled():
        return
    if outcome is None:
        done.set_result(None)
    else:
        done.set_exception(outcome)


async def _apply(conn: Connection, db: Database, plans: Sequence[Plan]) -> None:
    keyed = [p.idempotency for p in plans if p.idempotency]
    if keyed:
        await conn.copy_records_to_table("idempotency", records=keyed, columns=IDEMPOTENCY_COLUMNS)
    tables: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
    for plan in plans:
        for key, rows in plan.rows.items():
            tables.setdefault(key, []).extend(rows)
    for (table, columns), rows in tables.items():
        await conn.copy_records_to_table(table, records=rows, columns=columns)
    events = [_outbox_row(db, event, entity, p.now) for p in plans for event, entity in p.events]
    if events:
        await conn.copy_records_to_table("outbox", records=events, columns=OUTBOX_COLUMNS)
    entries = [entry for p in plans for entry in p.audits]
    if entries:
        await audit.append(conn, db.audit_key, entries)


def _outbox_row(db: Database, event: Message, entity: str, now: dt.datetime) -> tuple[Any, ...]:
    kind = db.catalog.for_message(event)
    return (uuid.uuid4(), kind.subject, kind.ce_type, entity, event.SerializeToString(), now)
