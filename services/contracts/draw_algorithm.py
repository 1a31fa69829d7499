"""The published random-draw algorithm (双随机) `sha256-stratified-v1`, pure, for anyone to re-run.

The verification service draws with it (its domain/sampling.py documents the steps and computes
them in SQL for large pools); the publication service re-runs a published draw with it. It is a
contract: changing it changes published digests, so a new algorithm gets a new name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALGORITHM = "sha256-stratified-v1"
GRADES = ("A", "B", "C", "D")  # credit grades 1..4, low to high risk
BASIS_POINTS = 10_000  # 100 %


def grade_letter(number: int) -> str:
    return GRADES[number - 1]


def quota(count: int, basis_points: int) -> int:
    """round_half_up(count x ratio), in integers so every implementation agrees."""
    return (count * basis_points + BASIS_POINTS // 2) // BASIS_POINTS


def draw_key(seed: str, code: str) -> bytes:
    return hashlib.sha256(f"{seed}|{code}".encode()).digest()


def inspector_key(seed: str, number: str) -> bytes:
    return hashlib.sha256(f"{seed}|inspector|{number}".encode()).digest()


@dataclass(frozen=True)
class PoolEntry:
    code: str
    grade: int  # 1..4 = A..D
    priority: bool


@dataclass(frozen=True)
class InspectorEntry:
    number: str
    conflicts: frozenset[str]


@dataclass(frozen=True)
class Drawn:
    code: str
    grade: int
    priority: bool
    position: int
    team: int | None


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def pool_digest(pool: Iterable[PoolEntry]) -> str:
    return _digest(
        f"{e.code}|{grade_letter(e.grade)}|{int(e.priority)}" for e in sorted(pool, key=lambda e: e.code)
    )


def inspector_digest(inspectors: Iterable[InspectorEntry]) -> str:
    ordered = sorted(inspectors, key=lambda i: i.number)
    return _digest(f"{i.number}|{','.join(sorted(i.conflicts))}" for i in ordered)


def result_digest(results: Iterable[tuple[str, int | None]]) -> str:
    return _digest(f"{code}|{'-' if team is None else team}" for code, team in sorted(results))


def form_teams(seed: str, inspectors: Iterable[InspectorEntry], size: int) -> list[list[InspectorEntry]]:
    ranked = sorted(inspectors, key=lambda i: inspector_key(seed, i.number))
    return [ranked[t * size : (t + 1) * size] for t in range(len(ranked) // size)]


def team_conflicts(teams: Sequence[Sequence[InspectorEntry]]) -> list[frozenset[str]]:
    return [frozenset().union(*(m.conflicts for m in team)) for team in teams]


def assign_team(position: int, code: str, conflicts: Sequence[frozenset[str]]) -> int | None:
    """Team of the subject at `position` (from 1): the rotation's team or the next free one."""
    count = len(conflicts)
    for step in range(count):
        team = (position - 1 + step) % count
        if code not in conflicts[team]:
            return team
    return None


def reference_draw(
    seed: str,
    pool: Sequence[PoolEntry],
    ratios_bp: Sequence[int],
    teams: Sequence[Sequence[InspectorEntry]],
) -> list[Drawn]:
    """The whole draw in memory: what the SQL computes for large pools."""
    by_stratum: dict[tuple[int, bool], list[PoolEntry]] = {}
    for entry in pool:
        by_stratum.setdefault((entry.grade, entry.priority), []).append(entry)
    chosen: list[PoolEntry] = []
    for (grade, priority), entries in by_stratum.items():
        ranked = sorted(entries, key=lambda e: draw_key(seed, e.code))
        chosen += ranked if priority else ranked[: quota(len(ranked), ratios_bp[grade - 1])]
    conflicts = team_conflicts(teams)
    ordered = sorted(chosen, key=lambda e: draw_key(seed, e.code))
    return [
        Drawn(e.code, e.grade, e.priority, p, assign_team(p, e.code, conflicts))
        for p, e in enumerate(ordered, start=1)
    ]
