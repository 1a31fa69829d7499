"""Keyset paging for every listing: the page size a request may ask for, and page tokens.

A token is the sort key of the last row handed out, opaque to callers: its parts as a JSON list
of strings, base64url-encoded. Reading one back parses every part with the type its listing
expects, so a token that was not issued for that listing (wrong number of parts, a part that does
not parse) is refused as INVALID_ARGUMENT on `page_token` before any SQL runs. JSON rather than a
separator keeps parts that contain one (names, free-text keys) intact. Any replica can read a
token another issued: there is no per-process state in it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast, overload

from services.kernel.errors import InvalidArgument

DEFAULT_PAGE, MAX_PAGE = 100, 1000
NOT_ISSUED = "not a token this service issued"
MAX_BIGINT = 2**63 - 1
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")


def page_size(requested: int, default: int = DEFAULT_PAGE, most: int = MAX_PAGE) -> int:
    """The page size a request asked for (0: the default), refused outside 1..most."""
    size = requested or default
    if not 1 <= size <= most:
        raise InvalidArgument.one("page_size", f"must be 1 to {most}")
    return size


def token(*key: object) -> str:
    """The token for the page after the row whose sort key is `key` (dates and instants in ISO 8601,
    as `dt.date.fromisoformat` and `dt.datetime.fromisoformat` read them back)."""
    parts = [k.isoformat() if isinstance(k, dt.date) else str(k) for k in key]
    body = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode()


def next_token(rows: Sequence[object], size: int, *columns: str) -> str:
    """The token after a full page (sorted by `columns`), or "" when the page is the last. A row
    is a typed record (columns as attributes) or a mapping (asyncpg.Record, a dict)."""
    return token(*(_column(rows[-1], c) for c in columns)) if len(rows) == size else ""


def _column(row: object, name: str) -> Any:
    if hasattr(row, "keys"):  # asyncpg.Record, a dict
        return cast(Mapping[str, Any], row)[name]
    return getattr(row, name)


def natural(part: str) -> int:
    """A position, row number, sequence or version in a token: ASCII digits that fit a bigint, so a
    forged token is refused here rather than overflowing in the query."""
    if not (part.isascii() and part.isdigit()) or int(part) > MAX_BIGINT:
        raise ValueError(part)
    return int(part)


def instant(part: str) -> dt.datetime:
    """An instant in a token, with its UTC offset as every stored timestamp has one."""
    at = dt.datetime.fromisoformat(part)
    if at.tzinfo is None:
        raise ValueError(part)
    return at


def bad_token() -> InvalidArgument:
    """The refusal of a token that decodes but names no row this listing could have handed out."""
    return InvalidArgument.one("page_token", NOT_ISSUED)


@overload
def after(page_token: str, a: Callable[[str], A], /) -> tuple[A] | None: ...
@overload
def after(page_token: str, a: Callable[[str], A], b: Callable[[str], B], /) -> tuple[A, B] | None: ...
@overload
def after(
    page_token: str, a: Callable[[str], A], b: Callable[[str], B], c: Callable[[str], C], /
) -> tuple[A, B, C] | None: ...
@overload
def after(
    page_token: str,
    a: Callable[[str], A],
    b: Callable[[str], B],
    c: Callable[[str], C],
    d: Callable[[str], D],
    /,
) -> tuple[A, B, C, D] | None: ...
def after(page_token: str, *parsers: Callable[[str], Any]) -> tuple[Any, ...] | None:
    """The sort key a token carries, each part parsed; None for the first page."""
    if not page_token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(page_token.encode()))
        if not isinstance(key, list) or len(key) != len(parsers) or not all(isinstance(k, str) for k in key):
            raise ValueError(page_token)
        return tuple(parse(part) for parse, part in zip(parsers, key, strict=True))
    # binascii.Error, UnicodeDecodeError and JSONDecodeError are ValueErrors; a deeply nested
    # list exhausts the JSON parser's recursion instead.
    except (ValueError, RecursionError):
        raise bad_token() from None
