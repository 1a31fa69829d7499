"""Catalogues against the real database: drafts, immutable versions, the two lists, filing,
the notification, and `catalogue.published`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.kernel import convert
from tests.conftest import Servers
from tests.integration.test_commitment_world import (
    commitment_world,
    create,
    item,
    publish,
    published_item,
    rid,
)
from tests.support import failure

# Audit rows of callers; the world's consumers replay other tests' events on the shared broker.
CALLER_ROWS = "actor <> 'service:commitment'"


async def test_drafts_are_edited_and_published_versions_never_change(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        item_id = await published_item(admin)
        changed = item()
        changed.legal_basis = "《食品经营许可和备案管理办法》第十三条"
        updated = await admin.catalogue.UpdateItem(
            catalogue_pb2.UpdateItemRequest(
                request_id=rid(), item_id=item_id, item=changed, expected_revision=1
            )
        )
        assert updated.item.revision == 2
        stale = await failure(
            admin.catalogue.UpdateItem(
                catalogue_pb2.UpdateItemRequest(
                    request_id=rid(), item_id=item_id, item=changed, expected_revision=1
                )
            )
        )
        assert stale.code == grpc.StatusCode.FAILED_PRECONDITION
        assert stale.precondition_types() == [("REVISION_CHANGED", item_id)]
        in_force = await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=item_id))
        assert in_force.item.content.legal_basis.endswith("第十二条")  # the draft is not published yet
        second = await publish(admin)
        assert second.version == 2
        v1 = await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=item_id, version=1))
        v2 = await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=item_id))
        assert v1.item.content.legal_basis.endswith("第十二条")
        assert v2.item.content.legal_basis.endswith("第十三条")
        assert v2.item.version == 2
        draft = await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=item_id, draft=True))
        assert draft.item.revision == 2
        assert draft.item.version == 0


async def test_other_departments_cannot_edit_and_bad_drafts_store_nothing(
    servers: Servers, tmp_path: Path
) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        item_id = await create(admin, item())
        other = world.as_role("catalogue_admin", department="350200-SWJ")
        denied = await failure(
            other.catalogue.UpdateItem(
                catalogue_pb2.UpdateItemRequest(request_id=rid(), item_id=item_id, item=item())
            )
        )
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED
        portal = world.as_role("portal")
        assert (
            await failure(portal.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=item_id, draft=True)))
        ).code == grpc.StatusCode.PERMISSION_DENIED
        before = (
            await world.count("catalogue_item"),
            await world.count("idempotency"),
            await world.count("audit_log", CALLER_ROWS),
        )
        bad = item(name="")
        bad.letter.text = "我是{nickname}"
        bad.notification.criminal_liability = "罪" * 5000
        refused = await failure(
            admin.catalogue.CreateItem(catalogue_pb2.CreateItemRequest(request_id=rid(), item=bad))
        )
        assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
        assert refused.fields() == ["item.name", "item.notification.criminal_liability", "item.letter.text"]
        after = (
            await world.count("catalogue_item"),
            await world.count("idempotency"),
            await world.count("audit_log", CALLER_ROWS),
        )
        assert after == before


async def test_withdrawn_items_leave_the_next_version(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        kept, gone = await create(admin, item("甲证明")), await create(admin, item("乙证明"))
        await publish(admin)
        withdrawn = await admin.catalogue.WithdrawItem(
            catalogue_pb2.WithdrawItemRequest(request_id=rid(), item_id=gone, reason="法规修订后取消该证明")
        )
        assert withdrawn.item.withdrawn
        again = await failure(
            admin.catalogue.UpdateItem(
                catalogue_pb2.UpdateItemRequest(request_id=rid(), item_id=gone, item=item())
            )
        )
        assert again.precondition_types() == [("ITEM_WITHDRAWN", gone)]
        second = await publish(admin)
        assert second.item_count == 1
        missing = await failure(admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=gone)))
        assert missing.code == grpc.StatusCode.NOT_FOUND
        assert missing.fields() == ["version"]
        assert (
            await admin.catalogue.GetItem(catalogue_pb2.GetItemRequest(item_id=gone, version=1))
        ).item.version == 1
        drafts = await admin.catalogue.ListDraftItems(catalogue_pb2.ListDraftItemsRequest())
        assert [i.item_id for i in drafts.items] == [kept]
        everything = await admin.catalogue.ListDraftItems(
            catalogue_pb2.ListDraftItemsRequest(include_withdrawn=True)
        )
        assert len(everything.items) == 2


async def test_the_two_lists_with_filters_and_pages(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        for n in range(5):
            await create(admin, item(f"证明{n}", region="350203" if n % 2 else "350200"))
        certificate_only = item("户籍证明", allowed=False)
        certificate_only.matters[:] = ["户口迁移"]
        await create(admin, certificate_only)
        await publish(admin)
        await create(world.as_role("catalogue_admin", department="350200-SWJ"), item("纳税证明"))
        await publish(world.as_role("catalogue_admin", department="350200-SWJ"))
        reader = world.as_role("portal")
        lists = catalogue_pb2

        async def names(**filters: object) -> list[str]:
            request = catalogue_pb2.ListCatalogueRequest(**filters)  # type: ignore[arg-type]
            return [i.content.name for i in (await reader.catalogue.ListCatalogue(request)).items]

        assert len(await names(department="350200-SCJ")) == 6
        assert "户籍证明" not in await names(department="350200-SCJ", list=lists.CATALOGUE_LIST_COMMITMENT)
        assert len(await names(list=lists.CATALOGUE_LIST_COMMITMENT)) == 6  # both departments
        assert await names(region_code="350203") == ["证明1", "证明3"]
        assert await names(matter="户口迁移") == ["户籍证明"]
        assert await names(text="纳税") == ["纳税证明"]
        assert await names(text="100%") == []  # LIKE characters are literal
        pages, token = [], ""
        while True:
            page = await reader.catalogue.ListCatalogue(
                catalogue_pb2.ListCatalogueRequest(department="350200-SCJ", page_size=4, page_token=token)
            )
            pages.append([i.content.name for i in page.items])
            token = page.next_page_token
            if not token:
                break
        assert [len(p) for p in pages] == [4, 2]
        bad = await failure(
            reader.catalogue.ListCatalogue(catalogue_pb2.ListCatalogueRequest(page_token="xyz"))
        )
        assert bad.fields() == ["page_token"]


async def test_as_of_shows_the_version_in_force_at_a_time(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        first = await create(admin, item("旧证明"))
        v1 = await publish(admin)
        await admin.catalogue.WithdrawItem(
            catalogue_pb2.WithdrawItemRequest(request_id=rid(), item_id=first, reason="取消")
        )
        await create(admin, item("新证明"))
        v2 = await publish(admin)
        reader = world.as_role("portal")

        async def at(when: dt.datetime) -> list[tuple[str, int]]:
            request = catalogue_pb2.ListCatalogueRequest(
                department="350200-SCJ", as_of=convert.to_timestamp(when)
            )
            return [
                (i.content.name, i.version) for i in (await reader.catalogue.ListCatalogue(request)).items
            ]

        published_1 = convert.from_timestamp(v1.published_at)
        assert await at(published_1) == [("旧证明", 1)]
        assert await at(convert.from_timestamp(v2.published_at)) == [("新证明", 2)]
        assert await at(published_1 - dt.timedelta(seconds=1)) == []


async def test_filing_is_recorded_and_late_versions_show_as_overdue(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        await create(admin, item())
        first = await publish(admin)
        assert first.HasField("filing_due_date")
        await publish(admin)

        async def statuses() -> dict[int, int]:
            listed = await admin.catalogue.ListCatalogueVersions(catalogue_pb2.ListCatalogueVersionsRequest())
            return {v.version: v.filing_status for v in listed.versions}

        assert await statuses() == {
            1: catalogue_pb2.FILING_STATUS_PENDING,
            2: catalogue_pb2.FILING_STATUS_PENDING,
        }
        today = world.clock.today()
        filed = await admin.catalogue.RecordFiling(
            catalogue_pb2.RecordFilingRequest(
                request_id=rid(),
                version=2,
                filed_on=convert.to_date(today),
                reference="厦司备〔2026〕12号",
                authority="厦门市司法局",
            )
        )
        assert filed.catalogue.filing_status == catalogue_pb2.FILING_STATUS_FILED
        assert "鄂尔多斯市行政执法质量提升方案" in filed.catalogue.filing_rule
        twice = await failure(
            admin.catalogue.RecordFiling(
                catalogue_pb2.RecordFilingRequest(
                    request_id=rid(), version=2, filed_on=convert.to_date(today), reference="x", authority="y"
                )
            )
        )
        assert twice.code == grpc.StatusCode.ALREADY_EXISTS
        world.clock.advance(dt.timedelta(days=30))  # more than 10 working days in any calendar
        assert await statuses() == {
            1: catalogue_pb2.FILING_STATUS_OVERDUE,
            2: catalogue_pb2.FILING_STATUS_FILED,
        }
        late = await admin.catalogue.RecordFiling(
            catalogue_pb2.RecordFilingRequest(
                request_id=rid(),
                version=1,
                filed_on=convert.to_date(world.clock.today()),
                reference="厦司备〔2026〕13号",
                authority="厦门市司法局",
            )
        )
        assert late.catalogue.filing_status == catalogue_pb2.FILING_STATUS_FILED_LATE
        unknown = await failure(
            admin.catalogue.RecordFiling(
                catalogue_pb2.RecordFilingRequest(
                    request_id=rid(), version=9, filed_on=convert.to_date(today), reference="x", authority="y"
                )
            )
        )
        assert unknown.code == grpc.StatusCode.NOT_FOUND
        assert unknown.fields() == ["version"]


async def test_publication_emits_catalogue_published(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        allowed = await create(admin, item("甲证明"))
        await create(admin, item("乙证明", allowed=False))
        response = await publish(admin)
        (payload,) = await world.events("catalogue.published")
        event = commitment_events_pb2.CataloguePublished.FromString(payload)
        assert (event.department, event.version, event.item_count, event.commitment_item_count) == (
            "350200-SCJ",
            1,
            2,
            1,
        )
        assert {(i.name, i.commitment_allowed) for i in event.items} == {("甲证明", True), ("乙证明", False)}
        assert allowed in {i.item_id for i in event.items}
        assert event.filing_due_date == response.filing_due_date


async def test_the_notification_is_complete_and_printable(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        own = item()
        own.notification.licence_conditions = "具有与经营的食品品种、数量相适应的经营场所"
        own.notification.publication_months = 12
        item_id = await published_item(admin, own)
        reader = world.as_role("portal")
        found = await reader.catalogue.GetNotification(catalogue_pb2.GetNotificationRequest(item_id=item_id))
        notice = found.notification
        assert (notice.version, notice.agency_name, notice.item_name) == (
            1,
            "厦门市市场监督管理局",
            "营业场所使用证明",
        )
        body = {s.key: s.body for s in notice.sections}
        assert "具有与经营的食品品种" in body["conditions"]
        assert "公开期限为12个月" in body["publication"]
        assert "书面核查" in body["verification"]
        assert all(s.body in notice.text for s in notice.sections)
        assert "{subject_name}" in notice.letter.text
        unknown = await failure(
            reader.catalogue.GetNotification(catalogue_pb2.GetNotificationRequest(item_id=item_id, version=5))
        )
        assert unknown.code == grpc.StatusCode.NOT_FOUND


async def test_an_own_obligation_text_keeps_the_certified_content(servers: Servers, tmp_path: Path) -> None:
    async with commitment_world(servers, tmp_path) as world:
        admin = world.as_role("catalogue_admin")
        own = item()
        own.notification.certification_obligation = "申请人须提交本机关认可的场所证明材料"
        item_id = await published_item(admin, own)
        found = await world.as_role("portal").catalogue.GetNotification(
            catalogue_pb2.GetNotificationRequest(item_id=item_id)
        )
        body = {s.key: s.body for s in found.notification.sections}
        assert "申请人须提交本机关认可的场所证明材料" in body["certification"]
        assert "证明内容：申请人对经营场所享有合法使用权" in body["certification"]
        assert "证明内容：申请人对经营场所享有合法使用权" in found.notification.text
