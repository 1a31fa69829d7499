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

import structlog

from services.kernel.uow import Database, UnitOfWork

log = structlog.get_logger()


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
        failures = 0
        while True:
            try:
                done = await self.run_once()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("job failed; retrying", job=self.job.name, error=repr(exc), failures=failures)
                await asyncio.sleep(min(0.5 * 2**failures, 30.0))
                continue
            if not done:
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
