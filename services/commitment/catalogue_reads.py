"""Reading the published catalogues: one item, the lists in force, an item's notification."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment import catalogue_store, item_versions, notification, requests
from services.commitment.item_versions import ItemVersion, ItemVersions, ListFilter
from services.contracts import roles
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.errors import NotFound, PermissionDenied, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import query
from services.kernel.uow import Database

DEFAULT_PAGE, MAX_PAGE = 100, 500
MAX_FILTER = 200


class ReadsApi:
    db: Database
    items: ItemVersions

    @query(roles.ANY_ROLE)
    async def GetItem(
        self, request: catalogue_pb2.GetItemRequest, context: Any
    ) -> catalogue_pb2.GetItemResponse:
        item_id = request_uuid("item_id", request.item_id)
        if request.draft:
            return catalogue_pb2.GetItemResponse(item=await self._draft(item_id))
        item = await self._item_version(item_id, request.version)
        return catalogue_pb2.GetItemResponse(item=item.to_proto())

    @query(roles.ANY_ROLE)
    async def GetNotification(
        self, request: catalogue_pb2.GetNotificationRequest, context: Any
    ) -> catalogue_pb2.GetNotificationResponse:
        item = await self._item_version(request_uuid("item_id", request.item_id), request.version)
        parts = notification.sections(item.draft)
        made = catalogue_pb2.Notification(
            item_id=str(item.item_id),
            version=item.version,
            department=item.department,
            agency_name=item.draft.agency_name,
            item_name=item.draft.name,
            published_at=convert.to_timestamp(item.published_at),
            sections=parts,
            text=notification.text(item.draft, item.version, item.published_at, parts),
            letter=item.draft.letter,
        )
        return catalogue_pb2.GetNotificationResponse(notification=made)

    @query(roles.ANY_ROLE)
    async def ListCatalogue(
        self, request: catalogue_pb2.ListCatalogueRequest, context: Any
    ) -> catalogue_pb2.ListCatalogueResponse:
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        listing = _filter(request)
        key = paging.after(request.page_token, paging.instant, str, str, uuid.UUID)
        at, after = (key[0], key[1:]) if key else (self._as_of(request), None)
        found = await self.items.listing(self.db.pool, at, listing, after, size)
        last = found[-1] if len(found) == size else None
        token = paging.token(at, last.department, last.draft.name, last.item_id) if last else ""
        return catalogue_pb2.ListCatalogueResponse(
            items=[i.to_proto() for i in found], next_page_token=token, as_of=convert.to_timestamp(at)
        )

    def _as_of(self, request: catalogue_pb2.ListCatalogueRequest) -> dt.datetime:
        return convert.from_timestamp(request.as_of) if request.HasField("as_of") else self.db.clock.now()

    async def _item_version(self, item_id: uuid.UUID, version: int) -> ItemVersion:
        if version:
            item = await self.items.get(self.db.pool, item_id, version)
        else:
            item = await self.items.in_force(self.db.pool, item_id, self.db.clock.now())
        if item is None:
            known = await item_versions.item_exists(self.db.pool, item_id)
            raise NotFound(
                "catalogue item",
                f"{item_id} version {version or 'in force'}",
                "version" if known else "item_id",
            )
        return item

    async def _draft(self, item_id: uuid.UUID) -> catalogue_pb2.CatalogueItem:
        caller = current_caller()
        if not caller.has_any([roles.CATALOGUE_ADMIN]):
            raise PermissionDenied("drafts are open to catalogue administrators only")
        found = await catalogue_store.get_draft(self.db.pool, item_id)
        if found is None:
            raise NotFound("catalogue item", str(item_id), "item_id")
        caller.require_department(found.department)
        return found.to_proto()


def _filter(request: catalogue_pb2.ListCatalogueRequest) -> ListFilter:
    v = Violations()
    lists = catalogue_pb2.CatalogueList
    if request.list not in lists.values():
        v.add("list", "the certificate list or the commitment list")
    requests.text(v, "department", request.department, MAX_FILTER, required=False)
    requests.text(v, "matter", request.matter, MAX_FILTER, required=False)
    text = requests.text(v, "text", request.text, MAX_FILTER, required=False)
    prefix = requests.region(v, "region_code", request.region_code)
    v.raise_if_any()
    return ListFilter(
        department=request.department,
        commitment_only=request.list == lists.CATALOGUE_LIST_COMMITMENT,
        region_prefix=prefix,
        matter=request.matter.strip(),
        text=f"%{_escape(text)}%" if text else "",
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
