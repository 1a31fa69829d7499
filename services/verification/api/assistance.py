"""部门间协查 handlers of VerificationService: ask another department, answer, list both ways."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert, paging
from services.kernel.auth import current_caller
from services.kernel.clock import china_date
from services.kernel.errors import InvalidArgument, NotFound, Violations
from services.kernel.ids import request_uuid
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import UnitOfWork
from services.verification.api import task_views as views
from services.verification.api.common import Deps, refuse
from services.verification.api.tasks import STAFF, owned, still_open
from services.verification.domain import tasks as rules
from services.verification.domain.plans import DEPARTMENT_CODE
from services.verification.store import assistance as store
from services.verification.store import tasks as task_store

MAX_QUESTION = 2000
MAX_ANSWER = 4000
LATEST_ANSWER = dt.timedelta(days=366)


class AssistanceHandlers(Deps):
    @command(*STAFF, reply=pb.RequestAssistanceResponse)
    async def RequestAssistance(
        self, request: pb.RequestAssistanceRequest, uow: UnitOfWork
    ) -> pb.RequestAssistanceResponse:
        task_id = request_uuid("task_id", request.task_id, "task")
        today = china_date(uow.now)
        answer_by = _check_request(request, today, current_caller().department)
        if not await store.department_exists(uow.conn, request.to_department):
            raise NotFound("department", request.to_department, "to_department")
        row = owned(await task_store.get_task(uow.conn, task_id, lock=True), request.task_id)
        still_open(row, request.task_id)
        created = await store.insert(
            uow.conn,
            {
                "task_id": task_id,
                "subject_kind": row["subject_kind"],
                "subject_code": row["subject_code"],
                "subject_name": row["subject_name"],
                "from_department": row["department"],
                "to_department": request.to_department,
                "question": request.question.strip(),
                "answer_by": answer_by,
                "requested_by": current_caller().subject,
                "requested_at": uow.now,
            },
        )
        target = f"assistance/{created['assistance_id']}"
        uow.audit(
            "assistance.request", target, subject_code=row["subject_code"], change=request.to_department
        )
        return pb.RequestAssistanceResponse(assistance=views.assistance(created, today))

    @command(*STAFF, reply=pb.AnswerAssistanceResponse)
    async def AnswerAssistance(
        self, request: pb.AnswerAssistanceRequest, uow: UnitOfWork
    ) -> pb.AnswerAssistanceResponse:
        assistance_id = request_uuid("assistance_id", request.assistance_id, "assistance")
        _check_answer(request)
        row = await store.get(uow.conn, assistance_id, lock=True)
        if row is None:
            raise NotFound("assistance", request.assistance_id, "assistance_id")
        current_caller().require_department(row["to_department"])  # only the asked department answers
        if row["status"] != store.PENDING:
            raise refuse("ASSISTANCE_NOT_PENDING", request.assistance_id, f"the request is {row['status']}")
        answered = await store.answer(
            uow.conn,
            assistance_id,
            {
                "finding": pb.AssistanceFinding.Name(request.finding),
                "answer": request.answer.strip(),
                "evidence_refs": [r.strip() for r in request.evidence_refs],
                "answered_by": current_caller().subject,
                "answered_at": uow.now,
            },
        )
        target = f"assistance/{assistance_id}"
        uow.audit("assistance.answer", target, subject_code=row["subject_code"], change=answered["finding"])
        return pb.AnswerAssistanceResponse(assistance=views.assistance(answered, china_date(uow.now)))

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
        rows = await store.listing(
            self.db.pool,
            incoming=request.direction == pb.ASSISTANCE_DIRECTION_INCOMING,
            department=current_caller().department,
            status=pb.AssistanceStatus.Name(request.status) if request.status else None,
            after=after,
            limit=size,
        )
        today = self.db.clock.today()
        last = paging.next_token(rows, size, "answer_by", "assistance_id")
        return pb.ListAssistanceResponse(
            assistance=[views.assistance(r, today) for r in rows], next_page_token=last
        )


def _check_request(request: pb.RequestAssistanceRequest, today: dt.date, caller: str) -> dt.date:
    v = Violations()
    if not DEPARTMENT_CODE.fullmatch(request.to_department):
        v.add("to_department", "required: the department code to ask")
    elif request.to_department == caller:
        v.add("to_department", "ask another department; this one is the caller's")
    if not request.question.strip() or len(request.question) > MAX_QUESTION:
        v.add("question", f"required: the fact to check, at most {MAX_QUESTION} characters")
    answer_by = convert.date_field(v, "answer_by", request.answer_by)
    if answer_by and not today < answer_by <= today + LATEST_ANSWER:
        v.add("answer_by", f"must be after today ({today}) and within a year")
    return v.ok(answer_by)


def _check_answer(request: pb.AnswerAssistanceRequest) -> None:
    v = Violations()
    if (
        request.finding == pb.ASSISTANCE_FINDING_UNSPECIFIED
        or request.finding not in pb.AssistanceFinding.values()
    ):
        v.add("finding", "required: confirmed, contradicted or no record")
    if not request.answer.strip() or len(request.answer) > MAX_ANSWER:
        v.add("answer", f"required, at most {MAX_ANSWER} characters")
    rules.check_evidence(v, "evidence_refs", request.evidence_refs)
    v.raise_if_any()
