"""Running a draw over the store, and re-running it from its stored inputs (VerifyDraw).

Both paths run the same steps on the same inputs (the pool snapshot, the seed, the plan's
ratios and team size, the inspector snapshot); only the table the result goes to differs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.kernel.db import Connection
from services.kernel.errors import FailedPrecondition, PreconditionViolation
from services.verification.domain import sampling
from services.verification.domain.rules import SamplingRules
from services.verification.store import draws, rosters

Teams = Sequence[Sequence[sampling.InspectorEntry]]


@dataclass(frozen=True)
class DrawRun:
    pool_size: int
    pool_digest: str
    inspector_digest: str
    result_digest: str
    drawn: int
    unassigned: int
    teams: int
    stats: list[sampling.Stratum]


@dataclass(frozen=True)
class Inputs:
    """What a draw is computed from, and the table its result goes to."""

    table: str
    draw_id: uuid.UUID
    seed: str
    ratios_bp: Sequence[int]
    pool_digest: str
    strata: Sequence[int]  # subjects per (grade, priority), see draws.recount
    inspectors: Sequence[sampling.InspectorEntry]


async def run(
    conn: Connection,
    plan: asyncpg.Record,
    draw_id: uuid.UUID,
    seed: str,
    *,
    rules: SamplingRules,
    today: dt.date,
) -> DrawRun:
    """Snapshot the plan's pool and inspectors into the draw, then draw."""
    _, digest, strata = await draws.snapshot_pool(
        conn, draw_id, plan, rules.ungraded, rules.priority_always_drawn
    )
    eligible = await rosters.eligible_inspectors(conn, plan["departments"], plan["domain"], today)
    entries = [_entry(r) for r in eligible]
    teams = sampling.form_teams(seed, entries, plan["team_size"])
    if not teams:
        raise _too_few(plan, len(entries))
    await draws.insert_inspectors(
        conn, draw_id, _inspector_rows(seed, eligible, plan["team_size"], len(teams))
    )
    inputs = Inputs(draws.RESULT, draw_id, seed, plan["ratios_bp"], digest, strata, entries)
    return await _result(conn, inputs, teams)


async def rerun(conn: Connection, draw: asyncpg.Record) -> DrawRun:
    """The draw again from its stored snapshot, into a temporary table."""
    draw_id, seed = draw["draw_id"], draw["seed"]
    recomputed, _ = await draws.recomputed_pool_digest(conn, draw_id)
    strata = await draws.recount(conn, draw_id)
    entries = [_entry(r) for r in await draws.inspectors(conn, draw_id)]
    await draws.create_verify_table(conn)
    inputs = Inputs(draws.VERIFY, draw_id, seed, draw["ratios_bp"], recomputed, strata, entries)
    return await _result(conn, inputs, sampling.form_teams(seed, entries, draw["team_size"]))


async def _result(conn: Connection, inputs: Inputs, teams: Teams) -> DrawRun:
    table, draw_id = inputs.table, inputs.draw_id
    stats = _stats(inputs.strata, inputs.ratios_bp)
    quotas = [s.drawn_at_random for s in stats]
    await draws.rank(
        conn, table, draw_id, seed=inputs.seed, strata=inputs.strata, quotas=quotas, teams=len(teams)
    )
    conflicts = sampling.team_conflicts(teams)
    pairs = [(t, code) for t, codes in enumerate(conflicts) for code in sorted(codes)]
    clashes = await draws.conflicting(conn, table, draw_id, pairs)
    moves = [
        (r["position"], sampling.assign_team(r["position"], r["subject_code"], conflicts)) for r in clashes
    ]
    await draws.set_teams(conn, table, draw_id, moves)
    digest, drawn, unassigned = await draws.result_digest(conn, table, draw_id)
    return DrawRun(
        pool_size=sum(inputs.strata),
        pool_digest=inputs.pool_digest,
        inspector_digest=sampling.inspector_digest(inputs.inspectors),
        result_digest=digest,
        drawn=drawn,
        unassigned=unassigned,
        teams=len(teams),
        stats=stats,
    )


def _stats(strata: Sequence[int], ratios_bp: Sequence[int]) -> list[sampling.Stratum]:
    """Per grade: the pool without and with priority supervision, the ratio and the quota."""
    return [
        sampling.Stratum(g, strata[2 * g - 2], strata[2 * g - 1], bp, sampling.quota(strata[2 * g - 2], bp))
        for g, bp in enumerate(ratios_bp, start=1)
    ]


def _entry(row: asyncpg.Record) -> sampling.InspectorEntry:
    return sampling.InspectorEntry(row["certificate_number"], frozenset(row["conflicts"]))


def _too_few(plan: asyncpg.Record, eligible: int) -> FailedPrecondition:
    why = (
        f"{eligible} active inspectors of the plan's departments qualify for domain"
        f" {plan['domain'] or '(any)'}; a team needs {plan['team_size']}"
    )
    return FailedPrecondition(
        why, [PreconditionViolation("NOT_ENOUGH_INSPECTORS", str(plan["plan_id"]), why)]
    )


def _inspector_rows(
    seed: str, eligible: Sequence[asyncpg.Record], size: int, teams: int
) -> list[tuple[object, ...]]:
    """(number, name, department, team or None, rank, conflicts) in rank order."""
    ranked = sorted(eligible, key=lambda r: sampling.inspector_key(seed, r["certificate_number"]))
    return [
        (
            r["certificate_number"],
            r["name"],
            r["department"],
            rank // size if rank < teams * size else None,
            rank,
            list(r["conflicts"]),
        )
        for rank, r in enumerate(ranked)
    ]
