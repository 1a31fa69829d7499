"""What a store's mapping functions read: a row as asyncpg returns it, or a dict with the same
columns (the in-memory stores of the handler tests hold rows as dicts), and how a row becomes
the typed record it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row: TypeAlias = asyncpg.Record | Mapping[str, Any]
T = TypeVar("T", bound="DataclassInstance")


def typed(record: type[T], row: Row, **read: Any) -> T:
    """The `record` whose fields are the row's columns of the same names, except the fields
    given in `read` (a column read into its value: an array into a tuple, JSON into a record)."""
    return record(**{f.name: read[f.name] if f.name in read else row[f.name] for f in fields(record)})
