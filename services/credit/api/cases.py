"""What the repair and objection handlers share: the rules in force on receipt, the pending case
a reviewer decides, deadline extensions and the review queue."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypeVar

from services.credit.api.deps import Deps
from services.credit.api.parse import extension_reason, found, status_filter
from services.credit.domain import cases
from services.credit.domain.cases import Case
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.store.cases import Table
from services.kernel import paging
from services.kernel.auth import current_caller
from services.kernel.rpc.handlers import Handlers
from services.kernel.uow import UnitOfWork

C = TypeVar("C", bound=Case)


def deadline_columns(due: cases.Deadline) -> dict[str, Any]:
    return {"due_date": due.due, "due_provisional": due.provisional, "extensions": due.extensions}


class CaseHandlers(Handlers[Deps]):
    """The base of RepairHandlers and ObjectionHandlers."""

    async def _terms_in_force(
        self, uow: UnitOfWork, region: str, today: dt.date, section: str
    ) -> tuple[str, dict[str, Any]]:
        """The procedural terms (deadlines) of the records rule set in force on receipt."""
        loaded = await self.deps.store.rule_sets.all_rule_sets(uow.conn)
        chosen = choose_rule_set(loaded, "records", today, region)
        return chosen.id, chosen.rules[section]

    async def _pending(
        self, uow: UnitOfWork, table: Table[C], case_id: uuid.UUID, name: str, pending: str
    ) -> C:
        """The case, locked, decided by the department that made the record (谁认定、谁修复)."""
        case = found(
            await self.deps.store.cases.get(uow.conn, table, case_id, lock=True),
            name,
            str(case_id),
            table.key,
        )
        current_caller().require_department(case.department)
        cases.require_pending(case, name, pending)
        return case

    async def _extended(
        self,
        uow: UnitOfWork,
        table: Table[C],
        case_id: uuid.UUID,
        reason: str,
        *,
        name: str,
        pending: str,
        section: str,
    ) -> C:
        """Extend a pending case's decision deadline once, as its rule set allows (audited)."""
        reason = extension_reason(reason)
        case = await self._pending(uow, table, case_id, name, pending)
        store = self.deps.store
        terms = find(await store.rule_sets.all_rule_sets(uow.conn), case.rule_set).rules[section]
        later = cases.extend(terms, self.deps.calendar.current, case)
        changes = deadline_columns(later) | {"extension_reason": reason}
        extended = await store.cases.update(uow.conn, table, case.case_id, changes)
        uow.audit(
            f"{section}.extend",
            f"{table.name}/{case.case_id}",
            subject_code=case.subject_code,
            change=[str(later.due), reason],
        )
        return extended

    async def _queue(
        self, table: Table[C], status_enum: Any, status: int, page_token: str, requested: int
    ) -> tuple[list[C], str]:
        """The caller's department's cases, earliest deadline first, and the next page's token."""
        chosen = status_filter(status_enum, status)
        size = paging.page_size(requested)
        found_cases = await self.deps.store.cases.queue(
            self.db.pool,
            table,
            current_caller().department,
            status=chosen,
            after=paging.after(page_token, dt.date.fromisoformat, uuid.UUID),
            size=size,
        )
        return found_cases, paging.next_token(found_cases, size, "due_date", "case_id")
