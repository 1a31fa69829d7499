"""Task handlers of VerificationService: list, read, assign, extend, conclude, count overdue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.db import Executor
from services.kernel.errors import FailedPrecondition, NotFound, Violations
from services.kernel.ids import request_uuid
from services.kernel.lookup import owned
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import closing, parse
from services.verification.api.common import LEAD, STAFF
from services.verification.api.deps import Deps
from services.verification.domain import closing as closing_rules
from services.verification.domain import deadlines, tasks
from services.verification.domain.hierarchy import Hierarchy
from services.verification.store.tasks import Extension, Task, TaskFilter
from services.verification.wire import events
from services.verification.wire import tasks as wire


class TaskHandlers(Handlers[Deps]):
    async def _task(self, uow: UnitOfWork, task_id: uuid.UUID, name: str) -> Task:
        """The caller's department's task, locked for the change the request makes."""
        return await self._owned_task(uow.conn, task_id, name, lock=True)

    async def _owned_task(self, conn: Executor, task_id: uuid.UUID, name: str, *, lock: bool = False) -> Task:
        """The task the request names, if it is the caller's department's."""
        return owned(await self.deps.store.tasks.get_task(conn, task_id, lock=lock), "task", name, "task_id")

    @query(*STAFF)
    async def ListTasks(self, request: pb.ListTasksRequest, context: Any) -> pb.ListTasksResponse:
        size = paging.page_size(request.page_size)
        today = self.db.clock.today()
        where = _filter(request, today)
        after = paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID)
        found = await self.deps.store.tasks.list_tasks(
            self.db.pool, current_caller().department, where, after, size
        )
        next_token = paging.next_token(found, size, "due_date", "task_id")
        return pb.ListTasksResponse(tasks=[wire.task(t, today) for t in found], next_page_token=next_token)

    @query(*STAFF)
    async def GetTask(self, request: pb.GetTaskRequest, context: Any) -> pb.GetTaskResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        found = await self._owned_task(self.db.pool, task_id, request.task_id)
        extensions = await self.deps.store.tasks.extensions(self.db.pool, task_id)
        return pb.GetTaskResponse(task=wire.task(found, self.db.clock.today(), extensions))

    @command(*STAFF, reply=pb.ConcludeTaskResponse)
    async def ConcludeTask(self, request: pb.ConcludeTaskRequest, uow: UnitOfWork) -> pb.ConcludeTaskResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        checked = closing.check(request, today)
        task = await self._task(uow, task_id, request.task_id)
        closing_rules.check_concludable(request.task_id, task.status, checked.outcome)
        rules = self.deps.rules()
        tasks.check_on_site_team(request.task_id, task.method, len(task.inspectors), rules.tasks(today))
        done = await closing.close(self.deps, uow, task, checked, closing_rules.VIA_TASK)
        return pb.ConcludeTaskResponse(task=wire.task(done, today))

    @command(*STAFF, reply=pb.RecordRectificationResponse)
    async def RecordRectification(
        self, request: pb.RecordRectificationRequest, uow: UnitOfWork
    ) -> pb.RecordRectificationResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        v = Violations()
        completed = v.ok(parse.check_rectification(v, request, today))
        task = await self._task(uow, task_id, request.task_id)
        deadline, problems = tasks.rectification_deadline(task.concluded(), completed)
        if deadline is None:
            raise FailedPrecondition("no rectification may be recorded for this task", problems)
        rectification = tasks.Rectification.of(
            completed,
            deadline,
            harm_caused=request.harm_caused,
            assessment=request.assessment.strip(),
            evidence_refs=[r.strip() for r in request.evidence_refs],
            by=current_caller().subject,
            at=uow.now,
        )
        await self.deps.store.tasks.rectify(uow.conn, task_id, rectification)
        task = await self.deps.store.tasks.one_task(uow.conn, task_id)
        events.rectified(uow, task, rectification)
        change = rectification.as_json()
        uow.audit("task.rectify", f"task/{task_id}", subject_code=task.subject_code, change=change)
        return pb.RecordRectificationResponse(task=wire.task(task, today))

    @command(*LEAD, reply=pb.AssignTaskResponse)
    async def AssignTask(self, request: pb.AssignTaskRequest, uow: UnitOfWork) -> pb.AssignTaskResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        v = Violations()
        numbers = parse.check_team_request(v, request.certificate_numbers)
        v.raise_if_any()
        task = await self._task(uow, task_id, request.task_id)
        tasks.check_open(request.task_id, task.status)
        today = china_date(uow.now)
        store = self.deps.store.tasks
        found = {f.certificate_number: f for f in await store.inspector_facts(uow.conn, numbers)}
        for i, number in enumerate(numbers):
            if number not in found:
                raise NotFound("inspector", number, f"certificate_numbers[{i}]")
        facts = tasks.TaskFacts(task.department, task.subject_code, task.method, task.supervision_domain)
        team = [found[n] for n in numbers]
        problems = tasks.team_problems(facts, team, self.deps.rules().tasks(today), today)
        if problems:
            raise FailedPrecondition("these inspectors may not check this task", problems)
        await store.assign(uow.conn, task_id, numbers, current_caller().subject, uow.now)
        uow.audit("task.assign", f"task/{task_id}", subject_code=task.subject_code, change=numbers)
        return pb.AssignTaskResponse(task=wire.task(await store.one_task(uow.conn, task_id), today))

    @command(*LEAD, reply=pb.ExtendDeadlineResponse)
    async def ExtendDeadline(
        self, request: pb.ExtendDeadlineRequest, uow: UnitOfWork
    ) -> pb.ExtendDeadlineResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        v = Violations()
        parse.check_extension(v, request, self.deps.rules().tasks(today))
        v.raise_if_any()
        task = await self._task(uow, task_id, request.task_id)
        tasks.check_open(request.task_id, task.status)
        total = task.time_limit_days + task.extended_days + request.working_days
        due = deadlines.due_date(self.deps.calendar.current, task.base_date, total)
        extension = Extension(
            working_days=request.working_days,
            reason=request.reason.strip(),
            approved_by=current_caller().subject,
            due_before=task.due_date,
            due_after=due.date,
            approved_at=uow.now,
        )
        store = self.deps.store.tasks
        await store.extend(uow.conn, task_id, extension, provisional=due.provisional)
        change = {
            "working_days": str(extension.working_days),
            "reason": extension.reason,
            "approved_by": extension.approved_by,
            "due_before": str(extension.due_before),
            "due_after": str(extension.due_after),
            "provisional": str(due.provisional),
            "approved_at": str(extension.approved_at),
        }
        uow.audit("task.extend_deadline", f"task/{task_id}", subject_code=task.subject_code, change=change)
        task, extensions = await store.one_task(uow.conn, task_id), await store.extensions(uow.conn, task_id)
        return pb.ExtendDeadlineResponse(task=wire.task(task, today, extensions))

    @query(*STAFF)
    async def CountOverdueTasks(
        self, request: pb.CountOverdueTasksRequest, context: Any
    ) -> pb.CountOverdueTasksResponse:
        hierarchy = Hierarchy(await self.deps.store.rosters.department_parents(self.db.pool))
        scope = hierarchy.with_descendants(current_caller().department)
        today = self.db.clock.today()
        counts = await self.deps.store.tasks.overdue_counts(self.db.pool, scope, today)
        return wire.overdue_counts(scope, counts, today)


def _filter(request: pb.ListTasksRequest, today: dt.date) -> TaskFilter:
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
    return TaskFilter(
        status=pb.TaskStatus.Name(request.status) if request.status else None,
        due_from=due_from,
        due_to=due_to,
        inspector=request.inspector.strip() or None,
        overdue_on=today if request.overdue_only else None,
        escalation_overdue_on=today if request.escalation_overdue_only else None,
    )
