"""SQL of inspection results (table inspection_result) and of the inspections they belong to."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from services.kernel.clock import china_date
from services.kernel.db import Connection, Executor, one
from services.kernel.rows import Row, one_or_none, typed
from services.verification.domain.registrations import CANCELLED
from services.verification.domain.results import DRAW, JOINT, REGISTRATION, Inspection, ItemResult, Measure


@dataclass(frozen=True, slots=True)
class Target:
    """The inspection a result is recorded for, with its keys."""

    inspection: Inspection
    draw_id: uuid.UUID | None
    position: int | None
    joint_id: uuid.UUID | None
    region_code: str
    registration_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class NewResult:
    result_id: uuid.UUID
    draw_id: uuid.UUID | None
    position: int | None
    joint_id: uuid.UUID | None
    subject_code: str
    subject_kind: str
    subject_name: str
    recording_department: str
    departments: tuple[str, ...]
    year: int
    inspection_date: dt.date
    items: tuple[ItemResult, ...]
    problem_found: bool
    measures: tuple[Measure, ...]
    evidence_refs: tuple[str, ...]
    inspectors: tuple[str, ...]
    acknowledgement: str
    refusal_note: str
    push_deadline: dt.date
    publication_deadline: dt.date
    publication_provisional: bool
    publication_rule_set: str
    recorded_by: str
    recorded_at: dt.datetime
    registration_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ResultFilter:
    draw_id: uuid.UUID | None = None
    joint_id: uuid.UUID | None = None
    subject_code: str | None = None
    recording_department: str | None = None
    year: int | None = None


# A result as stored is the new result read back.
StoredResult = NewResult


def _measure_json(m: Measure) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "legal_basis": m.legal_basis,
        "deadline": m.deadline.isoformat() if m.deadline else None,
        "case_number": m.case_number,
        "to_department": m.to_department,
        "note": m.note,
    }


def _measure(d: dict[str, Any]) -> Measure:
    deadline = dt.date.fromisoformat(d["deadline"]) if d.get("deadline") else None
    return Measure(d["kind"], d["legal_basis"], deadline, d["case_number"], d["to_department"], d["note"])


def _result(row: Row) -> StoredResult:
    return typed(
        NewResult,
        row,
        departments=tuple(row["departments"]),
        items=tuple(ItemResult(i["check_item"], i["outcome"], i["findings"]) for i in row["items"]),
        measures=tuple(_measure(m) for m in row["measures"]),
        evidence_refs=tuple(row["evidence_refs"]),
        inspectors=tuple(row["inspectors"]),
    )


async def drawn(conn: Connection, draw_id: uuid.UUID, subject_code: str) -> Target | None:
    """The drawn subject of a draw, locked (one result at a time per subject), with its plan's
    departments and check items and its drawn team; None if the draw did not draw it. A subject
    no longer on a roster counts as a natural person, so what is shared of it stays masked (as
    the draw's own listing does)."""
    row = await conn.fetchrow(
        "SELECT r.position, r.subject_code, r.joint_id, d.drawn_at, p.departments, p.check_items,"
        " coalesce(s.subject_kind, 'SUBJECT_KIND_NATURAL_PERSON') AS subject_kind,"
        " coalesce(s.name, '') AS name, coalesce(s.region_code, '') AS region_code,"
        " coalesce((SELECT array_agg(i.certificate_number ORDER BY i.rank) FROM draw_inspector i"
        "  WHERE i.draw_id = r.draw_id AND i.team = r.team), '{}') AS team"
        " FROM draw_result r JOIN draw d ON d.draw_id = r.draw_id JOIN plan p ON p.plan_id = d.plan_id"
        " LEFT JOIN LATERAL (SELECT x.subject_kind, x.name, x.region_code FROM roster_subject x"
        "  WHERE x.department = ANY(p.departments) AND x.subject_code = r.subject_code"
        "  ORDER BY x.department LIMIT 1) s ON true"
        " WHERE r.draw_id = $1 AND r.subject_code = $2 FOR UPDATE OF r",
        draw_id,
        subject_code,
    )
    if row is None:
        return None
    inspection = Inspection(
        kind=DRAW,
        name=f"draw/{draw_id}/{subject_code}",
        subject_kind=row["subject_kind"],
        subject_code=subject_code,
        subject_name=row["name"],
        departments=tuple(row["departments"]),
        recorder=None,
        check_items=tuple(i["code"] for i in row["check_items"]),
        team=tuple(row["team"]),
        not_before=china_date(row["drawn_at"]),
        merged_into=str(row["joint_id"]) if row["joint_id"] else "",
    )
    return Target(inspection, draw_id, row["position"], None, row["region_code"])


async def joint(conn: Connection, joint_id: uuid.UUID) -> Target | None:
    """The joint inspection, locked, with its items' check items and its inspectors."""
    row = await conn.fetchrow(
        "SELECT j.*, coalesce((SELECT x.region_code FROM roster_subject x"
        "  WHERE x.department = ANY(j.departments) AND x.subject_code = j.subject_code"
        "  ORDER BY x.department LIMIT 1), '') AS region_code"
        " FROM joint_inspection j WHERE j.joint_id = $1 FOR UPDATE OF j",
        joint_id,
    )
    if row is None:
        return None
    inspection = Inspection(
        kind=JOINT,
        name=f"joint/{joint_id}",
        subject_kind=row["subject_kind"],
        subject_code=row["subject_code"],
        subject_name=row["subject_name"],
        departments=tuple(row["departments"]),
        recorder=row["lead_department"],
        check_items=tuple(sorted({i["check_item"] for i in row["items"]})),
        team=tuple(row["certificate_numbers"]),
        not_before=china_date(row["planned_at"]),
    )
    return Target(inspection, None, None, joint_id, row["region_code"])


async def registered(conn: Connection, registration_id: uuid.UUID) -> Target | None:
    """The registered inspection (报备), locked, with its check items and registered inspectors."""
    row = await conn.fetchrow(
        "SELECT g.*, coalesce((SELECT x.region_code FROM roster_subject x"
        "  WHERE x.department = g.department AND x.subject_code = g.subject_code), '') AS region_code"
        " FROM inspection_registration g WHERE g.registration_id = $1 FOR UPDATE OF g",
        registration_id,
    )
    if row is None:
        return None
    inspection = Inspection(
        kind=REGISTRATION,
        name=f"registration/{registration_id}",
        subject_kind=row["subject_kind"],
        subject_code=row["subject_code"],
        subject_name=row["subject_name"],
        departments=(row["department"],),
        recorder=row["department"],
        check_items=tuple(row["check_items"]),
        team=tuple(row["certificate_numbers"]),
        not_before=row["planned_date"],
        cancelled=row["status"] == CANCELLED,
    )
    return Target(inspection, None, None, None, row["region_code"], registration_id)


async def of_target(conn: Executor, target: Target) -> uuid.UUID | None:
    """The result recorded earlier for the same inspection, if any."""
    found = await conn.fetchval(
        "SELECT result_id FROM inspection_result WHERE (draw_id = $1 AND position = $2) OR joint_id = $3"
        " OR registration_id = $4",
        target.draw_id,
        target.position,
        target.joint_id,
        target.registration_id,
    )
    return found if isinstance(found, uuid.UUID) else None


async def insert(conn: Connection, r: NewResult) -> StoredResult:
    row = await conn.fetchrow(
        "INSERT INTO inspection_result VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
        " $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING *",
        r.result_id,
        r.draw_id,
        r.position,
        r.joint_id,
        r.subject_code,
        r.subject_kind,
        r.subject_name,
        r.recording_department,
        list(r.departments),
        r.year,
        r.inspection_date,
        [{"check_item": i.check_item, "outcome": i.outcome, "findings": i.findings} for i in r.items],
        r.problem_found,
        [_measure_json(m) for m in r.measures],
        list(r.evidence_refs),
        list(r.inspectors),
        r.acknowledgement,
        r.refusal_note,
        r.push_deadline,
        r.publication_deadline,
        r.publication_provisional,
        r.publication_rule_set,
        r.recorded_by,
        r.recorded_at,
        r.registration_id,
    )
    return _result(one(row))


async def get(conn: Executor, result_id: uuid.UUID) -> StoredResult | None:
    return await one_or_none(conn, _result, "SELECT * FROM inspection_result WHERE result_id = $1", result_id)


async def listing(
    conn: Executor,
    department: str,
    where: ResultFilter,
    after: tuple[dt.datetime, uuid.UUID] | None,
    limit: int,
) -> list[StoredResult]:
    """The results `department` takes part in (its own and those it recognises, 互认)."""
    rows = await conn.fetch(
        "SELECT * FROM inspection_result WHERE departments @> ARRAY[$1]"
        " AND ($2::uuid IS NULL OR draw_id = $2) AND ($3::uuid IS NULL OR joint_id = $3)"
        " AND ($4::text IS NULL OR subject_code = $4) AND ($5::text IS NULL OR recording_department = $5)"
        " AND ($6::integer IS NULL OR year = $6)"
        " AND ($7::timestamptz IS NULL OR (recorded_at, result_id) > ($7, $8))"
        " ORDER BY recorded_at, result_id LIMIT $9",
        department,
        where.draw_id,
        where.joint_id,
        where.subject_code,
        where.recording_department,
        where.year,
        *(after or (None, None)),
        limit,
    )
    return [_result(r) for r in rows]


async def of_subject(
    conn: Executor, code: str, after: tuple[dt.datetime, uuid.UUID] | None, size: int
) -> list[StoredResult]:
    """A subject's results, newest first (for the shared read)."""
    rows = await conn.fetch(
        "SELECT * FROM inspection_result WHERE subject_code = $1"
        " AND ($2::timestamptz IS NULL OR (recorded_at, result_id) < ($2, $3::uuid))"
        " ORDER BY recorded_at DESC, result_id DESC LIMIT $4",
        code,
        *(after or (None, None)),
        size,
    )
    return [_result(r) for r in rows]
