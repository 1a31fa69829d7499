"""Editing a department's draft catalogue: create, update, withdraw, list."""

from __future__ import annotations

import uuid
from typing import Any

from chengnuo.commitment.v1 import catalogue_pb2
from services.commitment import catalogue_store, items, requests
from services.commitment.catalogue_store import Draft
from services.contracts import roles
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.errors import (
    FailedPrecondition,
    NotFound,
    PreconditionViolation,
    Violations,
)
from services.kernel.ids import request_uuid, uuid_field
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork

DEFAULT_PAGE, MAX_PAGE = 100, 500


class DraftsApi:
    db: Database

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.CreateItemResponse)
    async def CreateItem(
        self, request: catalogue_pb2.CreateItemRequest, uow: UnitOfWork
    ) -> catalogue_pb2.CreateItemResponse:
        caller = current_caller()
        draft = _valid(request.item, caller.region, caller.department)
        item_id = uuid.uuid4()
        await catalogue_store.insert_items(uow.conn, caller.department, [(item_id, draft)], uow.now)
        uow.audit("catalogue.create_item", f"item/{item_id}", change=catalogue_store.as_json(draft))
        created = Draft(item_id, caller.department, 1, False, uow.now, draft)
        return catalogue_pb2.CreateItemResponse(item=created.to_proto())

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.UpdateItemResponse)
    async def UpdateItem(
        self, request: catalogue_pb2.UpdateItemRequest, uow: UnitOfWork
    ) -> catalogue_pb2.UpdateItemResponse:
        caller = current_caller()
        item_id = request_uuid("item_id", request.item_id)
        draft = _valid(request.item, caller.region, caller.department)
        current = await _editable(uow, item_id)
        if request.expected_revision and request.expected_revision != current.revision:
            raise FailedPrecondition(
                "the draft was changed since it was read",
                [
                    PreconditionViolation(
                        "REVISION_CHANGED", str(item_id), f"now at revision {current.revision}"
                    )
                ],
            )
        (saved,) = await catalogue_store.update_items(
            uow.conn, caller.department, [(item_id, draft)], uow.now
        )
        uow.audit("catalogue.update_item", f"item/{item_id}", change=catalogue_store.as_json(draft))
        return catalogue_pb2.UpdateItemResponse(item=saved.to_proto())

    @command(roles.CATALOGUE_ADMIN, reply=catalogue_pb2.WithdrawItemResponse)
    async def WithdrawItem(
        self, request: catalogue_pb2.WithdrawItemRequest, uow: UnitOfWork
    ) -> catalogue_pb2.WithdrawItemResponse:
        v = Violations()
        item_id = uuid_field(v, "item_id", request.item_id)
        reason = requests.text(v, "reason", request.reason, requests.MAX_REASON)
        item_id = v.ok(item_id)
        await _editable(uow, item_id)
        saved = await catalogue_store.withdraw_item(uow.conn, item_id, reason, uow.now)
        uow.audit("catalogue.withdraw_item", f"item/{item_id}", change=reason)
        return catalogue_pb2.WithdrawItemResponse(item=saved.to_proto())

    @query(roles.CATALOGUE_ADMIN)
    async def ListDraftItems(
        self, request: catalogue_pb2.ListDraftItemsRequest, context: Any
    ) -> catalogue_pb2.ListDraftItemsResponse:
        size = paging.page_size(request.page_size, DEFAULT_PAGE, MAX_PAGE)
        after = paging.after(request.page_token, str, uuid.UUID)
        found = await catalogue_store.list_drafts(
            self.db.pool, current_caller().department, request.include_withdrawn, after, size
        )
        last = found[-1] if len(found) == size else None
        return catalogue_pb2.ListDraftItemsResponse(
            items=[d.to_proto() for d in found],
            next_page_token=paging.token(last.draft.name, last.item_id) if last else "",
        )


def _valid(item: catalogue_pb2.ItemDraft, region: str, department: str) -> catalogue_pb2.ItemDraft:
    v = Violations()
    items.check_item(v, item, region)
    v.raise_if_any()
    return items.with_standard_text(item, department)


async def _editable(uow: UnitOfWork, item_id: uuid.UUID) -> Draft:
    """The caller's own draft, locked for the change; a withdrawn one is no longer editable."""
    current = await catalogue_store.lock_draft(uow.conn, item_id)
    if current is None:
        raise NotFound("catalogue item", str(item_id), "item_id")
    current_caller().require_department(current.department)
    if current.withdrawn:
        raise FailedPrecondition(
            "the item was withdrawn from the catalogue",
            [PreconditionViolation("ITEM_WITHDRAWN", str(item_id), "create a new item instead")],
        )
    return current
