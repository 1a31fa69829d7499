"""Registrations (报备) of inspections outside the plans on real PostgreSQL, and the inspection
ledger across paths: a drawn subject cannot be registered for a same-type inspection (the refusal
names the draw), a registered one is left out of a later draw's pool, a superior department's
registration excludes the subject for the lower one, and joint planning reads the ledger
(《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三))."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2, verification_events_pb2
from chengnuo.verification.v1 import check_items_pb2 as cpb
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import registrations_pb2 as gpb
from chengnuo.verification.v1 import results_pb2 as rspb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import AlreadyExists, FailedPrecondition, InvalidArgument, PermissionDenied
from services.kernel.features.sharing.gate import SharingGate
from services.verification.api.deps import Deps
from services.verification.api.servicers import CheckItemApi, RegistrationApi
from services.verification.main import STORES
from tests.integration.test_verification_check_items import draft as check_item_draft
from tests.integration.test_verification_joint import CITY, DISTRICT, _draw, _plan, _setup
from tests.integration.test_verification_results import _api as results_api
from tests.integration.test_verification_results import _request as result_request
from tests.integration.test_verification_tasks import only_task, rid
from tests.integration.test_verification_world import (
    LEGAL,
    PUBLIC_KEY,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

TABLES = ("inspection_registration", "inspection_ledger", "idempotency")


def api(world: VWorld) -> RegistrationApi:
    deps = Deps(
        db=world.db,
        store=STORES,
        rules=world.rules,
        calendar=world.calendar,
        sharing=SharingGate(world.db),
        public_key=PUBLIC_KEY,
    )
    return RegistrationApi(deps)


def team(department: str) -> list[str]:
    return [f"ZF{department[:6]}{department[-3:]}{i}" for i in range(2)]


def planned(
    code: str, kind: str, day: dt.date, *, department: str = CITY, consent: str = "联席会议〔2026〕7号"
) -> gpb.PlannedInspection:
    return gpb.PlannedInspection(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=code),
        subject_name="厦门示例有限公司",
        department=department,
        inspection_type=kind,
        check_items=["SC-01"],
        planned_date=convert.to_date(day),
        basis="投诉举报线索: 《食品安全法》第一百一十条",
        consent_reference=consent,
        advance_notice=True,
        certificate_numbers=team(department),
    )


async def register(
    world: VWorld, inspection: gpb.PlannedInspection, request_id: str = ""
) -> gpb.Registration:
    world.verifier(inspection.department)
    request = gpb.RegisterInspectionRequest(request_id=request_id or rid(), inspection=inspection)
    return (await api(world).RegisterInspection(request, None)).registration


async def refused(world: VWorld, inspection: gpb.PlannedInspection) -> list[tuple[str, str, str]]:
    """The refusal's violations; asserts nothing was stored."""
    before = await world.counts(TABLES)
    with pytest.raises(FailedPrecondition) as caught:
        await register(world, inspection)
    assert await world.counts(TABLES) == before
    return [(v.type, v.subject, v.description) for v in caught.value.violations]


def within_one_year(world: VWorld) -> None:
    """The cap is annual: a scenario of the next five weeks must not cross a year end, so late in
    a year it starts in the next January (the clock only moves forward)."""
    now = world.clock.now()
    if world.clock.today() > dt.date(now.year, 11, 20):
        world.clock.advance(dt.datetime(now.year + 1, 1, 10, 2, tzinfo=dt.UTC) - now)


async def test_registered_five_days_ahead_with_consent_or_refused_precisely(vworld: VWorld) -> None:
    codes = sorted(new_uscc() for _ in range(2))
    await _setup(vworld, codes)
    within_one_year(vworld)
    today = vworld.clock.today()
    day = today + dt.timedelta(days=5)

    ((rule, _, why),) = await refused(vworld, planned(codes[0], "FOOD_SAFETY", day - dt.timedelta(days=1)))
    assert rule == "REGISTRATION_TOO_LATE"
    assert f"the earliest date is {day}" in why
    ((rule, subject, _),) = await refused(vworld, planned(codes[0], "FOOD_SAFETY", day, consent=""))
    assert (rule, subject) == ("CONSENT_REQUIRED", "consent_reference")

    request_id = rid()
    first = await register(vworld, planned(codes[0], "FOOD_SAFETY", day), request_id)
    again = await register(vworld, planned(codes[0], "FOOD_SAFETY", day), request_id)  # a retry
    assert again.registration_id == first.registration_id
    joint_rules = vworld.rules.book.joint(day).id  # JOINT-2022 until 2026, JOINT-2026 from 2027
    assert (first.status, list(first.rule_sets)) == (
        gpb.REGISTRATION_STATUS_REGISTERED,
        [joint_rules, "REGISTRATION-2022"],
    )
    assert await vworld.count("inspection_registration") == 1
    safety = await register(vworld, planned(codes[0], "SAFETY", day, consent=""))  # exempt from consent
    assert safety.inspection.consent_reference == ""

    ((rule, subject, why),) = await refused(
        vworld, planned(codes[0], "FOOD_SAFETY", day + dt.timedelta(days=30))
    )
    assert (rule, subject) == ("ANNUAL_CAP", f"registration {first.registration_id}")
    assert f"registration {first.registration_id}" in why

    vworld.verifier(CITY)
    registrations = api(vworld)
    got = await registrations.GetRegistration(
        gpb.GetRegistrationRequest(registration_id=first.registration_id), None
    )
    assert got.registration == first
    listed = await registrations.ListRegistrations(gpb.ListRegistrationsRequest(year=day.year), None)
    assert {r.registration_id for r in listed.registrations} == {
        first.registration_id,
        safety.registration_id,
    }

    cancelled = await registrations.CancelRegistration(
        gpb.CancelRegistrationRequest(
            request_id=rid(), registration_id=first.registration_id, reason="线索不实"
        ),
        None,
    )
    assert cancelled.registration.status == gpb.REGISTRATION_STATUS_CANCELLED
    later = await register(vworld, planned(codes[0], "FOOD_SAFETY", day + dt.timedelta(days=30)))
    assert later.status == gpb.REGISTRATION_STATUS_REGISTERED  # the cancelled one no longer counts


async def test_bad_input_and_other_departments_are_refused(vworld: VWorld) -> None:
    codes = [new_uscc()]
    await _setup(vworld, codes)
    day = vworld.clock.today() + dt.timedelta(days=10)
    before = await vworld.counts(TABLES)
    bad = planned(codes[0], "food safety", day)
    bad.advance_notice = False
    bad.subject.code = "123"
    del bad.check_items[:]
    with pytest.raises(InvalidArgument) as caught:
        await register(vworld, bad)
    fields = [v.field for v in caught.value.violations]
    assert fields == [
        "inspection.subject.code",
        "inspection.inspection_type",
        "inspection.check_items",
        "inspection.no_notice_ground",
        "inspection.no_notice_reason",
    ]
    other = planned(codes[0], "FOOD_SAFETY", day, department=DISTRICT)
    vworld.verifier(CITY)
    with pytest.raises(InvalidArgument) as caught:
        await api(vworld).RegisterInspection(
            gpb.RegisterInspectionRequest(request_id=rid(), inspection=other), None
        )
    assert [v.field for v in caught.value.violations] == ["inspection.department"]
    unknown = planned(codes[0], "FOOD_SAFETY", day)
    unknown.certificate_numbers[1] = "ZF-NOBODY"
    with pytest.raises(FailedPrecondition) as failed:
        await register(vworld, unknown)
    assert [(v.type, v.subject) for v in failed.value.violations] == [
        ("INSPECTOR_NOT_QUALIFIED", "ZF-NOBODY")
    ]
    assert await vworld.counts(TABLES) == before

    registration = await register(vworld, planned(codes[0], "FOOD_SAFETY", day))
    vworld.verifier(DISTRICT)
    with pytest.raises(PermissionDenied):
        await api(vworld).GetRegistration(
            gpb.GetRegistrationRequest(registration_id=registration.registration_id), None
        )
    with pytest.raises(PermissionDenied):
        await api(vworld).CancelRegistration(
            gpb.CancelRegistrationRequest(
                request_id=rid(), registration_id=registration.registration_id, reason="误报"
            ),
            None,
        )
    listed = await api(vworld).ListRegistrations(gpb.ListRegistrationsRequest(year=day.year), None)
    assert not listed.registrations


async def test_a_drawn_subject_is_not_registered_again_and_a_registered_one_leaves_the_pool(
    vworld: VWorld,
) -> None:
    codes = sorted(new_uscc() for _ in range(3))
    await _setup(vworld, codes)
    within_one_year(vworld)
    today = vworld.clock.today()
    year, day = today.year, today + dt.timedelta(days=7)
    draw = await _draw(vworld, CITY, year, ("SC-01", "FOOD_SAFETY"))
    assert draw.drawn == 3

    ((rule, subject, why),) = await refused(vworld, planned(codes[0], "FOOD_SAFETY", day))
    assert rule == "ANNUAL_CAP"
    assert subject.startswith(f"draw {draw.draw_id}/")
    assert f"draw {draw.draw_id}/" in why

    # the dry run says the same and stores nothing
    vworld.verifier(CITY)
    before = await vworld.counts(TABLES)
    check = gpb.CheckInspectionAllowedRequest(
        subject=subject_pb2.SubjectRef(kind=LEGAL, code=codes[0]),
        department=CITY,
        inspection_type="FOOD_SAFETY",
        planned_date=convert.to_date(today + dt.timedelta(days=2)),
    )
    answer = await api(vworld).CheckInspectionAllowed(check, None)
    assert not answer.allowed
    assert [r.rule for r in answer.refusals] == ["REGISTRATION_TOO_LATE", "CONSENT_REQUIRED", "ANNUAL_CAP"]
    assert answer.refusals[0].earliest_date == convert.to_date(today + dt.timedelta(days=5))
    assert answer.refusals[2].earlier_inspection == subject
    assert await vworld.counts(TABLES) == before
    check.inspection_type = "PRICE"
    check.planned_date.CopyFrom(convert.to_date(day))
    check.consent_reference = "联席会议〔2026〕7号"
    assert (await api(vworld).CheckInspectionAllowed(check, None)).allowed

    registered = await register(vworld, planned(codes[1], "PRICE", day))
    priced = await _draw(vworld, CITY, year, ("SC-02", "PRICE"))
    assert (priced.pool_size, priced.drawn) == (2, 2)  # codes[1] is left out (排除)
    vworld.verifier(CITY)
    results = await vworld.inspections.ListDrawResults(
        ipb.ListDrawResultsRequest(draw_id=priced.draw_id), None
    )
    assert codes[1] not in {s.subject.code for s in results.subjects}

    # a superior's inspection excludes the subject for the lower department
    ((rule, subject, _),) = await refused(vworld, planned(codes[1], "ADVERTISING", day, department=DISTRICT))
    assert (rule, subject) == ("SUPERIOR_INSPECTED", f"registration {registered.registration_id}")


async def test_joint_planning_reads_the_ledger_under_the_corrected_cap(vworld: VWorld) -> None:
    """From 2027 (JOINT-2026) a commitment check on site counts against the cap like any other."""
    codes = sorted(new_uscc() for _ in range(2))
    await _setup(vworld, codes)
    now = vworld.clock.now()
    first_days = dt.datetime(max(2027, now.year + 1), 1, 4, 2, tzinfo=dt.UTC)  # early in a year of JOINT-2026
    vworld.clock.advance(first_days - now)
    day = vworld.clock.today() + dt.timedelta(days=5)
    registered = await register(vworld, planned(codes[0], "COMMITMENT_VERIFICATION", day, consent=""))
    assert list(registered.rule_sets) == ["JOINT-2026", "REGISTRATION-2022"]
    await vworld.record(codes[0], method=catalogue_pb2.VERIFICATION_METHOD_ON_SITE)
    kept = await only_task(
        vworld, await vworld.record(codes[1], method=catalogue_pb2.VERIFICATION_METHOD_ON_SITE)
    )
    year = convert.from_date(kept.due_date).year
    assert year == first_days.year

    planned_joints = await _plan(vworld, year, CITY)
    assert (planned_joints.excluded_by_annual_cap, planned_joints.planned) == (1, 1)
    (excluded,) = planned_joints.exclusions
    assert excluded.subject.code == codes[0]
    assert excluded.by_inspection == f"registration/{registered.registration_id}"
    assert excluded.by_joint_inspection_id == ""
    (joint,) = planned_joints.joint_inspections
    # the joint's visit is on the ledger: the subject cannot be registered for the type again
    ((rule, subject, _),) = await refused(
        vworld, planned(codes[1], "COMMITMENT_VERIFICATION", day, consent="")
    )
    assert (rule, subject) == ("ANNUAL_CAP", f"joint {joint.joint_inspection_id}")


async def test_an_on_site_task_is_on_the_ledger_until_cancelled_and_follows_its_deadline(
    vworld: VWorld,
) -> None:
    code = new_uscc()
    on_site = await vworld.record(code, method=catalogue_pb2.VERIFICATION_METHOD_ON_SITE)
    await vworld.record(code)  # a desk check is no inspection of the subject
    task = await only_task(vworld, on_site)

    async def ledger() -> list[tuple[str, str, dt.date, bool]]:
        rows = await vworld.pool.fetch(
            "SELECT origin, origin_id, planned_on, cancelled_at IS NOT NULL FROM inspection_ledger"
            " WHERE subject_code = $1",
            code,
        )
        return [tuple(r.values()) for r in rows]

    assert await ledger() == [("TASK", task.task_id, convert.from_date(task.due_date), False)]
    vworld.lead()
    extended = await vworld.tasks.ExtendDeadline(
        pb.ExtendDeadlineRequest(request_id=rid(), task_id=task.task_id, working_days=3, reason="需外地协查"),
        None,
    )
    assert await ledger() == [("TASK", task.task_id, convert.from_date(extended.task.due_date), False)]
    await vworld.apply(
        vworld.commitments.on_withdrawn,
        commitment_events_pb2.CommitmentWithdrawn(commitment_id=on_site, reason="申请人撤回"),
    )
    assert [cancelled for *_, cancelled in await ledger()] == [True]


async def test_a_registered_inspection_has_its_one_result_from_its_date_by_its_inspectors(
    vworld: VWorld,
) -> None:
    codes = sorted(new_uscc() for _ in range(2))
    await _setup(vworld, codes)
    within_one_year(vworld)
    today = vworld.clock.today()
    day = today + dt.timedelta(days=5)
    registered = await register(vworld, planned(codes[0], "FOOD_SAFETY", day))
    withdrawn = await register(vworld, planned(codes[1], "FOOD_SAFETY", day))
    await api(vworld).CancelRegistration(
        gpb.CancelRegistrationRequest(
            request_id=rid(), registration_id=withdrawn.registration_id, reason="误报"
        ),
        None,
    )
    found = [
        rspb.ItemResult(
            check_item="SC-01", outcome=rspb.ITEM_OUTCOME_PROBLEM_FOUND, findings="冷库温度记录缺失"
        )
    ]

    async def record(on: dt.date, registration: str = registered.registration_id, **fields: object) -> str:
        base: dict[str, object] = {"registration_id": registration, "items": found, "inspectors": team(CITY)}
        request = result_request(on, **{**base, **fields})
        vworld.verifier(CITY)
        return (await results_api(vworld).RecordInspectionResult(request, None)).result.result_id

    async def refusal(on: dt.date, registration: str = registered.registration_id, **fields: object) -> str:
        with pytest.raises(FailedPrecondition) as refused:
            await record(on, registration, **fields)
        return refused.value.violations[0].type

    assert await refusal(today) == "BEFORE_INSPECTION_PLANNED"  # not before its registered date
    vworld.clock.advance(dt.timedelta(days=5))
    assert await refusal(day, inspectors=["ZF-OTHER-1", "ZF-OTHER-2"]) == "NOT_ON_TEAM"
    assert await refusal(day, registration=withdrawn.registration_id) == "REGISTRATION_CANCELLED"
    before = await vworld.count("inspection_result")
    assert before == 0
    result_id = await record(day)
    vworld.verifier(CITY)
    got = await results_api(vworld).GetInspectionResult(
        rspb.GetInspectionResultRequest(result_id=result_id), None
    )
    assert (got.result.registration_id, list(got.result.departments)) == (registered.registration_id, [CITY])
    events = [
        verification_events_pb2.InspectionResultRecorded.FromString(e)
        for e in await vworld.events("verification.inspection_result")
    ]
    assert [e.registration_id for e in events] == [registered.registration_id]
    with pytest.raises(AlreadyExists):
        await record(day)
    vworld.verifier(DISTRICT)
    with pytest.raises(PermissionDenied):
        await results_api(vworld).GetInspectionResult(
            rspb.GetInspectionResultRequest(result_id=result_id), None
        )


async def test_advance_notice_is_refused_where_the_check_item_forbids_it(vworld: VWorld) -> None:
    code = new_uscc()
    await _setup(vworld, [code])
    within_one_year(vworld)
    day = vworld.clock.today() + dt.timedelta(days=5)
    vworld.lead(CITY)
    item = check_item_draft("SC-01", on=vworld.clock.today(), advance_notice_allowed=False)
    item.no_notice_reason = "上级机关明确要求不予事先告知"
    await CheckItemApi(vworld.tasks.deps).PutCheckItem(
        cpb.PutCheckItemRequest(request_id=rid(), item=item), None
    )

    ((rule, subject, why),) = await refused(vworld, planned(code, "FOOD_SAFETY", day))
    assert (rule, subject) == ("ADVANCE_NOTICE_NOT_ALLOWED", "inspection.check_items[0]")
    assert "上级机关明确要求不予事先告知" in why
    unannounced = planned(code, "FOOD_SAFETY", day)
    unannounced.advance_notice = False
    unannounced.no_notice_ground = gpb.NO_NOTICE_GROUND_SUPERIOR_ORGAN
    unannounced.no_notice_reason = "上级机关明确要求不予事先告知"
    assert (await register(vworld, unannounced)).status == gpb.REGISTRATION_STATUS_REGISTERED
