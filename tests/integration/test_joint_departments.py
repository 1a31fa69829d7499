"""Joint planning (综合查一次) only for departments the verification service knows."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.kernel import convert
from services.kernel.errors import InvalidArgument
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)

FIRE = "350200-XFJ"


def joint_request(world: VWorld, *departments: str) -> ipb.PlanJointInspectionsRequest:
    year = world.clock.today().year
    return ipb.PlanJointInspectionsRequest(
        request_id=rid(),
        departments=departments,
        window_start=convert.to_date(dt.date(year, 1, 1)),
        window_end=convert.to_date(dt.date(year, 12, 31)),
    )


async def test_an_unknown_department_is_refused_not_planned(vworld: VWorld) -> None:
    vworld.lead()
    with pytest.raises(InvalidArgument) as caught:
        await vworld.inspections.PlanJointInspections(
            joint_request(vworld, DEPARTMENT, FIRE, "350200-NOPE"), None
        )
    assert [(p.field, p.description) for p in caught.value.violations] == [
        ("departments[1]", f"unknown department {FIRE}: not on the department roster"),
        ("departments[2]", "unknown department 350200-NOPE: not on the department roster"),
    ]
    assert await vworld.count("audit_log") == 0

    vworld.as_caller("admin")
    await vworld.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(
            request_id=rid(),
            departments=[rpb.Department(code=FIRE, name="厦门市消防救援支队", region_code="350200")],
        ),
        None,
    )
    vworld.lead()  # the caller's own department is known from its token
    planned = await vworld.inspections.PlanJointInspections(joint_request(vworld, DEPARTMENT, FIRE), None)
    assert planned.planned == 0
