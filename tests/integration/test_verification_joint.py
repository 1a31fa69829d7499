"""综合查一次 on real PostgreSQL: tasks and draws of several departments merged per subject,
the annual cap and the superior-department rule across planning runs."""

from __future__ import annotations

import datetime as dt

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert
from services.verification import consumers
from tests.integration.test_verification_rosters import begin, commit, subject_row, upload
from tests.integration.test_verification_tasks import only_task, rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    LEGAL,
    VWorld,
    inspector,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

PROVINCE, CITY, DISTRICT, COMMERCE = "350000-SCJ", DEPARTMENT, "350203-SCJ", "350200-SWJ"


async def _setup(world: VWorld, codes: list[str]) -> None:
    world.as_caller("admin")
    await world.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id=rid(),
            departments=[
                rpb.Department(code=PROVINCE, name="福建省市场监督管理局", region_code="350000"),
                rpb.Department(
                    code=CITY, name="厦门市市场监督管理局", parent_code=PROVINCE, region_code="350200"
                ),
                rpb.Department(
                    code=DISTRICT, name="思明区市场监督管理局", parent_code=CITY, region_code="350203"
                ),
                rpb.Department(code=COMMERCE, name="厦门市商务局", region_code="350200"),
            ],
        ),
        None,
    )
    for department in (CITY, DISTRICT, COMMERCE):
        import_id = await begin(world, department=department)
        await upload(world, import_id, 0, 1, [subject_row(c) for c in codes], department=department)
        await commit(world, import_id, department=department)
        staff = [inspector(f"ZF{department[:6]}{department[-3:]}{i}") for i in range(2)]
        await world.rosters.ImportInspectors(
            rpb.ImportInspectorsRequest(request_id=rid(), inspectors=staff), None
        )
    for code in codes:  # grade D at a 100 % ratio: every subject is drawn
        subject = subject_pb2.SubjectRef(kind=LEGAL, code=code)
        await world.apply(
            consumers.on_grade_changed,
            credit_events_pb2.GradeChanged(subject=subject, version=1, grade=credit_pb2.GRADE_D),
        )


async def _draw(world: VWorld, department: str, year: int, *items: tuple[str, str]) -> ipb.Draw:
    world.lead(department)
    plan = await world.inspections.CreatePlan(
        ipb.CreatePlanRequest(
            request_id=rid(),
            name=f"{year}年联合抽查",
            departments=[department],
            check_items=[ipb.CheckItem(code=code, name=code, inspection_type=kind) for code, kind in items],
            ratios=[ipb.GradeRatio(grade=credit_pb2.GRADE_D, percent=100)],
            inspector_requirements=ipb.InspectorRequirements(team_size=2, domain="food_safety"),
            window_start=convert.to_date(dt.date(year, 1, 1)),
            window_end=convert.to_date(dt.date(year, 12, 31)),
        ),
        None,
    )
    drawn = await world.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id), None
    )
    return drawn.draw


async def _plan(world: VWorld, year: int, *departments: str) -> ipb.PlanJointInspectionsResponse:
    world.lead(departments[0])
    return await world.inspections.PlanJointInspections(
        ipb.PlanJointInspectionsRequest(
            request_id=rid(),
            departments=departments,
            window_start=convert.to_date(dt.date(year, 1, 1)),
            window_end=convert.to_date(dt.date(year, 12, 31)),
        ),
        None,
    )


async def test_joint_planning_merges_visits_and_keeps_the_annual_cap_and_superior_rule(
    vworld: VWorld,
) -> None:
    codes = sorted(new_uscc() for _ in range(3))
    await _setup(vworld, codes)
    task = await only_task(
        vworld, await vworld.record(codes[0], method=catalogue_pb2.VERIFICATION_METHOD_ON_SITE)
    )
    year = convert.from_date(task.due_date).year
    await _draw(vworld, CITY, year, ("SC-01", "FOOD_SAFETY"), ("SC-02", "PRICE"))
    await _draw(vworld, COMMERCE, year, ("SW-01", "PREPAID_CARDS"))

    first = await _plan(vworld, year, CITY, COMMERCE)
    assert (first.planned, first.candidate_items) == (3, 10)  # 1 task + 3 x (2 + 1) check items
    assert (first.visits_without_merging, first.visits_saved) == (7, 4)
    merged = next(j for j in first.joint_inspections if j.subject.code == codes[0])
    assert sorted(merged.departments) == [CITY, COMMERCE]
    assert merged.lead_department == CITY  # three of its four items
    assert merged.visit_by == task.due_date  # the commitment's deadline comes first
    assert (await only_task(vworld, task.commitment_id)).joint_inspection_id == merged.joint_inspection_id
    assert len(await vworld.events("verification.joint_inspection_planned")) == 3
    assert not (await _plan(vworld, year, CITY, COMMERCE)).candidate_items  # everything is planned

    # The inspection ledger excludes them from the later draws' pools already (排除): the same
    # type again this year, and a department below the city, which inspected them.
    assert (await _draw(vworld, CITY, year, ("SC-03", "FOOD_SAFETY"))).pool_size == 0
    assert (await _draw(vworld, DISTRICT, year, ("SM-01", "ADVERTISING"))).pool_size == 0
    await vworld.record(codes[1], method=catalogue_pb2.VERIFICATION_METHOD_ON_SITE, department=DISTRICT)
    second = await _plan(vworld, year, CITY, DISTRICT)
    if vworld.rules.book.joint(dt.date(year, 1, 1)).id != "JOINT-2022":
        # From 2027 (JOINT-2026) the exemptions belong to the consent rule alone: the city
        # inspected the subject this year, so the district's commitment check is excluded too.
        assert (second.excluded_by_annual_cap, second.excluded_by_superior, second.planned) == (0, 1, 0)
        return
    assert (second.excluded_by_annual_cap, second.excluded_by_superior) == (0, 0)
    # the district's commitment check is exempt from both rules under JOINT-2022
    (kept,) = second.joint_inspections
    assert [(i.department, i.inspection_type) for i in kept.items] == [(DISTRICT, "COMMITMENT_VERIFICATION")]
    (event,) = [
        e
        for e in map(
            events.JointInspectionPlanned.FromString,
            await vworld.events("verification.joint_inspection_planned"),
        )
        if e.joint_inspection_id == kept.joint_inspection_id
    ]
    assert event.inspection_types == ["COMMITMENT_VERIFICATION"]
    for department, visible in ((CITY, 3), (DISTRICT, 1)):
        vworld.verifier(department)
        listed = await vworld.inspections.ListJointInspections(
            ipb.ListJointInspectionsRequest(year=year), None
        )
        assert len(listed.joint_inspections) == visible
