"""The stores the verification service's handlers use, one protocol each (what the handlers call).

In production the store modules themselves (`main.STORES`); in the handler unit tests in-memory
versions (tests/support/memory_verification.py). A store module satisfies its protocol as it is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from services.kernel.db import Connection, Executor
from services.verification.domain.annual_plans import Entry as PlannedEntry
from services.verification.domain.annual_plans import ItemInForce
from services.verification.domain.check_items import ItemDraft
from services.verification.domain.joint import Inspection, Item
from services.verification.domain.ledger import Entry, PoolExclusion
from services.verification.domain.plans import PlanDraft
from services.verification.domain.rosters import InspectorRecord
from services.verification.domain.sampling import DrawRun
from services.verification.domain.scenes import SceneItem
from services.verification.domain.tasks import InspectorFacts, Rectification
from services.verification.store.annual_plans import AnnualPlan, Publication
from services.verification.store.assistance import Answer, Assistance, Request
from services.verification.store.check_items import ListedItem
from services.verification.store.draws import Draw, DrawInspector, DrawnSubject
from services.verification.store.imports import Chunk, RowError, SubjectImport
from services.verification.store.joint import Planned
from services.verification.store.plans import Plan
from services.verification.store.pool import Created
from services.verification.store.publicity import Authority, PoolSubject
from services.verification.store.referrals import NewReferral, Referral
from services.verification.store.registrations import NewRegistration, Registration
from services.verification.store.results import NewResult, ResultFilter, StoredResult, Target
from services.verification.store.rosters import Department, Eligible, Inspector
from services.verification.store.scenes import Scene
from services.verification.store.sharing import SharedResult
from services.verification.store.tasks import Conclusion, Extension, Task, TaskFilter

Page = tuple[dt.date, uuid.UUID]


class TaskStore(Protocol):
    async def get_task(self, conn: Executor, task_id: uuid.UUID, *, lock: bool = False) -> Task | None: ...
    async def one_task(self, conn: Executor, task_id: uuid.UUID) -> Task: ...
    async def list_tasks(
        self, conn: Executor, department: str, where: TaskFilter, after: Page | None, limit: int
    ) -> list[Task]: ...
    async def conclude(self, conn: Connection, task_id: uuid.UUID, c: Conclusion) -> None: ...
    async def rectify(self, conn: Connection, task_id: uuid.UUID, rectification: Rectification) -> None: ...
    async def assign(
        self, conn: Connection, task_id: uuid.UUID, numbers: Sequence[str], by: str, now: dt.datetime
    ) -> None: ...
    async def inspector_facts(self, conn: Connection, numbers: Sequence[str]) -> list[InspectorFacts]: ...
    async def extend(
        self, conn: Connection, task_id: uuid.UUID, e: Extension, *, provisional: bool
    ) -> None: ...
    async def extensions(self, conn: Executor, task_id: uuid.UUID) -> list[Extension]: ...
    async def overdue_counts(
        self, conn: Executor, departments: Sequence[str], today: dt.date
    ) -> dict[str, tuple[int, int]]: ...
    async def open_on_site(
        self, conn: Connection, departments: Sequence[str], start: dt.date, end: dt.date
    ) -> list[Item]: ...
    async def task_of_commitment(
        self, conn: Executor, commitment_id: uuid.UUID, *, lock: bool = False
    ) -> Task | None: ...
    async def escalation_counts(
        self, conn: Executor, departments: Sequence[str], today: dt.date
    ) -> dict[str, tuple[int, int]]: ...


class AssistanceStore(Protocol):
    async def department_exists(self, conn: Executor, code: str) -> bool: ...
    async def insert(self, conn: Connection, a: Request) -> Assistance: ...
    async def get(
        self, conn: Executor, assistance_id: uuid.UUID, *, lock: bool = False
    ) -> Assistance | None: ...
    async def answer(self, conn: Connection, assistance_id: uuid.UUID, a: Answer) -> Assistance: ...
    async def listing(
        self,
        conn: Executor,
        *,
        incoming: bool,
        department: str,
        status: str | None,
        after: Page | None,
        limit: int,
        overdue_on: dt.date | None = None,
    ) -> list[Assistance]: ...
    async def overdue_counts(
        self, conn: Executor, departments: Sequence[str], today: dt.date
    ) -> dict[str, tuple[int, int]]: ...


class RosterStore(Protocol):
    async def department_parents(self, conn: Executor) -> dict[str, str | None]: ...
    async def departments(self, conn: Executor) -> list[Department]: ...
    async def put_departments(
        self, conn: Connection, rows: Sequence[tuple[str, str, str | None, str]], now: dt.datetime
    ) -> int: ...
    async def owners(self, conn: Connection, numbers: Sequence[str]) -> dict[str, str]: ...
    async def upsert_inspectors(
        self, conn: Connection, department: str, records: Sequence[InspectorRecord], now: dt.datetime
    ) -> int: ...
    async def deactivate_others(
        self, conn: Connection, department: str, keep: Sequence[str], now: dt.datetime
    ) -> int: ...
    async def list_inspectors(
        self, conn: Executor, department: str, after: str | None, limit: int
    ) -> list[Inspector]: ...
    async def eligible_inspectors(
        self, conn: Connection, departments: Sequence[str], domain: str, on: dt.date
    ) -> list[Eligible]: ...


class ImportStore(Protocol):
    async def begin(
        self, conn: Connection, department: str, mode: str, *, source: str, by: str, now: dt.datetime
    ) -> SubjectImport: ...
    async def get(
        self, conn: Executor, import_id: uuid.UUID, *, lock: bool = False
    ) -> SubjectImport | None: ...
    async def add_chunk(self, conn: Connection, import_id: uuid.UUID, chunk: Chunk) -> bool: ...
    async def commit(self, conn: Connection, imp: SubjectImport, now: dt.datetime) -> SubjectImport: ...
    async def errors(
        self, conn: Executor, import_id: uuid.UUID, after: tuple[int, str] | None, limit: int
    ) -> list[RowError]: ...


class PlanStore(Protocol):
    async def insert(self, conn: Connection, plan: PlanDraft, by: str, now: dt.datetime) -> Plan: ...
    async def get(self, conn: Executor, plan_id: uuid.UUID, *, lock: bool = False) -> Plan | None: ...
    async def listing(
        self, conn: Executor, department: str, after: tuple[dt.datetime, uuid.UUID] | None, limit: int
    ) -> list[Plan]: ...
    async def mark_drawn(self, conn: Connection, plan_id: uuid.UUID, draw_id: uuid.UUID) -> None: ...


class DrawStore(Protocol):
    async def insert_draw(
        self,
        conn: Connection,
        draw_id: uuid.UUID,
        *,
        plan_id: uuid.UUID,
        seed: str,
        algorithm: str,
        by: str,
        at: dt.datetime,
    ) -> None: ...
    async def snapshot_pool(
        self,
        conn: Connection,
        draw_id: uuid.UUID,
        plan: Plan,
        ungraded: int,
        priority_drawn: bool,
        *,
        exclusion: PoolExclusion,
        risk_shifts: Sequence[int] = (0, 0, 0, 0),
    ) -> tuple[int, str, list[int]]: ...
    async def insert_inspectors(
        self, conn: Connection, draw_id: uuid.UUID, ranked: Sequence[DrawInspector]
    ) -> None: ...
    async def create_verify_table(self, conn: Connection) -> None: ...
    async def rank(
        self,
        conn: Connection,
        table: str,
        draw_id: uuid.UUID,
        *,
        seed: str,
        strata: Sequence[int],
        quotas: Sequence[int],
        teams: int,
    ) -> None: ...
    async def conflicting(
        self, conn: Connection, table: str, draw_id: uuid.UUID, pairs: Sequence[tuple[int, str]]
    ) -> list[tuple[int, str]]: ...
    async def set_teams(
        self, conn: Connection, table: str, draw_id: uuid.UUID, changes: Sequence[tuple[int, int | None]]
    ) -> None: ...
    async def result_digest(
        self, conn: Connection, table: str, draw_id: uuid.UUID
    ) -> tuple[str, int, int]: ...
    async def recount(self, conn: Executor, draw_id: uuid.UUID) -> list[int]: ...
    async def recomputed_pool_digest(self, conn: Executor, draw_id: uuid.UUID) -> tuple[str, str]: ...
    async def finish(self, conn: Connection, draw_id: uuid.UUID, done: DrawRun) -> None: ...
    async def get(self, conn: Executor, draw_id: uuid.UUID) -> Draw | None: ...
    async def inspectors(self, conn: Executor, draw_id: uuid.UUID) -> list[DrawInspector]: ...
    async def results(self, conn: Executor, draw: Draw, after: int, limit: int) -> list[DrawnSubject]: ...
    async def open_results(
        self, conn: Connection, departments: Sequence[str], start: dt.date, end: dt.date
    ) -> list[Item]: ...


class PoolStore(Protocol):
    async def tasks_for_draw(
        self,
        conn: Connection,
        draw_id: uuid.UUID,
        departments: Sequence[str],
        dates: tuple[dt.date, dt.date],
        now: dt.datetime,
    ) -> list[Created]: ...
    async def pooled_department(self, conn: Connection, commitment_id: uuid.UUID) -> str | None: ...
    async def task_for_supervision(
        self, conn: Connection, commitment_id: uuid.UUID, on: dt.date, now: dt.datetime
    ) -> uuid.UUID: ...
    async def withdrawn(self, conn: Connection, commitment_id: uuid.UUID) -> bool: ...


class JointStore(Protocol):
    async def lock_planning(self, conn: Connection) -> None: ...
    async def earlier(
        self, conn: Connection, codes: Sequence[str], year: int, without: Sequence[tuple[str, str]] = ()
    ) -> list[Inspection]: ...
    async def insert(self, conn: Connection, planned: Sequence[Planned], by: str) -> None: ...
    async def listing(
        self,
        conn: Executor,
        department: str,
        year: int,
        after: tuple[dt.datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Planned]: ...


class ReferralStore(Protocol):
    async def insert(self, conn: Connection, r: NewReferral) -> Referral: ...
    async def get(self, conn: Executor, referral_id: uuid.UUID, *, lock: bool = False) -> Referral | None: ...
    async def receive(
        self, conn: Connection, referral_id: uuid.UUID, on: dt.date, receiver: str, now: dt.datetime
    ) -> Referral: ...
    async def decide(
        self,
        conn: Connection,
        referral_id: uuid.UUID,
        outcome: str,
        *,
        on: dt.date,
        note: str,
        now: dt.datetime,
    ) -> Referral: ...
    async def listing(
        self,
        conn: Executor,
        department: str,
        status: str | None,
        after: tuple[dt.datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Referral]: ...


class SharingStore(Protocol):
    async def results_of(
        self, conn: Executor, code: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
    ) -> list[SharedResult]: ...


class CheckItemStore(Protocol):
    async def latest(
        self, conn: Executor, department: str, code: str, *, lock: bool = False
    ) -> ListedItem | None: ...
    async def version(self, conn: Executor, department: str, code: str, number: int) -> ListedItem | None: ...
    async def insert(
        self, conn: Connection, department: str, draft: ItemDraft, number: int, *, by: str, now: dt.datetime
    ) -> ListedItem: ...
    async def retire(
        self, conn: Connection, department: str, code: str, number: int, on: dt.date
    ) -> ListedItem: ...
    async def listing(
        self, conn: Executor, department: str, *, on: dt.date | None, after: str | None, limit: int
    ) -> list[ListedItem]: ...
    async def in_force(
        self, conn: Executor, department: str, code: str, on: dt.date
    ) -> ItemInForce | None: ...


class AnnualPlanStore(Protocol):
    async def get(self, conn: Executor, plan_id: uuid.UUID, *, lock: bool = False) -> AnnualPlan | None: ...
    async def of_year(self, conn: Executor, department: str, year: int) -> AnnualPlan | None: ...
    async def insert(
        self,
        conn: Connection,
        department: str,
        year: int,
        name: str,
        entries: Sequence[PlannedEntry],
        *,
        by: str,
        now: dt.datetime,
    ) -> AnnualPlan | None: ...
    async def revise(
        self, conn: Connection, plan_id: uuid.UUID, name: str, entries: Sequence[PlannedEntry]
    ) -> AnnualPlan: ...
    async def publish(self, conn: Connection, plan_id: uuid.UUID, p: Publication) -> AnnualPlan: ...
    async def listing(
        self, conn: Executor, department: str, year: int, after: tuple[int, uuid.UUID] | None, limit: int
    ) -> list[AnnualPlan]: ...


class SceneStore(Protocol):
    async def latest(self, conn: Executor, lead: str, code: str, *, lock: bool = False) -> Scene | None: ...
    async def version(self, conn: Executor, lead: str, code: str, number: int) -> Scene | None: ...
    async def insert(
        self,
        conn: Connection,
        lead: str,
        code: str,
        number: int,
        *,
        name: str,
        cooperating: Sequence[str],
        items: Sequence[SceneItem],
        effective_from: dt.date,
        by: str,
        now: dt.datetime,
    ) -> Scene: ...
    async def listing(
        self, conn: Executor, department: str, after: tuple[str, str] | None, limit: int
    ) -> list[Scene]: ...


class LedgerStore(Protocol):
    async def of_subject(
        self, conn: Executor, code: str, year: int, *, without: Sequence[tuple[str, str]] = ()
    ) -> list[Entry]: ...
    async def record_draw(
        self, conn: Connection, draw_id: uuid.UUID, plan_id: uuid.UUID, now: dt.datetime
    ) -> int: ...
    async def record_registration(
        self,
        conn: Connection,
        registration_id: uuid.UUID,
        entry: tuple[str, str, str, dt.date],
        now: dt.datetime,
    ) -> None: ...
    async def cancel(
        self, conn: Connection, origin: str, origin_ids: Sequence[str], now: dt.datetime
    ) -> None: ...


class RegistrationStore(Protocol):
    async def insert(self, conn: Connection, r: NewRegistration) -> Registration: ...
    async def get(
        self, conn: Executor, registration_id: uuid.UUID, *, lock: bool = False
    ) -> Registration | None: ...
    async def cancel(
        self, conn: Connection, registration_id: uuid.UUID, reason: str, by: str, now: dt.datetime
    ) -> Registration: ...
    async def listing(
        self, conn: Executor, department: str, year: int, after: tuple[dt.date, uuid.UUID] | None, limit: int
    ) -> list[Registration]: ...


class ResultStore(Protocol):
    async def drawn(self, conn: Connection, draw_id: uuid.UUID, subject_code: str) -> Target | None: ...
    async def joint(self, conn: Connection, joint_id: uuid.UUID) -> Target | None: ...
    async def registered(self, conn: Connection, registration_id: uuid.UUID) -> Target | None: ...
    async def of_target(self, conn: Executor, target: Target) -> uuid.UUID | None: ...
    async def insert(self, conn: Connection, r: NewResult) -> StoredResult: ...
    async def get(self, conn: Executor, result_id: uuid.UUID) -> StoredResult | None: ...
    async def listing(
        self,
        conn: Executor,
        department: str,
        where: ResultFilter,
        after: tuple[dt.datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[StoredResult]: ...
    async def of_subject(
        self, conn: Executor, code: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
    ) -> list[StoredResult]: ...


class PublicityStore(Protocol):
    async def number(
        self, conn: Connection, entity: str, kind: str, *, department: str, year: int, at: dt.datetime
    ) -> str: ...
    async def known(self, conn: Executor, entity: str, kind: str) -> str | None: ...
    async def pool_subjects(
        self, conn: Executor, draw_id: uuid.UUID, departments: Sequence[str]
    ) -> list[PoolSubject]: ...
    async def natural_conflicts(self, conn: Executor, numbers: Sequence[str]) -> set[str]: ...
    async def authority(self, conn: Executor, code: str, region_code: str = "") -> Authority: ...


@dataclass(frozen=True)
class Stores:
    tasks: TaskStore
    assistance: AssistanceStore
    rosters: RosterStore
    imports: ImportStore
    plans: PlanStore
    draws: DrawStore
    pool: PoolStore
    joint: JointStore
    sharing: SharingStore
    check_items: CheckItemStore
    annual_plans: AnnualPlanStore
    scenes: SceneStore
    referrals: ReferralStore
    ledger: LedgerStore
    registrations: RegistrationStore
    results: ResultStore
    publicity: PublicityStore
