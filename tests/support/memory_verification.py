"""In-memory versions of the verification service's stores, for handler tests without PostgreSQL.

They keep the signatures of the stores in services/verification/store/ (the protocols of
services/verification/api/deps.py) and work on the MemoryTables of tests/support/memory.py:

    db = MemoryDatabase(FixedClock(at), CATALOG)
    deps = verification_deps(db)
    task_id = add_task(db.tables, method=ON_SITE, at=at)
    assign(db.tables, task_id, ["ZF1", "ZF2"], at=at)
    TaskHandlers(deps).ConcludeTask(request, None)

The tables hold what the migrations' tables hold, one dict per row under the same column names:
`task` (its `measures` and `rectification` as the JSON the store writes), `task_inspector`,
`inspector` (the names of the assigned inspectors), `task_extension`, `assistance` and
`public_number` (the public numbers of what a conclusion publishes).

What concluding a task uses is in memory (MemoryTasks: get_task, one_task, conclude,
extensions); every other store is the production module: it runs SQL, which MemoryTables
refuses, so a handler test that reaches it fails loudly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from services.contracts.events import CATALOG
from services.kernel.calendar import WorkingCalendar
from services.kernel.clock import Clock
from services.kernel.db import Connection, Executor
from services.kernel.features.calendar.store import packaged_years
from services.kernel.features.sharing.gate import SharingGate
from services.verification.api.deps import Deps
from services.verification.domain.assistance import CANCELLED, PENDING
from services.verification.domain.closing import Escalation
from services.verification.domain.publication import public_number
from services.verification.domain.rules import RuleBook
from services.verification.domain.tasks import CONCLUDED, OPEN, Rectification
from services.verification.store import (
    annual_plans,
    assistance,
    check_items,
    draws,
    imports,
    joint,
    ledger,
    plans,
    pool,
    publicity,
    referrals,
    registrations,
    results,
    rosters,
    scenes,
    sharing,
)
from services.verification.store import tasks as production
from services.verification.store.publicity import Authority
from services.verification.store.referrals import NewReferral, Referral
from services.verification.store.rules import packaged_rule_sets
from services.verification.store.stores import Stores
from services.verification.store.tasks import AssignedInspector, Conclusion, Extension, Task
from tests.support.memory import MemoryDatabase, MemoryTables, Row

# The columns of a task row besides its inspectors, in the order of store.tasks.Task.
_COLUMNS = [f.name for f in dataclasses.fields(Task) if f.name != "inspectors"]


def declare_keys(tables: MemoryTables) -> None:
    """The unique keys of the verification tables the memory stores write."""
    tables.unique("task", "task_id")
    tables.unique("task", "commitment_id")
    tables.unique("task_inspector", "task_id", "certificate_number")
    tables.unique("task_extension", "task_id", "seq")
    tables.unique("assistance", "assistance_id")
    tables.unique("inspector", "certificate_number")
    tables.unique("referral", "referral_id")
    tables.unique("public_number", "entity", "kind")


def _task(t: MemoryTables, row: Row) -> Task:
    assigned = sorted(t.rows("task_inspector", task_id=row["task_id"]), key=lambda a: a["certificate_number"])
    inspectors = []
    for a in assigned:
        known = t.first("inspector", certificate_number=a["certificate_number"])
        inspectors.append(
            AssignedInspector(a["certificate_number"], known["name"] if known else "", a["assigned_at"])
        )
    columns: dict[str, Any] = {c: row[c] for c in _COLUMNS}
    stored, escalation = row["rectification"], row["escalation"]
    columns.update(
        escalation=Escalation.of_json(escalation) if escalation else None,
        measures=tuple(row["measures"]),
        evidence_refs=tuple(row["evidence_refs"]),
        concluded_by=row["concluded_by"] or "",
        rectification=Rectification.of_json(stored) if stored else None,
    )
    return Task(**columns, inspectors=tuple(inspectors))


class MemoryTasks:
    """store.tasks on MemoryTables for what concluding a task needs; the rest is the module's."""

    async def get_task(self, conn: Executor, task_id: uuid.UUID, *, lock: bool = False) -> Task | None:
        t = MemoryTables.of(conn)
        row = t.first("task", task_id=task_id)
        return _task(t, row) if row else None

    async def one_task(self, conn: Executor, task_id: uuid.UUID) -> Task:
        found = await self.get_task(conn, task_id)
        assert found is not None
        return found

    async def conclude(self, conn: Connection, task_id: uuid.UUID, c: Conclusion) -> None:
        t = MemoryTables.of(conn)
        kept = dataclasses.asdict(c)
        if c.escalation is None:  # an escalated task keeps its escalation when concluded finally
            del kept["escalation"]
        t.update("task", {"status": CONCLUDED, **kept}, task_id=task_id)
        t.update("assistance", {"status": CANCELLED}, task_id=task_id, status=PENDING)

    async def extensions(self, conn: Executor, task_id: uuid.UUID) -> list[Extension]:
        found = sorted(MemoryTables.of(conn).rows("task_extension", task_id=task_id), key=lambda e: e["seq"])
        return [Extension(**{f.name: e[f.name] for f in dataclasses.fields(Extension)}) for e in found]

    list_tasks = staticmethod(production.list_tasks)
    rectify = staticmethod(production.rectify)
    assign = staticmethod(production.assign)
    inspector_facts = staticmethod(production.inspector_facts)
    extend = staticmethod(production.extend)
    overdue_counts = staticmethod(production.overdue_counts)
    open_on_site = staticmethod(production.open_on_site)
    task_of_commitment = staticmethod(production.task_of_commitment)
    escalation_counts = staticmethod(production.escalation_counts)


class MemoryReferrals:
    """store.referrals on MemoryTables for what concluding with a referral needs (insert)."""

    async def insert(self, conn: Connection, r: NewReferral) -> Referral:
        made = Referral(
            **dataclasses.asdict(r),
            referral_id=uuid.uuid4(),
            status="REFERRAL_STATUS_SENT",
            received_on=None,
            receiver="",
            outcome="REFERRAL_OUTCOME_UNSPECIFIED",
            outcome_on=None,
            outcome_note="",
            updated_at=r.created_at,
        )
        MemoryTables.of(conn).insert("referral", dataclasses.asdict(made))
        return made

    get = staticmethod(referrals.get)
    receive = staticmethod(referrals.receive)
    decide = staticmethod(referrals.decide)
    listing = staticmethod(referrals.listing)


class MemoryPublicity:
    """store.publicity on MemoryTables for what publishing a conclusion needs (numbers and the
    deciding department); what a draw's publication reads is the module's."""

    def __init__(self) -> None:
        self.seq = 0

    async def number(
        self, conn: Connection, entity: str, kind: str, *, department: str, year: int, at: dt.datetime
    ) -> str:
        found = await self.known(conn, entity, kind)
        if found is not None:
            return found
        self.seq += 1
        made = public_number(department, kind, year, self.seq)
        MemoryTables.of(conn).insert("public_number", {"entity": entity, "kind": kind, "number": made})
        return made

    async def known(self, conn: Executor, entity: str, kind: str) -> str | None:
        row = MemoryTables.of(conn).first("public_number", entity=entity, kind=kind)
        return str(row["number"]) if row else None

    async def authority(self, conn: Executor, code: str, region_code: str = "") -> Authority:
        return Authority(code, code, region_code)

    pool_subjects = staticmethod(publicity.pool_subjects)
    natural_conflicts = staticmethod(publicity.natural_conflicts)


def add_task(tables: MemoryTables, *, at: dt.datetime, **changes: Any) -> uuid.UUID:
    """An open task as a recorded commitment creates it (the column defaults of the migrations);
    `changes` set other columns (method, department, safety_related, status...)."""
    task_id = uuid.uuid4()
    base = at.date()
    row: Row = {
        "task_id": task_id,
        "commitment_id": uuid.uuid4(),
        "commitment_code": f"350200{at:%Y%m%d}000001",
        "subject_kind": "SUBJECT_KIND_LEGAL_PERSON",
        "subject_code": "91350200MA2YJ1XR9G",
        "subject_name": "厦门示例餐饮有限公司",
        "item_id": uuid.uuid4(),
        "item_version": 1,
        "item_name": "营业场所使用证明",
        "department": "350200-SCJ",
        "region_code": "350200",
        "method": "DOCUMENT",
        "standard": "核对",
        "time_limit_days": 20,
        "base_date": base,
        "due_date": base + dt.timedelta(days=28),
        "due_provisional": False,
        "safety_related": False,
        "supervision_domain": "",
        "status": OPEN,
        "created_at": at,
        "extended_days": 0,
        "cancel_reason": "",
        "outcome": "OUTCOME_UNSPECIFIED",
        "findings": "",
        "measures": [],
        "decision_date": None,
        "concluded_at": None,
        "concluded_by": None,
        "evidence_refs": [],
        "push_deadline": None,
        "publication_deadline": None,
        "publication_provisional": False,
        "decision_publication_deadline": None,
        "publication_rule_set": "",
        "joint_id": None,
        "draw_id": None,
        "rectification": None,
        "inspection_type": "COMMITMENT_VERIFICATION",
        "overdue_notified_for": None,
        "escalation": None,
        "concluded_via": "CONCLUSION_SOURCE_TASK",
    }
    unknown = set(changes) - set(row)
    assert not unknown, f"not columns of task: {unknown}"
    tables.insert("task", {**row, **changes})
    return task_id


def assign(tables: MemoryTables, task_id: uuid.UUID, numbers: list[str], *, at: dt.datetime) -> None:
    """Put inspectors (on the roster under the name 执法员<number>) on a task."""
    for number in numbers:
        if tables.first("inspector", certificate_number=number) is None:
            tables.insert("inspector", {"certificate_number": number, "name": f"执法员{number}"})
        tables.insert(
            "task_inspector",
            {"task_id": task_id, "certificate_number": number, "assigned_at": at, "assigned_by": "lead"},
        )


class _Calendar:
    """The packaged official calendar (the years chinese-calendar knows)."""

    def __init__(self, at: dt.datetime) -> None:
        self.current = WorkingCalendar.of(packaged_years(at))


RULES = RuleBook(packaged_rule_sets())
PUBLIC_KEY = b"memory-pseudonym-key"


def verification_deps(db: MemoryDatabase) -> Deps:
    """The handlers' dependencies over `db`, with the packaged rule sets and calendar."""
    declare_keys(db.tables)
    return Deps(
        db=db,
        store=Stores(
            tasks=MemoryTasks(),
            assistance=assistance,
            rosters=rosters,
            imports=imports,
            plans=plans,
            draws=draws,
            pool=pool,
            joint=joint,
            sharing=sharing,
            check_items=check_items,
            annual_plans=annual_plans,
            scenes=scenes,
            referrals=MemoryReferrals(),
            ledger=ledger,
            registrations=registrations,
            results=results,
            publicity=MemoryPublicity(),
        ),
        rules=lambda: RULES,
        calendar=_Calendar(db.clock.now()),
        sharing=SharingGate(db),
        public_key=PUBLIC_KEY,
    )


def memory_database(clock: Clock) -> MemoryDatabase:
    return MemoryDatabase(clock, CATALOG)
