"""Events the verification service applies, and its reaction to a newly loaded calendar year.

- commitment.recorded: a task per commitment by its item's rule; an exempt item puts the subject
  into the department's random-inspection pool instead, and the commitment waits there until a
  draw selects the subject (免予核查 → 双随机, store/pool.py).
- commitment.withdrawn: the commitment's open tasks are cancelled, or it leaves the pool.
- credit.grade_changed / credit.restriction_changed: the sampling projections.
- a loaded calendar year: provisional deadlines are recomputed in the same unit of work, and
  the outcomes published with a provisional deadline are published again (公示).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from chengnuo.commitment.v1 import catalogue_pb2
from chengnuo.common.v1 import subject_pb2
from chengnuo.credit.v1 import credit_pb2
from chengnuo.events.v1 import commitment_events_pb2, credit_events_pb2
from services.kernel import convert
from services.kernel.calendar import WorkingCalendar, YearSchedule
from services.kernel.clock import china_date
from services.kernel.events import EventMeta
from services.kernel.features.calendar.keeper import CalendarKeeper
from services.kernel.uow import UnitOfWork
from services.verification.domain import deadlines
from services.verification.domain.rules import RuleBook
from services.verification.flows import publishing
from services.verification.flows.publishing import Publisher
from services.verification.store import credit_view, imports, pool
from services.verification.store import tasks as store

Method = catalogue_pb2.VerificationMethod
PRIORITY = credit_pb2.RESTRICTION_KIND_PRIORITY_SUPERVISION


class CommitmentEvents:
    def __init__(self, calendar: CalendarKeeper) -> None:
        self.calendar = calendar

    async def on_recorded(
        self, event: commitment_events_pb2.CommitmentRecorded, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        kind = subject_pb2.SubjectKind.Name(event.subject.kind)
        if event.verification.method == Method.VERIFICATION_METHOD_EXEMPT:
            row = (event.department, event.subject.code, kind, event.subject_name, event.region_code)
            await imports.add_from_commitment(uow.conn, row, uow.now)
            await pool.add(uow.conn, self._task(event, kind), uow.now)
            uow.audit(
                "pool.add", f"roster/{event.department}", subject_code=event.subject.code, change=meta.id
            )
            return
        task_id = await store.insert_task(uow.conn, self._task(event, kind), uow.now)
        if task_id:
            uow.audit("task.create", f"task/{task_id}", subject_code=event.subject.code, change=meta.id)

    def _task(self, event: commitment_events_pb2.CommitmentRecorded, kind: str) -> store.NewTask:
        rule = event.verification
        approved_on = china_date(convert.from_timestamp(event.recorded_at))
        due = deadlines.due_date(self.calendar.current, approved_on, rule.time_limit_working_days)
        return store.NewTask(
            commitment_id=event.commitment_id,
            commitment_code=event.code,
            subject_kind=kind,
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
            safety_related=event.safety_related,
            supervision_domain=rule.supervision_domain,
        )

    async def on_withdrawn(
        self, event: commitment_events_pb2.CommitmentWithdrawn, uow: UnitOfWork, meta: EventMeta
    ) -> None:
        reason = f"commitment withdrawn (办结前撤回): {event.reason}"[:1000]
        commitment_id = uuid.UUID(event.commitment_id)
        await pool.forget(uow.conn, commitment_id)
        cancelled = await store.cancel_for_commitment(uow.conn, commitment_id, reason, uow.now)
        for task in cancelled:
            uow.audit("task.cancel", f"task/{task.task_id}", subject_code=task.subject_code, change=meta.id)


async def on_grade_changed(event: credit_events_pb2.GradeChanged, uow: UnitOfWork, meta: EventMeta) -> None:
    if event.grade not in (credit_pb2.GRADE_A, credit_pb2.GRADE_B, credit_pb2.GRADE_C, credit_pb2.GRADE_D):
        return  # a grade this version does not know: keep the last known one
    at = convert.from_timestamp(event.changed_at)
    if await credit_view.put_grade(uow.conn, event.subject.code, event.grade, event.version, at):
        uow.audit("credit_view.grade", "credit_grade", subject_code=event.subject.code, change=meta.id)


async def on_restriction_changed(
    event: credit_events_pb2.RestrictionChanged, uow: UnitOfWork, meta: EventMeta
) -> None:
    priority = any(r.kind == PRIORITY for r in event.restrictions)
    at = convert.from_timestamp(event.changed_at)
    if await credit_view.put_priority(uow.conn, event.subject.code, priority, event.version, at):
        uow.audit("credit_view.priority", "credit_priority", subject_code=event.subject.code, change=meta.id)


class DeadlineRecompute:
    """Listener of the calendar keeper: runs in the unit of work that stores a loaded year, so the
    recomputed deadlines commit with the year or not at all. A published outcome whose deadline
    was provisional is published again with the deadline the official calendar gives (公示)."""

    def __init__(self, calendar: CalendarKeeper, rules: Callable[[], RuleBook], publisher: Publisher) -> None:
        self.calendar, self.rules, self.publisher = calendar, rules, publisher

    async def __call__(self, schedule: YearSchedule, uow: UnitOfWork) -> None:
        calendar = self.calendar.current.with_year(schedule)  # the keeper adopts it after the commit
        found = await store.provisional(uow.conn)
        due = [_due(calendar, t) for t in found if t.due_provisional]
        published = [self._published(calendar, t) for t in found if t.publication_provisional]
        if due:
            await store.set_due_dates(uow.conn, due)
        if published:
            await store.set_publication(uow.conn, published)
            await self._republish(uow, [p[0] for p in published])
        if due or published:
            changed = sorted({str(c[0]) for c in [*due, *published]})
            uow.audit("task.recompute_deadlines", f"calendar/{schedule.year}", change=changed)

    async def _republish(self, uow: UnitOfWork, task_ids: list[uuid.UUID]) -> None:
        for task_id in task_ids:
            task = await store.one_task(uow.conn, task_id)
            assert task.decision_date is not None  # a publication deadline is set by a conclusion
            rules = self.rules().publication(task.decision_date, task.region_code)
            await publishing.conclusion(self.publisher, uow, task, rules)

    def _published(
        self, calendar: WorkingCalendar, task: store.Provisional
    ) -> tuple[uuid.UUID, dt.date, bool, dt.date | None]:
        decided = task.decision_date
        assert decided is not None  # a publication deadline is set by a conclusion
        rules = self.rules().publication(decided, task.region_code)
        found = deadlines.publication_deadlines(calendar, rules, decided, task.measure_kinds)
        provisional = found.publish.provisional or bool(found.decision and found.decision.provisional)
        return (
            task.task_id,
            found.publish.date,
            provisional,
            found.decision.date if found.decision else None,
        )


def _due(calendar: WorkingCalendar, task: store.Provisional) -> tuple[uuid.UUID, dt.date, bool]:
    answer = deadlines.due_date(calendar, task.base_date, task.working_days)
    return task.task_id, answer.date, answer.provisional
