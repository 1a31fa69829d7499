"""After any change of a subject: recompute its restrictions and grade, announce what changed.

Every caller (a handler, a consumer, a job) has already written its change; `subject` locks the
subject's state row first, so what it reads next includes every change committed before, and a
concurrent change of the same subject announces after this one with a higher version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import structlog

from services.contracts.subjects import public_code
from services.credit.domain import grades, standing
from services.credit.domain.rule_sets import choose_rule_set, subject_region
from services.credit.store.stores import Stores
from services.credit.store.subjects import SubjectState
from services.credit.wire import events
from services.kernel.clock import china_date
from services.kernel.uow import UnitOfWork

log = structlog.get_logger()


async def subject(store: Stores, uow: UnitOfWork, kind: str, code: str) -> None:
    state = await store.subjects.lock(uow.conn, kind, code, subject_region(kind, code))
    today = china_date(uow.now)
    found = standing.sources(
        await store.records.records_of(uow.conn, code), await store.lists.of_subject(uow.conn, code)
    )
    external = standing.feed_sources(await store.feeds.of_subject(uow.conn, code), today)
    await _restrictions(store, uow, state, standing.restrictions(found + external, today))
    kept, gathered = await store.subjects.kept(uow.conn, code), await store.feeds.gathered_of(uow.conn, code)
    inputs = standing.grade_inputs(found, kept, today, gathered)
    await _grade(store, uow, state, inputs, today)


async def _restrictions(
    store: Stores, uow: UnitOfWork, state: SubjectState, current: list[standing.Restriction]
) -> None:
    announced = [_plain(asdict(r)) for r in current]
    before = state.announced
    if before is None and state.version == 0:
        before = []  # never announced: nothing to lift
    if before == announced:
        return
    version = await store.subjects.announce(uow.conn, state.subject_code, announced)
    event = events.restriction_changed(state.subject_kind, state.subject_code, version, current, uow.now)
    uow.emit(event, entity=_entity(state))
    code = state.subject_code
    uow.audit("subject.restrictions", _entity(state), subject_code=code, change=[version, announced])


async def _grade(
    store: Stores, uow: UnitOfWork, state: SubjectState, inputs: grades.Inputs, today: dt.date
) -> None:
    try:
        model = choose_rule_set(await store.rule_sets.all_rule_sets(uow.conn), "grading", today, state.region)
    except LookupError as exc:
        log.warning("subject not graded", reason=str(exc))
        return
    result = grades.grade(model, inputs, today)
    changed = state.grade != result.grade
    stored = {
        "grade": result.grade,
        "score": result.score,
        "points": [asdict(p) for p in result.points],
        "rule_set": result.rule_set,
        "at": uow.now,
        "review_on": result.review_on,
    }
    version = await store.subjects.save_grade(uow.conn, state.subject_code, stored, bump=changed)
    if changed or state.score != result.score:
        code = state.subject_code
        uow.audit("subject.grade", _entity(state), subject_code=code, change=[result.grade, result.score])
    if changed:
        changed_event = events.grade_changed(state.subject_kind, state.subject_code, version, result, uow.now)
        uow.emit(changed_event, entity=_entity(state))


def _entity(state: SubjectState) -> str:
    return f"subject/{public_code(state.subject_kind, state.subject_code)}"


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in value.items()}
