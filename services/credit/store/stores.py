"""The credit stores as the handlers, consumers, flows and jobs reach them: `Stores`, one field per
store, each a protocol listing the functions called. In production each field is the store module
itself (`PRODUCTION`, which main.py puts into the Deps); the handler unit tests put in-memory
versions in its place (tests/support/memory_credit.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from services.credit.domain.blacklist import ListEntry, Notice, Statement
from services.credit.domain.cases import Case
from services.credit.domain.feeds import FeedEntry, Gathered, Plan
from services.credit.domain.measures import Feedback, Report
from services.credit.domain.persons import Naming
from services.credit.domain.records import Decision, Record
from services.credit.domain.sharing import Asked, Scope
from services.credit.domain.standing import Kept
from services.credit.store import (
    cases,
    feedback,
    feeds,
    lists,
    matching,
    persons,
    records,
    rule_sets,
    subjects,
)
from services.credit.store.cases import Table
from services.credit.store.lists import Proposal
from services.credit.store.matching import Hit
from services.credit.store.records import Consequences, Correction, NewRecord
from services.credit.store.rule_sets import Loaded
from services.credit.store.subjects import SubjectKey, SubjectState
from services.kernel.db import Connection, Executor
from services.kernel.rule_sets import RuleSet

C = TypeVar("C", bound=Case)


class RecordStore(Protocol):
    async def insert_record(
        self, conn: Connection, new: NewRecord, decision: Decision, then: Consequences, now: dt.datetime
    ) -> Record | None: ...
    async def earlier_false_commitments(self, conn: Connection, subject_code: str) -> tuple[dt.date, ...]: ...
    async def add_rectification(
        self,
        conn: Connection,
        commitment_id: uuid.UUID,
        task_id: uuid.UUID,
        completed_on: dt.date,
        *,
        event: str,
        now: dt.datetime,
    ) -> bool: ...
    async def rectified(self, conn: Executor, commitment_id: uuid.UUID) -> bool: ...
    async def of_commitment(self, conn: Connection, commitment_id: uuid.UUID) -> Record | None: ...
    async def records_of(self, conn: Executor, subject_code: str) -> list[Record]: ...
    async def get(self, conn: Executor, record_id: uuid.UUID, *, lock: bool = False) -> Record | None: ...
    async def some(self, conn: Connection, record_ids: list[uuid.UUID]) -> list[Record]: ...
    async def set_status(
        self, conn: Connection, record_id: uuid.UUID, status: str, ended_on: dt.date | None
    ) -> Record: ...
    async def correct(self, conn: Connection, record_id: uuid.UUID, status: str, c: Correction) -> Record: ...
    async def claim_expired(self, conn: Connection, today: dt.date, batch: int) -> list[Record]: ...
    async def public_page(
        self, conn: Executor, today: dt.date, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
    ) -> list[Record]: ...


class CaseStore(Protocol):
    async def insert(self, conn: Connection, table: Table[C], values: dict[str, Any]) -> C | None: ...
    async def get(
        self, conn: Executor, table: Table[C], case_id: uuid.UUID, *, lock: bool = False
    ) -> C | None: ...
    async def update(
        self, conn: Connection, table: Table[C], case_id: uuid.UUID, changes: dict[str, Any]
    ) -> C: ...
    async def queue(
        self,
        conn: Executor,
        table: Table[C],
        department: str,
        *,
        status: str | None,
        after: tuple[dt.date, uuid.UUID] | None,
        size: int,
        overdue: tuple[str, dt.date] | None = None,
    ) -> list[C]: ...
    async def overdue_count(
        self, conn: Executor, table: Table[C], department: str, pending: str, today: dt.date
    ) -> tuple[int, int]: ...
    async def claim_newly_overdue(
        self, conn: Connection, table: Table[C], pending: str, today: dt.date, limit: int
    ) -> list[C]: ...
    async def of_records(self, conn: Executor, table: Table[C], record_ids: list[uuid.UUID]) -> list[C]: ...


class ListStore(Protocol):
    async def propose(self, conn: Connection, p: Proposal, now: dt.datetime) -> ListEntry | None: ...
    async def get(self, conn: Executor, entry_id: uuid.UUID, *, lock: bool = False) -> ListEntry | None: ...
    async def of_subject(self, conn: Executor, code: str) -> list[ListEntry]: ...
    async def open_resting_on(
        self, conn: Connection, subject_code: str, record_id: uuid.UUID
    ) -> list[ListEntry]: ...
    async def add_statement(
        self, conn: Connection, entry_id: uuid.UUID, statement: Statement
    ) -> ListEntry: ...
    async def decide(self, conn: Connection, entry_id: uuid.UUID, changes: dict[str, Any]) -> ListEntry: ...
    async def set_notice(self, conn: Connection, entry_id: uuid.UUID, notice: Notice) -> ListEntry: ...
    async def claim_due(self, conn: Connection, today: dt.date, batch: int) -> list[ListEntry]: ...
    async def public_page(
        self, conn: Executor, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
    ) -> list[ListEntry]: ...


class RuleSetStore(Protocol):
    async def all_rule_sets(self, conn: Executor) -> list[RuleSet]: ...
    async def listing(self, conn: Executor, kind: str | None) -> list[Loaded]: ...
    async def get(self, conn: Executor, rule_set_id: str) -> Loaded | None: ...
    async def insert(
        self, conn: Connection, rule_set: RuleSet, now: dt.datetime, by: str
    ) -> Loaded | None: ...


class SubjectStore(Protocol):
    async def lock(self, conn: Connection, kind: str, code: str, region: str) -> SubjectState: ...
    async def announce(self, conn: Connection, code: str, announced: list[dict[str, Any]]) -> int: ...
    async def save_grade(self, conn: Connection, code: str, grade: dict[str, Any], *, bump: bool) -> int: ...
    async def claim_regrade(
        self, conn: Connection, today: dt.date, in_force: dict[str, str], batch: int
    ) -> list[SubjectKey]: ...
    async def regions(self, conn: Connection) -> list[str]: ...
    async def add_kept(
        self, conn: Connection, commitment_id: str, *, kind: str, code: str, decided: dt.date, event_id: str
    ) -> bool: ...
    async def kept(self, conn: Executor, code: str) -> list[Kept]: ...


class FeedbackStore(Protocol):
    async def insert(self, conn: Connection, report: Report, now: dt.datetime) -> Feedback: ...
    async def of_subject(self, conn: Executor, code: str) -> list[Feedback]: ...


class MatchingStore(Protocol):
    async def match(self, conn: Executor, asked: Asked, scope: Scope, today: dt.date) -> list[Hit]: ...


class FeedStore(Protocol):
    async def lock_head(self, conn: Connection, source: str, region_code: str) -> dt.date | None: ...
    async def open_entries(self, conn: Connection, source: str, region_code: str) -> list[FeedEntry]: ...
    async def apply(  # noqa: PLR0917
        self,
        conn: Connection,
        source: str,
        region_code: str,
        snapshot_date: dt.date,
        change: Plan,
        department: str,
        by: str,
        now: dt.datetime,
    ) -> None: ...
    async def of_subject(self, conn: Executor, code: str) -> list[FeedEntry]: ...
    async def insert_gathered(self, conn: Connection, info: Gathered) -> Gathered | None: ...
    async def gathered_of(self, conn: Executor, code: str) -> list[Gathered]: ...
    async def page(  # noqa: PLR0917
        self,
        conn: Executor,
        source: str,
        region_code: str,
        subject_code: str | None,
        after: tuple[dt.date, uuid.UUID] | None,
        size: int,
    ) -> list[FeedEntry]: ...


class PersonStore(Protocol):
    async def insert(self, conn: Connection, naming: Naming) -> Naming | None: ...
    async def get(self, conn: Executor, naming_id: uuid.UUID, *, lock: bool = False) -> Naming | None: ...
    async def of_source(self, conn: Executor, source_id: uuid.UUID) -> list[Naming]: ...
    async def of_person(self, conn: Executor, person_code: str) -> list[Naming]: ...
    async def withdraw(
        self, conn: Connection, naming_id: uuid.UUID, by: str, reason: str, at: dt.datetime
    ) -> Naming: ...
    async def records_named(self, conn: Executor, ids: list[uuid.UUID]) -> list[Record]: ...
    async def entries_named(self, conn: Executor, ids: list[uuid.UUID]) -> list[ListEntry]: ...


@dataclass(frozen=True)
class Stores:
    records: RecordStore
    cases: CaseStore
    lists: ListStore
    rule_sets: RuleSetStore
    subjects: SubjectStore
    feedback: FeedbackStore
    matching: MatchingStore
    feeds: FeedStore
    persons: PersonStore


PRODUCTION = Stores(
    records=records,
    cases=cases,
    lists=lists,
    rule_sets=rule_sets,
    subjects=subjects,
    feedback=feedback,
    matching=matching,
    feeds=feeds,
    persons=persons,
)
