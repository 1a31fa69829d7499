"""InspectionService handlers for random-inspection plans (双随机抽查计划)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel import convert, lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import PermissionDenied, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import in_force
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.wire import inspections as wire


class Participated(Protocol):
    """A plan, or a draw with its plan's departments."""

    @property
    def departments(self) -> Sequence[str]: ...


P = TypeVar("P", bound=Participated)


def participating(value: P | None, resource: str, name: str, field: str) -> P:
    """The plan (or draw), if the caller's department takes part in it."""
    plan = lookup.found(value, resource, name, field)
    department = current_caller().department
    if department not in plan.departments:
        raise PermissionDenied(f"department {department!r} does not take part in plan {name}")
    return plan


class PlanHandlers(Handlers[Deps]):
    @command(*LEAD, reply=ipb.CreatePlanResponse)
    async def CreatePlan(self, request: ipb.CreatePlanRequest, uow: UnitOfWork) -> ipb.CreatePlanResponse:
        # The bands in force when the inspections start decide which ratios are lawful.
        start = convert.date_field(Violations(), "window_start", request.window_start) or china_date(uow.now)
        rules = in_force("window_start", lambda: self.deps.rules().sampling(start))
        draft = parse.parse_plan(request, current_caller().department, rules)
        created = await self.deps.store.plans.insert(uow.conn, draft, current_caller().subject, uow.now)
        uow.audit("plan.create", f"plan/{created.plan_id}", change=draft.ratios_bp)
        return ipb.CreatePlanResponse(plan=wire.plan(created))

    @query(*STAFF)
    async def GetPlan(self, request: ipb.GetPlanRequest, context: Any) -> ipb.GetPlanResponse:
        plan_id = request_uuid("plan_id", request.plan_id, "plan")
        found = await self.deps.store.plans.get(self.db.pool, plan_id)
        return ipb.GetPlanResponse(plan=wire.plan(participating(found, "plan", request.plan_id, "plan_id")))

    @query(*STAFF)
    async def ListPlans(self, request: ipb.ListPlansRequest, context: Any) -> ipb.ListPlansResponse:
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        found = await self.deps.store.plans.listing(self.db.pool, current_caller().department, after, size)
        last = paging.next_token(found, size, "created_at", "plan_id")
        return ipb.ListPlansResponse(plans=[wire.plan(p) for p in found], next_page_token=last)
