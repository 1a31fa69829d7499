"""Scheduled work of the verification service (safe with any number of replicas)."""

from __future__ import annotations

from services.kernel.clock import china_date
from services.kernel.jobs import Job
from services.kernel.uow import UnitOfWork
from services.verification import announce
from services.verification.store import tasks as store

BATCH = 200


async def announce_overdue(uow: UnitOfWork) -> int:
    """Announce once per due date each open task that passed it (`verification.task_overdue`)."""
    today = china_date(uow.now)
    rows = await store.claim_newly_overdue(uow.conn, today, BATCH)
    for row in rows:
        announce.overdue(uow, row, today)
    if rows:
        uow.audit("task.overdue", "tasks", change=sorted(str(r["task_id"]) for r in rows))
    return len(rows)


OVERDUE = Job("verification-overdue", every_seconds=60.0, step=announce_overdue)
