"""Events the verification service applies: new commitments become verification tasks."""

from __future__ import annotations

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.events.v1 import commitment_events_pb2
from services.kernel import convert
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.clock import CHINA
from services.kernel.events import EventMeta
from services.kernel.uow import UnitOfWork
from services.verification import domain, store

Method = catalogue_pb2.VerificationMethod


class CommitmentEvents:
    def __init__(self, calendar: CalendarKeeper) -> None:
        self.calendar = calendar

    async def on_recorded(
        self, event: commitment_events_pb2.CommitmentRecorded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        rule = event.verification
        if rule.method == Method.VERIFICATION_METHOD_EXEMPT:
            return  # exempt items are covered by random inspection, not a task per commitment
        approved_on = convert.from_timestamp(event.recorded_at).astimezone(CHINA).date()
        due = domain.due_date(self.calendar.current, approved_on, rule.time_limit_working_days)
        task = store.NewTask(
            commitment_id=event.commitment_id,
            commitment_code=event.code,
            subject_kind=subject_pb2.SubjectKind.Name(event.subject.kind),
            subject_code=event.subject.code,
            subject_name=event.subject_name,
            item_id=event.item_id,
            item_version=event.item_version,
            item_name=event.item_name,
            department=event.department,
            region_code=event.region_code,
            method=Method.Name(rule.method).removeprefix("VERIFICATION_METHOD_"),
            standard=rule.standard,
            time_limit_days=rule.time_limit_working_days,
            base_date=approved_on,
            due_date=due.date,
            due_provisional=due.provisional,
        )
        task_id = await store.insert_task(uow.conn, task, uow.now)
        if task_id:
            uow.audit("task.create", f"task/{task_id}", subject_code=event.subject.code, change=meta.id)
