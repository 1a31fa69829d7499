"""InspectionService handlers for random-inspection plans (双随机抽查计划)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel import convert, lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import InvalidArgument, PermissionDenied, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import in_force
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.domain import annual_plans
from services.verification.domain.plans import PlanDraft
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
        if request.annual_plan_id:
            draft = await self._carrying_out(uow, request.annual_plan_id, draft)
        else:
            draft = await self._in_published_plan(uow, draft)
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

    async def _in_published_plan(self, uow: UnitOfWork, draft: PlanDraft) -> PlanDraft:
        """A department that published its annual plan for the year draws only what it planned there
        (anything else is registered, 报备): the draft carries that plan out, whether named or not."""
        year = draft.window_start.year
        annual = await self.deps.store.annual_plans.of_year(uow.conn, draft.owner, year)
        if annual is None or annual.status != annual_plans.PUBLISHED:
            return draft
        return await self._carrying_out(uow, str(annual.annual_plan_id), draft)

    async def _carrying_out(self, uow: UnitOfWork, annual_plan_id: str, draft: PlanDraft) -> PlanDraft:
        """The draft as a planned draw of the department's annual plan (年度检查计划), which must plan it."""
        plan_id = request_uuid("annual_plan_id", annual_plan_id, "annual plan")
        found = await self.deps.store.annual_plans.get(uow.conn, plan_id)
        annual = lookup.owned(found, "annual plan", annual_plan_id, "annual_plan_id")
        v = Violations()
        if annual.year != draft.window_start.year:
            raise InvalidArgument.one(
                "annual_plan_id",
                f"the annual plan is of {annual.year}, this draw of {draft.window_start.year}",
            )
        own = tuple((i.code, i.inspection_type) for i in draft.check_items if i.department == draft.owner)
        facts = annual_plans.DrawFacts(len(draft.departments) > 1, draft.window_start, draft.window_end, own)
        annual_plans.carried_out(annual_plan_id, annual.status, annual.entries, facts, v)
        v.raise_if_any()
        return dataclasses.replace(draft, annual_plan_id=annual.annual_plan_id)
