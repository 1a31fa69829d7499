"""Sequence numbers of national commitment codes per (region, day), handed out in blocks."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable

import asyncpg

from services.commitment.domain.recording import check_sequence

Key = tuple[str, dt.date]  # (region, day)
FAST_SECONDS = 1.0  # a block used up sooner than this is followed by a bigger one

_RESERVE = """
INSERT INTO code_block AS b (region_code, day, next) VALUES ($1, $2, $3 + 1)
ON CONFLICT (region_code, day) DO UPDATE SET next = b.next + $3
RETURNING next
"""


class CodeSequences:
    """Each block is reserved by its own short statement outside the caller's transaction, so
    concurrent commitments never wait on one counter row until commit. Numbers of a block left
    unused when a process stops are skipped (at most `max_block`): codes stay unique, not gapless.

    The statement runs on a pool of its own. Borrowing from the service's pool would deadlock
    under load: every pooled connection can be held by a transaction waiting for a block.
    """

    def __init__(
        self, connect: Callable[[], Awaitable[asyncpg.Pool]], block: int = 20, max_block: int = 1000
    ) -> None:
        self.connect, self.block, self.max_block = connect, block, max_block
        self._free: dict[Key, tuple[int, int]] = {}
        # Under load a block lasts a moment and every request waits on the lock while the next
        # is reserved: blocks grow while used up quickly, and shrink back when demand falls.
        self._sizes: dict[Key, tuple[int, float]] = {}  # (size of the last block, reserved at)
        self._lock = asyncio.Lock()
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        self._pool = await self.connect()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()

    async def next(self, region: str, day: dt.date) -> int:
        async with self._lock:
            low, high = self._free.get((region, day), (0, 0))
            if low >= high:
                assert self._pool is not None, "start() first"
                size = self._next_size((region, day))
                high = int(await self._pool.fetchval(_RESERVE, region, day, size))
                low = high - size
            check_sequence(region, low)
            self._free[(region, day)] = (low + 1, high)
            return low

    def _next_size(self, key: Key) -> int:
        last, at = self._sizes.get(key, (self.block, -FAST_SECONDS))
        now = time.monotonic()
        size = min(2 * last, self.max_block) if now - at < FAST_SECONDS else self.block
        self._sizes[key] = (size, now)
        return size
