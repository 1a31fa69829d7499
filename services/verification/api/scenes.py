"""SceneService handlers: the scene list (检查场景清单) of joint inspections (综合查一次)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chengnuo.verification.v1 import scenes_pb2 as spb
from services.kernel import convert, lookup, paging
from services.kernel.auth import ANY_ROLE, current_caller
from services.kernel.db import Connection
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api.common import LEAD
from services.verification.api.deps import Deps
from services.verification.domain import check_items, scenes
from services.verification.domain.check_items import Latest
from services.verification.domain.plans import DEPARTMENT_CODE, LABEL
from services.verification.domain.scenes import SceneDraft, SceneItem
from services.verification.wire import scenes as wire

MAX_VERSION = 1_000_000


class SceneHandlers(Handlers[Deps]):
    @command(*LEAD, reply=spb.PutSceneResponse)
    async def PutScene(self, request: spb.PutSceneRequest, uow: UnitOfWork) -> spb.PutSceneResponse:
        lead = current_caller().department
        draft = _draft(request, lead)
        items = await self._pinned(uow.conn, draft)
        store = self.deps.store.scenes
        latest = await store.latest(uow.conn, lead, draft.code, lock=True)
        was = Latest(latest.code, latest.version, latest.effective_from, None) if latest else None
        number = check_items.next_version(was, draft.effective_from)
        put = await store.insert(
            uow.conn,
            lead,
            draft.code,
            number,
            name=draft.name,
            cooperating=draft.cooperating,
            items=items,
            effective_from=draft.effective_from,
            by=current_caller().subject,
            now=uow.now,
        )
        uow.audit("scene.put", f"scene/{lead}/{draft.code}", change={"version": number})
        return spb.PutSceneResponse(scene=wire.scene(put))

    # Scenes say who goes and what is checked: published like the lists they draw on.
    @query(ANY_ROLE)
    async def GetScene(self, request: spb.GetSceneRequest, context: Any) -> spb.GetSceneResponse:
        v = Violations()
        if not DEPARTMENT_CODE.fullmatch(request.lead_department):
            v.add("lead_department", "required: the department that leads the scene")
        if not LABEL.fullmatch(request.code):
            v.add("code", "required: 1 to 64 of A-Z a-z 0-9 _ . : -")
        if not 0 <= request.version <= MAX_VERSION:
            v.add("version", f"0 (the latest) to {MAX_VERSION}")
        v.raise_if_any()
        store = self.deps.store.scenes
        lead, code = request.lead_department, request.code
        found = (
            await store.version(self.db.pool, lead, code, request.version)
            if request.version
            else await store.latest(self.db.pool, lead, code)
        )
        return spb.GetSceneResponse(scene=wire.scene(lookup.found(found, "scene", f"{lead}/{code}", "code")))

    @query(ANY_ROLE)
    async def ListScenes(self, request: spb.ListScenesRequest, context: Any) -> spb.ListScenesResponse:
        if not DEPARTMENT_CODE.fullmatch(request.department):
            raise InvalidArgument.one("department", "required: the department whose scenes to list")
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, str, str)
        found = await self.deps.store.scenes.listing(self.db.pool, request.department, after, size)
        last = paging.next_token(found, size, "lead_department", "code")
        return spb.ListScenesResponse(scenes=[wire.scene(s) for s in found], next_page_token=last)

    async def _pinned(self, conn: Connection, draft: SceneDraft) -> list[SceneItem]:
        """The scene's items as they read on its effective date; every problem of the request at once."""
        v = Violations()
        for j, code in enumerate(draft.cooperating):
            if not await self.deps.store.assistance.department_exists(conn, code):
                v.add(f"cooperating_departments[{j}]", f"unknown department {code}")
        store = self.deps.store.check_items
        on = draft.effective_from
        found = [
            scenes.pinned(
                v, i, department, code, on=on, item=await store.in_force(conn, department, code, on)
            )
            for i, (department, code) in enumerate(draft.items)
        ]
        v.raise_if_any()
        return [i for i in found if i is not None]


def _draft(request: spb.PutSceneRequest, lead: str) -> SceneDraft:
    v = Violations()
    effective = convert.date_field(v, "effective_from", request.effective_from)
    draft = SceneDraft(
        code=request.code,
        name=request.name,
        cooperating=tuple(request.cooperating_departments),
        items=tuple((i.department, i.code) for i in request.check_items),
        effective_from=effective or dt.date.min,  # unusable: already a violation, raised below
    )
    scenes.check_draft(v, lead, draft)
    v.raise_if_any()
    return draft
