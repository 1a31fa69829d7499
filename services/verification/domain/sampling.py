"""The random draw (双随机) as a published algorithm, so anyone can re-run it.

Algorithm `sha256-stratified-v1`:
1. The pool is the plan's subjects, each with its sampling class (A-D: its credit grade, the rule
   set's default for an ungraded subject, moved by its risk level where the rule set says so,
   SamplingRules.sampling_class) and whether it is under priority supervision (列为重点监管对象).
   The "grade" of the steps and digests below is that class.
2. Every subject under priority supervision is drawn.
3. The other subjects of each grade are ranked by SHA-256(seed "|" code), ascending bytes; the
   first round_half_up(count x ratio) of each grade are drawn.
4. The drawn subjects are numbered 1.. in ascending order of that same key (their position).
5. Active inspectors meeting the plan's requirements are ranked by SHA-256(seed "|inspector|"
   certificate number) and cut into teams of the plan's size (a remainder forms no team).
6. The subject at position p gets team (p - 1) mod T, or the next team that has no member with a
   declared conflict with it; none: unassigned.
Digests are SHA-256 over UTF-8 lines joined by "\\n", sorted by subject code (pool: "code|grade|
priority(0/1)"; result: "code|team or -") or by certificate number (inspectors: "number|conflicting
codes, comma separated and sorted").

The service computes steps 2-4 in SQL over millions of subjects; this module is the reference the
SQL is tested against, and what a re-implementation should match.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.kernel.errors import Violations
from services.verification.domain.rules import BASIS_POINTS, GRADES, SamplingRules, grade_letter

ALGORITHM = "sha256-stratified-v1"


def basis_points(v: Violations, field: str, percent: float) -> int | None:
    """A percentage as basis points: 0-100 % with at most two decimals."""
    if not math.isfinite(percent) or not 0 <= percent <= 100:
        v.add(field, f"{percent}% is outside 0-100%")
        return None
    bp = round(percent * 100)
    if abs(percent * 100 - bp) > 1e-6:
        v.add(field, "at most two decimals")
        return None
    return bp


def within_band(v: Violations, field: str, grade: int, bp: int, rules: SamplingRules) -> bool:
    """A grade's sampling ratio lies within the rule set's legal band for the grade."""
    band = rules.bands[grade]
    if band.min_bp <= bp <= band.max_bp:
        return True
    v.add(
        field,
        f"grade {grade_letter(grade)} must be sampled at {band.min_bp / 100:g}% to {band.max_bp / 100:g}%"
        f" (rule set {rules.id})",
    )
    return False


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


@dataclass(frozen=True)
class Stratum:
    grade: int
    pool: int
    priority: int
    basis_points: int
    drawn_at_random: int


@dataclass(frozen=True)
class DrawRun:
    """What a draw computed: the digests, the counts and the per-grade stats."""

    pool_size: int
    pool_digest: str
    inspector_digest: str
    result_digest: str
    drawn: int
    unassigned: int
    teams: int
    stats: list[Stratum]


@dataclass(frozen=True)
class Claims:
    """What a caller of VerifyDraw says it saw published (empty: not claimed)."""

    seed: str = ""
    pool_digest: str = ""
    result_digest: str = ""


def mismatches(published: DrawRun, seed: str, rerun: DrawRun, claimed: Claims) -> list[str]:
    """How a re-run differs from the published draw, and the caller's claims from either."""
    checks = [
        ("pool digest", published.pool_digest, rerun.pool_digest),
        ("inspector digest", published.inspector_digest, rerun.inspector_digest),
        ("result digest", published.result_digest, rerun.result_digest),
        ("drawn", str(published.drawn), str(rerun.drawn)),
    ]
    claims = [
        ("claimed seed", claimed.seed, seed),
        ("claimed pool digest", claimed.pool_digest, rerun.pool_digest),
        ("claimed result digest", claimed.result_digest, rerun.result_digest),
    ]
    found = [f"{what}: published {a}, re-run {b}" for what, a, b in checks if a != b]
    return found + [f"{what}: {a} differs from {b}" for what, a, b in claims if a and a.lower() != b]


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


def strata(pool: Iterable[PoolEntry], ratios_bp: Sequence[int]) -> list[Stratum]:
    counts = {(g, p): 0 for g in range(1, len(GRADES) + 1) for p in (False, True)}
    for entry in pool:
        counts[entry.grade, entry.priority] += 1
    return stratum_stats([counts[g, p] for g in range(1, len(GRADES) + 1) for p in (False, True)], ratios_bp)


def stratum_stats(counts: Sequence[int], ratios_bp: Sequence[int]) -> list[Stratum]:
    """Per grade: the pool without and with priority supervision, the ratio and the quota.

    `counts` are the subjects per (grade, priority), grade A first, those without priority first."""
    return [
        Stratum(g, counts[2 * g - 2], counts[2 * g - 1], bp, quota(counts[2 * g - 2], bp))
        for g, bp in enumerate(ratios_bp, start=1)
    ]


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
