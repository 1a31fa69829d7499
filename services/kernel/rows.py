"""Rows into typed records, for every store: what a store's mapping functions read (a row as
asyncpg returns it, or a dict with the same columns: the in-memory stores of the handler tests
hold rows as dicts), how a row becomes the typed record it is, and the read of at most one row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg

from services.kernel.db import Executor

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row: TypeAlias = asyncpg.Record | Mapping[str, Any]
T = TypeVar("T", bound="DataclassInstance")
R = TypeVar("R")


def typed(record: type[T], row: Row, **read: Any) -> T:
    """The `record` whose fields are the row's columns of the same names, except the fields
    given in `read` (a column read into its value: an array into a tuple, JSON into a record)."""
    return record(**{f.name: read[f.name] if f.name in read else row[f.name] for f in fields(record)})


async def one_or_none(conn: Executor, of: Callable[[asyncpg.Record], R], query: str, *args: Any) -> R | None:
    """The row `query` finds read by `of`, or None when it finds none (an unknown key)."""
    row = await conn.fetchrow(query, *args)
    return of(row) if row else None


def for_update(query: str, lock: bool) -> str:
    """`query`, locking the rows it reads until the transaction ends when `lock` is set."""
    return query + " FOR UPDATE" if lock else query
