"""The read coalescer after a query fails: the connection it failed on is not used again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from services.kernel.coalesce import Coalescer


class _Connection:
    def __init__(self, number: int) -> None:
        self.number, self.lost = number, False


class _Pool:
    """Hands out new connections; the first one is lost in the middle of its first query."""

    def __init__(self) -> None:
        self.handed = 0

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[_Connection]:
        self.handed += 1
        yield _Connection(self.handed)


async def _fetch(conn: Any, keys: list[str]) -> list[str]:
    await asyncio.sleep(0)
    if conn.lost:  # as asyncpg answers on a connection lost mid-operation
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    if conn.number == 1:
        conn.lost = True
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    return [f"{key}@{conn.number}" for key in keys]


async def test_keys_waiting_after_a_failed_query_are_read_on_another_connection() -> None:
    pool = _Pool()
    reads: Coalescer[str, str] = Coalescer(pool, _fetch, readers=1, limit=1)  # type: ignore[arg-type]
    first, second = await asyncio.gather(reads.get("a"), reads.get("b"), return_exceptions=True)
    assert isinstance(first, asyncpg.ConnectionDoesNotExistError)  # an outage: UNAVAILABLE upstream
    assert second == "b@2"
    assert pool.handed == 2


async def test_a_healthy_connection_keeps_answering_while_keys_keep_coming() -> None:
    pool = _Pool()
    pool.handed = 1  # connection 2 onwards: healthy
    reads: Coalescer[str, str] = Coalescer(pool, _fetch, readers=1, limit=1)  # type: ignore[arg-type]
    assert await asyncio.gather(*(reads.get(k) for k in "xyz")) == ["x@2", "y@2", "z@2"]
    assert (pool.handed, reads.queries) == (2, 3)
