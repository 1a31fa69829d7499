"""Task handlers of VerificationService: list, read, assign, extend, conclude, count overdue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
from google.protobuf.json_format import MessageToDict

from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts import roles
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.clock import china_date
from services.kernel.errors import FailedPrecondition, NotFound, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.screening import NameScreen
from services.kernel.uow import UnitOfWork
from services.verification import announce
from services.verification.api import task_views as views
from services.verification.api.common import Deps, in_force, refuse
from services.verification.domain import deadlines, tasks
from services.verification.domain.hierarchy import Hierarchy
from services.verification.store import rosters as roster_store
from services.verification.store import tasks as store

STAFF = (roles.VERIFIER, roles.VERIFICATION_LEAD)
LEAD = (roles.VERIFICATION_LEAD,)


def owned(row: asyncpg.Record | None, task_id: str) -> asyncpg.Record:
    if row is None:
        raise NotFound("task", task_id, "task_id")
    current_caller().require_department(row["department"])
    return row


def still_open(row: asyncpg.Record, task_id: str) -> None:
    if row["status"] != store.OPEN:
        raise refuse("TASK_NOT_OPEN", task_id, f"the task is {row['status']}, no longer open")


def _concluded(row: asyncpg.Record) -> tasks.Concluded:
    return tasks.Concluded(
        str(row["task_id"]),
        row["status"],
        row["outcome"],
        [views.measure(m) for m in row["measures"]],
        row["decision_date"],
        row["rectification"] is not None,
    )


def _rectification(
    request: pb.RecordRectificationRequest, completed: dt.date, deadline: dt.date, uow: UnitOfWork
) -> dict[str, Any]:
    return {
        "completed_on": completed.isoformat(),
        "in_time": completed <= deadline,
        "harm_caused": request.harm_caused,
        "assessment": request.assessment.strip(),
        "evidence_refs": [r.strip() for r in request.evidence_refs],
        "deadline": deadline.isoformat(),
        "recorded_by": current_caller().subject,
        "recorded_at": uow.now.isoformat(),
    }


class TaskHandlers(Deps):
    calendar: CalendarKeeper

    @query(*STAFF)
    async def ListTasks(self, request: pb.ListTasksRequest, context: Any) -> pb.ListTasksResponse:
        size = paging.page_size(request.page_size)
        today = self.db.clock.today()
        where = _filter(request, today)
        after = paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID)
        rows = await store.list_tasks(self.db.pool, current_caller().department, where, after, size)
        next_token = paging.next_token(rows, size, "due_date", "task_id")
        return pb.ListTasksResponse(tasks=[views.task(r, today) for r in rows], next_page_token=next_token)

    @query(*STAFF)
    async def GetTask(self, request: pb.GetTaskRequest, context: Any) -> pb.GetTaskResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        row = owned(await store.get_task(self.db.pool, task_id), request.task_id)
        extensions = await store.extensions(self.db.pool, task_id)
        return pb.GetTaskResponse(task=views.task(row, self.db.clock.today(), extensions))

    @command(*STAFF, reply=pb.ConcludeTaskResponse)
    async def ConcludeTask(self, request: pb.ConcludeTaskRequest, uow: UnitOfWork) -> pb.ConcludeTaskResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        v = Violations()
        screen = NameScreen.of(v, request.personal_names)
        decided = v.ok(tasks.check_conclusion(v, request, today))
        request = _screened(request, screen)
        screen.check()
        row = owned(await store.get_task(uow.conn, task_id, lock=True), request.task_id)
        still_open(row, request.task_id)
        minimum = self.rules.tasks(today).on_site_minimum_inspectors
        if row["method"] == tasks.ON_SITE and len(row["inspectors"]) < minimum:
            raise refuse(
                "TASK_NOT_ASSIGNED", request.task_id, f"an on-site check is done by {minimum} inspectors"
            )
        rules = in_force("decision_date", lambda: self.rules.publication(decided, row["region_code"]))
        due = deadlines.publication_deadlines(
            self.calendar.current, rules, decided, tasks.measure_names(request.measures)
        )
        await store.conclude(uow.conn, task_id, _conclusion(request, decided, due, uow))
        row = await store.one_task(uow.conn, task_id)
        announce.concluded(uow, row, request.measures)
        uow.audit("task.conclude", f"task/{task_id}", subject_code=row["subject_code"], change=row["outcome"])
        screen.audit(uow, f"task/{task_id}", subject_code=row["subject_code"])
        return pb.ConcludeTaskResponse(task=views.task(row, today))

    @command(*STAFF, reply=pb.RecordRectificationResponse)
    async def RecordRectification(
        self, request: pb.RecordRectificationRequest, uow: UnitOfWork
    ) -> pb.RecordRectificationResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        v = Violations()
        completed = v.ok(tasks.check_rectification(v, request, today))
        row = owned(await store.get_task(uow.conn, task_id, lock=True), request.task_id)
        deadline, problems = tasks.rectification_deadline(_concluded(row), completed)
        if deadline is None:
            raise FailedPrecondition("no rectification may be recorded for this task", problems)
        stored = _rectification(request, completed, deadline, uow)
        await store.rectify(uow.conn, task_id, stored)
        row = await store.one_task(uow.conn, task_id)
        announce.rectified(uow, row, views.rectification(stored))
        uow.audit("task.rectify", f"task/{task_id}", subject_code=row["subject_code"], change=stored)
        return pb.RecordRectificationResponse(task=views.task(row, today))

    @command(*LEAD, reply=pb.AssignTaskResponse)
    async def AssignTask(self, request: pb.AssignTaskRequest, uow: UnitOfWork) -> pb.AssignTaskResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        v = Violations()
        numbers = tasks.check_team_request(v, request.certificate_numbers)
        v.raise_if_any()
        row = owned(await store.get_task(uow.conn, task_id, lock=True), request.task_id)
        still_open(row, request.task_id)
        today = china_date(uow.now)
        team = await _team(uow, numbers)
        facts = tasks.TaskFacts(
            row["department"], row["subject_code"], row["method"], row["supervision_domain"]
        )
        problems = tasks.team_problems(facts, team, self.rules.tasks(today), today)
        if problems:
            raise FailedPrecondition("these inspectors may not check this task", problems)
        await store.assign(uow.conn, task_id, numbers, current_caller().subject, uow.now)
        uow.audit("task.assign", f"task/{task_id}", subject_code=row["subject_code"], change=numbers)
        return pb.AssignTaskResponse(task=views.task(await store.one_task(uow.conn, task_id), today))

    @command(*LEAD, reply=pb.ExtendDeadlineResponse)
    async def ExtendDeadline(
        self, request: pb.ExtendDeadlineRequest, uow: UnitOfWork
    ) -> pb.ExtendDeadlineResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        v = Violations()
        tasks.check_extension(v, request, self.rules.tasks(today))
        v.raise_if_any()
        row = owned(await store.get_task(uow.conn, task_id, lock=True), request.task_id)
        still_open(row, request.task_id)
        total = row["time_limit_days"] + row["extended_days"] + request.working_days
        due = deadlines.due_date(self.calendar.current, row["base_date"], total)
        extension = {
            "working_days": request.working_days,
            "reason": request.reason.strip(),
            "approved_by": current_caller().subject,
            "due_before": row["due_date"],
            "due_after": due.date,
            "provisional": due.provisional,
            "approved_at": uow.now,
        }
        await store.extend(uow.conn, task_id, extension)
        change = {k: str(val) for k, val in extension.items()}
        uow.audit("task.extend_deadline", f"task/{task_id}", subject_code=row["subject_code"], change=change)
        row, extensions = await store.one_task(uow.conn, task_id), await store.extensions(uow.conn, task_id)
        return pb.ExtendDeadlineResponse(task=views.task(row, today, extensions))

    @query(*STAFF)
    async def CountOverdueTasks(
        self, request: pb.CountOverdueTasksRequest, context: Any
    ) -> pb.CountOverdueTasksResponse:
        hierarchy = Hierarchy(await roster_store.department_parents(self.db.pool))
        scope = hierarchy.with_descendants(current_caller().department)
        today = self.db.clock.today()
        counts = {r["department"]: r for r in await store.overdue_counts(self.db.pool, scope, today)}
        return pb.CountOverdueTasksResponse(
            departments=[
                pb.DepartmentOverdue(
                    department=d,
                    overdue=counts[d]["overdue"] if d in counts else 0,
                    open=counts[d]["open"] if d in counts else 0,
                )
                for d in scope
            ],
            as_of=convert.to_date(today),
        )


def _filter(request: pb.ListTasksRequest, today: dt.date) -> store.TaskFilter:
    v = Violations()
    if request.status not in pb.TaskStatus.values():
        v.add("status", "not a task status")
    due_from = convert.date_field(v, "due_from", request.due_from, required=False)
    due_to = convert.date_field(v, "due_to", request.due_to, required=False)
    if due_from and due_to and due_to < due_from:
        v.add("due_to", "must not be before due_from")
    if len(request.inspector) > 64:
        v.add("inspector", "at most 64 characters")
    v.raise_if_any()
    return store.TaskFilter(
        status=pb.TaskStatus.Name(request.status) if request.status else None,
        due_from=due_from,
        due_to=due_to,
        inspector=request.inspector.strip() or None,
        overdue_on=today if request.overdue_only else None,
    )


async def _team(uow: UnitOfWork, numbers: list[str]) -> list[tasks.InspectorFacts]:
    found = {r["certificate_number"]: r for r in await store.inspector_facts(uow.conn, numbers)}
    for i, number in enumerate(numbers):
        if number not in found:
            raise NotFound("inspector", number, f"certificate_numbers[{i}]")
    return [
        tasks.InspectorFacts(
            n,
            found[n]["department"],
            found[n]["active"],
            found[n]["valid_until"],
            frozenset(found[n]["conflicts"]),
            frozenset(found[n]["domains"]),
        )
        for n in numbers
    ]


def _screened(request: pb.ConcludeTaskRequest, screen: NameScreen) -> pb.ConcludeTaskRequest:
    """The conclusion as it is kept: the findings and the measures' notes are shared (and the
    findings become the credit record's published facts), so they are screened for names."""
    kept = pb.ConcludeTaskRequest()
    kept.CopyFrom(request)
    kept.findings = screen.text("findings", request.findings)
    for i, measure in enumerate(kept.measures):
        measure.note = screen.text(f"measures[{i}].note", measure.note)
    return kept


def _conclusion(
    request: pb.ConcludeTaskRequest, decided: dt.date, due: deadlines.PublicationDeadlines, uow: UnitOfWork
) -> dict[str, Any]:
    return {
        "outcome": pb.Outcome.Name(request.outcome),
        "findings": request.findings.strip(),
        "measures": [MessageToDict(m, preserving_proto_field_name=True) for m in request.measures],
        "decision_date": decided,
        "concluded_at": uow.now,
        "concluded_by": current_caller().subject,
        "evidence_refs": [r.strip() for r in request.evidence_refs],
        "push_deadline": due.push,
        "publication_deadline": due.publish.date,
        "publication_provisional": due.publish.provisional or bool(due.decision and due.decision.provisional),
        "decision_publication_deadline": due.decision.date if due.decision else None,
        "publication_rule_set": due.rule_set,
    }
