"""InspectionService handlers for joint inspections (综合查一次,
《连云港市优化营商环境攻坚年若干政策措施(第4号)》)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import inspections_pb2 as ipb
from services.contracts.subjects import subject_of
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, InvalidArgument, Violations
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import inspection_views as views
from services.verification.api.common import Deps, in_force
from services.verification.api.plans import LEAD, STAFF
from services.verification.domain import joint, plans, tasks
from services.verification.domain.hierarchy import Hierarchy
from services.verification.store import draws as draw_store
from services.verification.store import joint as store
from services.verification.store import rosters as roster_store
from services.verification.store import tasks as task_store

IN_REPLY = 1000
COMMITMENT_VERIFICATION = "COMMITMENT_VERIFICATION"  # the type of a commitment task's visit


class JointHandlers(Deps):
    @command(*LEAD, reply=ipb.PlanJointInspectionsResponse)
    async def PlanJointInspections(
        self, request: ipb.PlanJointInspectionsRequest, uow: UnitOfWork
    ) -> ipb.PlanJointInspectionsResponse:
        v = Violations()
        departments = plans.check_departments(
            v, "departments", request.departments, current_caller().department
        )
        start, end = v.ok(plans.window(v, request.window_start, request.window_end))
        parents = await roster_store.department_parents(uow.conn)
        _require_known(departments, parents, current_caller().department)
        await store.lock_planning(uow.conn)
        items = await _candidates(uow, departments, start, end)
        earlier = await store.earlier(uow.conn, sorted({i.subject_code for i in items}), start.year)
        result = joint.plan(
            items,
            [
                joint.Inspection(r["subject_code"], r["department"], r["inspection_type"], str(r["joint_id"]))
                for r in earlier
            ],
            Hierarchy(parents),
            in_force("window_start", lambda: self.rules.joint(start)),
            end,
        )
        await _require_qualified(uow, result.joints, china_date(uow.now))
        planned = [(uuid.uuid4(), j) for j in result.joints]
        await store.insert(uow.conn, planned, start.year, current_caller().subject, uow.now)
        for joint_id, j in planned:
            _announce(uow, joint_id, j, start.year)
        uow.audit("joint.plan", f"joint/{start.year}", change=[str(i) for i, _ in planned])
        return _reply(result, planned, start.year, uow.now)

    @query(*STAFF)
    async def ListJointInspections(
        self, request: ipb.ListJointInspectionsRequest, context: Any
    ) -> ipb.ListJointInspectionsResponse:
        if not 2000 <= request.year <= 2100:
            raise InvalidArgument.one("year", "required: the year, 2000 to 2100")
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, paging.instant, uuid.UUID)
        rows = await store.listing(
            self.db.pool,
            current_caller().department,
            request.year,
            after,
            size,
        )
        last = paging.next_token(rows, size, "planned_at", "joint_id")
        return ipb.ListJointInspectionsResponse(
            joint_inspections=[views.joint(r) for r in rows], next_page_token=last
        )


def _require_known(departments: Sequence[str], roster: Mapping[str, object], caller: str) -> None:
    """Every department but the caller's own (known from its token) must be on the department
    roster, as for 部门间协查: the superior-department rule reads the roster, and a mistyped
    code would otherwise plan nothing for it without a word."""
    v = Violations()
    for i, code in enumerate(departments):
        if code != caller and code not in roster:
            v.add(f"departments[{i}]", f"unknown department {code}: not on the department roster")
    v.raise_if_any()


async def _candidates(
    uow: UnitOfWork, departments: list[str], start: dt.date, end: dt.date
) -> list[joint.Item]:
    tasks = await task_store.open_on_site(uow.conn, departments, start, end)
    drawn = await draw_store.open_results(uow.conn, departments, start, end)
    return [_task_item(r) for r in tasks] + [i for r in drawn for i in _draw_items(r)]


def _task_item(row: asyncpg.Record) -> joint.Item:
    return joint.Item(
        source="TASK",
        source_id=str(row["task_id"]),
        subject_code=row["subject_code"],
        subject_kind=row["subject_kind"],
        subject_name=row["subject_name"],
        department=row["department"],
        inspection_type=row["inspection_type"],
        check_item=COMMITMENT_VERIFICATION,
        due=row["due_date"],
        inspectors=tuple(row["inspectors"]),
        domain=row["supervision_domain"],
    )


def _draw_items(row: asyncpg.Record) -> list[joint.Item]:
    return [
        joint.Item(
            source="DRAW",
            source_id=f"{row['draw_id']}/{row['position']}",
            subject_code=row["subject_code"],
            subject_kind=row["subject_kind"],
            subject_name=row["name"],
            department=item["department"],
            inspection_type=item["type"],
            check_item=item["code"],
            inspectors=tuple(row["inspectors"]),
            domain=row["domain"],  # the draw's team was drawn for the plan's domain
        )
        for item in row["check_items"]
    ]


async def _require_qualified(uow: UnitOfWork, joints: Sequence[joint.Joint], today: dt.date) -> None:
    numbers = sorted({n for j in joints for n in j.inspectors})
    rows = await task_store.inspector_facts(uow.conn, numbers)
    facts = {
        r["certificate_number"]: tasks.InspectorFacts(
            r["certificate_number"],
            r["department"],
            r["active"],
            r["valid_until"],
            frozenset(r["conflicts"]),
            frozenset(r["domains"]),
        )
        for r in rows
    }
    problems = joint.team_problems(joints, facts, today)
    if problems:
        raise FailedPrecondition("inspectors of these items may not make the joint visit", problems)


def _item(i: joint.Item) -> ipb.JointItem:
    return ipb.JointItem(
        source=ipb.ItemSource.Value(f"ITEM_SOURCE_{i.source}"),
        source_id=i.source_id,
        department=i.department,
        inspection_type=i.inspection_type,
        check_item=i.check_item,
    )


def _message(joint_id: uuid.UUID, j: joint.Joint, year: int, at: dt.datetime) -> ipb.JointInspection:
    return ipb.JointInspection(
        joint_inspection_id=str(joint_id),
        subject=subject_of(j.subject_kind, j.subject_code),
        subject_name=j.subject_name,
        year=year,
        lead_department=j.lead_department,
        departments=j.departments,
        items=[_item(i) for i in j.items],
        visit_by=convert.to_date(j.visit_by),
        certificate_numbers=j.inspectors,
        planned_at=convert.to_timestamp(at),
    )


def _reply(
    result: joint.JointPlan, planned: Sequence[tuple[uuid.UUID, joint.Joint]], year: int, at: dt.datetime
) -> ipb.PlanJointInspectionsResponse:
    return ipb.PlanJointInspectionsResponse(
        joint_inspections=[_message(i, j, year, at) for i, j in planned[:IN_REPLY]],
        planned=len(planned),
        candidate_items=result.candidate_items,
        visits_without_merging=result.visits_without_merging,
        visits_saved=result.visits_saved,
        excluded_by_annual_cap=result.excluded_for(joint.ANNUAL_CAP),
        excluded_by_superior=result.excluded_for(joint.SUPERIOR_INSPECTED),
        exclusions=[
            ipb.Exclusion(
                item=_item(e.item),
                subject=subject_of(e.item.subject_kind, e.item.subject_code),
                reason=ipb.ExclusionReason.Value(f"EXCLUSION_REASON_{e.reason}"),
                by_joint_inspection_id=e.by_joint_id,
            )
            for e in result.excluded[:IN_REPLY]
        ],
    )


def _announce(uow: UnitOfWork, joint_id: uuid.UUID, j: joint.Joint, year: int) -> None:
    uow.emit(
        events.JointInspectionPlanned(
            joint_inspection_id=str(joint_id),
            subject=subject_of(j.subject_kind, j.subject_code),
            lead_department=j.lead_department,
            departments=j.departments,
            inspection_types=sorted({i.inspection_type for i in j.items}),
            visit_by=convert.to_date(j.visit_by),
            items=len(j.items),
            year=year,
        ),
        entity=f"joint/{joint_id}",
    )
