"""Sequence numbers of national commitment codes per (region, day), handed out in blocks."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import asyncpg

from services.commitment.domain import CODE_SEQUENCE_MAX
from services.kernel.errors import FailedPrecondition, PreconditionViolation

_RESERVE = """
INSERT INTO code_block AS b (region_code, day, next) VALUES ($1, $2, $3 + 1)
ON CONFLICT (region_code, day) DO UPDATE SET next = b.next + $3
RETURNING next
"""


class CodeSequences:
    """Each block is reserved by its own short statement outside the caller's transaction, so
    concurrent commitments never wait on one counter row until commit. Numbers of a block left
    unused when a process stops are skipped: codes stay unique, not gapless.

    The statement runs on a pool of its own. Borrowing from the service's pool would deadlock
    under load: every pooled connection can be held by a transaction waiting for a block.
    """

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Pool]], block: int = 20) -> None:
        self.connect, self.block = connect, block
        self._free: dict[tuple[str, dt.date], tuple[int, int]] = {}
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
                high = int(await self._pool.fetchval(_RESERVE, region, day, self.block))
                low = high - self.block
            if low > CODE_SEQUENCE_MAX:
                raise FailedPrecondition(
                    "the region has used every commitment code of the day",
                    [
                        PreconditionViolation(
                            "CODE_SEQUENCE_EXHAUSTED", region, f"{CODE_SEQUENCE_MAX} codes a day"
                        )
                    ],
                )
            self._free[(region, day)] = (low + 1, high)
            return low
