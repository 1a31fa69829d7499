"""How big and how long each benchmark runs: the full run of `make bench`, and the smoke run the
test suite uses to prove the harness works (its figures mean nothing)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    seconds: float  # measured time of each closed-loop benchmark
    warmup: float
    conclusion_seconds: float  # how long conclusions arrive at `conclusions_per_second`
    roster: int  # subjects imported, then drawn over
    chunk: int  # roster rows per upload
    matches: int  # codes in one bulk match
    concurrency: int = 32
    conclusions_per_second: float = 100.0


FULL = Scale(
    seconds=5.0, warmup=1.0, conclusion_seconds=10.0, roster=1_000_000, chunk=50_000, matches=100_000
)
SMOKE = Scale(seconds=0.3, warmup=0.1, conclusion_seconds=0.3, roster=2_000, chunk=500, matches=1_000)
