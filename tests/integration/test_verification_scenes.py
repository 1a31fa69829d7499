"""The scene list (检查场景清单) on real PostgreSQL: scenes drawn from the departments' own random
inspection lists, versions, reading by every department of the visit, precise refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.verification.v1 import check_items_pb2 as cpb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import scenes_pb2 as spb
from services.contracts import roles
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from services.verification.api.servicers import CheckItemApi, SceneApi
from tests.integration.test_verification_check_items import draft
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)

FIRE = "350200-XFJ"
DAY = dt.date(2027, 1, 1)


async def prepare(world: VWorld) -> None:
    world.as_caller("admin")
    departments = [rpb.Department(code=FIRE, name="消防救援支队", region_code="350200")]
    await world.rosters.PutDepartments(
        rpb.PutDepartmentsRequest(request_id=rid(), departments=departments), None
    )
    for department, code in ((DEPARTMENT, "SC-SP-01"), (FIRE, "XF-01")):
        world.lead(department)
        request = cpb.PutCheckItemRequest(
            request_id=rid(), item=draft(code, on=DAY, inspection_type="FIRE_SAFETY")
        )
        await CheckItemApi(world.tasks.deps).PutCheckItem(request, None)


def scene(
    *items: tuple[str, str], on: dt.date = DAY, cooperating: tuple[str, ...] = (FIRE,)
) -> spb.PutSceneRequest:
    return spb.PutSceneRequest(
        request_id=rid(),
        code="KB-CY",
        name="开办餐饮店",
        cooperating_departments=cooperating,
        check_items=[spb.SceneCheckItem(department=d, code=c) for d, c in items],
        effective_from=convert.to_date(on),
    )


async def test_a_scene_pins_each_departments_items_and_both_departments_read_it(vworld: VWorld) -> None:
    await prepare(vworld)
    vworld.lead()
    api = SceneApi(vworld.tasks.deps)
    first = (await api.PutScene(scene((DEPARTMENT, "SC-SP-01"), (FIRE, "XF-01")), None)).scene
    assert [(i.department, i.version, i.inspection_type) for i in first.check_items] == [
        (DEPARTMENT, 1, "FIRE_SAFETY"),
        (FIRE, 1, "FIRE_SAFETY"),
    ]
    later = scene((DEPARTMENT, "SC-SP-01"), (FIRE, "XF-01"), on=DAY + dt.timedelta(days=30))
    assert (await api.PutScene(later, None)).scene.version == 2

    vworld.as_caller(roles.VERIFIER, department=FIRE)
    listed = await api.ListScenes(spb.ListScenesRequest(department=FIRE), None)
    assert [(s.lead_department, s.code, s.version) for s in listed.scenes] == [(DEPARTMENT, "KB-CY", 2)]
    old = await api.GetScene(spb.GetSceneRequest(lead_department=DEPARTMENT, code="KB-CY", version=1), None)
    assert old.scene == first
    assert (await api.ListScenes(spb.ListScenesRequest(department="350200-WJW"), None)).scenes == []


async def test_a_scene_the_lists_do_not_support_is_refused_by_field_and_nothing_is_stored(
    vworld: VWorld,
) -> None:
    await prepare(vworld)
    vworld.lead()
    api = SceneApi(vworld.tasks.deps)
    with pytest.raises(InvalidArgument) as refused:
        await api.PutScene(
            scene(
                (DEPARTMENT, "SC-SP-01"),
                (FIRE, "NONE"),
                ("350200-NEW", "N-1"),
                cooperating=(FIRE, "350200-NEW"),
            ),
            None,
        )
    assert sorted(v.field for v in refused.value.violations) == [
        "check_items[1].code",
        "check_items[2].code",  # nor is it in the list of a department that does not exist
        "cooperating_departments[1]",
    ]
    with pytest.raises(InvalidArgument) as early:  # the items take effect on DAY
        await api.PutScene(
            scene((DEPARTMENT, "SC-SP-01"), (FIRE, "XF-01"), on=DAY - dt.timedelta(days=1)), None
        )
    assert [v.field for v in early.value.violations] == ["check_items[0].code", "check_items[1].code"]
    await api.PutScene(scene((DEPARTMENT, "SC-SP-01"), (FIRE, "XF-01"), on=DAY + dt.timedelta(days=5)), None)
    with pytest.raises(FailedPrecondition) as backdated:
        await api.PutScene(scene((DEPARTMENT, "SC-SP-01"), (FIRE, "XF-01")), None)
    assert backdated.value.violations[0].type == "EFFECTIVE_BEFORE_LATEST"
    assert await vworld.count("scene") == 1
    with pytest.raises(InvalidArgument):
        await api.ListScenes(spb.ListScenesRequest(), None)
    with pytest.raises(NotFound):
        await api.GetScene(spb.GetSceneRequest(lead_department=FIRE, code="KB-CY"), None)
