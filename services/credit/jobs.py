"""Scheduled credit work: records reach the end of their maximum period, listings their removal
date, and grades are recomputed when a window closes or another grading rule set takes over.

Each step claims a bounded batch with FOR UPDATE SKIP LOCKED (safe with several replicas), and
announces the subjects' new restrictions and grades in the same unit of work, with the end of
publication (公示, flows/publicity.py: keyed by the installation's pseudonym key, hence the jobs
that publish are made with it). The steps claim in SQL, so they run on the production stores
(store/stores.py); they have no in-memory double.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Protocol

from services.credit.domain import cases as case_rules
from services.credit.domain.cases import Objection, RepairApplication
from services.credit.domain.rule_sets import choose_rule_set
from services.credit.flows import publicity, refresh
from services.credit.store.cases import OBJECTION, REPAIR
from services.credit.store.stores import PRODUCTION
from services.credit.wire import events
from services.kernel.clock import china_date
from services.kernel.jobs import Job
from services.kernel.uow import UnitOfWork

BATCH = 100
EVERY_SECONDS = 60.0
STORE = PRODUCTION


class OfSubject(Protocol):
    @property
    def subject_code(self) -> str: ...
    @property
    def subject_kind(self) -> str: ...


async def expire_records(key: bytes, uow: UnitOfWork) -> int:
    """Publication and the restrictions a record caused stop when its maximum period ends."""
    expired = await STORE.records.claim_expired(uow.conn, china_date(uow.now), BATCH)
    for record in expired:
        target = f"record/{record.record_id}"
        uow.emit(events.record_expired(record), entity=target)
        publicity.record_ended(uow, key, record)  # 公示期满
        uow.audit("record.expire", target, subject_code=record.subject_code, change=str(record.publicity_end))
    await refresh_subjects(uow, expired)
    return len(expired)


async def remove_due_listings(key: bytes, uow: UnitOfWork) -> int:
    """Automatic removal from the list when the listing period ends."""
    removed = await STORE.lists.claim_due(uow.conn, china_date(uow.now), BATCH)
    for entry in removed:
        target = f"list_entry/{entry.entry_id}"
        uow.emit(events.subject_delisted(entry), entity=target)
        publicity.delisted(uow, key, entry)
        uow.audit(
            "list.remove", target, subject_code=entry.subject_code, change="REMOVAL_REASON_PERIOD_ENDED"
        )
    await refresh_subjects(uow, removed)
    return len(removed)


async def regrade(uow: UnitOfWork) -> int:
    today = china_date(uow.now)
    loaded = await STORE.rule_sets.all_rule_sets(uow.conn)
    in_force = {}
    for region in await STORE.subjects.regions(uow.conn):
        try:
            in_force[region] = choose_rule_set(loaded, "grading", today, region).id
        except LookupError:
            continue  # nothing to grade by; the subject keeps its grade
    due = await STORE.subjects.claim_regrade(uow.conn, today, in_force, BATCH)
    await refresh_subjects(uow, due)
    return len(due)


async def refresh_subjects(uow: UnitOfWork, changed: Iterable[OfSubject]) -> None:
    """Refresh each subject once, in code order, so concurrent jobs lock subjects alike."""
    for code, kind in sorted({(c.subject_code, c.subject_kind) for c in changed}):
        await refresh.subject(STORE, uow, kind, code)


async def announce_overdue_cases(uow: UnitOfWork) -> int:
    """Announce once per due date each pending repair application (decision due within 3 working
    days, extendable once by 3) and objection (within 5 working days) that passed its due date
    (`credit.case_overdue`); an extension moves the due date, so a case overdue again is announced
    again."""
    today = china_date(uow.now)
    claimed: list[RepairApplication | Objection] = [
        *await STORE.cases.claim_newly_overdue(uow.conn, REPAIR, case_rules.REPAIR_PENDING, today, BATCH),
        *await STORE.cases.claim_newly_overdue(
            uow.conn, OBJECTION, case_rules.OBJECTION_PENDING, today, BATCH
        ),
    ]
    for case in claimed:
        target = (
            f"{'repair_application' if isinstance(case, RepairApplication) else 'objection'}/{case.case_id}"
        )
        uow.emit(events.case_overdue(case, today), entity=target)
        uow.audit("case.overdue", target, subject_code=case.subject_code, change=str(case.due_date))
    return len(claimed)


def expiry(key: bytes) -> Job:
    return Job("credit-record-expiry", EVERY_SECONDS, partial(expire_records, key))


def delisting(key: bytes) -> Job:
    return Job("credit-list-removal", EVERY_SECONDS, partial(remove_due_listings, key))


REGRADE = Job("credit-regrade", EVERY_SECONDS, regrade)
OVERDUE_CASES = Job("credit-overdue-cases", EVERY_SECONDS, announce_overdue_cases)
