"""Editing a department's draft catalogue: create, update, withdraw, list."""

from __future__ import annotations

import uuid
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2 as pb
from services.commitment.api import parse
from services.commitment.api.deps import Deps
from services.commitment.domain import items
from services.commitment.store.catalogue import Draft
from services.commitment.wire import catalogue as wire
from services.contracts import roles
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.errors import Violations
from services.kernel.ids import request_uuid, uuid_field
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork

DEFAULT_PAGE, MAX_PAGE = 100, 500


class DraftHandlers(Handlers[Deps]):
    @command(roles.CATALOGUE_ADMIN, reply=pb.CreateItemResponse)
    async def CreateItem(self, request: pb.CreateItemRequest, uow: UnitOfWork) -> pb.CreateItemResponse:
        caller = current_caller()
        draft = _valid(request.item, caller.region, caller.department)
        item_id = uuid.uuid4()
        store = self.deps.store.catalogue
        await store.insert_items(uow.conn, caller.department, [(item_id, draft)], uow.now)
        uow.audit("catalogue.create_item", f"item/{item_id}", change=store.as_json(draft))
        created = Draft(item_id, caller.department, 1, False, uow.now, draft)
        return pb.CreateItemResponse(item=wire.draft(created))

    @command(roles.CATALOGUE_ADMIN, reply=pb.UpdateItemResponse)
    async def UpdateItem(self, request: pb.UpdateItemRequest, uow: UnitOfWork) -> pb.UpdateItemResponse:
        caller = current_caller()
        item_id = request_uuid("item_id", request.item_id)
        draft = _valid(request.item, caller.region, caller.department)
        store = self.deps.store.catalogue
        items.editable(await store.lock_draft(uow.conn, item_id), item_id, caller, request.expected_revision)
        (saved,) = await store.update_items(uow.conn, caller.department, [(item_id, draft)], uow.now)
        uow.audit("catalogue.update_item", f"item/{item_id}", change=store.as_json(draft))
        return pb.UpdateItemResponse(item=wire.draft(saved))

    @command(roles.CATALOGUE_ADMIN, reply=pb.WithdrawItemResponse)
    async def WithdrawItem(self, request: pb.WithdrawItemRequest, uow: UnitOfWork) -> pb.WithdrawItemResponse:
        v = Violations()
        item_id = uuid_field(v, "item_id", request.item_id)
        reason = parse.text(v, "reason", request.reason, parse.MAX_REASON)
        item_id = v.ok(item_id)
        store = self.deps.store.catalogue
        items.editable(await store.lock_draft(uow.conn, item_id), item_id, current_caller())
        saved = await store.withdraw_item(uow.conn, item_id, reason, uow.now)
        uow.audit("catalogue.withdraw_item", f"item/{item_id}", change=reason)
        return pb.WithdrawItemResponse(item=wire.draft(saved))

    @query(roles.CATALOGUE_ADMIN)
    async def ListDraftItems(
        self, request: pb.ListDraftItemsRequest, context: Any
    ) -> pb.ListDraftItemsResponse:
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = paging.after(request.page_token, str, uuid.UUID)
        found = await self.deps.store.catalogue.list_drafts(
            self.db.pool, current_caller().department, request.include_withdrawn, after, size
        )
        last = found[-1] if len(found) == size else None
        return pb.ListDraftItemsResponse(
            items=[wire.draft(d) for d in found],
            next_page_token=paging.token(last.draft.name, last.item_id) if last else "",
        )


def _valid(item: pb.ItemDraft, region: str, department: str) -> pb.ItemDraft:
    """The draft as it will be stored, or INVALID_ARGUMENT with every problem."""
    v = Violations()
    items.check_item(v, item, region)
    v.raise_if_any()
    return wire.with_standard_text(item, department)
