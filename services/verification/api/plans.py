"""InspectionService handlers for random-inspection plans (双随机抽查计划)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.contracts import roles
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.errors import NotFound, PermissionDenied, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import inspection_views as views
from services.verification.api.common import Deps, in_force
from services.verification.domain import plans as domain
from services.verification.store import plans as store

STAFF = (roles.VERIFIER, roles.VERIFICATION_LEAD)
LEAD = (roles.VERIFICATION_LEAD,)


def participating(row: asyncpg.Record | None, plan_id: str) -> asyncpg.Record:
    """The plan, if the caller's department takes part in it."""
    if row is None:
        raise NotFound("plan", plan_id, "plan_id")
    department = current_caller().department
    if department not in row["departments"]:
        raise PermissionDenied(f"department {department!r} does not take part in plan {plan_id}")
    return row


class PlanHandlers(Deps):
    @command(*LEAD, reply=ipb.CreatePlanResponse)
    async def CreatePlan(self, request: ipb.CreatePlanRequest, uow: UnitOfWork) -> ipb.CreatePlanResponse:
        # The bands in force when the inspections start decide which ratios are lawful.
        start = convert.date_field(Violations(), "window_start", request.window_start) or uow.now.date()
        rules = in_force("window_start", lambda: self.rules.sampling(start))
        draft = domain.parse_plan(request, current_caller().department, rules)
        created = await store.insert(uow.conn, draft, current_caller().subject, uow.now)
        uow.audit("plan.create", f"plan/{created['plan_id']}", change=draft.ratios_bp)
        return ipb.CreatePlanResponse(plan=views.plan(created))

    @query(*STAFF)
    async def GetPlan(self, request: ipb.GetPlanRequest, context: Any) -> ipb.GetPlanResponse:
        plan_id = request_uuid("plan_id", request.plan_id, "plan")
        return ipb.GetPlanResponse(
            plan=views.plan(participating(await store.get(self.db.pool, plan_id), request.plan_id))
        )

    @query(*STAFF)
    async def ListPlans(self, request: ipb.ListPlansRequest, context: Any) -> ipb.ListPlansResponse:
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        rows = await store.listing(self.db.pool, current_caller().department, after, size)
        last = paging.next_token(rows, size, "created_at", "plan_id")
        return ipb.ListPlansResponse(plans=[views.plan(r) for r in rows], next_page_token=last)
