"""Reading the published catalogues: one item, the lists in force, an item's notification."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.domain import notification
from services.commitment.store.items import ItemVersion
from services.commitment.wire import catalogue as wire
from services.contracts import roles
from services.kernel import convert, lookup, paging
from services.kernel.auth import current_caller
from services.kernel.errors import NotFound, PermissionDenied
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import Handlers, query

DEFAULT_PAGE, MAX_PAGE = 100, 500


class CatalogueHandlers(Handlers[Deps]):
    @query(roles.ANY_ROLE)
    async def GetItem(self, request: pb.GetItemRequest, context: Any) -> pb.GetItemResponse:
        item_id = request_uuid("item_id", request.item_id)
        if request.draft:
            return pb.GetItemResponse(item=await self._draft(item_id))
        item = await self._item_version(item_id, request.version)
        return pb.GetItemResponse(item=wire.item(item))

    @query(roles.ANY_ROLE)
    async def GetNotification(
        self, request: pb.GetNotificationRequest, context: Any
    ) -> pb.GetNotificationResponse:
        item = await self._item_version(request_uuid("item_id", request.item_id), request.version)
        parts = notification.sections(item.draft)
        text = notification.text(item.draft, item.version, item.published_at, parts)
        return pb.GetNotificationResponse(notification=wire.notification(item, parts, text))

    @query(roles.ANY_ROLE)
    async def ListCatalogue(self, request: pb.ListCatalogueRequest, context: Any) -> pb.ListCatalogueResponse:
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        listing = parse.catalogue_filter(request)
        key = paging.after(request.page_token, paging.instant, str, str, uuid.UUID)
        at, after = (key[0], key[1:]) if key else (self._as_of(request), None)
        found = await self.deps.store.items.listing(self.db.pool, at, listing, after, size)
        last = found[-1] if len(found) == size else None
        token = paging.token(at, last.department, last.draft.name, last.item_id) if last else ""
        return pb.ListCatalogueResponse(
            items=[wire.item(i) for i in found], next_page_token=token, as_of=convert.to_timestamp(at)
        )

    def _as_of(self, request: pb.ListCatalogueRequest) -> dt.datetime:
        return convert.from_timestamp(request.as_of) if request.HasField("as_of") else self.db.clock.now()

    async def _item_version(self, item_id: uuid.UUID, version: int) -> ItemVersion:
        items = self.deps.store.items
        if version:
            item = await items.get(self.db.pool, item_id, version)
        else:
            item = await items.in_force(self.db.pool, item_id, self.db.clock.now())
        if item is None:
            known = await items.exists(self.db.pool, item_id)
            raise NotFound(
                "catalogue item",
                f"{item_id} version {version or 'in force'}",
                "version" if known else "item_id",
            )
        return item

    async def _draft(self, item_id: uuid.UUID) -> pb.CatalogueItem:
        caller = current_caller()
        if not caller.has_any([roles.CATALOGUE_ADMIN]):
            raise PermissionDenied("drafts are open to catalogue administrators only")
        stored = await self.deps.store.catalogue.get_draft(self.db.pool, item_id)
        return wire.draft(lookup.owned(stored, "catalogue item", str(item_id), "item_id"))
