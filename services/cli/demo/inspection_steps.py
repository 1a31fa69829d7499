"""Steps 8–9: a credit-linked random draw anyone can re-run, and one visit instead of two."""

from __future__ import annotations

import datetime as dt

from chengnuo.credit.v1 import credit_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.cli.demo.data import HOUSING, MARKET, Department
from services.cli.demo.world import World, rid
from services.kernel import convert

GRADES = {credit_pb2.GRADE_A: "A", credit_pb2.GRADE_B: "B", credit_pb2.GRADE_C: "C", credit_pb2.GRADE_D: "D"}


def _plan(department: Department, today: dt.date, name: str) -> ipb.CreatePlanRequest:
    return ipb.CreatePlanRequest(
        request_id=rid(),
        name=name,
        departments=[department.code],
        check_items=[
            ipb.CheckItem(code=f"{department.code}-01", name=name, inspection_type=department.inspection_type)
        ],
        inspector_requirements=ipb.InspectorRequirements(team_size=2, domain=department.domain),
        window_start=convert.to_date(today),
        window_end=convert.to_date(dt.date(today.year, 12, 31)),
    )


async def _draw(world: World, department: Department, name: str) -> ipb.Draw:
    desk = world.office.desk("verification_lead", department.code)
    plan = await desk.inspections.CreatePlan(_plan(department, await world.today(), name))
    return (
        await desk.inspections.DrawPlan(ipb.DrawPlanRequest(request_id=rid(), plan_id=plan.plan.plan_id))
    ).draw


async def random_inspection(world: World) -> None:
    with world.say.step(
        "A random inspection plan is drawn and re-verified (双随机、一公开)",
        "Subjects are drawn per credit grade (A 5%, B 15%, C 40%, D 80% by default) and inspector "
        "teams at random; seed and digests are published so anyone can re-run the draw.",
    ):
        draw = await _draw(world, MARKET, "食品经营主体双随机抽查")
        for stats in draw.stats:
            if stats.pool or stats.priority:
                world.say.say(
                    f"grade {GRADES[stats.grade]}: {stats.pool} in pool, "
                    f"{stats.ratio_basis_points / 100:g}% → "
                    f"{stats.drawn_at_random} drawn, {stats.priority} under priority supervision"
                )
        verified = await world.office.desk("portal", "350200-ZWFW").inspections.VerifyDraw(
            ipb.VerifyDrawRequest(draw_id=draw.draw_id, pool_digest=draw.pool_digest)
        )
        world.say.say(
            f"seed {draw.seed[:16]}…, pool digest {draw.pool_digest[:16]}…: "
            f"re-run identical = {verified.identical}"
        )
        world.say.record(
            "random draw",
            f"{draw.drawn} of {draw.pool_size} drawn, {draw.teams} teams, verified {verified.identical}",
        )


async def joint_inspection(world: World) -> None:
    with world.say.step(
        "Two departments' visits merge into joint inspections (综合查一次)",
        "Inspections of the same enterprise by several departments in one window become one visit "
        "with a lead department, within the annual cap and the superior-department rule.",
    ):
        await _draw(world, HOUSING, "建筑业企业资质双随机抽查")
        today = await world.today()
        request = ipb.PlanJointInspectionsRequest(
            request_id=rid(),
            departments=[MARKET.code, HOUSING.code],
            window_start=convert.to_date(today),
            window_end=convert.to_date(dt.date(today.year, 12, 31)),
        )
        planned = await world.office.desk("verification_lead", MARKET.code).inspections.PlanJointInspections(
            request
        )
        world.say.say(
            f"{planned.candidate_items} inspections planned by the two departments; enterprises drawn by "
            f"both get one visit: {planned.visits_without_merging} visits become "
            f"{planned.visits_without_merging - planned.visits_saved}"
        )
        world.say.record(
            "joint inspections", f"{planned.planned} planned, {planned.visits_saved} visits saved"
        )
