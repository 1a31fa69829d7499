"""Reading a subject's standing (records, list entries, grade, measures in force) for a reply."""

from __future__ import annotations

import datetime as dt

from services.contracts.subjects import Subject
from services.credit.domain import standing
from services.credit.store.stores import Stores
from services.kernel.db import Executor


async def standing_of(store: Stores, conn: Executor, subject: Subject, today: dt.date) -> standing.Standing:
    code = subject.code
    return standing.standing(
        subject.kind,
        code,
        await store.records.records_of(conn, code),
        await store.lists.of_subject(conn, code),
        await store.subjects.kept(conn, code),
        await store.feedback.of_subject(conn, code),
        await store.rule_sets.all_rule_sets(conn),
        today,
        await store.feeds.of_subject(conn, code),
        await store.feeds.gathered_of(conn, code),
    )
