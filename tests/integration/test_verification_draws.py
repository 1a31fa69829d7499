"""Plans and draws on real PostgreSQL: the SQL draw equals the published reference algorithm,
re-runs are identical, the pool digest follows the pool, bad plans are refused."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import commitment_events_pb2, credit_events_pb2
from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, InvalidArgument
from services.verification import consumers
from services.verification.domain import sampling
from tests.integration.test_verification_rosters import begin, commit, subject_row, upload
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    LEGAL,
    VWorld,
    inspector,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

GRADES = [credit_pb2.GRADE_A, credit_pb2.GRADE_B, credit_pb2.GRADE_C, credit_pb2.GRADE_D]
PERSON_ID = "11010519491231002X"  # a valid resident ID (GB 11643 example)
NO_PLAN_WRITES = ("plan", "draw", "draw_result", "audit_log", "outbox")


async def roster(world: VWorld, size: int, seed: int = 7) -> dict[str, tuple[int, bool]]:
    """`size` subjects, most graded by the credit service, some under priority supervision."""
    rng = random.Random(seed)
    codes = [new_uscc() for _ in range(size)]
    import_id = await begin(world)
    await upload(world, import_id, 0, 1, [subject_row(c, tags=["cold_chain"]) for c in codes])
    await commit(world, import_id)
    truth: dict[str, tuple[int, bool]] = {}
    for version, code in enumerate(codes, start=1):
        graded = rng.random() < 0.8
        grade = rng.choice(GRADES) if graded else credit_pb2.GRADE_B  # ungraded counts as B
        priority = rng.random() < 0.02
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=code)
        if graded:
            await world.apply(
                consumers.on_grade_changed,
                credit_events_pb2.GradeChanged(subject=subject, version=version, grade=grade),
            )
        if priority:
            restriction = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION)
            await world.apply(
                consumers.on_restriction_changed,
                credit_events_pb2.RestrictionChanged(subject=subject, version=1, restrictions=[restriction]),
            )
        truth[code] = (grade, priority)
    return truth


async def inspectors(
    world: VWorld, count: int, conflicts: dict[int, list[str]] | None = None
) -> list[rpb.Inspector]:
    rows = [inspector(f"ZF350200{i:04d}") for i in range(count)]
    for i, codes in (conflicts or {}).items():
        for code in codes:
            rows[i].conflicts.add(subject={"kind": LEGAL, "code": code}, reason="回避")
    world.lead()
    await world.rosters.ImportInspectors(rpb.ImportInspectorsRequest(request_id=rid(), inspectors=rows), None)
    return rows


def plan_request(
    ratios: list[ipb.GradeRatio] | None = None,
    team_size: int = 2,
    types: tuple[str, str] = ("FOOD_SAFETY", "PRICE"),
) -> ipb.CreatePlanRequest:
    return ipb.CreatePlanRequest(
        request_id=rid(),
        name="2026年食品经营者双随机抽查",
        departments=[DEPARTMENT],
        check_items=[
            ipb.CheckItem(code="SC-01", name="食品经营许可情况", inspection_type=types[0]),
            ipb.CheckItem(code="SC-02", name="价格公示", inspection_type=types[1]),
        ],
        filter=ipb.SubjectFilter(region_codes=["350200"], tags=["cold_chain"]),
        ratios=ratios or [],
        inspector_requirements=ipb.InspectorRequirements(team_size=team_size, domain="food_safety"),
        window_start=convert.to_date(dt.date(2026, 12, 1)),
        window_end=convert.to_date(dt.date(2026, 12, 31)),
    )


async def create_and_draw(world: VWorld, seed: str = "", **plan: object) -> ipb.Draw:
    world.lead()
    created = await world.inspections.CreatePlan(plan_request(**plan), None)  # type: ignore[arg-type]
    drawn = await world.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id, seed=seed), None
    )
    return drawn.draw


async def all_results(world: VWorld, draw_id: str, *, public: bool = False) -> list[ipb.DrawnSubject]:
    found: list[ipb.DrawnSubject] = []
    page = ""
    while True:
        answer: ipb.ListPublicDrawResultsResponse | ipb.ListDrawResultsResponse
        if public:
            answer = await world.inspections.ListPublicDrawResults(
                ipb.ListPublicDrawResultsRequest(draw_id=draw_id, page_size=500, page_token=page), None
            )
        else:
            world.verifier()
            answer = await world.inspections.ListDrawResults(
                ipb.ListDrawResultsRequest(draw_id=draw_id, page_size=500, page_token=page), None
            )
        found += answer.subjects
        if not (page := answer.next_page_token):
            return found


async def test_the_sql_draw_is_the_published_reference_algorithm(vworld: VWorld) -> None:
    truth = await roster(vworld, 3000)
    conflicted = sorted(truth)[:40]
    staff = await inspectors(vworld, 7, conflicts={0: conflicted, 3: conflicted[:20]})
    seed = "5f" * 32
    draw = await create_and_draw(vworld, seed=seed)

    pool = [sampling.PoolEntry(code, grade, priority) for code, (grade, priority) in truth.items()]
    entries = [
        sampling.InspectorEntry(i.certificate_number, frozenset(c.subject.code for c in i.conflicts))
        for i in staff
    ]
    teams = sampling.form_teams(seed, entries, 2)
    expected = sampling.reference_draw(seed, pool, [500, 1500, 4000, 8000], teams)

    results = await all_results(vworld, draw.draw_id)
    assert [(r.subject.code, r.position, r.team, r.priority) for r in results] == [
        (d.code, d.position, -1 if d.team is None else d.team, d.priority) for d in expected
    ]
    assert draw.pool_digest == sampling.pool_digest(pool)
    assert draw.inspector_digest == sampling.inspector_digest(entries)
    assert draw.result_digest == sampling.result_digest((d.code, d.team) for d in expected)
    assert (draw.pool_size, draw.drawn, draw.teams, draw.seed) == (3000, len(expected), 3, seed)
    for result in results:  # nobody inspects a subject they declared a conflict with
        members = {m.certificate_number for m in result.team_members}
        declared = {
            i.certificate_number
            for i in staff
            if result.subject.code in {c.subject.code for c in i.conflicts}
        }
        assert not members & declared


async def test_the_share_drawn_per_grade_matches_the_ratios_and_priority_is_always_drawn(
    vworld: VWorld,
) -> None:
    truth = await roster(vworld, 2000, seed=11)
    await inspectors(vworld, 4)
    ratios = [
        ipb.GradeRatio(grade=credit_pb2.GRADE_C, percent=33.33),
        ipb.GradeRatio(grade=credit_pb2.GRADE_A, percent=2.5),
    ]
    draw = await create_and_draw(vworld, ratios=ratios)
    results = await all_results(vworld, draw.draw_id)
    by_grade = {s.grade: s for s in draw.stats}
    for grade, percent in ((1, 2.5), (2, 15), (3, 33.33), (4, 80)):
        stats = by_grade[grade]  # type: ignore[index]
        random_draws = [r for r in results if r.grade == grade and not r.priority]
        assert stats.drawn_at_random == len(random_draws)
        assert abs(len(random_draws) - stats.pool * percent / 100) <= 0.5
        assert stats.pool == sum(1 for g, p in truth.values() if g == grade and not p)
    priority = {c for c, (_, p) in truth.items() if p}
    assert priority
    assert priority <= {r.subject.code for r in results if r.priority}
    (event,) = [
        events.DrawCompleted.FromString(b) for b in await vworld.events("verification.draw_completed")
    ]
    assert (event.draw_id, event.result_digest) == (draw.draw_id, draw.result_digest)


async def test_a_draw_re_runs_identically_and_a_changed_pool_changes_the_digest(vworld: VWorld) -> None:
    await roster(vworld, 500, seed=3)
    await inspectors(vworld, 4)
    first = await create_and_draw(vworld, seed="ab" * 20)
    verified = await vworld.inspections.VerifyDraw(
        ipb.VerifyDrawRequest(draw_id=first.draw_id, seed=first.seed, pool_digest=first.pool_digest), None
    )
    assert verified.identical, verified.mismatches
    assert verified.result_digest == first.result_digest

    # Other inspection types: the first draw's subjects had no inspection of these this year, so
    # the annual cap leaves the pool as it was (a same-type plan would exclude them).
    same_pool = await create_and_draw(vworld, seed="ab" * 20, types=("LABELLING", "ADVERTISING"))
    assert (same_pool.pool_digest, same_pool.result_digest) == (first.pool_digest, first.result_digest)
    import_id = await begin(vworld)
    await upload(vworld, import_id, 0, 1, [subject_row(new_uscc(), tags=["cold_chain"])])
    await commit(vworld, import_id)
    grown = await create_and_draw(vworld, seed="ab" * 20, types=("QUALITY", "LICENSING"))
    assert grown.pool_digest != first.pool_digest
    assert (await vworld.inspections.VerifyDraw(ipb.VerifyDrawRequest(draw_id=first.draw_id), None)).identical

    await vworld.pool.execute(
        "UPDATE draw_result SET team = 1 - team WHERE draw_id = $1 AND position = 1", uuid.UUID(first.draw_id)
    )
    tampered = await vworld.inspections.VerifyDraw(
        ipb.VerifyDrawRequest(draw_id=first.draw_id, pool_digest="00" * 32), None
    )
    assert not tampered.identical
    assert tampered.result_digest == first.result_digest  # the re-run still yields the published result
    assert [m.split(":")[0] for m in tampered.mismatches] == ["claimed pool digest", "published result list"]


async def test_public_results_mask_natural_persons(vworld: VWorld) -> None:
    import_id = await begin(vworld)
    person = rpb.SubjectRow(
        subject=subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=PERSON_ID),
        name="张三丰",
        region_code="350203",
        tags=["cold_chain"],
    )
    await upload(vworld, import_id, 0, 1, [person])
    await commit(vworld, import_id)
    await inspectors(vworld, 2)
    draw = await create_and_draw(vworld, ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_B, percent=20)])
    # One ungraded subject at 20 % rounds to 0; make it a priority subject to see it published.
    assert draw.drawn == 0
    subject = subject_pb2.SubjectRef(kind=subject_pb2.SUBJECT_KIND_NATURAL_PERSON, code=PERSON_ID)
    restriction = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION)
    await vworld.apply(
        consumers.on_restriction_changed,
        credit_events_pb2.RestrictionChanged(subject=subject, version=1, restrictions=[restriction]),
    )
    drawn = await create_and_draw(vworld)
    (public,) = await all_results(vworld, drawn.draw_id, public=True)
    assert (public.subject.code, public.subject_name) == ("110105********002X", "张**")
    assert [m.name for m in public.team_members]  # the inspectors are named (亮证执法)
    (internal,) = await all_results(vworld, drawn.draw_id)
    assert internal.subject.code == PERSON_ID


async def test_bad_plans_and_draws_are_refused_and_store_nothing(vworld: VWorld) -> None:
    await roster(vworld, 50)
    before = await vworld.counts(NO_PLAN_WRITES)
    vworld.lead()
    bad = [
        ipb.GradeRatio(grade=credit_pb2.GRADE_A, percent=120),
        ipb.GradeRatio(grade=credit_pb2.GRADE_C, percent=10),
        ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=-1),
    ]
    with pytest.raises(InvalidArgument) as refused:
        await vworld.inspections.CreatePlan(plan_request(ratios=bad, team_size=1), None)
    assert [(v.field, v.description) for v in refused.value.violations] == [
        ("ratios[0].percent", "120.0% is outside 0-100%"),
        ("ratios[1].percent", "grade C must be sampled at 21% to 60% (rule set SAMPLING-2022)"),
        ("ratios[2].percent", "-1.0% is outside 0-100%"),
        ("inspector_requirements.team_size", "must be 2 to 10 (the minimum is from rule set SAMPLING-2022)"),
    ]
    early = plan_request()
    early.window_start.CopyFrom(convert.to_date(dt.date(2021, 3, 1)))
    early.window_end.CopyFrom(convert.to_date(dt.date(2021, 3, 31)))
    with pytest.raises(InvalidArgument) as unruled:  # before any sampling rule set was in force
        await vworld.inspections.CreatePlan(early, None)
    assert [v.field for v in unruled.value.violations] == ["window_start"]
    assert await vworld.counts(NO_PLAN_WRITES) == before

    created = await vworld.inspections.CreatePlan(plan_request(), None)
    before = await vworld.counts(NO_PLAN_WRITES)
    with pytest.raises(FailedPrecondition) as nobody:
        await vworld.inspections.DrawPlan(
            ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id), None
        )
    assert nobody.value.violations[0].type == "NOT_ENOUGH_INSPECTORS"
    assert await vworld.counts(NO_PLAN_WRITES) == before
    await inspectors(vworld, 2)
    vworld.lead()
    await vworld.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id), None
    )
    with pytest.raises(FailedPrecondition) as again:
        await vworld.inspections.DrawPlan(
            ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id), None
        )
    assert again.value.violations[0].type == "PLAN_ALREADY_DRAWN"


async def test_grades_apply_only_in_version_order(vworld: VWorld) -> None:
    subject = subject_pb2.SubjectRef(kind=LEGAL, code=new_uscc())
    for version, grade in ((2, credit_pb2.GRADE_D), (1, credit_pb2.GRADE_A)):
        await vworld.apply(
            consumers.on_grade_changed,
            credit_events_pb2.GradeChanged(subject=subject, version=version, grade=grade),
        )
    assert (
        await vworld.pool.fetchval("SELECT grade FROM credit_grade WHERE subject_code = $1", subject.code)
        == 4
    )


async def test_a_draw_turns_the_drawn_subjects_exempt_commitments_into_tasks(vworld: VWorld) -> None:
    codes = [new_uscc() for _ in range(40)]
    pooled = {c: await vworld.record(c, method=catalogue_pb2.VERIFICATION_METHOD_EXEMPT) for c in codes}
    withdrawn, watched = codes[0], codes[1]  # both under priority supervision: always drawn
    for code in (withdrawn, watched):
        restriction = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION)
        await vworld.apply(
            consumers.on_restriction_changed,
            credit_events_pb2.RestrictionChanged(
                subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), version=1, restrictions=[restriction]
            ),
        )
    gone = commitment_events_pb2.CommitmentWithdrawn(commitment_id=pooled[withdrawn], reason="申请人撤回")
    await vworld.apply(vworld.commitments.on_withdrawn, gone)
    assert await vworld.count("task") == 0
    await inspectors(vworld, 4)
    request = plan_request()
    request.filter.ClearField("tags")  # the pool's commitment subjects carry no roster tags
    year_end = dt.date(vworld.clock.today().year, 12, 31)  # the window: from today to the year's end
    request.window_start.CopyFrom(convert.to_date(vworld.clock.today()))
    request.window_end.CopyFrom(convert.to_date(year_end))
    vworld.lead()
    created = await vworld.inspections.CreatePlan(request, None)
    drawn = await vworld.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id), None
    )
    results = {s.subject.code: s for s in await all_results(vworld, drawn.draw.draw_id)}
    assert {withdrawn, watched} <= set(results) < set(codes)
    rows = await vworld.pool.fetch("SELECT * FROM task")
    tasks = {r["subject_code"]: r for r in rows}
    assert set(tasks) == set(results) - {withdrawn}
    assert drawn.commitment_tasks == len(rows)
    for code, row in tasks.items():
        assert str(row["commitment_id"]) == pooled[code]
        assert (str(row["draw_id"]), row["due_date"], row["status"]) == (
            drawn.draw.draw_id,
            year_end,
            "TASK_STATUS_OPEN",
        )
    vworld.verifier()
    task = (await vworld.tasks.GetTask(pb.GetTaskRequest(task_id=str(tasks[watched]["task_id"])), None)).task
    team = [m.certificate_number for m in results[watched].team_members]
    assert len(team) == 2
    assert (task.draw_id, sorted(i.certificate_number for i in task.inspectors)) == (
        drawn.draw.draw_id,
        sorted(team),
    )
    assert await vworld.count("pooled_commitment") == len(codes) - len(results)


async def test_an_annual_plan_keeps_to_its_year_and_a_december_draw_serves_january(vworld: VWorld) -> None:
    vworld.lead()
    today = vworld.clock.today()
    december = dt.date(today.year, 12, 1)
    january = dt.date(today.year + 1, 1, 4)
    before = await vworld.counts(NO_PLAN_WRITES)
    across = plan_request()
    across.window_start.CopyFrom(convert.to_date(december))
    across.window_end.CopyFrom(convert.to_date(january))
    with pytest.raises(InvalidArgument) as refused:
        await vworld.inspections.CreatePlan(across, None)
    assert [(v.field, v.description) for v in refused.value.violations] == [
        (
            "window_end",
            f"an annual plan (年度抽查计划) belongs to one year: this one ({today.year}) ends by"
            f" {today.year}-12-31; plan the days from {today.year + 1}-01-01 as a {today.year + 1} plan"
            " (it may be drawn now)",
        )
    ]
    stated = plan_request()
    stated.plan_year = today.year
    stated.window_start.CopyFrom(convert.to_date(dt.date(today.year + 1, 1, 4)))
    stated.window_end.CopyFrom(convert.to_date(dt.date(today.year + 1, 1, 29)))
    with pytest.raises(InvalidArgument) as wrong_year:
        await vworld.inspections.CreatePlan(stated, None)
    assert [v.field for v in wrong_year.value.violations] == ["window_start"]
    assert await vworld.counts(NO_PLAN_WRITES) == before

    await roster(vworld, 40)
    await inspectors(vworld, 4)
    stated.plan_year = today.year + 1
    vworld.lead()
    created = await vworld.inspections.CreatePlan(stated, None)
    assert created.plan.plan_year == today.year + 1
    drawn = await vworld.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id), None
    )
    assert convert.from_date(stated.window_start) > vworld.clock.today()  # drawn before it opens
    assert drawn.draw.draw_id
    assert len(await all_results(vworld, drawn.draw.draw_id)) > 0
