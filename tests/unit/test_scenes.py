"""The scene list's rules (检查场景清单): who goes on a joint visit and what each checks."""

from __future__ import annotations

import dataclasses
import datetime as dt

from services.kernel.errors import Violations
from services.verification.domain import scenes
from services.verification.domain.annual_plans import ItemInForce
from services.verification.domain.scenes import SceneDraft

LEAD, FIRE = "350200-SCJ", "350200-XFJ"
DAY = dt.date(2027, 1, 1)
SCENE = SceneDraft("KB-CY", "开办餐饮店", (FIRE,), ((LEAD, "SC-SP-01"), (FIRE, "XF-01")), DAY)


def problems(draft: SceneDraft) -> dict[str, str]:
    v = Violations()
    scenes.check_draft(v, LEAD, draft)
    return {p.field: p.description for p in v.items}


def test_a_scene_where_every_department_checks_something_is_valid() -> None:
    assert problems(SCENE) == {}


def test_a_department_that_goes_but_checks_nothing_is_refused() -> None:
    found = problems(dataclasses.replace(SCENE, items=((LEAD, "SC-SP-01"),)))
    assert list(found) == ["check_items"]
    assert FIRE in found["check_items"]


def test_the_departments_are_others_known_once_and_the_items_theirs() -> None:
    found = problems(
        dataclasses.replace(
            SCENE,
            cooperating=(FIRE, LEAD, FIRE),
            items=((LEAD, "SC-SP-01"), (FIRE, "XF-01"), ("350200-WJW", "WJ-01"), (FIRE, "XF-01")),
        )
    )
    assert sorted(found) == [
        "check_items[2].department",
        "check_items[3].code",
        "cooperating_departments[1]",
        "cooperating_departments[2]",
    ]


def test_counts_are_bounded() -> None:
    alone = problems(dataclasses.replace(SCENE, cooperating=()))
    assert list(alone) == ["cooperating_departments", "check_items[1].department"]
    many = tuple((LEAD, f"I{n}") for n in range(scenes.MAX_ITEMS + 1))
    assert list(problems(dataclasses.replace(SCENE, items=many))) == ["check_items"]
    assert sorted(problems(dataclasses.replace(SCENE, code="", name=""))) == ["code", "name"]


def test_an_item_is_pinned_as_it_reads_on_the_scenes_date_unless_missing_or_retired() -> None:
    v = Violations()
    item = ItemInForce(3, "消防安全检查", "FIRE_SAFETY", None)
    pinned = scenes.pinned(v, 0, FIRE, "XF-01", on=DAY, item=item)
    assert pinned is not None
    assert scenes.SceneItem.of_json(pinned.as_json()) == pinned
    assert scenes.pinned(v, 1, FIRE, "XF-02", on=DAY, item=None) is None
    retired = dataclasses.replace(item, retired_on=DAY)
    assert scenes.pinned(v, 2, FIRE, "XF-03", on=DAY, item=retired) is None
    assert [p.field for p in v.items] == ["check_items[1].code", "check_items[2].code"]
