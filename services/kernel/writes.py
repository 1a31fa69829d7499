"""The one write interface: what a change will write, collected until it commits.

`UnitOfWork` (one request in one transaction, services/kernel/uow.py) and `Plan` (a request's
writes committed with concurrent requests', services/kernel/batch.py) are both `PendingWrites`:
the same `insert` / `refuse_duplicate` / `emit` / `audit` / `after_commit`, built here once. At
commit `rows_of` turns any number of them into rows per table, the outbox rows and idempotency
records included, and the audit entries are chained onto the trail (services/kernel/audit.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from services.kernel import audit
from services.kernel.auth import Caller
from services.kernel.errors import ServiceError
from services.kernel.events import EventCatalog, EventType

Rows = dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]]  # (table, columns) -> rows

OUTBOX = ("outbox", ("id", "subject", "type", "entity", "payload", "occurred_at"))
IDEMPOTENCY = ("idempotency", ("scope", "request_id", "request_hash", "response"))
IdempotencyRecord = tuple[str, str, bytes, bytes]  # scope, request id, request hash, response


class DuplicateRequest(Exception):
    """Another request with the same idempotency key committed first."""


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


@dataclass(frozen=True)
class PendingEvent:
    id: uuid.UUID
    message: Message
    entity: str
    kind: EventType | None  # None: the catalogue's type of the message


class PendingWrites:
    """Rows, events, audit entries and callbacks of one change, kept until it commits."""

    def __init__(self, actor: Actor, request_id: str, now: dt.datetime) -> None:
        self.actor = actor
        self.request_id = request_id
        # One instant for the whole change, so every row it writes agrees on "now".
        self.now = now
        self.rows: Rows = {}
        self.events: list[PendingEvent] = []
        self.audits: list[audit.AuditEntry] = []
        self.idempotency: IdempotencyRecord | None = None
        # The answer to give instead of a unique violation on a table (e.g. ALREADY_EXISTS).
        self.refusals: dict[str, ServiceError] = {}
        self.callbacks: list[Callable[[], None]] = []

    def insert(self, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> None:
        """Queue a row; it is written at commit."""
        self.rows.setdefault((table, columns), []).append(row)

    def refuse_duplicate(self, table: str, error: ServiceError) -> None:
        """Answer `error` when a queued row of `table` breaks a unique constraint."""
        self.refusals[table] = error

    def emit(self, event: Message, *, entity: str, kind: EventType | None = None) -> str:
        """Queue an event; `entity` names what it is about (never personal data). `kind` is for a
        message type that travels on several subjects (the catalogue cannot tell them apart)."""
        pending = PendingEvent(uuid.uuid4(), event, entity, kind)
        self.events.append(pending)
        return str(pending.id)

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
        name, department, role = self.actor.as_tuple()
        self.audits.append(
            audit.AuditEntry(
                at=self.now,
                actor=name,
                department=department,
                role=role,
                action=action,
                target=target,
                subject_code=subject_code,
                request_id=self.request_id,
                purpose=purpose,
                outcome=outcome,
                change_digest=audit.digest(change),
            )
        )

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the change has committed (never if it rolls back)."""
        self.callbacks.append(callback)

    def duplicate(self, table: str) -> Exception | None:
        """The answer to a unique violation on `table`, or None to let the violation through."""
        if table == IDEMPOTENCY[0]:
            return DuplicateRequest()
        return self.refusals.get(table)

    def committed(self) -> None:
        for callback in self.callbacks:
            callback()


def outbox_row(catalog: EventCatalog, event: PendingEvent, at: dt.datetime) -> tuple[Any, ...]:
    kind = event.kind or catalog.for_message(event.message)
    return (event.id, kind.subject, kind.ce_type, event.entity, event.message.SerializeToString(), at)


def rows_of(catalog: EventCatalog, pending: Sequence[PendingWrites]) -> Rows:
    """Every row of the changes by table: idempotency records first (a replay fails fast), the
    changes' own rows, then outbox events."""
    tables: Rows = {}
    keyed = [p.idempotency for p in pending if p.idempotency]
    if keyed:
        tables[IDEMPOTENCY] = list(keyed)
    for p in pending:
        for key, rows in p.rows.items():
            tables.setdefault(key, []).extend(rows)
    events = [outbox_row(catalog, e, p.now) for p in pending for e in p.events]
    if events:
        tables[OUTBOX] = events
    return tables


def entries_of(pending: Sequence[PendingWrites]) -> list[audit.AuditEntry]:
    return [entry for p in pending for entry in p.audits]
