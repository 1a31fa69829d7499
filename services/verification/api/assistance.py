"""部门间协查 handlers of VerificationService: ask another department, answer, list both ways."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import lookup, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import InvalidArgument, NotFound
from services.kernel.ids import request_uuid
from services.kernel.lookup import owned
from services.kernel.rpc.handlers import Handlers, command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import parse
from services.verification.api.common import STAFF
from services.verification.api.deps import Deps
from services.verification.domain import assistance as rules
from services.verification.domain import tasks
from services.verification.domain.hierarchy import Hierarchy
from services.verification.store.assistance import Answer, Request
from services.verification.wire import closing as closing_wire
from services.verification.wire import tasks as wire


class AssistanceHandlers(Handlers[Deps]):
    @command(*STAFF, reply=pb.RequestAssistanceResponse)
    async def RequestAssistance(
        self, request: pb.RequestAssistanceRequest, uow: UnitOfWork
    ) -> pb.RequestAssistanceResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        answer_by = parse.check_assistance_request(request, today, current_caller().department)
        store = self.deps.store
        if not await store.assistance.department_exists(uow.conn, request.to_department):
            raise NotFound("department", request.to_department, "to_department")
        stored = await store.tasks.get_task(uow.conn, task_id, lock=True)
        task = owned(stored, "task", request.task_id, "task_id")
        tasks.check_open(request.task_id, task.status)
        asked = Request(
            task_id=task_id,
            subject_kind=task.subject_kind,
            subject_code=task.subject_code,
            subject_name=task.subject_name,
            from_department=task.department,
            to_department=request.to_department,
            question=request.question.strip(),
            answer_by=answer_by,
            requested_by=current_caller().subject,
            requested_at=uow.now,
        )
        created = await store.assistance.insert(uow.conn, asked)
        closing_wire.assistance_requested(uow, created)
        target = f"assistance/{created.assistance_id}"
        uow.audit("assistance.request", target, subject_code=task.subject_code, change=request.to_department)
        return pb.RequestAssistanceResponse(assistance=wire.assistance(created, today))

    @command(*STAFF, reply=pb.AnswerAssistanceResponse)
    async def AnswerAssistance(
        self, request: pb.AnswerAssistanceRequest, uow: UnitOfWork
    ) -> pb.AnswerAssistanceResponse:
        assistance_id = request_uuid("assistance_id", request.assistance_id, "assistance")
        parse.check_answer(request)
        store = self.deps.store.assistance
        stored = await store.get(uow.conn, assistance_id, lock=True)
        asked = lookup.found(stored, "assistance", request.assistance_id, "assistance_id")
        current_caller().require_department(asked.to_department)  # only the asked department answers
        rules.check_pending(request.assistance_id, asked.status)
        answer = Answer(
            finding=pb.AssistanceFinding.Name(request.finding),
            answer=request.answer.strip(),
            evidence_refs=[r.strip() for r in request.evidence_refs],
            answered_by=current_caller().subject,
            answered_at=uow.now,
        )
        answered = await store.answer(uow.conn, assistance_id, answer)
        closing_wire.assistance_answered(uow, answered)
        target = f"assistance/{assistance_id}"
        uow.audit("assistance.answer", target, subject_code=asked.subject_code, change=answered.finding)
        return pb.AnswerAssistanceResponse(assistance=wire.assistance(answered, china_date(uow.now)))

    @query(*STAFF)
    async def ListAssistance(
        self, request: pb.ListAssistanceRequest, context: Any
    ) -> pb.ListAssistanceResponse:
        if request.direction not in (pb.ASSISTANCE_DIRECTION_INCOMING, pb.ASSISTANCE_DIRECTION_OUTGOING):
            raise InvalidArgument.one("direction", "required: incoming or outgoing")
        if request.status not in pb.AssistanceStatus.values():
            raise InvalidArgument.one("status", "not an assistance status")
        size = paging.page_size(request.page_size)
        after = paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID)
        today = self.db.clock.today()
        found = await self.deps.store.assistance.listing(
            self.db.pool,
            incoming=request.direction == pb.ASSISTANCE_DIRECTION_INCOMING,
            department=current_caller().department,
            status=pb.AssistanceStatus.Name(request.status) if request.status else None,
            after=after,
            limit=size,
            overdue_on=today if request.overdue_only else None,
        )
        last = paging.next_token(found, size, "answer_by", "assistance_id")
        return pb.ListAssistanceResponse(
            assistance=[wire.assistance(a, today) for a in found], next_page_token=last
        )

    @query(*STAFF)
    async def CountOverdueAssistance(
        self, request: pb.CountOverdueAssistanceRequest, context: Any
    ) -> pb.CountOverdueAssistanceResponse:
        """Pending requests past their answer_by date, per asked department: the caller's and the
        departments below it (the asked department is the one that owes the answer)."""
        hierarchy = Hierarchy(await self.deps.store.rosters.department_parents(self.db.pool))
        scope = hierarchy.with_descendants(current_caller().department)
        today = self.db.clock.today()
        counts = await self.deps.store.assistance.overdue_counts(self.db.pool, scope, today)
        return closing_wire.assistance_counts(scope, counts, today)
