"""Scheduled work that is safe with any number of replicas.

A job's `step` claims a bounded batch of due rows with FOR UPDATE SKIP LOCKED inside one unit of
work and handles them; replicas running the same job skip each other's rows, so every due item
is handled once. The runner repeats the step while it finds work, then sleeps until the interval
passes or someone kicks it (a commit that made work due, or the development clock jumping).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.kernel import supervise
from services.kernel.uow import Database, UnitOfWork


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    # Handles at most a bounded batch and returns how many items it handled.
    step: Callable[[UnitOfWork], Awaitable[int]]


class JobRunner:
    def __init__(self, db: Database, job: Job) -> None:
        self.db, self.job = db, job
        self._kick = asyncio.Event()
        self.handled = 0

    def kick(self) -> None:
        self._kick.set()

    async def run(self) -> None:
        """For the life of the process; a failed step is retried after a pause (supervise)."""
        await supervise.forever(f"job:{self.job.name}", self._turn)

    async def _turn(self) -> None:
        if not await self.run_once():
            await self._sleep()

    async def run_once(self) -> int:
        async with self.db.unit_of_work(request_id=f"job:{self.job.name}") as uow:
            done = await self.job.step(uow)
        self.handled += done
        return done

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._kick.wait(), self.job.every_seconds)
        self._kick.clear()
