"""In-memory versions of the credit service's stores, for handler tests without PostgreSQL.

They keep the signatures of the stores in services/credit/store/ (the protocols of
services/credit/store/stores.py) and work on the MemoryTables of tests/support/memory.py:

    db = MemoryDatabase(FixedClock(at), CATALOG)
    store = credit_stores(db)            # the packaged rule sets are loaded
    deps = credit_deps(db, store)        # publication keyed by PUBLICITY_KEY
    async with db.unit_of_work() as uow:
        await Consumers(store, PUBLICITY_KEY).on_false_commitment(event, uow, meta)
    await RepairHandlers(deps).DecideRepair(request, None)

The tables hold what the migrations' tables hold, one dict per row under the same column names
(a uuid[] or text[] column as a list, a jsonb column as the decoded value): `rule_set`,
`dishonesty_record`, `rectification`, `repair_application`, `objection`, `list_entry`,
`subject_version`, `kept_commitment` and `measure_feedback`. The rows are read back with the
production mapping of each store (`record_of`, `repair_of`, `entry_of`, ...), so a column the
production code reads and a memory store forgets fails here.

What the record and repair paths do not reach has no memory version: those functions (the jobs'
batch claims, the public pages, bulk matching, the list's writes) raise NotImplementedError, so a
handler test that reaches them fails loudly; the integration tests cover them on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, NoReturn, TypeVar

from services.credit.api.deps import Deps
from services.credit.domain import cases as case_rules
from services.credit.domain.blacklist import ListEntry, Notice, Statement
from services.credit.domain.cases import Case
from services.credit.domain.feeds import FeedEntry, Gathered, Plan
from services.credit.domain.measures import Feedback, Report
from services.credit.domain.persons import Naming
from services.credit.domain.records import PUBLISHED, REVOKED, Decision, Record
from services.credit.domain.sharing import Asked, Scope
from services.credit.domain.standing import Kept
from services.credit.store.cases import Table
from services.credit.store.feedback import feedback_of
from services.credit.store.feeds import entry_of as feed_entry_of
from services.credit.store.lists import Proposal, entry_of
from services.credit.store.matching import Hit
from services.credit.store.records import Consequences, Correction, NewRecord, record_of
from services.credit.store.rule_sets import PACKAGE, Loaded, loaded_of, packaged_rule_sets
from services.credit.store.stores import Stores
from services.credit.store.subjects import SubjectKey, SubjectState
from services.kernel.calendar import WorkingCalendar
from services.kernel.db import Connection, Executor
from services.kernel.features.sharing.gate import SharingGate
from services.kernel.rows import typed
from services.kernel.rule_sets import RuleSet
from tests.support.memory import MemoryDatabase, MemoryTables, Row

C = TypeVar("C", bound=Case)

RECORDS = "dishonesty_record"
# The columns of each case table the insert does not write, at their defaults (the migrations').
_CASE_DEFAULTS: dict[str, Row] = {
    "repair_application": {"extensions": 0, "extension_reason": "", "decision_reason": "", "decided_by": ""},
    "objection": {
        "extensions": 0,
        "extension_reason": "",
        "outcome": "",
        "decision_reason": "",
        "corrected_facts": "",
        "corrected_class": "",
        "decided_by": "",
    },
}
_PENDING = {"repair_application": case_rules.REPAIR_PENDING, "objection": case_rules.OBJECTION_PENDING}


def _missing(what: str) -> NoReturn:
    raise NotImplementedError(f"{what} has no memory version: the integration tests cover it")


def declare_keys(tables: MemoryTables) -> None:
    """The unique keys of the credit service's tables (the partial indexes of one pending case per
    record are checked by MemoryCases.insert, as ON CONFLICT DO NOTHING answers them)."""
    tables.unique("rule_set", "id")
    tables.unique(RECORDS, "record_id")
    tables.unique(RECORDS, "source_event_id")
    tables.unique("rectification", "commitment_id")
    tables.unique("repair_application", "application_id")
    tables.unique("objection", "objection_id")
    tables.unique("subject_version", "subject_code")
    tables.unique("kept_commitment", "commitment_id")


def load_packaged_rule_sets(tables: MemoryTables, at: dt.datetime) -> None:
    """What the service's startup seeds: the rule sets in services/credit/rules."""
    for r in packaged_rule_sets():
        tables.insert("rule_set", _rule_set_row(r, at, PACKAGE))


def _rule_set_row(r: RuleSet, at: dt.datetime, by: str) -> Row:
    return {
        "id": r.id,
        "kind": r.kind,
        "region": r.region,
        "effective_from": r.effective_from,
        "effective_to": r.effective_to,
        "citation": r.citation,
        "rules": r.rules,
        "loaded_at": at,
        "loaded_by": by,
    }


class MemoryRecords:
    """store.records on MemoryTables."""

    async def insert_record(
        self, conn: Connection, new: NewRecord, decision: Decision, then: Consequences, now: dt.datetime
    ) -> Record | None:
        t = MemoryTables.of(conn)
        if t.first(RECORDS, source_event_id=new.source_event_id):
            return None  # ON CONFLICT (source_event_id) DO NOTHING
        row = t.insert(
            RECORDS,
            {
                "record_id": uuid.uuid4(),
                "subject_kind": new.subject_kind,
                "subject_code": new.subject_code,
                "subject_name": new.subject_name,
                "source_event_id": new.source_event_id,
                "commitment_id": uuid.UUID(new.commitment_id) if new.commitment_id else None,
                "facts": new.facts,
                "legal_basis": new.legal_basis,
                "deciding_department": new.deciding_department,
                "region_code": new.region_code,
                "decision_date": new.decision_date,
                "record_class": decision.record_class,
                "status": PUBLISHED,
                "publicity_start": new.decision_date,
                "repairable_from": decision.repairable_from,
                "publicity_end": decision.publicity_end,
                "published": decision.periods.published,
                "restricts": list(then.restricts),
                "rule_set": decision.rule_set,
                "rule": decision.rule,
                "created_at": now,
                "safety_related_item": new.safety_related_item,
                "measures": list(then.measures),
                "measure_catalogue": then.measure_catalogue,
                "repair_notice": then.repair_notice,
                "ended_on": None,
                "revision": 0,
            },
        )
        return record_of(row)

    async def earlier_false_commitments(self, conn: Connection, subject_code: str) -> tuple[dt.date, ...]:
        found = MemoryTables.of(conn).rows(RECORDS, subject_code=subject_code)
        return tuple(
            r["decision_date"] for r in found if r["commitment_id"] is not None and r["status"] != REVOKED
        )

    async def add_rectification(
        self,
        conn: Connection,
        commitment_id: uuid.UUID,
        task_id: uuid.UUID,
        completed_on: dt.date,
        *,
        event: str,
        now: dt.datetime,
    ) -> bool:
        t = MemoryTables.of(conn)
        if t.first("rectification", commitment_id=commitment_id):
            return False
        row = {
            "commitment_id": commitment_id,
            "task_id": task_id,
            "completed_on": completed_on,
            "source_event_id": event,
            "received_at": now,
        }
        t.insert("rectification", row)
        return True

    async def rectified(self, conn: Executor, commitment_id: uuid.UUID) -> bool:
        return MemoryTables.of(conn).first("rectification", commitment_id=commitment_id) is not None

    async def of_commitment(self, conn: Connection, commitment_id: uuid.UUID) -> Record | None:
        found = MemoryTables.of(conn).first(RECORDS, commitment_id=commitment_id)
        return record_of(found) if found else None

    async def records_of(self, conn: Executor, subject_code: str) -> list[Record]:
        found = MemoryTables.of(conn).rows(RECORDS, subject_code=subject_code)
        return [record_of(r) for r in sorted(found, key=lambda r: (r["decision_date"], r["created_at"]))]

    async def get(self, conn: Executor, record_id: uuid.UUID, *, lock: bool = False) -> Record | None:
        found = MemoryTables.of(conn).first(RECORDS, record_id=record_id)
        return record_of(found) if found else None  # one transaction at a time: reading is locking

    async def some(self, conn: Connection, record_ids: list[uuid.UUID]) -> list[Record]:
        found = [r for r in MemoryTables.of(conn).rows(RECORDS) if r["record_id"] in record_ids]
        return [record_of(r) for r in sorted(found, key=lambda r: r["record_id"])]

    async def set_status(
        self, conn: Connection, record_id: uuid.UUID, status: str, ended_on: dt.date | None
    ) -> Record:
        (row,) = MemoryTables.of(conn).update(
            RECORDS, {"status": status, "ended_on": ended_on}, record_id=record_id
        )
        return record_of(row)

    async def correct(self, conn: Connection, record_id: uuid.UUID, status: str, c: Correction) -> Record:
        t = MemoryTables.of(conn)
        before = t.first(RECORDS, record_id=record_id)
        assert before is not None
        changes = {
            "status": status,
            "facts": c.facts,
            "record_class": c.record_class,
            "repairable_from": c.repairable_from,
            "publicity_end": c.publicity_end,
            "published": c.published,
            "measures": list(c.measures),
            "restricts": list(c.restricts),
            "rule": before["rule"] if c.rule is None else c.rule,
            "repair_notice": before["repair_notice"] if c.repair_notice is None else c.repair_notice,
            "revision": before["revision"] + 1,
        }
        (row,) = t.update(RECORDS, changes, record_id=record_id)
        return record_of(row)

    async def claim_expired(self, conn: Connection, today: dt.date, batch: int) -> list[Record]:
        _missing("the expiry job's claim")

    async def public_page(
        self, conn: Executor, today: dt.date, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
    ) -> list[Record]:
        _missing("the public page of records")


class MemoryCases:
    """store.cases on MemoryTables."""

    async def insert(self, conn: Connection, table: Table[C], values: dict[str, Any]) -> C | None:
        t = MemoryTables.of(conn)
        pending = _PENDING[table.name]
        if values.get("status") == pending and t.first(
            table.name, record_id=values["record_id"], status=pending
        ):
            return None  # the partial unique index of one pending case per record
        row = {table.key: uuid.uuid4(), **_CASE_DEFAULTS[table.name], "decided_at": None, **values}
        row["evidence"] = list(row["evidence"])
        return table.of(t.insert(table.name, row))

    async def get(
        self, conn: Executor, table: Table[C], case_id: uuid.UUID, *, lock: bool = False
    ) -> C | None:
        found = MemoryTables.of(conn).first(table.name, **{table.key: case_id})
        return table.of(found) if found else None

    async def update(
        self, conn: Connection, table: Table[C], case_id: uuid.UUID, changes: dict[str, Any]
    ) -> C:
        (row,) = MemoryTables.of(conn).update(table.name, changes, **{table.key: case_id})
        return table.of(row)

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
    ) -> list[C]:
        start = after or (dt.date.min, uuid.UUID(int=0))
        found = [
            r
            for r in MemoryTables.of(conn).rows(table.name, department=department)
            if (status is None or r["status"] == status)
            and (r["due_date"], r[table.key]) > start
            and (overdue is None or (r["status"] == overdue[0] and r["due_date"] < overdue[1]))
        ]
        return [table.of(r) for r in sorted(found, key=lambda r: (r["due_date"], r[table.key]))[:size]]

    async def overdue_count(
        self, conn: Executor, table: Table[C], department: str, pending: str, today: dt.date
    ) -> tuple[int, int]:
        open_cases = MemoryTables.of(conn).rows(table.name, department=department, status=pending)
        return sum(r["due_date"] < today for r in open_cases), len(open_cases)

    async def claim_newly_overdue(
        self, conn: Connection, table: Table[C], pending: str, today: dt.date, limit: int
    ) -> list[C]:
        _missing("the overdue job's claim")

    async def of_records(self, conn: Executor, table: Table[C], record_ids: list[uuid.UUID]) -> list[C]:
        found = [r for r in MemoryTables.of(conn).rows(table.name) if r["record_id"] in record_ids]
        return [table.of(r) for r in sorted(found, key=lambda r: (r["due_date"], r[table.key]))]


class MemoryLists:
    """store.lists on MemoryTables: the reads the record and repair paths make."""

    async def propose(self, conn: Connection, p: Proposal, now: dt.datetime) -> ListEntry | None:
        _missing("proposing a listing")

    async def get(self, conn: Executor, entry_id: uuid.UUID, *, lock: bool = False) -> ListEntry | None:
        found = MemoryTables.of(conn).first("list_entry", entry_id=entry_id)
        return entry_of(found) if found else None

    async def of_subject(self, conn: Executor, code: str) -> list[ListEntry]:
        found = MemoryTables.of(conn).rows("list_entry", subject_code=code)
        return [entry_of(r) for r in sorted(found, key=lambda r: r["proposed_on"])]

    async def open_resting_on(
        self, conn: Connection, subject_code: str, record_id: uuid.UUID
    ) -> list[ListEntry]:
        found = MemoryTables.of(conn).rows("list_entry", subject_code=subject_code)
        open_statuses = ("LIST_ENTRY_STATUS_PROPOSED", "LIST_ENTRY_STATUS_LISTED")
        return [entry_of(r) for r in found if record_id in r["record_ids"] and r["status"] in open_statuses]

    async def add_statement(self, conn: Connection, entry_id: uuid.UUID, statement: Statement) -> ListEntry:
        _missing("a statement on a proposal")

    async def decide(self, conn: Connection, entry_id: uuid.UUID, changes: dict[str, Any]) -> ListEntry:
        _missing("deciding on a list entry")

    async def set_notice(self, conn: Connection, entry_id: uuid.UUID, notice: Notice) -> ListEntry:
        _missing("serving a notice")

    async def claim_due(self, conn: Connection, today: dt.date, batch: int) -> list[ListEntry]:
        _missing("the removal job's claim")

    async def public_page(
        self, conn: Executor, region: str, after: tuple[dt.date, uuid.UUID] | None, size: int
    ) -> list[ListEntry]:
        _missing("the public page of the list")


class MemoryRuleSets:
    """store.rule_sets on MemoryTables (seed them with load_packaged_rule_sets)."""

    async def all_rule_sets(self, conn: Executor) -> list[RuleSet]:
        return [loaded_of(r).rule_set for r in MemoryTables.of(conn).rows("rule_set")]

    async def listing(self, conn: Executor, kind: str | None) -> list[Loaded]:
        found = [r for r in MemoryTables.of(conn).rows("rule_set") if kind is None or r["kind"] == kind]
        return [loaded_of(r) for r in sorted(found, key=lambda r: (r["kind"], r["effective_from"], r["id"]))]

    async def get(self, conn: Executor, rule_set_id: str) -> Loaded | None:
        found = MemoryTables.of(conn).first("rule_set", id=rule_set_id)
        return loaded_of(found) if found else None

    async def insert(self, conn: Connection, rule_set: RuleSet, now: dt.datetime, by: str) -> Loaded | None:
        t = MemoryTables.of(conn)
        if t.first("rule_set", id=rule_set.id):
            return None
        return loaded_of(t.insert("rule_set", _rule_set_row(rule_set, now, by)))


class MemorySubjects:
    """store.subjects on MemoryTables."""

    async def lock(self, conn: Connection, kind: str, code: str, region: str) -> SubjectState:
        t = MemoryTables.of(conn)
        row = t.first("subject_version", subject_code=code)
        if row is None:
            row = t.insert(
                "subject_version",
                {
                    "subject_code": code,
                    "subject_kind": kind,
                    "version": 0,
                    "region": region,
                    "announced": None,
                    "grade": None,
                    "score": None,
                    "grade_points": None,
                    "grade_rule_set": None,
                    "grade_version": 0,
                    "graded_at": None,
                    "review_on": None,
                },
            )
        else:
            row["region"] = region
        return typed(SubjectState, row)

    async def announce(self, conn: Connection, code: str, announced: list[dict[str, Any]]) -> int:
        row = MemoryTables.of(conn).first("subject_version", subject_code=code)
        assert row is not None
        row.update(version=row["version"] + 1, announced=announced)
        return int(row["version"])

    async def save_grade(self, conn: Connection, code: str, grade: dict[str, Any], *, bump: bool) -> int:
        row = MemoryTables.of(conn).first("subject_version", subject_code=code)
        assert row is not None
        row.update(
            grade=grade["grade"],
            score=grade["score"],
            grade_points=grade["points"],
            grade_rule_set=grade["rule_set"],
            graded_at=grade["at"],
            review_on=grade["review_on"],
            grade_version=row["grade_version"] + int(bump),
        )
        return int(row["grade_version"])

    async def claim_regrade(
        self, conn: Connection, today: dt.date, in_force: dict[str, str], batch: int
    ) -> list[SubjectKey]:
        _missing("the regrade job's claim")

    async def regions(self, conn: Connection) -> list[str]:
        return sorted({r["region"] for r in MemoryTables.of(conn).rows("subject_version")})

    async def add_kept(
        self, conn: Connection, commitment_id: str, *, kind: str, code: str, decided: dt.date, event_id: str
    ) -> bool:
        t = MemoryTables.of(conn)
        key = uuid.UUID(commitment_id)
        if t.first("kept_commitment", commitment_id=key):
            return False
        row = {
            "commitment_id": key,
            "subject_kind": kind,
            "subject_code": code,
            "decision_date": decided,
            "source_event_id": event_id,
        }
        t.insert("kept_commitment", row)
        return True

    async def kept(self, conn: Executor, code: str) -> list[Kept]:
        found = MemoryTables.of(conn).rows("kept_commitment", subject_code=code)
        return [Kept(r["commitment_id"], r["decision_date"]) for r in found]


class MemoryFeedback:
    """store.feedback on MemoryTables."""

    async def insert(self, conn: Connection, report: Report, now: dt.datetime) -> Feedback:
        row = {
            "feedback_id": uuid.uuid4(),
            "subject_code": report.subject_code,
            "measure_code": report.measure_code,
            "source_id": report.source_id,
            "department": report.department,
            "applied_on": report.applied_on,
            "action": report.action,
            "reported_by": report.reported_by,
            "reported_at": now,
        }
        return feedback_of(MemoryTables.of(conn).insert("measure_feedback", row))

    async def of_subject(self, conn: Executor, code: str) -> list[Feedback]:
        found = MemoryTables.of(conn).rows("measure_feedback", subject_code=code)
        return [feedback_of(r) for r in sorted(found, key=lambda r: r["reported_at"])]


class MemoryMatching:
    async def match(self, conn: Executor, asked: Asked, scope: Scope, today: dt.date) -> list[Hit]:
        _missing("bulk matching")


class MemoryFeeds:
    """store.feeds: the subject's entries on MemoryTables; the imports run on PostgreSQL only."""

    async def lock_head(self, conn: Connection, source: str, region_code: str) -> dt.date | None:
        _missing("feed imports")

    async def open_entries(self, conn: Connection, source: str, region_code: str) -> list[FeedEntry]:
        _missing("feed imports")

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
    ) -> None:
        _missing("feed imports")

    async def of_subject(self, conn: Executor, code: str) -> list[FeedEntry]:
        found = MemoryTables.of(conn).rows("feed_entry", subject_code=code)
        return [feed_entry_of(r) for r in sorted(found, key=lambda r: r["listed_on"])]

    async def insert_gathered(self, conn: Connection, info: Gathered) -> Gathered | None:
        _missing("gathering information")

    async def gathered_of(self, conn: Executor, code: str) -> list[Gathered]:
        found = MemoryTables.of(conn).rows("gathered_information", subject_code=code)
        return [typed(Gathered, r) for r in sorted(found, key=lambda r: r["decision_date"])]

    async def page(  # noqa: PLR0917
        self,
        conn: Executor,
        source: str,
        region_code: str,
        subject_code: str | None,
        after: tuple[dt.date, uuid.UUID] | None,
        size: int,
    ) -> list[FeedEntry]:
        _missing("feed pages")


class MemoryPersons:
    """store.persons: the responsible persons run on PostgreSQL only (tests/integration)."""

    async def insert(self, conn: Connection, naming: Naming) -> Naming | None:
        _missing("naming a responsible person")

    async def get(self, conn: Executor, naming_id: uuid.UUID, *, lock: bool = False) -> Naming | None:
        _missing("reading a naming")

    async def of_source(self, conn: Executor, source_id: uuid.UUID) -> list[Naming]:
        return []  # no person is named in the memory tables: the handlers' listings see none

    async def of_person(self, conn: Executor, person_code: str) -> list[Naming]:
        return []

    async def withdraw(
        self, conn: Connection, naming_id: uuid.UUID, by: str, reason: str, at: dt.datetime
    ) -> Naming:
        _missing("withdrawing a naming")

    async def records_named(self, conn: Executor, ids: list[uuid.UUID]) -> list[Record]:
        _missing("the records persons are named on")

    async def entries_named(self, conn: Executor, ids: list[uuid.UUID]) -> list[ListEntry]:
        _missing("the entries persons are named on")


def credit_stores(db: MemoryDatabase) -> Stores:
    """The credit stores on `db`'s tables, with the packaged rule sets loaded."""
    declare_keys(db.tables)
    load_packaged_rule_sets(db.tables, db.clock.now())
    return Stores(
        records=MemoryRecords(),
        cases=MemoryCases(),
        lists=MemoryLists(),
        rule_sets=MemoryRuleSets(),
        subjects=MemorySubjects(),
        feedback=MemoryFeedback(),
        matching=MemoryMatching(),
        feeds=MemoryFeeds(),
        persons=MemoryPersons(),
    )


class WorkingDaysOnly:
    """A calendar that knows no year: every weekday is a working day, each answer provisional."""

    current = WorkingCalendar({})


# The pseudonym key the handler tests' publication-safe events are keyed by.
PUBLICITY_KEY = b"memory-credit-pseudonym-key-0123"


def credit_deps(db: MemoryDatabase, store: Stores) -> Deps:
    """The credit service's Deps on `db` with the memory stores (the sharing gate is built but
    unused: its agreement lookup is SQL)."""
    return Deps(
        db=db, store=store, calendar=WorkingDaysOnly(), sharing=SharingGate(db), publicity=PUBLICITY_KEY
    )
