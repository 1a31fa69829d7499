"""AnnualPlanService handlers: annual inspection plans (年度检查计划) of a department."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from chengnuo.verification.v1 import annual_plans_pb2 as apb
from services.kernel import convert, lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.db import Connection
from services.kernel.errors import AlreadyExists, InvalidArgument, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.domain import annual_plans
from services.verification.domain.annual_plans import Entry, EntryDraft
from services.verification.domain.plans import LABEL, MAX_YEAR, MIN_YEAR
from services.verification.store.annual_plans import AnnualPlan, Publication
from services.verification.wire import annual_plans as wire

PLAN = "annual plan"


class AnnualPlanHandlers(Handlers[Deps]):
    @command(*LEAD, reply=apb.CreateAnnualPlanResponse)
    async def CreateAnnualPlan(
        self, request: apb.CreateAnnualPlanRequest, uow: UnitOfWork
    ) -> apb.CreateAnnualPlanResponse:
        department = current_caller().department
        entries = await self._entries(uow.conn, request.year, request.name, request.entries, department)
        created = await self.deps.store.annual_plans.insert(
            uow.conn,
            department,
            request.year,
            request.name,
            entries,
            by=current_caller().subject,
            now=uow.now,
        )
        if created is None:
            raise AlreadyExists(PLAN, f"{department}/{request.year}")
        uow.audit("annual_plan.create", f"annual_plan/{created.annual_plan_id}", change=len(entries))
        return apb.CreateAnnualPlanResponse(plan=wire.plan(created))

    @command(*LEAD, reply=apb.ReviseAnnualPlanResponse)
    async def ReviseAnnualPlan(
        self, request: apb.ReviseAnnualPlanRequest, uow: UnitOfWork
    ) -> apb.ReviseAnnualPlanResponse:
        plan = await self._draft(uow.conn, request.annual_plan_id, request.expected_revision)
        entries = await self._entries(uow.conn, plan.year, request.name, request.entries, plan.department)
        revised = await self.deps.store.annual_plans.revise(
            uow.conn, plan.annual_plan_id, request.name, entries
        )
        uow.audit("annual_plan.revise", f"annual_plan/{plan.annual_plan_id}", change=revised.revision)
        return apb.ReviseAnnualPlanResponse(plan=wire.plan(revised))

    @command(*LEAD, reply=apb.PublishAnnualPlanResponse)
    async def PublishAnnualPlan(
        self, request: apb.PublishAnnualPlanRequest, uow: UnitOfWork
    ) -> apb.PublishAnnualPlanResponse:
        plan = await self._draft(uow.conn, request.annual_plan_id, request.expected_revision)
        today = china_date(uow.now)
        rules = lookup.in_force("annual_plan_id", lambda: self.deps.rules().annual_plan(today))
        due = self.deps.calendar.current.add_working_days(today, rules.report_working_days)
        publication = Publication(today, due.date, due.provisional, rules.id, current_caller().subject)
        published = await self.deps.store.annual_plans.publish(uow.conn, plan.annual_plan_id, publication)
        uow.audit("annual_plan.publish", f"annual_plan/{plan.annual_plan_id}", change=str(due.date))
        return apb.PublishAnnualPlanResponse(plan=wire.plan(published))

    @query(*STAFF)
    async def GetAnnualPlan(
        self, request: apb.GetAnnualPlanRequest, context: Any
    ) -> apb.GetAnnualPlanResponse:
        plan_id = request_uuid("annual_plan_id", request.annual_plan_id, PLAN)
        found = await self.deps.store.annual_plans.get(self.db.pool, plan_id)
        plan = lookup.owned(found, PLAN, request.annual_plan_id, "annual_plan_id")
        return apb.GetAnnualPlanResponse(plan=wire.plan(plan))

    @query(*STAFF)
    async def ListAnnualPlans(
        self, request: apb.ListAnnualPlansRequest, context: Any
    ) -> apb.ListAnnualPlansResponse:
        if request.year and not MIN_YEAR <= request.year <= MAX_YEAR:
            raise InvalidArgument.one("year", f"0 (every year) or {MIN_YEAR} to {MAX_YEAR}")
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.natural, uuid.UUID)
        found = await self.deps.store.annual_plans.listing(
            self.db.pool, current_caller().department, request.year, after, size
        )
        last = paging.next_token(found, size, "year", "annual_plan_id")
        return apb.ListAnnualPlansResponse(plans=[wire.plan(p) for p in found], next_page_token=last)

    async def _draft(self, conn: Connection, plan_id_text: str, expected: int) -> AnnualPlan:
        if expected < 1:
            raise InvalidArgument.one("expected_revision", "required: the revision the plan was read at")
        plan_id = request_uuid("annual_plan_id", plan_id_text, PLAN)
        plan = lookup.owned(
            await self.deps.store.annual_plans.get(conn, plan_id, lock=True),
            PLAN,
            plan_id_text,
            "annual_plan_id",
        )
        annual_plans.check_draft_at(plan_id_text, plan.status, plan.revision, expected)
        return plan

    async def _entries(
        self,
        conn: Connection,
        year: int,
        name: str,
        requested: Sequence[apb.PlannedCheckDraft],
        department: str,
    ) -> list[Entry]:
        """The entries with the list's items pinned, or every problem of the request at once."""
        v = Violations()
        annual_plans.check_heading(v, year, name)
        v.raise_if_any()
        rules = lookup.in_force("year", lambda: self.deps.rules().annual_plan(dt.date(year, 1, 1)))
        drafts = _drafts(v, requested, rules.max_entries)
        if drafts is not None:
            annual_plans.check_entries(v, year, department, drafts, rules.max_entries)
        v.raise_if_any()
        assert drafts is not None
        for i, e in enumerate(drafts):
            for j, code in enumerate(e.cooperating):
                if not await self.deps.store.assistance.department_exists(conn, code):
                    v.add(f"entries[{i}].cooperating_departments[{j}]", f"unknown department {code}")
        store = self.deps.store.check_items
        pinned = [
            annual_plans.pinned(
                v,
                f"entries[{i}]",
                e,
                await store.in_force(conn, department, e.check_item_code, e.window_start),
            )
            for i, e in enumerate(drafts)
        ]
        v.raise_if_any()
        return [e for e in pinned if e is not None]


def _drafts(v: Violations, requested: Sequence[apb.PlannedCheckDraft], most: int) -> list[EntryDraft] | None:
    """The entries as stated, or None after recording what makes one unreadable."""
    if len(requested) > most:
        v.add("entries", f"at most {most} entries")
        return None
    drafts: list[EntryDraft] = []
    for i, e in enumerate(requested):
        where = f"entries[{i}]"
        start = convert.date_field(v, f"{where}.window_start", e.window_start)
        end = convert.date_field(v, f"{where}.window_end", e.window_end)
        if not LABEL.fullmatch(e.check_item_code):
            v.add(f"{where}.check_item_code", "required: the code of an item of the department's list")
        known = e.kind != apb.PLANNED_CHECK_KIND_UNSPECIFIED and e.kind in apb.PlannedCheckKind.values()
        if start and end:
            kind = apb.PlannedCheckKind.Name(e.kind) if known else ""
            drafts.append(
                EntryDraft(e.check_item_code, kind, start, end, tuple(e.cooperating_departments), e.note)
            )
    return drafts if len(drafts) == len(requested) else None
