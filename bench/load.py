"""Closed-loop load generation and the statistics every benchmark reports."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    calls: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(name: str, latencies: list[float], seconds: float, errors: int = 0) -> Figure:
    ordered = sorted(latencies) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Figure(
        name=name,
        calls=len(latencies),
        seconds=round(seconds, 3),
        per_second=round(len(latencies) / seconds, 1) if seconds else 0.0,
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p99_ms=round(p99 * 1000, 2),
        errors=errors,
    )


async def closed_loop(
    name: str,
    call: Callable[[int], Awaitable[object]],
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
) -> Figure:
    """`concurrency` workers call back to back for `seconds` (after a warm-up); call(i) gets a unique i."""
    counter = iter(range(10**12))
    latencies: list[float] = []
    errors = 0
    measuring = False

    async def worker(stop_at: float) -> None:
        nonlocal errors
        while (now := time.perf_counter()) < stop_at:
            try:
                await call(next(counter))
            except Exception:
                errors += measuring
                continue
            if measuring:
                latencies.append(time.perf_counter() - now)

    await asyncio.gather(*(worker(time.perf_counter() + warmup) for _ in range(concurrency)))
    measuring = True
    start = time.perf_counter()
    await asyncio.gather(*(worker(start + seconds) for _ in range(concurrency)))
    return summarise(name, latencies, time.perf_counter() - start, errors)


async def open_loop(
    name: str, call: Callable[[int], Awaitable[float | None]], *, rate: float, seconds: float
) -> Figure:
    """Start `rate` calls a second regardless of how long each takes; each returns its own latency,
    or None when it is load only and not measured."""
    latencies: list[float] = []
    errors = 0

    async def one(i: int) -> None:
        nonlocal errors
        try:
            latency = await call(i)
        except Exception:
            errors += 1
            return
        if latency is not None:
            latencies.append(latency)

    tasks, start = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return summarise(name, latencies, time.perf_counter() - start, errors)
