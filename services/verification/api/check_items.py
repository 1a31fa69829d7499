"""CheckItemService handlers: the random inspection list (随机抽查事项清单) of each department."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chengnuo.verification.v1 import check_items_pb2 as cpb
from services.kernel import convert, lookup, paging
from services.kernel.auth import ANY_ROLE, current_caller
from services.kernel.errors import Violations
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api.common import LEAD
from services.verification.api.deps import Deps
from services.verification.domain import check_items
from services.verification.domain.plans import DEPARTMENT_CODE, LABEL
from services.verification.wire import check_items as wire

MAX_VERSION = 1_000_000


class CheckItemHandlers(Handlers[Deps]):
    @command(*LEAD, reply=cpb.PutCheckItemResponse)
    async def PutCheckItem(
        self, request: cpb.PutCheckItemRequest, uow: UnitOfWork
    ) -> cpb.PutCheckItemResponse:
        draft = _draft(request.item)
        department = current_caller().department
        store = self.deps.store.check_items
        latest = await store.latest(uow.conn, department, draft.code, lock=True)
        number = check_items.next_version(latest.latest if latest else None, draft.effective_from)
        put = await store.insert(
            uow.conn, department, draft, number, by=current_caller().subject, now=uow.now
        )
        uow.audit("check_item.put", f"check_item/{department}/{draft.code}", change={"version": number})
        return cpb.PutCheckItemResponse(item=wire.item(put))

    @command(*LEAD, reply=cpb.RetireCheckItemResponse)
    async def RetireCheckItem(
        self, request: cpb.RetireCheckItemRequest, uow: UnitOfWork
    ) -> cpb.RetireCheckItemResponse:
        v = Violations()
        _code(v, "code", request.code)
        on = convert.date_field(v, "retired_on", request.retired_on)
        v.raise_if_any()
        assert on is not None
        department = current_caller().department
        store = self.deps.store.check_items
        latest = lookup.found(
            await store.latest(uow.conn, department, request.code, lock=True),
            "check item",
            request.code,
            "code",
        )
        check_items.check_retirement(latest.latest, on)
        retired = await store.retire(uow.conn, department, latest.code, latest.version, on)
        uow.audit(
            "check_item.retire", f"check_item/{department}/{latest.code}", change={"retired_on": str(on)}
        )
        return cpb.RetireCheckItemResponse(item=wire.item(retired))

    # The list is published before enforcement (事前公开), so any authenticated caller reads it.
    @query(ANY_ROLE)
    async def GetCheckItem(self, request: cpb.GetCheckItemRequest, context: Any) -> cpb.GetCheckItemResponse:
        v = Violations()
        _department(v, request.department)
        _code(v, "code", request.code)
        if not 0 <= request.version <= MAX_VERSION:
            v.add("version", f"0 (the latest) to {MAX_VERSION}")
        v.raise_if_any()
        store = self.deps.store.check_items
        found = (
            await store.version(self.db.pool, request.department, request.code, request.version)
            if request.version
            else await store.latest(self.db.pool, request.department, request.code)
        )
        name = f"{request.department}/{request.code}" + (
            f" version {request.version}" if request.version else ""
        )
        return cpb.GetCheckItemResponse(item=wire.item(lookup.found(found, "check item", name, "code")))

    @query(ANY_ROLE)
    async def ListCheckItems(
        self, request: cpb.ListCheckItemsRequest, context: Any
    ) -> cpb.ListCheckItemsResponse:
        v = Violations()
        _department(v, request.department)
        on = convert.date_field(v, "on", request.on, required=False)
        v.raise_if_any()
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, str)
        when = None if request.include_retired else on or self.db.clock.today()
        found = await self.deps.store.check_items.listing(
            self.db.pool, request.department, on=when, after=after[0] if after else None, limit=size
        )
        last = paging.next_token(found, size, "code")
        return cpb.ListCheckItemsResponse(items=[wire.item(i) for i in found], next_page_token=last)


def _draft(item: cpb.CheckItemDraft) -> check_items.ItemDraft:
    v = Violations()
    effective = convert.date_field(v, "item.effective_from", item.effective_from)
    draft = check_items.ItemDraft(
        code=item.code,
        name=item.name,
        legal_basis=item.legal_basis,
        inspection_type=item.inspection_type,
        supervision_domain=item.supervision_domain,
        check_content=item.check_content,
        check_method=item.check_method,
        advance_notice_allowed=item.advance_notice_allowed,
        no_notice_reason=item.no_notice_reason,
        effective_from=effective or dt.date.min,  # unusable: already a violation, raised below
    )
    check_items.check_draft(v, "item", draft)
    v.raise_if_any()
    return draft


def _department(v: Violations, department: str) -> None:
    if not DEPARTMENT_CODE.fullmatch(department):
        v.add("department", "required: the department whose list to read")


def _code(v: Violations, field: str, code: str) -> None:
    if not LABEL.fullmatch(code):
        v.add(field, "required: 1 to 64 of A-Z a-z 0-9 _ . : -")
