"""Scheduled credit work: records reach the end of their maximum period, listings their removal
date, and grades are recomputed when a window closes or another grading rule set takes over.

Each step claims a bounded batch with FOR UPDATE SKIP LOCKED (safe with several replicas), and
announces the subjects' new restrictions and grades in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from chengnuo.events.v1 import credit_events_pb2 as events
from services.credit import messages, refresh
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.store import lists, records, rule_sets, subjects
from services.kernel.clock import china_date
from services.kernel.jobs import Job
from services.kernel.uow import UnitOfWork

BATCH = 100
EVERY_SECONDS = 60.0


async def expire_records(uow: UnitOfWork) -> int:
    """Publication and the restrictions a record caused stop when its maximum period ends."""
    rows = await records.claim_expired(uow.conn, china_date(uow.now), BATCH)
    for row in rows:
        target = f"record/{row['record_id']}"
        uow.emit(events.RecordExpired(record=messages.record(row)), entity=target)
        uow.audit("record.expire", target, subject_code=row["subject_code"], change=str(row["publicity_end"]))
    await refresh_subjects(uow, rows)
    return len(rows)


async def remove_due_listings(uow: UnitOfWork) -> int:
    """Automatic removal from the list when the listing period ends."""
    rows = await lists.claim_due(uow.conn, china_date(uow.now), BATCH)
    for row in rows:
        target = f"list_entry/{row['entry_id']}"
        uow.emit(events.SubjectDelisted(entry=messages.list_entry(row)), entity=target)
        uow.audit(
            "list.remove", target, subject_code=row["subject_code"], change="REMOVAL_REASON_PERIOD_ENDED"
        )
    await refresh_subjects(uow, rows)
    return len(rows)


async def regrade(uow: UnitOfWork) -> int:
    today = china_date(uow.now)
    loaded = await rule_sets.all_rule_sets(uow.conn)
    in_force = {}
    for region in await subjects.regions(uow.conn):
        try:
            in_force[region] = choose_rule_set(loaded, "grading", today, region).id
        except LookupError:
            continue  # nothing to grade by; the subject keeps its grade
    rows = await subjects.claim_regrade(uow.conn, today, in_force, BATCH)
    await refresh_subjects(uow, rows)
    return len(rows)


async def refresh_subjects(uow: UnitOfWork, rows: Iterable[asyncpg.Record]) -> None:
    """Refresh each subject once, in code order, so concurrent jobs lock subjects alike."""
    for code, kind in sorted({(r["subject_code"], r["subject_kind"]) for r in rows}):
        await refresh.subject(uow, kind, code)


EXPIRY = Job("credit-record-expiry", EVERY_SECONDS, expire_records)
DELISTING = Job("credit-list-removal", EVERY_SECONDS, remove_due_listings)
REGRADE = Job("credit-regrade", EVERY_SECONDS, regrade)
