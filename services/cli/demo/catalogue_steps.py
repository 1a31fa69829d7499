"""Steps 1–2: catalogues published; a high-risk certificate cannot be replaced by commitment."""

from __future__ import annotations

import grpc

from chengnuo.commitment.v1 import catalogue_pb2 as cpb
from services.cli.demo.data import HOUSING, MARKET, health_item, housing_items, market_items
from services.cli.demo.world import World, rid
from services.cli.output import describe


async def _publish(world: World, department: str, drafts: list[cpb.ItemDraft]) -> int:
    desk = world.office.desk("catalogue_admin", department)
    for draft in drafts:
        made = await desk.catalogue.CreateItem(cpb.CreateItemRequest(request_id=rid(), item=draft))
        world.items[draft.name] = made.item.item_id
    published = await desk.catalogue.PublishCatalogue(cpb.PublishCatalogueRequest(request_id=rid()))
    return published.version


async def catalogues(world: World) -> None:
    with world.say.step(
        "Two departments publish their catalogues (目录清单)",
        "Each department lists the certificates it may ask for; those allowing commitment form "
        "its 告知承诺目录. Publishing freezes a numbered version that must be filed (备案).",
    ):
        for department, drafts in ((MARKET, market_items()), (HOUSING, housing_items())):
            version = await _publish(world, department.code, drafts)
            world.say.say(f"{department.name}: version {version} with {', '.join(d.name for d in drafts)}")
        await high_risk_refused(world)
        notice = await world.office.desk("portal", "350200-ZWFW").catalogue.GetNotification(
            cpb.GetNotificationRequest(item_id=world.items["经营场所使用证明"])
        )
        first = notice.notification.text.strip().splitlines()[:3]
        world.say.say(
            "告知书 as a portal shows it: " + " / ".join(line.strip() for line in first if line.strip())
        )
        world.say.record("catalogues", f"{len(world.items)} items published by 2 departments")


async def high_risk_refused(world: World) -> None:
    desk = world.office.desk("catalogue_admin", MARKET.code)
    try:
        await desk.catalogue.CreateItem(cpb.CreateItemRequest(request_id=rid(), item=health_item()))
    except grpc.aio.AioRpcError as refusal:
        world.say.say(f"食品从业人员健康证明 with commitment allowed is refused: {describe(refusal)}")
    else:
        raise AssertionError("a high-risk item was accepted for commitment")
