"""InspectionService handlers for draws (双随机) and their publication (一公开)."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

import asyncpg

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.kernel import convert, paging
from services.kernel.auth import ANY_ROLE, current_caller
from services.kernel.clock import china_date
from services.kernel.db import Executor
from services.kernel.errors import InvalidArgument, NotFound
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import UnitOfWork
from services.verification import drawing
from services.verification.api import inspection_views as views
from services.verification.api.common import Deps, refuse
from services.verification.api.plans import LEAD, STAFF, participating
from services.verification.domain import sampling
from services.verification.domain.rules import grade_letter
from services.verification.store import draws as store
from services.verification.store import plans as plan_store
from services.verification.store import pool

SEED = re.compile(r"[0-9a-f]{32,128}")
MAX_CLAIM = 128


class DrawHandlers(Deps):
    @command(*LEAD, reply=ipb.DrawPlanResponse)
    async def DrawPlan(self, request: ipb.DrawPlanRequest, uow: UnitOfWork) -> ipb.DrawPlanResponse:
        plan_id = request_uuid("plan_id", request.plan_id, "plan")
        if request.seed and not SEED.fullmatch(request.seed):
            raise InvalidArgument.one(
                "seed", "32 to 128 lower-case hex characters, or empty for a random seed"
            )
        plan = participating(await plan_store.get(uow.conn, plan_id, lock=True), request.plan_id)
        current_caller().require_department(plan["owner_department"])
        if plan["status"] != "PLAN_STATUS_READY":
            raise refuse("PLAN_ALREADY_DRAWN", request.plan_id, f"the plan was drawn as {plan['draw_id']}")
        draw_id, seed = uuid.uuid4(), request.seed or secrets.token_hex(32)
        await store.insert_draw(
            uow.conn,
            {
                "draw_id": draw_id,
                "plan_id": plan_id,
                "seed": seed,
                "algorithm": sampling.ALGORITHM,
                "drawn_by": current_caller().subject,
                "drawn_at": uow.now,
            },
        )
        rules = self.rules.sampling(plan["window_start"])
        ran = await drawing.run(uow.conn, plan, draw_id, seed, rules=rules, today=china_date(uow.now))
        await store.finish(uow.conn, draw_id, _finished(ran))
        await plan_store.mark_drawn(uow.conn, plan_id, draw_id)
        row = await _draw(uow.conn, draw_id)
        _announce(uow, row)
        uow.audit("plan.draw", f"draw/{draw_id}", change=[seed, ran.pool_digest, ran.result_digest])
        tasks = await _verify_drawn_commitments(uow, plan, draw_id)
        return ipb.DrawPlanResponse(draw=views.draw(row), commitment_tasks=tasks)

    @query(*STAFF)
    async def ListDrawResults(
        self, request: ipb.ListDrawResultsRequest, context: Any
    ) -> ipb.ListDrawResultsResponse:
        draw = await _draw(self.db.pool, request_uuid("draw_id", request.draw_id, "draw"))
        participating(draw, request.draw_id)
        subjects, last = await self._page(draw, request.page_size, request.page_token, public=False)
        return ipb.ListDrawResultsResponse(subjects=subjects, next_page_token=last)

    @query(ANY_ROLE)
    async def GetPublicDraw(
        self, request: ipb.GetPublicDrawRequest, context: Any
    ) -> ipb.GetPublicDrawResponse:
        draw = await _draw(self.db.pool, request_uuid("draw_id", request.draw_id, "draw"))
        plan = await plan_store.get(self.db.pool, draw["plan_id"])
        assert plan is not None
        return ipb.GetPublicDrawResponse(draw=views.draw(draw), plan=views.plan(plan))

    @query(ANY_ROLE)
    async def ListPublicDrawResults(
        self, request: ipb.ListPublicDrawResultsRequest, context: Any
    ) -> ipb.ListPublicDrawResultsResponse:
        draw = await _draw(self.db.pool, request_uuid("draw_id", request.draw_id, "draw"))
        subjects, last = await self._page(draw, request.page_size, request.page_token, public=True)
        return ipb.ListPublicDrawResultsResponse(subjects=subjects, next_page_token=last)

    @query(ANY_ROLE)
    async def VerifyDraw(self, request: ipb.VerifyDrawRequest, context: Any) -> ipb.VerifyDrawResponse:
        draw_id = request_uuid("draw_id", request.draw_id, "draw")
        for name in ("seed", "pool_digest", "result_digest"):
            if len(getattr(request, name)) > MAX_CLAIM:
                raise InvalidArgument.one(name, f"at most {MAX_CLAIM} characters")
        draw = await _draw(self.db.pool, draw_id)
        async with self.db.pool.acquire() as conn, conn.transaction():
            ran = await drawing.rerun(conn, draw)
            listed, _, _ = await store.result_digest(conn, store.RESULT, draw["draw_id"])
        mismatches = _mismatches(draw, ran, request)
        if listed != ran.result_digest:
            mismatches.append(f"published result list: digest {listed}, re-run {ran.result_digest}")
        return ipb.VerifyDrawResponse(
            identical=not mismatches,
            pool_digest=ran.pool_digest,
            inspector_digest=ran.inspector_digest,
            result_digest=ran.result_digest,
            stats=[s.to_proto() for s in ran.stats],
            mismatches=mismatches,
        )

    async def _page(
        self, draw: asyncpg.Record, size: int, page_token: str, *, public: bool
    ) -> tuple[list[ipb.DrawnSubject], str]:
        size = paging.page_size(size)
        after = paging.after(page_token, paging.natural)
        rows = await store.results(self.db.pool, draw, after[0] if after else 0, size)
        teams = views.teams_of(await store.inspectors(self.db.pool, draw["draw_id"]))
        last = paging.next_token(rows, size, "position")
        return [views.drawn_subject(r, teams, public=public) for r in rows], last


async def _draw(conn: Executor, draw_id: uuid.UUID) -> asyncpg.Record:
    row = await store.get(conn, draw_id)
    if row is None:
        raise NotFound("draw", str(draw_id), "draw_id")
    return row


async def _verify_drawn_commitments(uow: UnitOfWork, plan: asyncpg.Record, draw_id: uuid.UUID) -> int:
    """The drawn subjects' exempt commitments leave the pool as tasks due by the window's end."""
    today = china_date(uow.now)
    dates = (today, max(today, plan["window_end"]))
    created = await pool.tasks_for_draw(uow.conn, draw_id, plan["departments"], dates, uow.now)
    for task in created:
        uow.audit(
            "task.create",
            f"task/{task['task_id']}",
            subject_code=task["subject_code"],
            change=f"draw/{draw_id}",
        )
    return len(created)


def _finished(ran: drawing.DrawRun) -> dict[str, Any]:
    return {
        "pool_digest": ran.pool_digest,
        "inspector_digest": ran.inspector_digest,
        "result_digest": ran.result_digest,
        "pool_size": ran.pool_size,
        "drawn": ran.drawn,
        "stats": [
            {
                "grade": grade_letter(s.grade),
                "pool": s.pool,
                "priority": s.priority,
                "basis_points": s.basis_points,
                "drawn_at_random": s.drawn_at_random,
            }
            for s in ran.stats
        ],
        "teams": ran.teams,
        "unassigned": ran.unassigned,
    }


def _mismatches(draw: asyncpg.Record, ran: drawing.DrawRun, claimed: ipb.VerifyDrawRequest) -> list[str]:
    checks = [
        ("pool digest", draw["pool_digest"], ran.pool_digest),
        ("inspector digest", draw["inspector_digest"], ran.inspector_digest),
        ("result digest", draw["result_digest"], ran.result_digest),
        ("drawn", str(draw["drawn"]), str(ran.drawn)),
    ]
    claims = [
        ("claimed seed", claimed.seed, draw["seed"]),
        ("claimed pool digest", claimed.pool_digest, ran.pool_digest),
        ("claimed result digest", claimed.result_digest, ran.result_digest),
    ]
    found = [f"{what}: published {a}, re-run {b}" for what, a, b in checks if a != b]
    return found + [f"{what}: {a} differs from {b}" for what, a, b in claims if a and a.lower() != b]


def _announce(uow: UnitOfWork, row: asyncpg.Record) -> None:
    uow.emit(
        events.DrawCompleted(
            draw_id=str(row["draw_id"]),
            plan_id=str(row["plan_id"]),
            owner_department=row["owner_department"],
            departments=row["departments"],
            seed=row["seed"],
            algorithm=row["algorithm"],
            pool_digest=row["pool_digest"],
            inspector_digest=row["inspector_digest"],
            result_digest=row["result_digest"],
            pool_size=row["pool_size"],
            drawn=row["drawn"],
            drawn_at=convert.to_timestamp(row["drawn_at"]),
        ),
        entity=f"draw/{row['draw_id']}",
    )
