"""After any change of a subject: recompute its restrictions and grade, announce what changed.

Every caller has already written its change; `subject` locks the subject's state row first, so
what it reads next includes every change committed before, and a concurrent change of the same
subject announces after this one with a higher version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import asyncpg
import structlog

from chengnuo.events.v1 import credit_events_pb2 as events
from services.contracts.subjects import public_code, subject_of
from services.credit import messages
from services.credit.domain import grades, standing
from services.credit.domain.records import ACTIVE
from services.credit.domain.rule_sets import choose_rule_set, subject_region
from services.credit.store import lists, records, rule_sets, subjects
from services.kernel import convert
from services.kernel.clock import china_date
from services.kernel.uow import UnitOfWork

log = structlog.get_logger()


def sources(record_rows: list[asyncpg.Record], entry_rows: list[asyncpg.Record]) -> list[standing.Source]:
    """The records and list entries in force (ended ones bar nothing)."""
    found = [
        standing.Source(
            str(r["record_id"]),
            r["record_class"],
            tuple(r["restricts"]),
            r["repairable_from"],
            r["publicity_end"],
            disputed=r["status"] == "RECORD_STATUS_UNDER_OBJECTION",
        )
        for r in record_rows
        if r["status"] in ACTIVE
    ]
    return found + [
        standing.Source(
            str(e["entry_id"]),
            "BLACKLISTED",
            tuple(e["restricts"]),
            e["early_removal_from"],
            e["removal_due"],
        )
        for e in entry_rows
        if e["status"] == lists.LISTED
    ]


def grade_inputs(found: list[standing.Source], kept: list[asyncpg.Record], today: dt.date) -> grades.Inputs:
    live = [s for s in found if today < s.ends_on]
    return grades.Inputs(
        records=tuple((s.source_id, s.trigger) for s in live if s.trigger != "BLACKLISTED"),
        listed=tuple(s.source_id for s in live if s.trigger == "BLACKLISTED"),
        kept=tuple((str(k["commitment_id"]), k["decision_date"]) for k in kept),
    )


async def subject(uow: UnitOfWork, kind: str, code: str) -> None:
    state = await subjects.lock(uow.conn, kind, code, subject_region(kind, code))
    today = china_date(uow.now)
    found = sources(await records.records_of(uow.conn, code), await lists.of_subject(uow.conn, code))
    await _restrictions(uow, state, standing.restrictions(found, today))
    inputs = grade_inputs(found, await subjects.kept(uow.conn, code), today)
    await _grade(uow, state, inputs, today)


async def _restrictions(uow: UnitOfWork, state: asyncpg.Record, current: list[standing.Restriction]) -> None:
    announced = [_plain(asdict(r)) for r in current]
    before = state["announced"]
    if before is None and state["version"] == 0:
        before = []  # never announced: nothing to lift
    if before == announced:
        return
    version = await subjects.announce(uow.conn, state["subject_code"], announced)
    event = events.RestrictionChanged(
        subject=subject_of(state["subject_kind"], state["subject_code"]),
        version=version,
        restrictions=[messages.restriction(r) for r in current],
        changed_at=convert.to_timestamp(uow.now),
    )
    uow.emit(event, entity=_entity(state))
    code = state["subject_code"]
    uow.audit("subject.restrictions", _entity(state), subject_code=code, change=[version, announced])


async def _grade(uow: UnitOfWork, state: asyncpg.Record, inputs: grades.Inputs, today: dt.date) -> None:
    try:
        model = choose_rule_set(await rule_sets.all_rule_sets(uow.conn), "grading", today, state["region"])
    except LookupError as exc:
        log.warning("subject not graded", reason=str(exc))
        return
    result = grades.grade(model, inputs, today)
    changed = state["grade"] != result.grade
    stored = {
        "grade": result.grade,
        "score": result.score,
        "points": [asdict(p) for p in result.points],
        "rule_set": result.rule_set,
        "at": uow.now,
        "review_on": result.review_on,
    }
    version = await subjects.save_grade(uow.conn, state["subject_code"], stored, bump=changed)
    if changed or state["score"] != result.score:
        code = state["subject_code"]
        uow.audit("subject.grade", _entity(state), subject_code=code, change=[result.grade, result.score])
    if changed:
        uow.emit(_grade_changed(uow, state, result, version), entity=_entity(state))


def _grade_changed(
    uow: UnitOfWork, state: asyncpg.Record, result: grades.Result, version: int
) -> events.GradeChanged:
    return events.GradeChanged(
        subject=subject_of(state["subject_kind"], state["subject_code"]),
        version=version,
        grade=messages.grade(result.grade),
        reasons=result.reasons,
        changed_at=convert.to_timestamp(uow.now),
        score=result.score,
        points=messages.grade_points(result),
        rule_set=result.rule_set,
    )


def _entity(state: asyncpg.Record) -> str:
    return f"subject/{public_code(state['subject_kind'], state['subject_code'])}"


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in value.items()}
