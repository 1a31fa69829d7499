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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.contracts.draw_algorithm import (
    ALGORITHM,
    GRADES,
    Drawn,
    InspectorEntry,
    PoolEntry,
    assign_team,
    draw_key,
    form_teams,
    grade_letter,
    inspector_digest,
    inspector_key,
    pool_digest,
    quota,
    reference_draw,
    result_digest,
    team_conflicts,
)
from services.kernel.errors import Violations
from services.verification.domain.rules import SamplingRules

# The algorithm itself is a shared contract (the publication service re-runs published draws);
# it is re-exported here, where the service's drawing code and its tests look for it.
__all__ = [
    "ALGORITHM",
    "Drawn",
    "InspectorEntry",
    "PoolEntry",
    "assign_team",
    "draw_key",
    "form_teams",
    "inspector_digest",
    "inspector_key",
    "pool_digest",
    "quota",
    "reference_draw",
    "result_digest",
    "team_conflicts",
]


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
