"""Every replica of a development stack on the same time: the stored offset adopted at start-up
and followed while the process runs."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import asyncpg

from services.kernel import supervise
from services.kernel.clock import DevClock, offset_to
from services.kernel.features.dev_clock import store
from services.kernel.uow import Database

FOLLOW_SECONDS = 1.0


async def adopt(pool: asyncpg.Pool, clock: DevClock, start: dt.datetime | None) -> None:
    """Take the stored offset at start-up, before serving. A configured start applies only to a
    stack whose clock was never set: a restarted process keeps the time the stack has reached."""
    if start is not None:
        await store.start_at(pool, offset_to(start))
    offset = await store.offset(pool)
    if offset is not None:
        clock.offset = offset


async def follow(db: Database, clock: DevClock, on_advance: Callable[[], None]) -> None:
    """Adopt the stored offset now and whenever another replica moves it; a jump makes this
    replica's scheduled work run at once too, as on the replica that was asked to advance.
    While the database is away the clock keeps its offset and the follower waits (supervise)."""

    async def look() -> None:
        await _adopt_stored(db, clock, on_advance)
        await asyncio.sleep(FOLLOW_SECONDS)

    await supervise.forever("dev-clock-follower", look)


async def _adopt_stored(db: Database, clock: DevClock, on_advance: Callable[[], None]) -> None:
    offset = await store.offset(db.pool)
    if offset is not None and offset > clock.offset:
        clock.catch_up(offset)
        on_advance()
