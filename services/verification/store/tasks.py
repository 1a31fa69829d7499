"""SQL of verification tasks: creation, listing, assignment, extension, conclusion, cancellation."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel.db import Connection, Executor
from services.kernel.rows import Row, one_or_none, typed
from services.verification.domain import joint
from services.verification.domain.closing import VIA_TASK, Escalation
from services.verification.domain.ledger import TASK
from services.verification.domain.tasks import (
    ORDER_RECTIFICATION,
    Concluded,
    InspectorFacts,
    Measure,
    Rectification,
)
from services.verification.store import ledger

# A task row with its inspectors, in one round trip.
_SELECT = (
    "SELECT t.*, (SELECT coalesce(jsonb_agg(jsonb_build_object('number', ti.certificate_number,"
    " 'name', coalesce(i.name, ''), 'at', ti.assigned_at) ORDER BY ti.certificate_number), '[]')"
    " FROM task_inspector ti LEFT JOIN inspector i USING (certificate_number)"
    " WHERE ti.task_id = t.task_id) AS inspectors FROM task t"
)


@dataclass(frozen=True, slots=True)
class AssignedInspector:
    number: str  # the enforcement certificate number
    name: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class TaskIdentity:
    """What every record about a task names: the task, its commitment, subject and item."""

    task_id: uuid.UUID
    commitment_id: uuid.UUID
    commitment_code: str
    subject_kind: str
    subject_code: str
    subject_name: str
    item_id: uuid.UUID
    item_name: str


@dataclass(frozen=True, slots=True)
class Task(TaskIdentity):
    """A task with its inspectors (a row of `task`)."""

    item_version: int
    department: str
    region_code: str
    method: str
    standard: str
    time_limit_days: int
    base_date: dt.date
    due_date: dt.date
    due_provisional: bool
    safety_related: bool
    supervision_domain: str
    status: str
    created_at: dt.datetime
    inspectors: tuple[AssignedInspector, ...] = ()
    extended_days: int = 0
    cancel_reason: str = ""
    outcome: str = "OUTCOME_UNSPECIFIED"
    findings: str = ""
    measures: tuple[dict[str, Any], ...] = ()  # each a verification.v1.Measure as JSON
    decision_date: dt.date | None = None
    concluded_at: dt.datetime | None = None
    concluded_by: str = ""
    evidence_refs: tuple[str, ...] = ()
    push_deadline: dt.date | None = None
    publication_deadline: dt.date | None = None
    publication_provisional: bool = False
    decision_publication_deadline: dt.date | None = None
    publication_rule_set: str = ""
    joint_id: uuid.UUID | None = None
    draw_id: uuid.UUID | None = None
    rectification: Rectification | None = None
    escalation: Escalation | None = None
    concluded_via: str = VIA_TASK

    @property
    def measure_kinds(self) -> list[str]:
        return [m.get("kind", "MEASURE_KIND_UNSPECIFIED") for m in self.measures]

    def concluded(self) -> Concluded:
        """The conclusion as the rules of a rectification read it."""
        return Concluded(
            str(self.task_id),
            self.status,
            self.outcome,
            [measure_of(m) for m in self.measures],
            self.decision_date,
            self.rectification is not None,
        )


def measure_of(stored: dict[str, Any]) -> Measure:
    """A stored measure as the rules read it (the deadline of an order to rectify was checked)."""
    kind = stored.get("kind", "MEASURE_KIND_UNSPECIFIED")
    day = stored.get("deadline") if kind == ORDER_RECTIFICATION else None
    return Measure(kind, dt.date(day["year"], day["month"], day["day"]) if day else None)


def task_of(row: Row) -> Task:
    """A task row read with _SELECT (its inspectors as JSON) as the task it is."""
    rectification, escalation = row["rectification"], row["escalation"]
    return typed(
        Task,
        row,
        inspectors=tuple(
            AssignedInspector(i["number"], i["name"], dt.datetime.fromisoformat(i["at"]))
            for i in row["inspectors"]
        ),
        measures=tuple(row["measures"]),
        concluded_by=row["concluded_by"] or "",
        evidence_refs=tuple(row["evidence_refs"]),
        rectification=Rectification.of_json(rectification) if rectification else None,
        escalation=Escalation.of_json(escalation) if escalation else None,
    )


@dataclass(frozen=True)
class NewTask:
    commitment_id: str
    commitment_code: str
    subject_kind: str
    subject_code: str
    subject_name: str
    item_id: str
    item_version: int
    item_name: str
    department: str
    region_code: str
    method: str
    standard: str
    time_limit_days: int
    base_date: dt.date
    due_date: dt.date
    due_provisional: bool
    safety_related: bool
    supervision_domain: str = ""


async def insert_task(conn: Connection, task: NewTask, now: dt.datetime) -> uuid.UUID | None:
    """Create the task of a commitment once; None if it has one or was withdrawn meanwhile."""
    task_id = uuid.uuid4()
    created = await conn.fetchval(
        "INSERT INTO task (task_id, commitment_id, commitment_code, subject_kind, subject_code,"
        " subject_name, item_id, item_version, item_name, department, region_code, method, standard,"
        " time_limit_days, base_date, due_date, due_provisional, safety_related, status, created_at,"
        " supervision_domain)"
        " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
        " 'TASK_STATUS_OPEN', $19, $20"
        " WHERE NOT EXISTS (SELECT 1 FROM withdrawn_commitment WHERE commitment_id = $2)"
        " ON CONFLICT (commitment_id) DO NOTHING RETURNING true",
        task_id,
        uuid.UUID(task.commitment_id),
        task.commitment_code,
        task.subject_kind,
        task.subject_code,
        task.subject_name,
        uuid.UUID(task.item_id),
        task.item_version,
        task.item_name,
        task.department,
        task.region_code,
        task.method,
        task.standard,
        task.time_limit_days,
        task.base_date,
        task.due_date,
        task.due_provisional,
        task.safety_related,
        now,
        task.supervision_domain,
    )
    if created:
        await ledger.record_tasks(conn, [task_id], now)  # an on-site check is an inspection
    return task_id if created else None


async def get_task(conn: Executor, task_id: uuid.UUID, *, lock: bool = False) -> Task | None:
    if lock:  # lock the task row first, then read it with its inspectors
        await conn.execute("SELECT 1 FROM task WHERE task_id = $1 FOR UPDATE", task_id)
    return await one_or_none(conn, task_of, _SELECT + " WHERE t.task_id = $1", task_id)


@dataclass(frozen=True)
class TaskFilter:
    status: str | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    inspector: str | None = None
    overdue_on: dt.date | None = None  # only open tasks due before this date
    escalation_overdue_on: dt.date | None = None  # only escalated tasks past their deadline before this


async def list_tasks(
    conn: Executor,
    department: str,
    where: TaskFilter,
    after: tuple[dt.date, uuid.UUID] | None,
    limit: int,
) -> list[Task]:
    rows = await conn.fetch(
        _SELECT  # noqa: S608  (a constant; the filters are parameters)
        + " WHERE t.department = $1 AND ($2::text IS NULL OR t.status = $2)"
        " AND ($3::date IS NULL OR t.due_date >= $3) AND ($4::date IS NULL OR t.due_date <= $4)"
        " AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM task_inspector x"
        "  WHERE x.task_id = t.task_id AND x.certificate_number = $5))"
        " AND ($6::date IS NULL OR (t.status = 'TASK_STATUS_OPEN' AND t.due_date < $6))"
        " AND ($7::date IS NULL OR (t.due_date, t.task_id) > ($7, $8))"
        " AND ($10::date IS NULL OR (t.status = 'TASK_STATUS_ESCALATED'"
        "  AND (t.escalation->>'deadline')::date < $10))"
        " ORDER BY t.due_date, t.task_id LIMIT $9",
        department,
        where.status,
        where.due_from,
        where.due_to,
        where.inspector,
        where.overdue_on,
        *(after or (None, None)),
        limit,
        where.escalation_overdue_on,
    )
    return [task_of(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Conclusion:
    """What concluding a task stores."""

    outcome: str
    findings: str
    measures: list[dict[str, Any]]  # each a verification.v1.Measure as JSON
    decision_date: dt.date
    concluded_at: dt.datetime
    concluded_by: str
    evidence_refs: list[str]
    push_deadline: dt.date
    publication_deadline: dt.date
    publication_provisional: bool
    decision_publication_deadline: dt.date | None
    publication_rule_set: str
    status: str = "TASK_STATUS_CONCLUDED"  # escalated when unverifiable (无法核实)
    escalation: dict[str, Any] | None = None  # set by an unverifiable conclusion, kept after
    concluded_via: str = VIA_TASK


async def conclude(conn: Connection, task_id: uuid.UUID, c: Conclusion) -> None:
    """Store a conclusion and end the task's pending assistance (an escalated task keeps its
    escalation when it is concluded finally)."""
    await conn.execute(
        "UPDATE task SET status = $14, outcome = $2, findings = $3, measures = $4,"
        " decision_date = $5, concluded_at = $6, concluded_by = $7, evidence_refs = $8,"
        " push_deadline = $9, publication_deadline = $10, publication_provisional = $11,"
        " decision_publication_deadline = $12, publication_rule_set = $13,"
        " escalation = coalesce($15, escalation), concluded_via = $16 WHERE task_id = $1",
        task_id,
        c.outcome,
        c.findings,
        c.measures,
        c.decision_date,
        c.concluded_at,
        c.concluded_by,
        c.evidence_refs,
        c.push_deadline,
        c.publication_deadline,
        c.publication_provisional,
        c.decision_publication_deadline,
        c.publication_rule_set,
        c.status,
        c.escalation,
        c.concluded_via,
    )
    await _end_assistance(conn, [task_id])


async def rectify(conn: Connection, task_id: uuid.UUID, rectification: Rectification) -> None:
    await conn.execute(
        "UPDATE task SET rectification = $2 WHERE task_id = $1", task_id, rectification.as_json()
    )


async def _end_assistance(conn: Connection, task_ids: Sequence[uuid.UUID]) -> None:
    await conn.execute(
        "UPDATE assistance SET status = 'ASSISTANCE_STATUS_CANCELLED'"
        " WHERE task_id = ANY($1) AND status = 'ASSISTANCE_STATUS_PENDING'",
        task_ids,
    )


@dataclass(frozen=True, slots=True)
class Cancelled:
    task_id: uuid.UUID
    subject_code: str


async def cancel_for_commitment(
    conn: Connection, commitment_id: uuid.UUID, reason: str, now: dt.datetime
) -> list[Cancelled]:
    """Cancel the commitment's open and escalated tasks (a withdrawn commitment leaves nothing to
    resolve); remember the withdrawal for a task still to come."""
    await conn.execute(
        "INSERT INTO withdrawn_commitment VALUES ($1, $2) ON CONFLICT DO NOTHING", commitment_id, now
    )
    rows = await conn.fetch(
        "UPDATE task SET status = 'TASK_STATUS_CANCELLED', cancel_reason = $2"
        " WHERE commitment_id = $1 AND status IN ('TASK_STATUS_OPEN', 'TASK_STATUS_ESCALATED')"
        " RETURNING task_id, subject_code",
        commitment_id,
        reason,
    )
    await _end_assistance(conn, [r["task_id"] for r in rows])
    await ledger.cancel(conn, TASK, [str(r["task_id"]) for r in rows], now)
    return [Cancelled(r["task_id"], r["subject_code"]) for r in rows]


async def assign(
    conn: Connection, task_id: uuid.UUID, numbers: Sequence[str], by: str, now: dt.datetime
) -> None:
    await conn.execute("DELETE FROM task_inspector WHERE task_id = $1", task_id)
    await conn.execute(
        "INSERT INTO task_inspector SELECT $1, n, $3, $4 FROM unnest($2::text[]) AS n",
        task_id,
        list(numbers),
        now,
        by,
    )


async def inspector_facts(conn: Connection, numbers: Sequence[str]) -> list[InspectorFacts]:
    rows = await conn.fetch(
        "SELECT i.certificate_number, i.department, i.active, i.valid_until, i.domains,"
        " coalesce(array_agg(c.subject_code) FILTER (WHERE c.subject_code IS NOT NULL), '{}') AS conflicts"
        " FROM inspector i LEFT JOIN inspector_conflict c USING (certificate_number)"
        " WHERE i.certificate_number = ANY($1) GROUP BY i.certificate_number, i.domains",
        list(numbers),
    )
    return [
        InspectorFacts(
            r["certificate_number"],
            r["department"],
            r["active"],
            r["valid_until"],
            frozenset(r["conflicts"]),
            frozenset(r["domains"]),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class Extension:
    """An approved extension of a task's deadline."""

    working_days: int
    reason: str
    approved_by: str
    due_before: dt.date
    due_after: dt.date
    approved_at: dt.datetime


async def extend(conn: Connection, task_id: uuid.UUID, e: Extension, *, provisional: bool) -> None:
    """Record an approved extension and move the deadline (`provisional`: the new due date rests on
    a year without a loaded schedule)."""
    await conn.execute(
        "UPDATE task SET extended_days = extended_days + $2, due_date = $3, due_provisional = $4"
        " WHERE task_id = $1",
        task_id,
        e.working_days,
        e.due_after,
        provisional,
    )
    await ledger.move_tasks(conn, [(task_id, e.due_after)])
    await conn.execute(
        "INSERT INTO task_extension SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7"
        " FROM task_extension WHERE task_id = $1",
        task_id,
        e.working_days,
        e.reason,
        e.approved_by,
        e.due_before,
        e.due_after,
        e.approved_at,
    )


async def extensions(conn: Executor, task_id: uuid.UUID) -> list[Extension]:
    rows = await conn.fetch(
        "SELECT working_days, reason, approved_by, due_before, due_after, approved_at"
        " FROM task_extension WHERE task_id = $1 ORDER BY seq",
        task_id,
    )
    return [Extension(**r) for r in rows]


async def overdue_counts(
    conn: Executor, departments: Sequence[str], today: dt.date
) -> dict[str, tuple[int, int]]:
    """(overdue, open) tasks by department, for the departments that have open tasks."""
    rows = await conn.fetch(
        "SELECT department, count(*) FILTER (WHERE due_date < $2) AS overdue, count(*) AS open"
        " FROM task WHERE status = 'TASK_STATUS_OPEN' AND department = ANY($1)"
        " GROUP BY department ORDER BY department",
        list(departments),
        today,
    )
    return {r["department"]: (r["overdue"], r["open"]) for r in rows}


@dataclass(frozen=True, slots=True)
class OverdueTask:
    task_id: uuid.UUID
    commitment_id: uuid.UUID
    subject_kind: str
    subject_code: str
    department: str
    due_date: dt.date


async def claim_newly_overdue(conn: Connection, today: dt.date, limit: int) -> list[OverdueTask]:
    """Open tasks past a due date not announced yet; replicas skip each other's rows."""
    rows = await conn.fetch(
        "UPDATE task SET overdue_notified_for = due_date WHERE task_id IN ("
        " SELECT task_id FROM task WHERE status = 'TASK_STATUS_OPEN' AND due_date < $1"
        " AND overdue_notified_for IS DISTINCT FROM due_date"
        " ORDER BY due_date LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING task_id, commitment_id, subject_kind, subject_code, department, due_date",
        today,
        limit,
    )
    return [OverdueTask(**r) for r in rows]


@dataclass(frozen=True, slots=True)
class Provisional:
    """A task with a deadline that rests on a year without a loaded schedule."""

    task_id: uuid.UUID
    status: str
    base_date: dt.date
    working_days: int  # the time limit with its extensions
    due_provisional: bool
    publication_provisional: bool
    decision_date: dt.date | None
    measure_kinds: list[str]
    region_code: str


async def provisional(conn: Connection) -> list[Provisional]:
    rows = await conn.fetch(
        "SELECT task_id, status, base_date, time_limit_days + extended_days AS working_days,"
        " due_provisional, publication_provisional, decision_date, measures, region_code"
        " FROM task WHERE due_provisional OR publication_provisional FOR UPDATE"
    )
    return [
        Provisional(
            r["task_id"],
            r["status"],
            r["base_date"],
            r["working_days"],
            r["due_provisional"],
            r["publication_provisional"],
            r["decision_date"],
            [m["kind"] for m in r["measures"]],
            r["region_code"],
        )
        for r in rows
    ]


async def set_due_dates(conn: Connection, changes: Sequence[tuple[uuid.UUID, dt.date, bool]]) -> None:
    await conn.execute(
        "UPDATE task t SET due_date = c.due, due_provisional = c.provisional"
        " FROM unnest($1::uuid[], $2::date[], $3::boolean[]) AS c(id, due, provisional)"
        " WHERE t.task_id = c.id",
        *zip(*changes, strict=True),
    )
    await ledger.move_tasks(conn, [(task_id, due) for task_id, due, _ in changes])


async def set_publication(
    conn: Connection, changes: Sequence[tuple[uuid.UUID, dt.date, bool, dt.date | None]]
) -> None:
    await conn.execute(
        "UPDATE task t SET publication_deadline = c.publish, publication_provisional = c.provisional,"
        " decision_publication_deadline = c.decision"
        " FROM unnest($1::uuid[], $2::date[], $3::boolean[], $4::date[])"
        " AS c(id, publish, provisional, decision)"
        " WHERE t.task_id = c.id",
        *zip(*changes, strict=True),
    )


async def open_on_site(
    conn: Connection, departments: Sequence[str], start: dt.date, end: dt.date
) -> list[joint.Item]:
    """Candidates for joint planning, locked until the plan commits."""
    rows = await conn.fetch(
        "SELECT t.task_id, t.subject_code, t.subject_kind, t.subject_name, t.department,"
        " t.inspection_type, t.due_date, t.supervision_domain,"
        " coalesce((SELECT array_agg(x.certificate_number)"
        "  FROM task_inspector x WHERE x.task_id = t.task_id), '{}') AS inspectors"
        " FROM task t WHERE t.status = 'TASK_STATUS_OPEN' AND t.method = 'ON_SITE' AND t.joint_id IS NULL"
        " AND t.department = ANY($1) AND t.due_date BETWEEN $2 AND $3 FOR UPDATE OF t",
        list(departments),
        start,
        end,
    )
    return [
        joint.Item(
            source=joint.TASK,
            source_id=str(r["task_id"]),
            subject_code=r["subject_code"],
            subject_kind=r["subject_kind"],
            subject_name=r["subject_name"],
            department=r["department"],
            inspection_type=r["inspection_type"],
            check_item=joint.COMMITMENT_VERIFICATION,
            due=r["due_date"],
            inspectors=tuple(r["inspectors"]),
            domain=r["supervision_domain"],
        )
        for r in rows
    ]


async def one_task(conn: Executor, task_id: uuid.UUID) -> Task:
    found = await get_task(conn, task_id)
    assert found is not None
    return found


async def task_of_commitment(conn: Executor, commitment_id: uuid.UUID, *, lock: bool = False) -> Task | None:
    """The commitment's task (a commitment has one at most), locked when asked."""
    if lock:
        await conn.execute("SELECT 1 FROM task WHERE commitment_id = $1 FOR UPDATE", commitment_id)
    return await one_or_none(conn, task_of, _SELECT + " WHERE t.commitment_id = $1", commitment_id)


async def escalation_counts(
    conn: Executor, departments: Sequence[str], today: dt.date
) -> dict[str, tuple[int, int]]:
    """(overdue, escalated) tasks by department, for the departments that have escalated tasks."""
    rows = await conn.fetch(
        "SELECT department, count(*) FILTER (WHERE (escalation->>'deadline')::date < $2) AS overdue,"
        " count(*) AS escalated FROM task WHERE status = 'TASK_STATUS_ESCALATED' AND department = ANY($1)"
        " GROUP BY department ORDER BY department",
        list(departments),
        today,
    )
    return {r["department"]: (r["overdue"], r["escalated"]) for r in rows}
