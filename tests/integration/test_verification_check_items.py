"""The random inspection list (随机抽查事项清单) on real PostgreSQL: versions, retirement, refusals,
idempotent puts, and the list read by any authenticated caller."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from chengnuo.verification.v1 import check_items_pb2 as cpb
from services.contracts import roles
from services.kernel import convert
from services.kernel.errors import FailedPrecondition, InvalidArgument, NotFound
from services.verification.api.servicers import CheckItemApi
from tests.integration.test_verification_tasks import rid
from tests.integration.test_verification_world import (
    DEPARTMENT,
    VWorld,
    vworld_fixture,  # noqa: F401  (the `vworld` fixture)
)

OTHER = "350200-WJW"


def api(world: VWorld) -> CheckItemApi:
    return CheckItemApi(world.tasks.deps)


def draft(code: str = "SCJ-FOOD-01", on: dt.date | None = None, **changes: object) -> cpb.CheckItemDraft:
    fields: dict[str, object] = {
        "code": code,
        "name": "食品经营许可事项检查",
        "legal_basis": "《中华人民共和国食品安全法》第一百一十条",
        "inspection_type": "FOOD_SAFETY",
        "supervision_domain": "food",
        "check_content": "经营场所、设施设备与许可一致",
        "check_method": "现场检查",
        "advance_notice_allowed": True,
        **changes,
    }
    made = cpb.CheckItemDraft(**fields)  # type: ignore[arg-type]
    made.effective_from.CopyFrom(convert.to_date(on or dt.date(2026, 1, 1)))
    return made


async def put(world: VWorld, item: cpb.CheckItemDraft, request_id: str = "") -> cpb.ListedCheckItem:
    world.lead()
    done = await api(world).PutCheckItem(
        cpb.PutCheckItemRequest(request_id=request_id or rid(), item=item), None
    )
    return done.item


async def test_revisions_are_versions_and_the_list_shows_the_latest(vworld: VWorld) -> None:
    first = await put(vworld, draft())
    second = await put(vworld, draft(on=dt.date(2026, 6, 1), check_content="增加冷链环节"))
    await put(vworld, draft("SCJ-FOOD-02"))
    assert (first.version, second.version) == (1, 2)
    assert second.recorded_by == f"lead@{DEPARTMENT}"

    vworld.as_caller(roles.CREDIT_OFFICER, department=OTHER)  # anyone authenticated: 事前公开
    listed = await api(vworld).ListCheckItems(cpb.ListCheckItemsRequest(department=DEPARTMENT), None)
    assert [(i.code, i.version) for i in listed.items] == [("SCJ-FOOD-01", 2), ("SCJ-FOOD-02", 1)]
    assert listed.items[0].check_content == "增加冷链环节"
    old = await api(vworld).GetCheckItem(
        cpb.GetCheckItemRequest(department=DEPARTMENT, code="SCJ-FOOD-01", version=1), None
    )
    assert old.item.check_content == "经营场所、设施设备与许可一致"


async def test_the_same_request_id_puts_once(vworld: VWorld) -> None:
    request_id = rid()
    first = await put(vworld, draft(), request_id)
    again = await put(vworld, draft(), request_id)
    assert again == first
    assert await vworld.count("check_item") == 1


async def test_concurrent_revisions_each_get_their_own_version(vworld: VWorld) -> None:
    await put(vworld, draft())
    vworld.lead()
    calls = [
        api(vworld).PutCheckItem(
            cpb.PutCheckItemRequest(request_id=rid(), item=draft(check_content=f"第{n}次")), None
        )
        for n in range(4)
    ]
    done = await asyncio.gather(*calls)
    assert sorted(d.item.version for d in done) == [2, 3, 4, 5]


async def test_bad_items_are_refused_by_field_and_nothing_is_stored(vworld: VWorld) -> None:
    vworld.lead()
    bad = draft(code="", legal_basis="", advance_notice_allowed=False)
    bad.ClearField("effective_from")
    with pytest.raises(InvalidArgument) as refused:
        await api(vworld).PutCheckItem(cpb.PutCheckItemRequest(request_id=rid(), item=bad), None)
    assert sorted(v.field for v in refused.value.violations) == [
        "item.code",
        "item.effective_from",
        "item.legal_basis",
        "item.no_notice_reason",
    ]
    await put(vworld, draft(on=dt.date(2026, 6, 1)))
    with pytest.raises(FailedPrecondition) as backdated:
        await put(vworld, draft(on=dt.date(2026, 5, 31)))
    assert backdated.value.violations[0].type == "EFFECTIVE_BEFORE_LATEST"
    assert await vworld.count("check_item") == 1


async def test_a_retired_item_drops_out_from_its_date_and_stays_readable(vworld: VWorld) -> None:
    await put(vworld, draft())
    today = vworld.clock.today()
    vworld.lead()
    request = cpb.RetireCheckItemRequest(request_id=rid(), code="SCJ-FOOD-01")
    request.retired_on.CopyFrom(convert.to_date(today + dt.timedelta(days=10)))
    retired = await api(vworld).RetireCheckItem(request, None)
    assert convert.from_date(retired.item.retired_on) == today + dt.timedelta(days=10)

    def listing(on: dt.date | None = None, include_retired: bool = False) -> cpb.ListCheckItemsRequest:
        made = cpb.ListCheckItemsRequest(department=DEPARTMENT, include_retired=include_retired)
        if on:
            made.on.CopyFrom(convert.to_date(on))
        return made

    reads = api(vworld)
    assert len((await reads.ListCheckItems(listing(), None)).items) == 1
    assert (await reads.ListCheckItems(listing(today + dt.timedelta(days=10)), None)).items == []
    assert len((await reads.ListCheckItems(listing(today + dt.timedelta(days=10), True), None)).items) == 1
    with pytest.raises(FailedPrecondition) as refused:
        await put(vworld, draft(on=today + dt.timedelta(days=20)))
    assert refused.value.violations[0].type == "CHECK_ITEM_RETIRED"


async def test_a_lead_changes_only_its_own_departments_list(vworld: VWorld) -> None:
    await put(vworld, draft())
    vworld.lead(OTHER)
    request = cpb.RetireCheckItemRequest(request_id=rid(), code="SCJ-FOOD-01")
    request.retired_on.CopyFrom(convert.to_date(vworld.clock.today()))
    with pytest.raises(NotFound):  # another department's lead retires in its own list only
        await api(vworld).RetireCheckItem(request, None)
    assert await vworld.count("check_item") == 1  # roles are the interceptor's: the access matrix


async def test_reading_names_what_is_missing(vworld: VWorld) -> None:
    vworld.verifier()
    with pytest.raises(InvalidArgument) as refused:
        await api(vworld).ListCheckItems(cpb.ListCheckItemsRequest(), None)
    assert [v.field for v in refused.value.violations] == ["department"]
    with pytest.raises(NotFound) as missing:
        await api(vworld).GetCheckItem(cpb.GetCheckItemRequest(department=DEPARTMENT, code="NONE"), None)
    assert missing.value.field == "code"
