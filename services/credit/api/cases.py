"""What repair applications and objections share: deadlines, extensions and the review queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg

from services.credit.api.common import found, text
from services.credit.domain import cases
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.store import cases as store
from services.credit.store import rule_sets
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.calendar_api import CalendarKeeper
from services.kernel.errors import FailedPrecondition, InvalidArgument, PreconditionViolation, Violations
from services.kernel.uow import UnitOfWork


async def terms_in_force(
    uow: UnitOfWork, region: str, today: dt.date, section: str
) -> tuple[str, dict[str, Any]]:
    """The procedural terms (deadlines) of the records rule set in force on receipt."""
    chosen = choose_rule_set(await rule_sets.all_rule_sets(uow.conn), "records", today, region)
    return chosen.id, chosen.rules[section]


def deadline_columns(due: cases.Deadline) -> dict[str, Any]:
    return {"due_date": due.due, "due_provisional": due.provisional, "extensions": due.extensions}


async def pending_case(
    uow: UnitOfWork, table: store.Table, case_id: uuid.UUID, name: str, pending: str
) -> asyncpg.Record:
    """The case, locked, decided by the department that made the record (谁认定、谁修复)."""
    row = found(await store.get(uow.conn, table, case_id, lock=True), name, str(case_id), table[1])
    current_caller().require_department(row["department"])
    if row["status"] != pending:
        raise FailedPrecondition(
            f"the {name} is decided already",
            [PreconditionViolation("ALREADY_DECIDED", str(case_id), f"the {name} is {row['status']}")],
        )
    return row


async def extend(
    uow: UnitOfWork,
    calendar: CalendarKeeper,
    table: store.Table,
    case: asyncpg.Record,
    *,
    reason: str,
    section: str,
) -> asyncpg.Record:
    """Extend the decision deadline once, as the case's rule set allows (audited)."""
    terms = find(await rule_sets.all_rule_sets(uow.conn), case["rule_set"]).rules[section]
    current = cases.Deadline(case["due_date"], case["due_provisional"], case["extensions"])
    later = cases.extended(terms, calendar.current, current)
    case_id = str(case[table[1]])
    if later is None:
        raise FailedPrecondition(
            "the deadline may not be extended again",
            [PreconditionViolation("EXTENSION_USED", case_id, "the rules allow no further extension")],
        )
    row = await store.update(
        uow.conn, table, case[table[1]], deadline_columns(later) | {"extension_reason": reason}
    )
    uow.audit(
        f"{section}.extend",
        f"{table[0]}/{case_id}",
        subject_code=case["subject_code"],
        change=[str(later.due), reason],
    )
    return row


def extension_reason(value: str) -> str:
    v = Violations()
    reason = text(v, "reason", value)
    v.raise_if_any()
    return reason


def status_filter(enum: Any, value: int) -> str | None:
    """An optional status filter of a list request (0: every status)."""
    if value not in enum.values():
        raise InvalidArgument.one("status", "not a known status")
    return str(enum.Name(value)) if value else None


async def queue(
    conn: Any, table: store.Table, status: str | None, page_token: str, requested: int
) -> tuple[list[asyncpg.Record], str]:
    size = paging.page_size(requested)
    rows = await store.queue(
        conn,
        table,
        current_caller().department,
        status=status,
        after=paging.after(page_token, dt.date.fromisoformat, uuid.UUID),
        size=size,
    )
    next_token = paging.next_token(rows, size, "due_date", table[1])
    return rows, next_token
