"""Annual inspection plans (年度检查计划) on real PostgreSQL: entries pinned to the random inspection
list, one plan per department and year, revisions of a draft, publication with its report deadline
on the official calendar, and precise refusals that store nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.verification.v1 import annual_plans_pb2 as apb
from chengnuo.verification.v1 import check_items_pb2 as cpb
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.contracts import roles
from services.kernel import convert
from services.kernel.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.verification.api.servicers import AnnualPlanApi, CheckItemApi
from tests.integration.test_verification_check_items import draft
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)

YEAR = 2027
FIRE = "350200-XFJ"


def plans(world: VWorld) -> AnnualPlanApi:
    return AnnualPlanApi(world.tasks.deps)


def entry(
    code: str = "SC-LL-01",
    start: dt.date = dt.date(YEAR, 3, 1),
    end: dt.date = dt.date(YEAR, 3, 31),
    kind: apb.PlannedCheckKind.ValueType = apb.PLANNED_CHECK_KIND_RANDOM_DRAW,
    cooperating: tuple[str, ...] = (),
) -> apb.PlannedCheckDraft:
    return apb.PlannedCheckDraft(
        check_item_code=code,
        kind=kind,
        window_start=convert.to_date(start),
        window_end=convert.to_date(end),
        cooperating_departments=cooperating,
    )


async def listed(world: VWorld, code: str = "SC-LL-01", on: dt.date = dt.date(YEAR, 1, 1)) -> None:
    world.lead()
    request = cpb.PutCheckItemRequest(
        request_id=rid(), item=draft(code, on=on, inspection_type="FOOD_SAFETY")
    )
    await CheckItemApi(world.tasks.deps).PutCheckItem(request, None)


async def create(
    world: VWorld, *entries: apb.PlannedCheckDraft, year: int = YEAR, department: str = DEPARTMENT
) -> apb.AnnualPlan:
    world.lead(department)
    request = apb.CreateAnnualPlanRequest(
        request_id=rid(), year=year, name=f"{year}年度检查计划", entries=entries
    )
    return (await plans(world).CreateAnnualPlan(request, None)).plan


async def test_a_plan_pins_the_lists_items_and_is_published_with_its_report_deadline(vworld: VWorld) -> None:
    await listed(vworld)
    created = await create(vworld, entry())
    assert (created.status, created.revision) == (apb.ANNUAL_PLAN_STATUS_DRAFT, 1)
    (planned,) = created.entries
    assert (planned.check_item_version, planned.inspection_type) == (1, "FOOD_SAFETY")

    vworld.as_caller("admin")
    await vworld.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id=rid(),
            departments=[rpb.Department(code=FIRE, name="消防救援支队", region_code="350200")],
        ),
        None,
    )
    vworld.lead()
    joint = entry(start=dt.date(YEAR, 6, 1), end=dt.date(YEAR, 6, 30), kind=apb.PLANNED_CHECK_KIND_JOINT_DRAW)
    joint.cooperating_departments.append(FIRE)
    revision = apb.ReviseAnnualPlanRequest(
        request_id=rid(),
        annual_plan_id=created.annual_plan_id,
        expected_revision=1,
        name="修订",
        entries=[entry(), joint],
    )
    revised = (await plans(vworld).ReviseAnnualPlan(revision, None)).plan
    assert (revised.revision, len(revised.entries), revised.name) == (2, 2, "修订")

    publish = apb.PublishAnnualPlanRequest(
        request_id=rid(), annual_plan_id=created.annual_plan_id, expected_revision=2
    )
    published = (await plans(vworld).PublishAnnualPlan(publish, None)).plan
    today = vworld.clock.today()
    due = vworld.calendar.current.add_working_days(today, 10).date
    assert published.status == apb.ANNUAL_PLAN_STATUS_PUBLISHED
    assert (convert.from_date(published.published_on), convert.from_date(published.report_due)) == (
        today,
        due,
    )
    assert (published.rule_set, published.published_by) == ("ANNUAL-PLAN-2022", f"lead@{DEPARTMENT}")

    again = apb.ReviseAnnualPlanRequest(
        request_id=rid(), annual_plan_id=created.annual_plan_id, expected_revision=3, name="再改"
    )
    with pytest.raises(FailedPrecondition) as refused:
        await plans(vworld).ReviseAnnualPlan(again, None)
    assert refused.value.violations[0].type == "ANNUAL_PLAN_PUBLISHED"
    vworld.verifier()
    got = await plans(vworld).GetAnnualPlan(
        apb.GetAnnualPlanRequest(annual_plan_id=created.annual_plan_id), None
    )
    assert got.plan == published


async def test_one_plan_per_department_and_year(vworld: VWorld) -> None:
    await create(vworld)
    with pytest.raises(AlreadyExists):
        await create(vworld)
    await create(vworld, year=YEAR + 1)
    await create(vworld, department="350200-WJW")  # another department's
    vworld.verifier()
    found = await plans(vworld).ListAnnualPlans(apb.ListAnnualPlansRequest(), None)
    assert [p.year for p in found.plans] == [YEAR + 1, YEAR]
    only = await plans(vworld).ListAnnualPlans(apb.ListAnnualPlansRequest(year=YEAR, page_size=1), None)
    assert [p.year for p in only.plans] == [YEAR]
    assert only.next_page_token


async def test_entries_the_list_does_not_support_are_refused_by_field_and_nothing_is_stored(
    vworld: VWorld,
) -> None:
    await listed(vworld, on=dt.date(YEAR, 5, 1))
    joint = entry(
        start=dt.date(YEAR, 6, 1),
        end=dt.date(YEAR, 6, 30),
        kind=apb.PLANNED_CHECK_KIND_JOINT_DRAW,
        cooperating=("350200-NONE",),
    )
    with pytest.raises(InvalidArgument) as refused:
        await create(
            vworld, entry(), entry("NOT-LISTED", start=dt.date(YEAR, 6, 1), end=dt.date(YEAR, 6, 2)), joint
        )
    fields = {v.field: v.description for v in refused.value.violations}
    assert sorted(fields) == [
        "entries[0].check_item_code",  # the item takes effect on 1 May, after the March window opens
        "entries[1].check_item_code",
        "entries[2].cooperating_departments[0]",
    ]
    assert (
        "not in the department's random inspection list on 2027-03-01" in fields["entries[0].check_item_code"]
    )
    bad = entry()
    bad.ClearField("window_end")
    with pytest.raises(InvalidArgument) as unreadable:
        await create(vworld, bad, entry(kind=apb.PLANNED_CHECK_KIND_UNSPECIFIED), year=1999)
    assert [v.field for v in unreadable.value.violations] == ["year"]
    with pytest.raises(InvalidArgument) as unreadable:
        await create(vworld, bad, entry(kind=apb.PLANNED_CHECK_KIND_UNSPECIFIED))
    assert [v.field for v in unreadable.value.violations] == ["entries[0].window_end"]
    assert await vworld.count("annual_plan") == 0


async def test_a_change_needs_the_revision_read_and_the_plans_own_department(vworld: VWorld) -> None:
    created = await create(vworld)
    stale = apb.ReviseAnnualPlanRequest(
        request_id=rid(), annual_plan_id=created.annual_plan_id, expected_revision=2
    )
    stale.name = "改"
    with pytest.raises(FailedPrecondition) as refused:
        await plans(vworld).ReviseAnnualPlan(stale, None)
    assert refused.value.violations[0].type == "REVISION_CHANGED"
    unread = apb.PublishAnnualPlanRequest(request_id=rid(), annual_plan_id=created.annual_plan_id)
    with pytest.raises(InvalidArgument):
        await plans(vworld).PublishAnnualPlan(unread, None)
    vworld.lead("350200-WJW")
    other = apb.PublishAnnualPlanRequest(
        request_id=rid(), annual_plan_id=created.annual_plan_id, expected_revision=1
    )
    with pytest.raises(PermissionDenied):
        await plans(vworld).PublishAnnualPlan(other, None)
    vworld.as_caller(roles.VERIFIER, department="350200-WJW")
    with pytest.raises(PermissionDenied):
        await plans(vworld).GetAnnualPlan(
            apb.GetAnnualPlanRequest(annual_plan_id=created.annual_plan_id), None
        )
    with pytest.raises(NotFound):
        await plans(vworld).GetAnnualPlan(apb.GetAnnualPlanRequest(annual_plan_id=rid()), None)
    stored = await vworld.pool.fetch("SELECT status, revision FROM annual_plan")
    assert [tuple(r) for r in stored] == [("ANNUAL_PLAN_STATUS_DRAFT", 1)]


def draw_plan(
    annual_plan_id: str, *items: tuple[str, str], start: dt.date, end: dt.date
) -> ipb.CreatePlanRequest:
    return ipb.CreatePlanRequest(
        request_id=rid(),
        name="冷链食品贮存双随机抽查",
        departments=[DEPARTMENT],
        check_items=[ipb.CheckItem(code=c, name="检查", inspection_type=t) for c, t in items],
        inspector_requirements=ipb.InspectorRequirements(team_size=2),
        window_start=convert.to_date(start),
        window_end=convert.to_date(end),
        annual_plan_id=annual_plan_id,
    )


async def test_a_draw_that_carries_out_the_annual_plan_must_be_planned_there(vworld: VWorld) -> None:
    await listed(vworld)
    draft_plan = await create(vworld, entry())
    march = {"start": dt.date(YEAR, 3, 10), "end": dt.date(YEAR, 3, 20)}
    planned = draw_plan(draft_plan.annual_plan_id, ("SC-LL-01", "FOOD_SAFETY"), **march)
    vworld.lead()
    with pytest.raises(FailedPrecondition) as unpublished:
        await vworld.inspections.CreatePlan(planned, None)
    assert unpublished.value.violations[0].type == "ANNUAL_PLAN_NOT_PUBLISHED"

    publish = apb.PublishAnnualPlanRequest(
        request_id=rid(), annual_plan_id=draft_plan.annual_plan_id, expected_revision=1
    )
    await plans(vworld).PublishAnnualPlan(publish, None)
    planned.request_id = rid()
    created = (await vworld.inspections.CreatePlan(planned, None)).plan
    assert created.annual_plan_id == draft_plan.annual_plan_id
    unnamed = draw_plan("", ("SC-LL-01", "FOOD_SAFETY"), **march)  # the published plan applies anyway
    assert (
        await vworld.inspections.CreatePlan(unnamed, None)
    ).plan.annual_plan_id == draft_plan.annual_plan_id
    outside = draw_plan("", ("SC-OTHER", "FOOD_SAFETY"), **march)
    with pytest.raises(InvalidArgument) as unplanned_draw:
        await vworld.inspections.CreatePlan(outside, None)
    assert "register an unplanned inspection instead" in unplanned_draw.value.violations[0].description

    unplanned = draw_plan(
        draft_plan.annual_plan_id,
        ("SC-LL-01", "PRICE"),
        ("SC-OTHER", "FOOD_SAFETY"),
        start=dt.date(YEAR, 3, 10),
        end=dt.date(YEAR, 4, 2),
    )
    with pytest.raises(InvalidArgument) as refused:
        await vworld.inspections.CreatePlan(unplanned, None)
    assert sorted(v.field for v in refused.value.violations) == ["check_items[0].code", "check_items[1].code"]
    wrong_type = draw_plan(draft_plan.annual_plan_id, ("SC-LL-01", "PRICE"), **march)
    with pytest.raises(InvalidArgument) as typed:
        await vworld.inspections.CreatePlan(wrong_type, None)
    assert [v.field for v in typed.value.violations] == ["check_items[0].inspection_type"]
    other_year = draw_plan(
        draft_plan.annual_plan_id,
        ("SC-LL-01", "FOOD_SAFETY"),
        start=dt.date(YEAR + 1, 3, 1),
        end=dt.date(YEAR + 1, 3, 2),
    )
    with pytest.raises(InvalidArgument) as year:
        await vworld.inspections.CreatePlan(other_year, None)
    assert [v.field for v in year.value.violations] == ["annual_plan_id"]
    vworld.lead("350200-WJW")
    foreign = draw_plan(draft_plan.annual_plan_id, ("SC-LL-01", "FOOD_SAFETY"), **march)
    foreign.departments[:] = ["350200-WJW"]
    with pytest.raises(PermissionDenied):
        await vworld.inspections.CreatePlan(foreign, None)
    assert await vworld.count("plan") == 2
