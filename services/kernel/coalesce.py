"""Reads of concurrent requests coalesced into one query each: the keys waiting when a reader
is free go to the database together, which saves a round trip (and a pool checkout) per request
when many requests read the same way at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import asyncpg

from services.kernel.db import Connection

K = TypeVar("K")
V = TypeVar("V")
Fetch = Callable[[Connection, list[K]], Awaitable[list[V]]]


class Coalescer(Generic[K, V]):
    """Reads of concurrent requests answered by one query: `fetch(conn, keys)` returns one value
    per key, in order. Up to `readers` readers run at once, each on a connection it keeps while
    keys keep coming, each query taking every key waiting when it starts; a failing query fails
    the requests it carried."""

    def __init__(self, pool: asyncpg.Pool, fetch: Fetch[K, V], readers: int = 2, limit: int = 256) -> None:
        self.pool, self.fetch, self.readers, self.limit = pool, fetch, readers, limit
        self._waiting: list[tuple[K, asyncio.Future[V]]] = []
        self._readers: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references
        self.queries = 0

    async def get(self, key: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._waiting.append((key, future))
        if sum(not r.done() for r in self._readers) < self.readers:
            reader = asyncio.create_task(self._read())
            self._readers.add(reader)
            reader.add_done_callback(self._readers.discard)
        return await future

    async def _read(self) -> None:
        # Keys may arrive while the connection is being released: look again before ending
        # (no await between the last look and the end, so none can be left without a reader).
        while self._waiting:
            try:
                async with self.pool.acquire() as conn:
                    await self._answer_while_waiting(conn)
            except Exception as exc:  # no connection: the requests waiting now fail with it
                batch, self._waiting = self._waiting, []
                _fail(batch, exc)

    async def _answer_while_waiting(self, conn: Connection) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.limit], self._waiting[self.limit :]
            try:
                await self._answer(conn, batch)
            except Exception as exc:
                _fail(batch, exc)
                # A query that failed may have left the connection unusable (lost mid-operation,
                # asyncpg then says "another operation is in progress" to the next query on it):
                # the keys still waiting get a connection of their own.
                return

    async def _answer(self, conn: Connection, batch: list[tuple[K, asyncio.Future[V]]]) -> None:
        self.queries += 1
        values = await self.fetch(conn, [key for key, _ in batch])
        for (_, future), value in zip(batch, values, strict=True):
            if not future.done():
                future.set_result(value)


def _fail(batch: list[tuple[Any, asyncio.Future[Any]]], exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
