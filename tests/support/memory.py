"""In-memory doubles of the kernel's write interface: handler tests without PostgreSQL or NATS.

`MemoryDatabase(clock, catalog)` is a `services.kernel.uow.Database` (a subclass: it goes
wherever a handler's `Deps.db` does). Its `unit_of_work()` and `batch()` are the kernel's own: they
yield real `UnitOfWork`s (`emit`, `audit`, `insert`, `refuse_duplicate`, `after_commit`, `now`,
`actor`, `request_id`), whose `conn` is a `MemoryTables` instead of a PostgreSQL connection.
Only the last step differs: the unit's pending rows, outbox rows and audit entries go into
tables of dicts instead of SQL. `db.pool` is the same `MemoryTables` (reads outside a unit).

    db = MemoryDatabase(FixedClock(at), CATALOG)
    handlers = RecordingHandlers(Deps(db=db, store=memory_stores, batcher=MemoryBatcher(db), ...))
    with acting_as(caller("portal", department="D1", region="350200")):
        reply = await handlers.RecordCommitment(request, None)
    assert db.messages(CommitmentRecorded)[0].code == reply.commitment.code
    assert [a.action for a in db.audits] == ["commitment.record"]
    assert db.tables.rows("commitment", code=reply.commitment.code)

MemoryTables: named tables of rows (`dict[str, Any]`, column name -> value).
    rows(table, **equal)          the stored rows whose columns equal the given values (the
                                  dicts themselves: a store may change them in place)
    first(table, **equal)         the first such row, or None
    insert(table, row)            a copy of `row`; MemoryUniqueViolation (an asyncpg
                                  UniqueViolationError naming the table) on a declared key
    update(table, changes, **equal) / delete(table, **equal)
    unique(table, *columns)       declare a unique key (NULLs never collide, as in PostgreSQL)
    nextval(sequence)             1, 2, ... never rolled back (as a PostgreSQL sequence)
    acquire() / transaction()     as on asyncpg: a transaction works on a copy that replaces
                                  the committed tables only when its block exits cleanly; a
                                  nested one is a savepoint. Transactions run one at a time (a
                                  second waits, as a retry waits on the idempotency row); one
                                  opened on another connection by the task already in one is
                                  refused rather than left waiting for itself.
    MemoryTables.of(conn)         the tables behind a `Connection`-typed argument (memory stores
                                  keep the store modules' signatures and call this first)
    SQL (execute, fetch, ...)     refused: SQL belongs in a store, and a memory store replaces it.

Committed writes, for assertions (rolled back units leave nothing):
    db.events     Emitted(id, subject, entity, message, at) per outbox row, message decoded
    db.messages(T) the emitted messages of type T
    db.audits     the audit entries (services.kernel.audit.AuditEntry)
    tables "outbox", "audit_log" and "idempotency" hold them as rows.

`@command` claims and remembers requests through `MemoryIdempotency` (db.idempotency), so a retry
gets the first answer and a reused request id for another request is refused. `MemoryBatcher(db)`
is the `WriteBatcher` for `@batched_command`: `submit` writes a plan in one transaction (its rows
as dicts keyed by column names, its idempotency record, events and audit entries; a duplicate of
the record raises DuplicateRequest, of a row the plan's `refuse_duplicate` answer) and `stored`
answers replays.

`caller(*roles, ...)` builds an authenticated caller and `acting_as(caller)` makes it the caller
of the RPC being served (services.kernel.auth.current_caller), as the auth interceptor does.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import math
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass
from typing import Any, TypeVar, cast

import asyncpg
from google.protobuf.message import Message

from services.kernel.audit import AuditEntry
from services.kernel.auth import Caller, reset_current_caller, set_current_caller
from services.kernel.batch import Plan, WriteBatcher
from services.kernel.clock import Clock
from services.kernel.db import Connection, Executor
from services.kernel.events import EventCatalog
from services.kernel.idempotency import StoredAnswer, StoredKey
from services.kernel.uow import Actor, Database
from services.kernel.writes import IDEMPOTENCY, OUTBOX, Rows

Row = dict[str, Any]
M = TypeVar("M", bound=Message)

SYSTEM = Actor("service:test", "", "service")
AUDIT_LOG = "audit_log"


class MemoryUniqueViolation(asyncpg.UniqueViolationError):
    """A row breaking a declared unique key, reported as PostgreSQL reports it."""

    def __init__(self, table: str, key: tuple[str, ...]) -> None:
        super().__init__(f"duplicate key in {table} ({', '.join(key)})")
        self.table_name = table


class MemoryTables:
    """Named tables of dict rows with transactions (see the module docstring)."""

    def __init__(self, root: MemoryTables | None = None) -> None:
        self._root = root or self
        self._committed: dict[str, list[Row]] = {}
        self._keys: dict[str, list[tuple[str, ...]]] = {}
        self._sequences: dict[str, int] = {}
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        self._working: dict[str, list[Row]] | None = None  # this connection's open transaction

    @staticmethod
    def of(conn: object) -> MemoryTables:
        if not isinstance(conn, MemoryTables):
            raise TypeError(f"a memory store was given {type(conn).__name__}, not MemoryTables")
        return conn

    @property
    def _data(self) -> dict[str, list[Row]]:
        return self._working if self._working is not None else self._root._committed

    def unique(self, table: str, *columns: str) -> None:
        self._root._keys.setdefault(table, []).append(columns)

    def rows(self, table: str, **equal: Any) -> list[Row]:
        found = self._data.get(table, [])
        return [r for r in found if all(r.get(c) == v for c, v in equal.items())]

    def first(self, table: str, **equal: Any) -> Row | None:
        return next(iter(self.rows(table, **equal)), None)

    def insert(self, table: str, row: Mapping[str, Any]) -> Row:
        stored = dict(row)
        existing = self._data.setdefault(table, [])
        for key in self._root._keys.get(table, []):
            values = [stored.get(c) for c in key]
            if None not in values and any([r.get(c) for c in key] == values for r in existing):
                raise MemoryUniqueViolation(table, key)
        existing.append(stored)
        return stored

    def update(self, table: str, changes: Mapping[str, Any], **equal: Any) -> list[Row]:
        found = self.rows(table, **equal)
        for row in found:
            row.update(changes)
        return found

    def delete(self, table: str, **equal: Any) -> int:
        found = self.rows(table, **equal)
        self._data[table] = [r for r in self._data.get(table, []) if all(r is not f for f in found)]
        return len(found)

    def nextval(self, sequence: str) -> int:
        sequences = self._root._sequences
        sequences[sequence] = sequences.get(sequence, 0) + 1
        return sequences[sequence]

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[MemoryTables]:
        yield MemoryTables(self._root)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._working is not None:  # a savepoint
            saved = copy.deepcopy(self._working)
            try:
                yield
            except BaseException:
                self._working = saved
                raise
            return
        root = self._root
        if root._holder is not None and root._holder is asyncio.current_task():
            raise RuntimeError("this task is in a memory transaction already: it would wait for itself")
        async with root._lock:
            root._holder = asyncio.current_task()
            self._working = copy.deepcopy(root._committed)
            try:
                yield
                root._committed = self._working
            finally:
                self._working, root._holder = None, None

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        raise _no_sql()

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        raise _no_sql()

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        raise _no_sql()

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        raise _no_sql()

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        raise _no_sql()


def _no_sql() -> NotImplementedError:
    return NotImplementedError("MemoryTables runs no SQL: move the statement into a store module")


class MemoryIdempotency:
    """The idempotency store (services.kernel.idempotency.Store) on the "idempotency" table."""

    async def claim(self, conn: Executor, scope: str, request_id: str, fingerprint: bytes) -> StoredAnswer:
        tables = MemoryTables.of(conn)
        found = tables.first(IDEMPOTENCY[0], scope=scope, request_id=request_id)
        if found is None:
            record = (scope, request_id, fingerprint, None)
            tables.insert(IDEMPOTENCY[0], dict(zip(IDEMPOTENCY[1], record, strict=True)))
            return None
        assert found["response"] is not None, "claimed by a transaction that is still open"
        return found["request_hash"], found["response"]

    async def remember(self, conn: Executor, scope: str, request_id: str, response: bytes) -> None:
        MemoryTables.of(conn).update(
            IDEMPOTENCY[0], {"response": response}, scope=scope, request_id=request_id
        )

    async def stored(self, conn: Executor, keys: list[StoredKey]) -> list[StoredAnswer]:
        tables = MemoryTables.of(conn)
        found = [tables.first(IDEMPOTENCY[0], scope=s, request_id=r) for s, r in keys]
        return [
            (f["request_hash"], f["response"]) if f and f["response"] is not None else None for f in found
        ]


@dataclass(frozen=True)
class Emitted:
    id: str
    subject: str
    entity: str
    message: Message
    at: dt.datetime


class MemoryDatabase(Database):
    """A Database whose tables are a MemoryTables (see the module docstring)."""

    def __init__(
        self,
        clock: Clock,
        catalog: EventCatalog,
        system_actor: Actor = SYSTEM,
        tables: MemoryTables | None = None,
    ) -> None:
        self.tables = tables or MemoryTables()
        super().__init__(cast(asyncpg.Pool, self.tables), clock, catalog, b"memory", system_actor)
        self.idempotency = self.requests = MemoryIdempotency()
        self.tables.unique(IDEMPOTENCY[0], "scope", "request_id")
        self.tables.unique(OUTBOX[0], "id")

    async def write_rows(self, conn: Connection, tables: Rows, entries: Sequence[AuditEntry]) -> None:
        memory = MemoryTables.of(conn)
        for (table, columns), rows in tables.items():
            for row in rows:
                memory.insert(table, dict(zip(columns, row, strict=True)))
        for entry in entries:
            memory.insert(AUDIT_LOG, {"seq": len(memory.rows(AUDIT_LOG)) + 1, **asdict(entry)})

    @property
    def events(self) -> list[Emitted]:
        found = []
        for row in self.tables.rows(OUTBOX[0]):
            kind = self.catalog.for_subject(row["subject"])
            assert kind is not None, f"an event of unknown subject {row['subject']}"
            message = kind.message.FromString(row["payload"])
            found.append(Emitted(str(row["id"]), row["subject"], row["entity"], message, row["occurred_at"]))
        return found

    def messages(self, kind: type[M]) -> list[M]:
        return [e.message for e in self.events if isinstance(e.message, kind)]

    @property
    def audits(self) -> list[AuditEntry]:
        return [AuditEntry(**{k: v for k, v in r.items() if k != "seq"}) for r in self.tables.rows(AUDIT_LOG)]


class MemoryBatcher(WriteBatcher):
    """The WriteBatcher of a MemoryDatabase: each plan written in a transaction of its own."""

    def __init__(self, db: MemoryDatabase) -> None:  # no writer task, no pool: nothing to start
        self.db = self.memory = db
        self.batches = 0

    async def stored(self, scope: str, request_id: str) -> StoredAnswer:
        return (await self.memory.requests.stored(self.memory.pool, [(scope, request_id)]))[0]

    async def submit(self, plan: Plan) -> None:
        async with self.db.pool.acquire() as conn, conn.transaction():
            await self.db.write(conn, plan)
        self.batches += 1
        if plan.events:
            self.db.outbox_written()
        plan.committed()


def caller(*roles: str, subject: str = "tester", department: str = "D1", region: str = "350200") -> Caller:
    """An authenticated caller (default roles: admin) whose token never expires."""
    return Caller(subject, department, region, frozenset(roles or ("admin",)), math.inf)


@contextmanager
def acting_as(who: Caller) -> Iterator[Caller]:
    """Serve the RPCs called inside the block as `who` (what the auth interceptor sets)."""
    token = set_current_caller(who)
    try:
        yield who
    finally:
        reset_current_caller(token)
