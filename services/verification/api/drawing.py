"""Running a draw over the store, and re-running it from its stored inputs (VerifyDraw).

Both paths run the same steps on the same inputs (the pool snapshot, the seed, the plan's
ratios and team size, the inspector snapshot); only the table the result goes to differs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.db import Connection
from services.kernel.errors import FailedPrecondition, PreconditionViolation
from services.verification.domain import sampling
from services.verification.domain.ledger import PoolExclusion
from services.verification.domain.rules import SamplingRules
from services.verification.domain.sampling import DrawRun
from services.verification.store.draws import RESULT, VERIFY, Draw, DrawInspector
from services.verification.store.plans import Plan
from services.verification.store.rosters import Eligible
from services.verification.store.stores import DrawStore, Stores

Teams = Sequence[Sequence[sampling.InspectorEntry]]


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
    store: Stores,
    conn: Connection,
    plan: Plan,
    draw_id: uuid.UUID,
    seed: str,
    *,
    rules: SamplingRules,
    today: dt.date,
    exclusion: PoolExclusion,
) -> DrawRun:
    """Snapshot the plan's pool (without the subjects `exclusion` leaves out) and inspectors into
    the draw, then draw."""
    draws = store.draws
    _, digest, strata = await draws.snapshot_pool(
        conn,
        draw_id,
        plan,
        rules.ungraded,
        rules.priority_always_drawn,
        exclusion=exclusion,
        risk_shifts=rules.risk_shifts,
    )
    eligible = await store.rosters.eligible_inspectors(conn, plan.departments, plan.domain, today)
    entries = [sampling.InspectorEntry(e.certificate_number, frozenset(e.conflicts)) for e in eligible]
    teams = sampling.form_teams(seed, entries, plan.team_size)
    if not teams:
        raise _too_few(plan, len(entries))
    await draws.insert_inspectors(conn, draw_id, _ranked(seed, eligible, plan.team_size, len(teams)))
    inputs = Inputs(RESULT, draw_id, seed, plan.ratios_bp, digest, strata, entries)
    return await _result(draws, conn, inputs, teams)


async def rerun(store: Stores, conn: Connection, draw: Draw) -> DrawRun:
    """The draw again from its stored snapshot, into a temporary table."""
    draws = store.draws
    draw_id, seed = draw.draw_id, draw.seed
    recomputed, _ = await draws.recomputed_pool_digest(conn, draw_id)
    strata = await draws.recount(conn, draw_id)
    entries = [
        sampling.InspectorEntry(i.certificate_number, frozenset(i.conflicts))
        for i in await draws.inspectors(conn, draw_id)
    ]
    await draws.create_verify_table(conn)
    inputs = Inputs(VERIFY, draw_id, seed, draw.ratios_bp, recomputed, strata, entries)
    return await _result(draws, conn, inputs, sampling.form_teams(seed, entries, draw.team_size))


async def _result(draws: DrawStore, conn: Connection, inputs: Inputs, teams: Teams) -> DrawRun:
    table, draw_id = inputs.table, inputs.draw_id
    stats = sampling.stratum_stats(inputs.strata, inputs.ratios_bp)
    quotas = [s.drawn_at_random for s in stats]
    await draws.rank(
        conn, table, draw_id, seed=inputs.seed, strata=inputs.strata, quotas=quotas, teams=len(teams)
    )
    conflicts = sampling.team_conflicts(teams)
    pairs = [(t, code) for t, codes in enumerate(conflicts) for code in sorted(codes)]
    clashes = await draws.conflicting(conn, table, draw_id, pairs)
    moves = [(position, sampling.assign_team(position, code, conflicts)) for position, code in clashes]
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


def _too_few(plan: Plan, eligible: int) -> FailedPrecondition:
    why = (
        f"{eligible} active inspectors of the plan's departments qualify for domain"
        f" {plan.domain or '(any)'}; a team needs {plan.team_size}"
    )
    return FailedPrecondition(why, [PreconditionViolation("NOT_ENOUGH_INSPECTORS", str(plan.plan_id), why)])


def _ranked(seed: str, eligible: Sequence[Eligible], size: int, teams: int) -> list[DrawInspector]:
    """The eligible inspectors in rank order, cut into teams (a remainder forms no team)."""
    ranked = sorted(eligible, key=lambda e: sampling.inspector_key(seed, e.certificate_number))
    return [
        DrawInspector(
            e.certificate_number,
            e.name,
            e.department,
            rank // size if rank < teams * size else None,
            rank,
            list(e.conflicts),
        )
        for rank, e in enumerate(ranked)
    ]
