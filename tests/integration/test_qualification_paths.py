"""Qualification for the item's supervision domain on every path that puts an inspector on a
task or an inspection: assignment, the draw's team on a drawn commitment, joint inspections."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import credit_events_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.errors import FailedPrecondition
from services.verification import consumers
from tests.integration.test_verification_draws import plan_request
from tests.integration.test_verification_tasks import only_task
from tests.integration.test_verification_world import (
    DEPARTMENT,
    LEGAL,
    VWorld,
    inspector,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)
from tests.support import new_uscc

ON_SITE = catalogue_pb2.VERIFICATION_METHOD_ON_SITE
SPECIAL = "special_equipment"


def rid() -> str:
    return str(uuid.uuid4())


def special_rule(method: int = ON_SITE) -> catalogue_pb2.VerificationRule:
    return catalogue_pb2.VerificationRule(
        method=method,  # type: ignore[arg-type]
        time_limit_working_days=20,
        standard="现场核对设备",
        supervision_domain=SPECIAL,
    )


async def hire(world: VWorld, domains: dict[str, tuple[str, ...]]) -> None:
    world.lead()
    rows = [inspector(n, domains=d) for n, d in domains.items()]
    await world.rosters.ImportInspectors(rpb.ImportInspectorsRequest(request_id=rid(), inspectors=rows), None)


async def test_assignment_refuses_an_inspector_of_another_domain(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc(), verification=special_rule()))
    await hire(vworld, {"ZF35020101": (SPECIAL,), "ZF35020102": ("food_safety",)})
    vworld.lead()
    request = pb.AssignTaskRequest(
        request_id=rid(), task_id=task.task_id, certificate_numbers=["ZF35020101", "ZF35020102"]
    )
    with pytest.raises(FailedPrecondition) as caught:
        await vworld.tasks.AssignTask(request, None)
    (problem,) = caught.value.violations
    assert (problem.type, problem.subject) == ("INSPECTOR_NOT_QUALIFIED", "ZF35020102")
    assert problem.description == f"inspector ZF35020102 is not qualified for {SPECIAL}"


async def watched(world: VWorld, code: str) -> None:
    """Priority supervision: the subject is always drawn."""
    restriction = credit_pb2.Restriction(kind=credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION)
    await world.apply(
        consumers.on_restriction_changed,
        credit_events_pb2.RestrictionChanged(
            subject=subject_pb2.SubjectRef(kind=LEGAL, code=code), version=1, restrictions=[restriction]
        ),
    )


async def draw_for(
    world: VWorld, domain: str, types: tuple[str, str] = ("FOOD_SAFETY", "PRICE")
) -> ipb.DrawPlanResponse:
    request = plan_request(types=types)
    request.filter.ClearField("tags")  # the pool's commitment subjects carry no roster tags
    request.inspector_requirements.domain = domain
    today = world.clock.today()
    request.window_start.CopyFrom(convert.to_date(today))
    request.window_end.CopyFrom(convert.to_date(dt.date(today.year, 12, 31)))
    world.lead()
    created = await world.inspections.CreatePlan(request, None)
    return await world.inspections.DrawPlan(
        ipb.DrawPlanRequest(request_id=rid(), plan_id=created.plan.plan_id), None
    )


async def test_a_draw_puts_its_team_only_on_commitments_of_its_domain(vworld: VWorld) -> None:
    code = new_uscc()
    await watched(vworld, code)
    food = await vworld.record(code, verification=exempt_rule("food_safety"))
    special = await vworld.record(code, verification=exempt_rule(SPECIAL))
    await hire(vworld, {"ZF35020201": ("food_safety",), "ZF35020202": ("food_safety",)})

    first = await draw_for(vworld, "food_safety")
    assert first.commitment_tasks == 1
    tasks = await team_by_commitment(vworld)
    assert tasks == {food: ["ZF35020201", "ZF35020202"]}  # the special-equipment one stays pooled
    assert await vworld.count("pooled_commitment") == 1

    await hire(vworld, {"ZF35020203": (SPECIAL,), "ZF35020204": (SPECIAL,)})
    # other inspection types: the annual cap would leave the subject out of a second same-type draw
    second = await draw_for(vworld, SPECIAL, ("SPECIAL_EQUIPMENT", "LICENSING"))
    assert second.commitment_tasks == 1
    tasks = await team_by_commitment(vworld)
    assert tasks[special] == ["ZF35020203", "ZF35020204"]
    assert await vworld.count("pooled_commitment") == 0


def exempt_rule(domain: str) -> catalogue_pb2.VerificationRule:
    return catalogue_pb2.VerificationRule(
        method=catalogue_pb2.VERIFICATION_METHOD_EXEMPT, supervision_domain=domain
    )


async def team_by_commitment(world: VWorld) -> dict[str, list[str]]:
    rows = await world.pool.fetch(
        "SELECT t.commitment_id, array_agg(i.certificate_number ORDER BY i.certificate_number) AS team"
        " FROM task t JOIN task_inspector i USING (task_id) GROUP BY t.commitment_id"
    )
    return {str(r["commitment_id"]): list(r["team"]) for r in rows}


async def test_joint_planning_refuses_a_team_no_longer_qualified_for_the_domain(vworld: VWorld) -> None:
    task = await only_task(vworld, await vworld.record(new_uscc(), verification=special_rule()))
    await hire(vworld, {"ZF35020301": (SPECIAL,), "ZF35020302": (SPECIAL,), "ZF35020303": (SPECIAL,)})
    vworld.lead()
    await vworld.tasks.AssignTask(
        pb.AssignTaskRequest(
            request_id=rid(), task_id=task.task_id, certificate_numbers=["ZF35020301", "ZF35020302"]
        ),
        None,
    )
    await hire(vworld, {"ZF35020302": ("food_safety",)})  # the personnel office moved 李芳 to food
    due = convert.from_date(task.due_date)
    plan = ipb.PlanJointInspectionsRequest(
        request_id=rid(),
        departments=[DEPARTMENT],
        window_start=convert.to_date(dt.date(due.year, 1, 1)),
        window_end=convert.to_date(dt.date(due.year, 12, 31)),
    )
    with pytest.raises(FailedPrecondition) as caught:
        await vworld.inspections.PlanJointInspections(plan, None)
    (problem,) = caught.value.violations
    assert (problem.type, problem.subject) == ("INSPECTOR_NOT_QUALIFIED", "ZF35020302")
    assert f"not qualified for {SPECIAL}" in problem.description
    assert task.task_id in problem.description
    assert await vworld.count("joint_inspection") == 0

    await vworld.tasks.AssignTask(
        pb.AssignTaskRequest(
            request_id=rid(), task_id=task.task_id, certificate_numbers=["ZF35020301", "ZF35020303"]
        ),
        None,
    )
    plan.request_id = rid()
    planned = await vworld.inspections.PlanJointInspections(plan, None)
    assert [list(j.certificate_numbers) for j in planned.joint_inspections] == [["ZF35020301", "ZF35020303"]]
