"""InspectionService handlers for joint inspections (综合查一次,
《连云港市优化营商环境攻坚年若干政策措施(第4号)》四)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, InvalidArgument, Violations
from services.kernel.lookup import in_force
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.domain import joint
from services.verification.domain.hierarchy import Hierarchy
from services.verification.store.joint import Planned
from services.verification.wire import events
from services.verification.wire import inspections as wire

IN_REPLY = 1000


class JointHandlers(Handlers[Deps]):
    @command(*LEAD, reply=ipb.PlanJointInspectionsResponse)
    async def PlanJointInspections(
        self, request: ipb.PlanJointInspectionsRequest, uow: UnitOfWork
    ) -> ipb.PlanJointInspectionsResponse:
        caller = current_caller()
        v = Violations()
        departments = parse.check_departments(v, "departments", request.departments, caller.department)
        start, end = v.ok(parse.window(v, request.window_start, request.window_end))
        store = self.deps.store
        parents = await store.rosters.department_parents(uow.conn)
        _require_known(departments, parents, caller.department)
        await store.joint.lock_planning(uow.conn)
        items = await store.tasks.open_on_site(uow.conn, departments, start, end)
        items += await store.draws.open_results(uow.conn, departments, start, end)
        codes = sorted({i.subject_code for i in items})
        earlier = await store.joint.earlier(
            uow.conn, codes, start.year, [(i.source, i.source_id) for i in items]
        )
        rules = in_force("window_start", lambda: self.deps.rules().joint(start))
        result = joint.plan(items, earlier, Hierarchy(parents), rules, end)
        await self._require_qualified(uow, result.joints, china_date(uow.now))
        planned = [Planned(uuid.uuid4(), start.year, uow.now, j) for j in result.joints]
        await store.joint.insert(uow.conn, planned, caller.subject)
        for p in planned:
            events.joint_planned(uow, p)
        uow.audit("joint.plan", f"joint/{start.year}", change=[str(p.joint_id) for p in planned])
        return wire.joint_plan(result, planned, IN_REPLY)

    @query(*STAFF)
    async def ListJointInspections(
        self, request: ipb.ListJointInspectionsRequest, context: Any
    ) -> ipb.ListJointInspectionsResponse:
        if not 2000 <= request.year <= 2100:
            raise InvalidArgument.one("year", "required: the year, 2000 to 2100")
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        department = current_caller().department
        found = await self.deps.store.joint.listing(self.db.pool, department, request.year, after, size)
        last = paging.next_token(found, size, "planned_at", "joint_id")
        return ipb.ListJointInspectionsResponse(
            joint_inspections=[wire.joint(p) for p in found], next_page_token=last
        )

    async def _require_qualified(
        self, uow: UnitOfWork, joints: Sequence[joint.Joint], today: dt.date
    ) -> None:
        numbers = sorted({n for j in joints for n in j.inspectors})
        facts = {
            f.certificate_number: f for f in await self.deps.store.tasks.inspector_facts(uow.conn, numbers)
        }
        problems = joint.team_problems(joints, facts, today)
        if problems:
            raise FailedPrecondition("inspectors of these items may not make the joint visit", problems)


def _require_known(departments: Sequence[str], roster: Mapping[str, object], caller: str) -> None:
    """Every department but the caller's own (known from its token) must be on the department
    roster, as for 部门间协查: the superior-department rule reads the roster, and a mistyped
    code would otherwise plan nothing for it without a word."""
    v = Violations()
    for i, code in enumerate(departments):
        if code != caller and code not in roster:
            v.add(f"departments[{i}]", f"unknown department {code}: not on the department roster")
    v.raise_if_any()
