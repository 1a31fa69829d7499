"""InspectionService handlers for draws (双随机) and their publication (一公开)."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel import lookup, paging
from services.kernel.auth import ANY_ROLE, current_caller
from services.kernel.clock import china_date
from services.kernel.db import Executor
from services.kernel.errors import InvalidArgument
from services.kernel.ids import request_uuid
from services.kernel.lookup import in_force
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import drawing
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.api.plans import participating
from services.verification.domain import ledger, plans, sampling
from services.verification.domain.hierarchy import Hierarchy
from services.verification.flows import publishing
from services.verification.store.draws import RESULT, Draw
from services.verification.store.plans import Plan
from services.verification.wire import events
from services.verification.wire import inspections as wire

SEED = re.compile(r"[0-9a-f]{32,128}")
MAX_CLAIM = 128


class DrawHandlers(Handlers[Deps]):
    @command(*LEAD, reply=ipb.DrawPlanResponse)
    async def DrawPlan(self, request: ipb.DrawPlanRequest, uow: UnitOfWork) -> ipb.DrawPlanResponse:
        plan_id = request_uuid("plan_id", request.plan_id, "plan")
        if request.seed and not SEED.fullmatch(request.seed):
            raise InvalidArgument.one(
                "seed", "32 to 128 lower-case hex characters, or empty for a random seed"
            )
        store = self.deps.store
        found = await store.plans.get(uow.conn, plan_id, lock=True)
        plan = participating(found, "plan", request.plan_id, "plan_id")
        current_caller().require_department(plan.owner_department)
        plans.check_drawable(request.plan_id, plan.status, plan.draw_id)
        draw_id, seed = uuid.uuid4(), request.seed or secrets.token_hex(32)
        by = current_caller().subject
        await store.draws.insert_draw(
            uow.conn, draw_id, plan_id=plan_id, seed=seed, algorithm=sampling.ALGORITHM, by=by, at=uow.now
        )
        rules = self.deps.rules().sampling(plan.window_start)
        exclusion = await self._pool_exclusion(uow, plan)
        ran = await drawing.run(
            store, uow.conn, plan, draw_id, seed, rules=rules, today=china_date(uow.now), exclusion=exclusion
        )
        await store.draws.finish(uow.conn, draw_id, ran)
        await store.plans.mark_drawn(uow.conn, plan_id, draw_id)
        await store.ledger.record_draw(uow.conn, draw_id, plan_id, uow.now)
        draw = await self._draw(uow.conn, draw_id)
        events.draw_completed(uow, draw)
        await publishing.draw(self.deps.publisher, uow, draw, plan)
        uow.audit("plan.draw", f"draw/{draw_id}", change=[seed, ran.pool_digest, ran.result_digest])
        tasks = await self._verify_drawn_commitments(uow, plan, draw_id)
        return ipb.DrawPlanResponse(draw=wire.draw(draw), commitment_tasks=tasks)

    @query(*STAFF)
    async def ListDrawResults(
        self, request: ipb.ListDrawResultsRequest, context: Any
    ) -> ipb.ListDrawResultsResponse:
        draw = await self._draw(self.db.pool, request_uuid("draw_id", request.draw_id, "draw"))
        participating(draw, "draw", request.draw_id, "draw_id")
        subjects, last = await self._page(draw, request.page_size, request.page_token, public=False)
        return ipb.ListDrawResultsResponse(subjects=subjects, next_page_token=last)

    @query(ANY_ROLE)
    async def GetPublicDraw(
        self, request: ipb.GetPublicDrawRequest, context: Any
    ) -> ipb.GetPublicDrawResponse:
        draw = await self._draw(self.db.pool, request_uuid("draw_id", request.draw_id, "draw"))
        plan = await self.deps.store.plans.get(self.db.pool, draw.plan_id)
        assert plan is not None
        return ipb.GetPublicDrawResponse(draw=wire.draw(draw), plan=wire.plan(plan))

    @query(ANY_ROLE)
    async def ListPublicDrawResults(
        self, request: ipb.ListPublicDrawResultsRequest, context: Any
    ) -> ipb.ListPublicDrawResultsResponse:
        draw = await self._draw(self.db.pool, request_uuid("draw_id", request.draw_id, "draw"))
        subjects, last = await self._page(draw, request.page_size, request.page_token, public=True)
        return ipb.ListPublicDrawResultsResponse(subjects=subjects, next_page_token=last)

    @query(ANY_ROLE)
    async def VerifyDraw(self, request: ipb.VerifyDrawRequest, context: Any) -> ipb.VerifyDrawResponse:
        draw_id = request_uuid("draw_id", request.draw_id, "draw")
        for name in ("seed", "pool_digest", "result_digest"):
            if len(getattr(request, name)) > MAX_CLAIM:
                raise InvalidArgument.one(name, f"at most {MAX_CLAIM} characters")
        draw = await self._draw(self.db.pool, draw_id)
        async with self.db.pool.acquire() as conn, conn.transaction():
            ran = await drawing.rerun(self.deps.store, conn, draw)
            listed, _, _ = await self.deps.store.draws.result_digest(conn, RESULT, draw.draw_id)
        claimed = sampling.Claims(request.seed, request.pool_digest, request.result_digest)
        mismatches = sampling.mismatches(draw.run, draw.seed, ran, claimed)
        if listed != ran.result_digest:
            mismatches.append(f"published result list: digest {listed}, re-run {ran.result_digest}")
        return wire.verified(ran, mismatches)

    async def _pool_exclusion(self, uow: UnitOfWork, plan: Plan) -> ledger.PoolExclusion:
        """The annual cap and the superior-department rule on the ledger, for the plan's year
        (《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三)): such subjects are left out of
        the pool (排除). The ledger is read and added to under the planning lock."""
        await self.deps.store.joint.lock_planning(uow.conn)
        parents = await self.deps.store.rosters.department_parents(uow.conn)
        rules = in_force("window_start", lambda: self.deps.rules().joint(plan.window_start))
        items = [(i.department, i.inspection_type) for i in plan.check_items]
        return ledger.pool_exclusion(plan.window_start.year, items, Hierarchy(parents), rules)

    async def _draw(self, conn: Executor, draw_id: uuid.UUID) -> Draw:
        return lookup.found(await self.deps.store.draws.get(conn, draw_id), "draw", str(draw_id), "draw_id")

    async def _page(
        self, draw: Draw, size: int, page_token: str, *, public: bool
    ) -> tuple[list[ipb.DrawnSubject], str]:
        size = paging.page_size(size)
        after = paging.after(page_token, paging.natural)
        store = self.deps.store.draws
        found = await store.results(self.db.pool, draw, after[0] if after else 0, size)
        teams = wire.teams_of(await store.inspectors(self.db.pool, draw.draw_id))
        last = paging.next_token(found, size, "position")
        return [wire.drawn_subject(s, teams, public=public) for s in found], last

    async def _verify_drawn_commitments(self, uow: UnitOfWork, plan: Plan, draw_id: uuid.UUID) -> int:
        """The drawn subjects' exempt commitments leave the pool as tasks due by the window's end."""
        today = china_date(uow.now)
        dates = (today, max(today, plan.window_end))
        created = await self.deps.store.pool.tasks_for_draw(
            uow.conn, draw_id, plan.departments, dates, uow.now
        )
        for task in created:
            target = f"task/{task.task_id}"
            uow.audit("task.create", target, subject_code=task.subject_code, change=f"draw/{draw_id}")
        return len(created)
