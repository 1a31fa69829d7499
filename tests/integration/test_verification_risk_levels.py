"""Sampling by credit grade and risk level (风险等级) on real PostgreSQL: from SAMPLING-2027 a
subject is drawn in the class of its grade moved by its risk level, exactly as the reference
algorithm computes with those classes; earlier windows keep SAMPLING-2022, which ignores it."""

from __future__ import annotations

import datetime as dt
import random

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert
from services.verification import consumers
from services.verification.domain import sampling
from tests.integration.test_verification_draws import GRADES, all_results, inspectors, plan_request
from tests.integration.test_verification_rosters import begin, commit, subject_row, upload
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    LEGAL,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

LEVELS = [rpb.RISK_LEVEL_UNSPECIFIED, rpb.RISK_LEVEL_FIRST, rpb.RISK_LEVEL_SECOND, rpb.RISK_LEVEL_THIRD]


async def graded_roster(world: VWorld, size: int) -> dict[str, tuple[int, int]]:
    """(credit grade, risk level) of `size` subjects, every subject graded."""
    rng = random.Random(11)
    truth: dict[str, tuple[int, int]] = {
        new_uscc(): (rng.choice(GRADES), rng.choice(LEVELS)) for _ in range(size)
    }
    rows = []
    for code, (_, level) in truth.items():
        row = subject_row(code, tags=["cold_chain"])
        row.risk_level = rpb.RiskLevel.ValueType(level)
        rows.append(row)
    import_id = await begin(world)
    await upload(world, import_id, 0, 1, rows)
    await commit(world, import_id)
    for version, (code, (grade, _)) in enumerate(truth.items(), start=1):
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=code)
        event = credit_events_pb2.GradeChanged(
            subject=subject, version=version, grade=credit_pb2.Grade.ValueType(grade)
        )
        await world.apply(consumers.on_grade_changed, event)
    return truth


async def drawn_in(world: VWorld, year: int, seed: str) -> ipb.Draw:
    request = plan_request()
    request.window_start.CopyFrom(convert.to_date(dt.date(year, 3, 1)))
    request.window_end.CopyFrom(convert.to_date(dt.date(year, 3, 31)))
    world.lead()
    created = await world.inspections.CreatePlan(request, None)
    done = await world.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id, seed=seed), None
    )
    return done.draw


async def test_from_2027_the_risk_level_moves_a_subjects_class_and_the_draw_is_the_reference(
    vworld: VWorld,
) -> None:
    truth = await graded_roster(vworld, 1200)
    staff = await inspectors(vworld, 4)
    entries = [sampling.InspectorEntry(i.certificate_number, frozenset()) for i in staff]
    seed = "7a" * 32
    rules = vworld.rules.book.sampling(dt.date(2027, 3, 1))
    assert rules.id == "SAMPLING-2027"

    draw = await drawn_in(vworld, 2027, seed)
    pool = [
        sampling.PoolEntry(code, rules.sampling_class(grade, level), False)
        for code, (grade, level) in truth.items()
    ]
    expected = sampling.reference_draw(
        seed, pool, [500, 1500, 4000, 8000], sampling.form_teams(seed, entries, 2)
    )
    results = await all_results(vworld, draw.draw_id)
    assert [(r.subject.code, r.position) for r in results] == [(d.code, d.position) for d in expected]
    assert draw.pool_digest == sampling.pool_digest(pool)
    classes = {s.grade: s.pool for s in draw.stats}
    moved = {g: sum(1 for e in pool if e.grade == g) for g in (1, 2, 3, 4)}
    assert classes == moved
    assert moved != {g: sum(1 for grade, _ in truth.values() if grade == g) for g in (1, 2, 3, 4)}

    earlier = await drawn_in(vworld, 2026, seed)  # SAMPLING-2022: the credit grade alone
    by_grade = [sampling.PoolEntry(code, grade, False) for code, (grade, _) in truth.items()]
    assert earlier.pool_digest == sampling.pool_digest(by_grade)


async def test_a_risk_level_outside_the_three_is_refused_by_row(vworld: VWorld) -> None:
    row = subject_row(new_uscc())
    row.risk_level = 7  # type: ignore[assignment]
    import_id = await begin(vworld)
    done = await upload(vworld, import_id, 0, 1, [row])
    assert [(e.row, e.field) for e in done.errors] == [(1, "risk_level")]
