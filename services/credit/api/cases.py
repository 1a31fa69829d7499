"""What the repair and objection handlers share: the record an application is about, the rules
in force on receipt, the pending case a reviewer decides, deadline extensions and the review queue."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from chengnuo.common.v1 import subject_pb2
from services.credit.api.deps import Deps
from services.credit.api.parse import acting_for, extension_reason, may_take_application, status_filter
from services.credit.domain import cases
from services.credit.domain.cases import Case
from services.credit.domain.records import Record
from services.credit.domain.rule_sets import choose_rule_set, find
from services.credit.store.cases import Table
from services.kernel import lookup, paging
from services.kernel.auth import current_caller
from services.kernel.errors import Violations
from services.kernel.rpc.handlers import Handlers
from services.kernel.uow import UnitOfWork

C = TypeVar("C", bound=Case)


def deadline_columns(due: cases.Deadline) -> dict[str, Any]:
    return {"due_date": due.due, "due_provisional": due.provisional, "extensions": due.extensions}


@dataclass(frozen=True)
class CaseKind(Generic[C]):
    """What the shared handling needs to know of one kind of case (repair application, objection)."""

    table: Table[C]
    name: str  # as refusals name a case of this kind
    pending: str  # the status of a case not decided yet
    section: str  # the section of the records rule set that holds its deadlines
    statuses: Any  # the proto enum of its statuses, for the review queue's filter


class QueueRequest(Protocol):
    """A request for a page of the review queue (ListRepairApplications, ListObjections)."""

    page_token: str
    page_size: int
    overdue_only: bool

    @property
    def status(self) -> int: ...  # each kind's own status enum


class CaseHandlers(Handlers[Deps]):
    """The base of RepairHandlers and ObjectionHandlers."""

    async def _terms_in_force(
        self, uow: UnitOfWork, region: str, today: dt.date, kind: CaseKind[C]
    ) -> tuple[str, dict[str, Any]]:
        """The procedural terms (deadlines) of the records rule set in force on receipt."""
        loaded = await self.deps.store.rule_sets.all_rule_sets(uow.conn)
        chosen = choose_rule_set(loaded, "records", today, region)
        return chosen.id, chosen.rules[kind.section]

    async def _applied_for(
        self,
        uow: UnitOfWork,
        v: Violations,
        record_id: uuid.UUID,
        name: str,
        applicant: subject_pb2.SubjectRef,
    ) -> Record:
        """The record a subject applies or objects about, locked, if the caller may take the
        application for the applicant the request names (a wrong applicant joins `v`)."""
        stored = await self.deps.store.records.get(uow.conn, record_id, lock=True)
        record = lookup.found(stored, "record", name, "record_id")
        may_take_application(current_caller(), record.region_code, record.deciding_department, "record")
        acting_for(current_caller(), v, applicant, record.subject_code, "record")
        return record

    async def _pending(self, uow: UnitOfWork, kind: CaseKind[C], case_id: uuid.UUID) -> C:
        """The case, locked, decided by the department that made the record (谁认定、谁修复)."""
        case = lookup.found(
            await self.deps.store.cases.get(uow.conn, kind.table, case_id, lock=True),
            kind.name,
            str(case_id),
            kind.table.key,
        )
        current_caller().require_department(case.department)
        cases.require_pending(case, kind.name, kind.pending)
        return case

    async def _extended(self, uow: UnitOfWork, kind: CaseKind[C], case_id: uuid.UUID, reason: str) -> C:
        """Extend a pending case's decision deadline once, as its rule set allows (audited)."""
        reason = extension_reason(reason)
        case = await self._pending(uow, kind, case_id)
        store = self.deps.store
        terms = find(await store.rule_sets.all_rule_sets(uow.conn), case.rule_set).rules[kind.section]
        later = cases.extend(terms, self.deps.calendar.current, case)
        changes = deadline_columns(later) | {"extension_reason": reason}
        extended = await store.cases.update(uow.conn, kind.table, case.case_id, changes)
        uow.audit(
            f"{kind.section}.extend",
            f"{kind.table.name}/{case.case_id}",
            subject_code=case.subject_code,
            change=[str(later.due), reason],
        )
        return extended

    async def _queue(self, kind: CaseKind[C], request: QueueRequest) -> tuple[list[C], str]:
        """The caller's department's cases, earliest deadline first, and the next page's token."""
        chosen = status_filter(kind.statuses, request.status)
        size = paging.page_size(request.page_size)
        found_cases = await self.deps.store.cases.queue(
            self.db.pool,
            kind.table,
            current_caller().department,
            status=chosen,
            after=paging.after(request.page_token, dt.date.fromisoformat, uuid.UUID),
            size=size,
            overdue=(kind.pending, self.db.clock.today()) if request.overdue_only else None,
        )
        return found_cases, paging.next_token(found_cases, size, "due_date", "case_id")

    async def _overdue_count(self, kind: CaseKind[C]) -> tuple[str, int, int, dt.date]:
        """The caller's department (a credit officer's or reviewer's token always names one), its
        overdue and pending cases, and the date they are counted on."""
        department = current_caller().department
        today = self.db.clock.today()
        overdue, pending = await self.deps.store.cases.overdue_count(
            self.db.pool, kind.table, department, kind.pending, today
        )
        return department, overdue, pending, today
