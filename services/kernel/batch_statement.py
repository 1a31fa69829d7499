"""Writing a group of plans in as few round trips as the data allows.

Every table's rows go in as arrays (`unnest`), each table in a data-modifying CTE of one
statement. The audit rows must be chained onto the head of the audit trail:
- optimistic (one round trip): the writer chains onto the head it wrote last; the statement
  moves the head only if it is still there and writes nothing otherwise, in its own implicit
  transaction;
- locked (four round trips): BEGIN, read the head FOR UPDATE, the statement, COMMIT; used when
  another writer (another replica, another unit of work) appended since.
The head's row lock orders appends exactly as `audit.append` does. A table with an array column
cannot travel in `unnest`; such a group is written statement by statement (COPY).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel import audit
from services.kernel.db import Connection, one
from services.kernel.writes import Rows

AUDIT_COLUMNS = (
    "seq", "at", "actor", "department", "role", "action", "target", "subject_code", "request_id",
    "purpose", "outcome", "change_digest", "hash",
)  # fmt: skip


@dataclass(frozen=True)
class Head:
    seq: int
    hash: bytes


class ColumnTypes:
    """Each table's column types, read once (tables do not change under a running service)."""

    def __init__(self) -> None:
        self._known: dict[str, dict[str, str]] = {}

    async def of(self, conn: Connection, table: str) -> dict[str, str]:
        found = self._known.get(table)
        if found is None:
            rows = await conn.fetch(
                "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute"
                " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                table,
            )
            found = self._known[table] = {r["attname"]: r["type"] for r in rows}
        return found

    async def kinds(self, conn: Connection, tables: Rows) -> list[list[str]] | None:
        """The types of each table's columns, or None when one cannot travel in an array."""
        found = []
        for table, columns in tables:
            types = await self.of(conn, table)
            kinds = [types[c] for c in columns]
            if any(k.endswith("]") for k in kinds):
                return None
            found.append(kinds)
        return found


class GroupWriter:
    def __init__(self, audit_key: bytes, types: ColumnTypes | None = None) -> None:
        self.audit_key = audit_key
        self.types = types or ColumnTypes()
        self.head: Head | None = None  # the head after this writer's last append, if known

    async def write(self, conn: Connection, tables: Rows, entries: list[audit.AuditEntry]) -> None:
        """Everything of the group, committed when this returns (raises on a plan's bad data).
        `kinds` lists the column types of every table, the audit trail's last."""
        kinds = await self.types.kinds(conn, tables)
        if entries and kinds is not None:
            audit_types = await self.types.of(conn, "audit_log")
            kinds.append([audit_types[c] for c in AUDIT_COLUMNS])
        if kinds is None:
            async with conn.transaction():
                await self.apply(conn, tables, entries)
        elif not entries:
            await conn.execute(*_statement(tables, kinds).call())
        elif self.head is None or not await self._optimistic(conn, tables, kinds, entries, self.head):
            await self._locked(conn, tables, kinds, entries)

    async def _optimistic(
        self,
        conn: Connection,
        tables: Rows,
        kinds: list[list[str]],
        entries: list[audit.AuditEntry],
        seen: Head,
    ) -> bool:
        new, rows = chain(seen, self.audit_key, entries)
        statement = Statement()
        statement.move_head(new, seen)
        statement.add(tables | {("audit_log", AUDIT_COLUMNS): rows}, kinds)
        self.head = None  # unknown until the statement succeeds
        if await conn.fetchval(*statement.call()):
            self.head = new
            return True
        return False  # another writer appended meanwhile: nothing was written

    async def _locked(
        self, conn: Connection, tables: Rows, kinds: list[list[str]], entries: list[audit.AuditEntry]
    ) -> None:
        async with conn.transaction():
            row = one(await conn.fetchrow("SELECT seq, hash FROM audit_head FOR UPDATE"))
            new, rows = chain(Head(row["seq"], bytes(row["hash"])), self.audit_key, entries)
            statement = Statement()
            statement.move_head(new)
            statement.add(tables | {("audit_log", AUDIT_COLUMNS): rows}, kinds)
            await conn.execute(*statement.call())
        self.head = new

    async def apply(self, conn: Connection, tables: Rows, entries: list[audit.AuditEntry]) -> None:
        """Statement by statement in the caller's transaction (or savepoint)."""
        self.head = None
        await apply(conn, self.types, self.audit_key, tables, entries)


async def apply(
    conn: Connection, types: ColumnTypes, audit_key: bytes, tables: Rows, entries: Sequence[audit.AuditEntry]
) -> None:
    """Each table's rows in one statement (COPY for a table with an array column), then the
    audit entries chained onto the trail, in the caller's transaction (or savepoint)."""
    for (table, columns), rows in tables.items():
        kinds = await types.kinds(conn, {(table, columns): rows})
        if kinds is None:
            await conn.copy_records_to_table(table, records=rows, columns=columns)
        else:
            await conn.execute(*_statement({(table, columns): rows}, kinds).call())
    if entries:
        await audit.append(conn, audit_key, entries)


def chain(head: Head, key: bytes, entries: Sequence[audit.AuditEntry]) -> tuple[Head, list[tuple[Any, ...]]]:
    """The audit rows of `entries` linked after `head`, and the new head."""
    seq, previous, rows = head.seq, head.hash, []
    for e in entries:
        seq += 1
        previous = audit.link(key, previous, seq, e)
        rows.append(
            (seq, e.at, e.actor, e.department, e.role, e.action, e.target, e.subject_code, e.request_id,
             e.purpose, e.outcome, e.change_digest, previous)
        )  # fmt: skip
    return Head(seq, previous), rows


def _statement(tables: Rows, kinds: list[list[str]]) -> Statement:
    statement = Statement()
    statement.add(tables, kinds)
    return statement


class Statement:
    """One statement of data-modifying CTEs, and its arguments."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list[Any] = []
        self.guarded = False  # the inserts happen only if the audit head moved

    def move_head(self, new: Head, seen: Head | None = None) -> None:
        """Set the head; with `seen`, only if it is still there (and the rest only then)."""
        n = len(self.args)
        where = f" WHERE seq = ${n + 3} AND hash = ${n + 4}" if seen else ""
        self.parts.append(
            f"head AS (UPDATE audit_head SET seq = ${n + 1}, hash = ${n + 2}{where} RETURNING 1)"  # noqa: S608
        )
        self.args += [new.seq, new.hash, *([seen.seq, seen.hash] if seen else [])]
        self.guarded = seen is not None

    def add(self, tables: Rows, kinds: list[list[str]]) -> None:
        for ((table, columns), rows), types in zip(tables.items(), kinds, strict=True):
            self._insert(table, columns, types, rows)

    def _insert(
        self, table: str, columns: Sequence[str], kinds: list[str], rows: list[tuple[Any, ...]]
    ) -> None:
        first = len(self.args) + 1
        arrays = ", ".join(f"${first + i}::{'text' if k == 'jsonb' else k}[]" for i, k in enumerate(kinds))
        names = [f"c{i}" for i in range(len(columns))]
        values = ", ".join(f"{n}::jsonb" if k == "jsonb" else n for n, k in zip(names, kinds, strict=True))
        guard = " WHERE EXISTS (SELECT 1 FROM head)" if self.guarded else ""
        self.parts.append(
            # Table and column names come from our code; every value travels as a parameter.
            f"i{len(self.parts)} AS (INSERT INTO {table} ({', '.join(columns)})"  # noqa: S608
            f" SELECT {values} FROM unnest({arrays}) AS u({', '.join(names)}){guard})"
        )
        for column, kind in zip(zip(*rows, strict=True), kinds, strict=True):
            self.args.append([_json(v) for v in column] if kind == "jsonb" else list(column))

    def call(self) -> tuple[Any, ...]:
        result = "SELECT count(*) FROM head" if self.guarded else "SELECT 1"
        return (f"WITH {', '.join(self.parts)} {result}", *self.args)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)  # as the pool's jsonb codec encodes
