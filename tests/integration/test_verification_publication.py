"""What verification publishes (公示) on real PostgreSQL: the publication-safe events in the
outbox with the conclusion, the draw and the result they show; a draw re-run by anyone from the
published events alone; no natural person's resident ID or full name on the PUBLIC stream."""

from __future__ import annotations

import datetime as dt

from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from chengnuo.events.v1 import public_events_pb2 as ppb
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import results_pb2 as rspb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts import draw_algorithm as algorithm
from services.kernel import convert
from services.kernel.calendar import YearSchedule
from services.kernel.clock import CHINA, china_date
from services.verification import consumers
from tests.integration.test_verification_closing import departments, unverifiable
from tests.integration.test_verification_draws import all_results, create_and_draw, inspectors
from tests.integration.test_verification_registrations import planned, register, team, within_one_year
from tests.integration.test_verification_results import (
    CITY,
    COMMERCE,
    _api,
    _draw,
    _request,
    _setup,
    _team,
)
from tests.integration.test_verification_rosters import begin, commit, subject_row, upload
from tests.integration.test_verification_tasks import false_conclusion, only_task, rid
from tests.integration.test_verification_world import (
    LEGAL,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

PERSON = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
PERSON_ID = "11010519491231002X"
NAME = "张三丰"
REVOKE = pb.Measure(
    kind=pb.MEASURE_KIND_REVOKE_DECISION, legal_basis="《中华人民共和国行政许可法》第六十九条"
)
PENALTY = pb.Measure(kind=pb.MEASURE_KIND_PENALTY, legal_basis="《中华人民共和国行政许可法》第七十九条")


async def public_rows(world: VWorld) -> list[tuple[str, str, bytes]]:
    rows = await world.pool.fetch(
        "SELECT subject, entity, payload FROM outbox WHERE subject LIKE 'public.%' ORDER BY seq"
    )
    return [(r["subject"], r["entity"], bytes(r["payload"])) for r in rows]


async def outcomes(world: VWorld) -> list[ppb.PublicVerificationOutcome]:
    found = await world.events("public.verification_outcome")
    return [ppb.PublicVerificationOutcome.FromString(b) for b in found]


async def test_a_false_conclusion_publishes_its_outcome_and_its_decisions_masked(vworld: VWorld) -> None:
    await departments(vworld)
    person = subject_pb2.SubjectRef(kind=PERSON, code=PERSON_ID)
    commitment_id = await vworld.record("", subject=person, subject_name=NAME)
    task = await only_task(vworld, commitment_id)
    today = vworld.clock.today()
    vworld.verifier()
    request = false_conclusion(task.task_id, today)
    request.findings = f"身份证{PERSON_ID}名下无健康证明记录"
    del request.measures[:]
    request.measures.extend([REVOKE, PENALTY])
    await vworld.tasks.ConcludeTask(request, None)

    calendar = vworld.calendar.current
    (outcome,) = await outcomes(vworld)
    assert (outcome.outcome, outcome.commitment_code, outcome.department) == (
        "不实",
        task.commitment_code,
        CITY,
    )
    assert outcome.outcome_number.startswith(f"{CITY}-HS-{today.year}-")
    assert task.task_id not in outcome.outcome_number
    assert convert.from_date(outcome.decided_on) == today
    assert convert.from_date(outcome.publication_deadline) == calendar.add_working_days(today, 20).date
    assert (outcome.subject.code, outcome.subject.name) == ("110105********002X", "张**")
    assert len(outcome.measures) == 2

    decisions = [ppb.PublicDecision.FromString(b) for b in await vworld.events("public.decision")]
    assert [(d.kind, d.category) for d in decisions] == [
        (ppb.PUBLIC_DECISION_KIND_LICENCE, "撤销"),
        (ppb.PUBLIC_DECISION_KIND_PENALTY, "其他"),
    ]
    for d in decisions:
        assert d.deciding_authority == "厦门市市场监督管理局"  # the department's name from the roster
        assert d.subject_category == "自然人"
        assert convert.from_date(d.publication_deadline) == calendar.add_working_days(today, 7).date
        assert d.subject.key == outcome.subject.key
    assert len({d.decision_number for d in decisions} | {outcome.outcome_number}) == 3
    assert "110105********002X" in decisions[1].content  # the findings, masked

    published = await public_rows(vworld)
    assert [s for s, _, _ in published] == [
        "public.verification_outcome",
        "public.decision",
        "public.decision",
    ]
    for _, entity, payload in published:
        assert task.task_id not in entity
        assert PERSON_ID.encode() not in payload
        assert NAME.encode() not in payload


async def test_an_escalated_outcome_is_republished_under_its_number_when_concluded(vworld: VWorld) -> None:
    await departments(vworld)
    task = await only_task(vworld, await vworld.record(new_uscc()))
    today = vworld.clock.today()
    vworld.verifier()
    await vworld.tasks.ConcludeTask(unverifiable(task.task_id, today), None)
    final = false_conclusion(task.task_id, today, measures=False)
    final.outcome = pb.OUTCOME_TRUE
    await vworld.tasks.ConcludeTask(final, None)

    first, second = await outcomes(vworld)
    assert (first.outcome, second.outcome) == ("无法核实", "属实")
    assert first.outcome_number == second.outcome_number  # the site replaces what it showed
    assert not await vworld.events("public.decision")  # a true outcome decides nothing


async def organisations(world: VWorld, size: int) -> list[str]:
    """`size` organisations in the roster: most ungraded, some graded D, a few under priority."""
    codes = [new_uscc() for _ in range(size)]
    import_id = await begin(world)
    await upload(world, import_id, 0, 1, [subject_row(c, tags=["cold_chain"]) for c in codes])
    await commit(world, import_id)
    for version, code in enumerate(codes[:40], start=1):
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=code)
        await world.apply(
            consumers.on_grade_changed,
            credit_events_pb2.GradeChanged(subject=subject, version=version, grade=credit_pb2.GRADE_D),
        )
    for code in codes[40:45]:
        restriction = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION)
        await world.apply(
            consumers.on_restriction_changed,
            credit_events_pb2.RestrictionChanged(
                subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), version=1, restrictions=[restriction]
            ),
        )
    return codes


def rerun(
    draw: ppb.PublicDraw, chunks: list[ppb.PublicDrawPool]
) -> tuple[str, str, str, list[tuple[str, int, int]]]:
    """The draw again from nothing but what was published: (pool, inspector, result digests, drawn)."""
    pool = [algorithm.PoolEntry(e.code, e.grade, e.priority) for c in chunks for e in c.entries]
    staff = [algorithm.InspectorEntry(i.certificate_number, frozenset(i.conflicts)) for i in draw.inspectors]
    teams = algorithm.form_teams(draw.seed, staff, draw.team_size)
    drawn = algorithm.reference_draw(draw.seed, pool, list(draw.ratios_bp), teams)
    return (
        algorithm.pool_digest(pool),
        algorithm.inspector_digest(staff),
        algorithm.result_digest((d.code, d.team) for d in drawn),
        [(d.code, d.position, -1 if d.team is None else d.team) for d in drawn],
    )


async def test_a_draw_is_published_so_that_anyone_can_re_run_it_from_the_events(vworld: VWorld) -> None:
    codes = await organisations(vworld, 6_000)
    await inspectors(vworld, 5, conflicts={0: codes[:30], 2: codes[100:110]})
    made = await create_and_draw(vworld, seed="c3" * 32)

    (payload,) = await vworld.events("public.draw")
    draw = ppb.PublicDraw.FromString(payload)
    chunks = [ppb.PublicDrawPool.FromString(b) for b in await vworld.events("public.draw_pool")]
    assert (draw.pool_size, draw.pool_chunks, draw.algorithm) == (6_000, 2, algorithm.ALGORITHM)
    assert [(c.chunk, c.chunks, len(c.entries), c.draw_number) for c in chunks] == [
        (0, 2, 5_000, draw.draw_number),
        (1, 2, 1_000, draw.draw_number),
    ]
    assert draw.draw_number.startswith(f"{CITY}-CQ-")
    assert made.draw_id not in draw.draw_number
    assert (draw.seed, draw.team_size, draw.plan_name) == ("c3" * 32, 2, "2026年食品经营者双随机抽查")
    assert [i.certificate_number for i in draw.inspectors] == sorted(
        (i.certificate_number for i in draw.inspectors),
        key=lambda n: algorithm.inspector_key(draw.seed, n),
    )

    pool_digest, inspector_digest, result_digest, drawn = rerun(draw, chunks)
    assert (pool_digest, inspector_digest, result_digest) == (
        draw.pool_digest,
        draw.inspector_digest,
        draw.result_digest,
    )
    assert result_digest == made.result_digest  # the service's own answer
    assert [(d.subject.code, d.position, d.team) for d in draw.drawn] == drawn
    listed = await all_results(vworld, made.draw_id, public=True)
    assert [(s.subject.code, s.position) for s in listed] == [
        (d.subject.code, d.position) for d in draw.drawn
    ]


async def test_an_inspection_result_is_published_with_the_number_of_its_draw(vworld: VWorld) -> None:
    codes = sorted(new_uscc() for _ in range(2))
    await _setup(vworld, codes)
    drawn = await _draw(vworld, CITY, ("SC-01", "FOOD_SAFETY"), ("SC-02", "PRICE"))
    api, today = _api(vworld), china_date(vworld.clock.now())
    subject = drawn.subjects[0]
    vworld.verifier(CITY)
    request = _request(
        today, draw_id=drawn.draw.draw_id, subject_code=subject.subject.code, inspectors=_team(subject)
    )
    recorded = (await api.RecordInspectionResult(request, None)).result
    await api.RecordInspectionResult(request, None)  # a retry publishes nothing again

    (payload,) = await vworld.events("public.draw")
    draw = ppb.PublicDraw.FromString(payload)
    assert draw.departments == [CITY]
    (result_payload,) = await vworld.events("public.inspection_result")
    result = ppb.PublicInspectionResult.FromString(result_payload)
    assert result.draw_number == draw.draw_number
    assert result.result_number.startswith(f"{CITY}-JC-{today.year}-")
    assert recorded.result_id not in result.result_number
    assert (result.subject.code, result.department, result.region_code) == (
        subject.subject.code,
        CITY,
        "350203",
    )
    assert result.problem_found
    assert list(result.findings) == ["SC-01：发现问题，冷库温度记录缺失", "SC-02：未发现问题"]
    assert (
        result.measures[1] == "立案查处；案号厦市监立〔2026〕12号；依据《中华人民共和国行政处罚法》第五十四条"
    )
    deadline = vworld.calendar.current.add_working_days(today, 20).date
    assert convert.from_date(result.publication_deadline) == deadline
    assert convert.from_date(result.inspection_date) == today


async def test_an_outcome_with_a_provisional_deadline_is_published_again_when_the_year_loads(
    vworld: VWorld,
) -> None:
    calendar = vworld.calendar.current
    last = max(y for y in range(2020, 2040) if calendar.year(y) is not None)
    decided = dt.date(last, 12, 21)  # 20 working days reach into a year with no schedule yet
    if vworld.clock.today() < decided:
        vworld.clock.advance(dt.timedelta(days=(decided - vworld.clock.today()).days))
    approved = convert.to_timestamp(dt.datetime(last, 12, 1, 10, tzinfo=CHINA))
    task = await only_task(vworld, await vworld.record(new_uscc(), recorded_at=approved))
    vworld.verifier()
    await vworld.tasks.ConcludeTask(false_conclusion(task.task_id, decided), None)
    (first,) = await outcomes(vworld)
    (decision,) = [ppb.PublicDecision.FromString(b) for b in await vworld.events("public.decision")]
    assert convert.from_date(first.publication_deadline) == calendar.add_working_days(decided, 20).date
    assert calendar.add_working_days(decided, 20).provisional

    new_year = dt.date(last + 1, 1, 1)  # an illustrative schedule: New Year's Day and the 4th off
    schedule = YearSchedule(
        last + 1,
        frozenset({new_year, new_year + dt.timedelta(days=3)}),
        frozenset(),
        "test",
        vworld.clock.now(),
    )
    async with vworld.db.unit_of_work() as uow:
        assert await vworld.calendar.apply(schedule, uow)
    _, again = await outcomes(vworld)
    _, decided_again = [ppb.PublicDecision.FromString(b) for b in await vworld.events("public.decision")]
    official = vworld.calendar.current.add_working_days(decided, 20)
    assert not official.provisional
    assert again.outcome_number == first.outcome_number
    assert decided_again.decision_number == decision.decision_number
    assert convert.from_date(again.publication_deadline) == official.date
    assert again.publication_deadline != first.publication_deadline  # the days off moved it


async def only_result(world: VWorld) -> ppb.PublicInspectionResult:
    (payload,) = await world.events("public.inspection_result")
    return ppb.PublicInspectionResult.FromString(payload)


async def test_a_joint_inspections_result_is_published_once_for_every_department(vworld: VWorld) -> None:
    codes = [new_uscc()]
    await _setup(vworld, codes)
    await _draw(vworld, CITY, ("SC-01", "FOOD_SAFETY"))
    await _draw(vworld, COMMERCE, ("SW-01", "PREPAID_CARDS"))
    year = vworld.clock.today().year
    vworld.lead(CITY)
    planned = await vworld.inspections.PlanJointInspections(
        ipb.PlanJointInspectionsRequest(
            request_id=rid(),
            departments=[CITY, COMMERCE],
            window_start=convert.to_date(dt.date(year, 1, 1)),
            window_end=convert.to_date(dt.date(year, 12, 31)),
        ),
        None,
    )
    (joint,) = planned.joint_inspections
    items = [
        rspb.ItemResult(
            check_item="SC-01", outcome=rspb.ITEM_OUTCOME_PROBLEM_FOUND, findings="冷库温度记录缺失"
        ),
        rspb.ItemResult(check_item="SW-01", outcome=rspb.ITEM_OUTCOME_NO_PROBLEM),
    ]
    today = china_date(vworld.clock.now())
    request = _request(
        today,
        joint_inspection_id=joint.joint_inspection_id,
        items=items,
        inspectors=list(joint.certificate_numbers)[:2],
    )
    vworld.verifier(CITY)
    await _api(vworld).RecordInspectionResult(request, None)

    result = await only_result(vworld)
    assert (result.department, sorted(result.departments), result.draw_number) == (
        CITY,
        [CITY, COMMERCE],
        "",  # a joint inspection is no one draw's
    )
    assert result.subject.code == codes[0]
    assert list(result.findings) == ["SC-01：发现问题，冷库温度记录缺失", "SW-01：未发现问题"]


async def test_a_registered_inspections_result_is_published(vworld: VWorld) -> None:
    codes = [new_uscc()]
    await _setup(vworld, codes)
    within_one_year(vworld)
    day = vworld.clock.today() + dt.timedelta(days=5)
    registered = await register(vworld, planned(codes[0], "FOOD_SAFETY", day))
    vworld.clock.advance(dt.timedelta(days=5))
    found = [rspb.ItemResult(check_item="SC-01", outcome=rspb.ITEM_OUTCOME_NO_PROBLEM)]
    request = _request(
        day, registration_id=registered.registration_id, items=found, inspectors=team(CITY), measures=[]
    )
    vworld.verifier(CITY)
    await _api(vworld).RecordInspectionResult(request, None)

    result = await only_result(vworld)
    assert (result.department, list(result.departments), result.problem_found) == (CITY, [CITY], False)
    assert list(result.findings) == ["SC-01：未发现问题"]
    assert not result.measures
    assert (
        convert.from_date(result.publication_deadline)
        == vworld.calendar.current.add_working_days(day, 20).date
    )
