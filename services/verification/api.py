"""gRPC servicer of the verification service."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import asyncpg

from chengnuo.events.v1 import verification_events_pb2 as events
from chengnuo.verification.v1 import verification_pb2 as pb
from chengnuo.verification.v1 import verification_pb2_grpc
from services.contracts import roles
from services.kernel import convert
from services.kernel.auth import current_caller
from services.kernel.clock import CHINA
from services.kernel.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PreconditionViolation,
    Violations,
)
from services.kernel.rpc.handlers import command, query
from services.kernel.uow import Database, UnitOfWork
from services.verification import domain, store

STAFF = (roles.VERIFIER, roles.VERIFICATION_LEAD)
DEFAULT_PAGE, MAX_PAGE = 100, 1000


def _task_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument.one(
            "task_id", "required: a task id" if not value else "not a valid task id"
        ) from None


class VerificationApi(verification_pb2_grpc.VerificationServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    @query(*STAFF)
    async def ListTasks(self, request: pb.ListTasksRequest, context: Any) -> pb.ListTasksResponse:
        size = request.page_size or DEFAULT_PAGE
        if not 1 <= size <= MAX_PAGE:
            raise InvalidArgument.one("page_size", f"must be 1 to {MAX_PAGE}")
        status = pb.TaskStatus.Name(request.status) if request.status else None
        rows = await store.list_tasks(
            self.db.pool, current_caller().department, status, _after(request.page_token), size
        )
        token = _token(rows[-1]) if len(rows) == size else ""
        return pb.ListTasksResponse(tasks=[store.to_proto(r) for r in rows], next_page_token=token)

    @query(*STAFF)
    async def GetTask(self, request: pb.GetTaskRequest, context: Any) -> pb.GetTaskResponse:
        row = await store.get_task(self.db.pool, _task_id(request.task_id))
        return pb.GetTaskResponse(task=store.to_proto(_owned(row, request.task_id)))

    @command(*STAFF, reply=pb.ConcludeTaskResponse)
    async def ConcludeTask(self, request: pb.ConcludeTaskRequest, uow: UnitOfWork) -> pb.ConcludeTaskResponse:
        task_id = _task_id(request.task_id)
        v = Violations()
        decided = v.ok(domain.check_conclusion(v, request, uow.now.astimezone(CHINA).date()))
        row = _owned(await store.get_task(uow.conn, task_id, lock=True), request.task_id)
        if row["status"] != "TASK_STATUS_OPEN":
            raise FailedPrecondition(
                "the task is no longer open",
                [PreconditionViolation("TASK_NOT_OPEN", request.task_id, f"the task is {row['status']}")],
            )
        row = await store.conclude(
            uow.conn, task_id, request=request, decided=decided, by=current_caller().subject, now=uow.now
        )
        _announce(uow, row, request)
        uow.audit(
            "task.conclude",
            f"task/{task_id}",
            subject_code=row["subject_code"],
            change=pb.Outcome.Name(request.outcome),
        )
        return pb.ConcludeTaskResponse(task=store.to_proto(row))


def _owned(row: asyncpg.Record | None, task_id: str) -> asyncpg.Record:
    if row is None:
        raise NotFound("task", task_id, "task_id")
    current_caller().require_department(row["department"])
    return row


def _announce(uow: UnitOfWork, row: asyncpg.Record, request: pb.ConcludeTaskRequest) -> None:
    task = store.to_proto(row)
    concluded_at = convert.to_timestamp(uow.now)
    uow.emit(
        events.VerificationConcluded(
            task_id=task.task_id,
            commitment_id=task.commitment_id,
            subject=task.subject,
            department=task.department,
            outcome=task.outcome,
            decision_date=task.decision_date,
            concluded_at=concluded_at,
        ),
        entity=f"task/{task.task_id}",
    )
    if request.outcome == pb.OUTCOME_FALSE:
        uow.emit(
            events.FalseCommitmentFound(
                task_id=task.task_id,
                commitment_id=task.commitment_id,
                commitment_code=task.commitment_code,
                subject=task.subject,
                subject_name=task.subject_name,
                item_id=task.item_id,
                item_version=task.item_version,
                item_name=row["item_name"],
                deciding_department=task.department,
                region_code=row["region_code"],
                decision_date=task.decision_date,
                findings=task.findings,
                measures=task.measures,
                referred_to_judiciary=domain.referred_to_judiciary(list(task.measures)),
                concluded_at=concluded_at,
            ),
            entity=f"task/{task.task_id}",
        )


def _token(row: asyncpg.Record) -> str:
    return base64.urlsafe_b64encode(f"{row['due_date'].isoformat()}|{row['task_id']}".encode()).decode()


def _after(token: str) -> tuple[dt.date, uuid.UUID] | None:
    if not token:
        return None
    try:
        day, task_id = base64.urlsafe_b64decode(token.encode()).decode().split("|")
        return dt.date.fromisoformat(day), uuid.UUID(task_id)
    except ValueError:
        raise InvalidArgument.one("page_token", "not a token this service issued") from None
