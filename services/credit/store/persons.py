"""Responsible persons named on records and list entries, and what they are named on."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import astuple, fields

from services.credit.domain.blacklist import ListEntry
from services.credit.domain.persons import Naming
from services.credit.domain.records import Record
from services.credit.store.lists import entry_of
from services.credit.store.records import record_of
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, for_update, one_or_none, typed

# A person's namings read at once: a person heads few enterprises; the bound keeps one answer small.
MAX_OF_PERSON = 200
_COLUMNS = [f.name for f in fields(Naming)]


def naming_of(row: Row) -> Naming:
    return typed(Naming, row)


async def insert(conn: Connection, naming: Naming) -> Naming | None:
    """None when the person is named in that role on the source already."""
    placeholders = ", ".join(f"${i + 1}" for i in range(len(_COLUMNS)))
    row = await conn.fetchrow(
        f"INSERT INTO responsible_person ({', '.join(_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
        " ON CONFLICT DO NOTHING RETURNING *",
        *astuple(naming),
    )
    return naming_of(row) if row else None


async def get(conn: Executor, naming_id: uuid.UUID, *, lock: bool = False) -> Naming | None:
    query = for_update("SELECT * FROM responsible_person WHERE naming_id = $1", lock)
    return await one_or_none(conn, naming_of, query, naming_id)


async def of_source(conn: Executor, source_id: uuid.UUID) -> list[Naming]:
    rows = await conn.fetch("SELECT * FROM responsible_person WHERE source_id = $1 ORDER BY seq", source_id)
    return [naming_of(r) for r in rows]


async def of_person(conn: Executor, person_code: str) -> list[Naming]:
    """The person's namings in force, newest first, at most MAX_OF_PERSON."""
    rows = await conn.fetch(
        "SELECT * FROM responsible_person WHERE person_code = $1 AND withdrawn_at IS NULL"
        " ORDER BY seq DESC LIMIT $2",
        person_code,
        MAX_OF_PERSON,
    )
    return [naming_of(r) for r in rows]


async def withdraw(conn: Connection, naming_id: uuid.UUID, by: str, reason: str, at: dt.datetime) -> Naming:
    row = await conn.fetchrow(
        "UPDATE responsible_person SET withdrawn_at = $2, withdrawn_by = $3, withdrawal_reason = $4"
        " WHERE naming_id = $1 RETURNING *",
        naming_id,
        at,
        by,
        reason,
    )
    return naming_of(one(row))


async def records_named(conn: Executor, ids: list[uuid.UUID]) -> list[Record]:
    """The records persons are named on (a read: no lock)."""
    rows = await conn.fetch("SELECT * FROM dishonesty_record WHERE record_id = ANY($1::uuid[])", ids)
    return [record_of(r) for r in rows]


async def entries_named(conn: Executor, ids: list[uuid.UUID]) -> list[ListEntry]:
    rows = await conn.fetch("SELECT * FROM list_entry WHERE entry_id = ANY($1::uuid[])", ids)
    return [entry_of(r) for r in rows]
