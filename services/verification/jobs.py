"""Scheduled work of the verification service (safe with any number of replicas)."""

from __future__ import annotations

from services.kernel.clock import china_date
from services.kernel.jobs import Job
from services.kernel.uow import UnitOfWork
from services.verification.store import assistance
from services.verification.store import tasks as store
from services.verification.wire import closing, events

BATCH = 200


async def announce_overdue(uow: UnitOfWork) -> int:
    """Announce once per due date each open task that passed it (`verification.task_overdue`)."""
    today = china_date(uow.now)
    claimed = await store.claim_newly_overdue(uow.conn, today, BATCH)
    for task in claimed:
        events.overdue(uow, task, today)
    if claimed:
        uow.audit("task.overdue", "tasks", change=sorted(str(t.task_id) for t in claimed))
    return len(claimed)


OVERDUE = Job("verification-overdue", every_seconds=60.0, step=announce_overdue)


async def announce_assistance_overdue(uow: UnitOfWork) -> int:
    """Announce once each pending request for assistance past its answer_by date
    (`verification.assistance_overdue`), as overdue tasks are announced."""
    today = china_date(uow.now)
    claimed = await assistance.claim_newly_overdue(uow.conn, today, BATCH)
    for asked in claimed:
        closing.assistance_overdue(uow, asked, today)
    if claimed:
        uow.audit("assistance.overdue", "assistance", change=sorted(str(a.assistance_id) for a in claimed))
    return len(claimed)


ASSISTANCE_OVERDUE = Job(
    "verification-assistance-overdue", every_seconds=60.0, step=announce_assistance_overdue
)
