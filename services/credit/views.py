"""A subject's credit standing as readers see it now: records, restrictions, grade, measures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import asyncpg

from chengnuo.credit.v1 import credit_pb2 as pb
from services.contracts.subjects import Subject
from services.credit import messages, refresh
from services.credit.domain import grades, measures, standing
from services.credit.domain.rule_sets import choose_rule_set, find, subject_region
from services.credit.store import feedback, lists, records, rule_sets, subjects
from services.kernel import convert
from services.kernel.db import Executor
from services.kernel.rule_sets import RuleSet


@dataclass(frozen=True)
class Standing:
    records: list[asyncpg.Record]
    entries: list[asyncpg.Record]
    sources: list[standing.Source]
    grade: grades.Result | None
    measures: list[pb.MeasureInForce]


async def standing_of(conn: Executor, subject: Subject, today: dt.date) -> Standing:
    record_rows = await records.records_of(conn, subject.code)
    entry_rows = await lists.of_subject(conn, subject.code)
    found = [s for s in refresh.sources(record_rows, entry_rows) if today < s.ends_on]
    loaded = await rule_sets.all_rule_sets(conn)
    inputs = refresh.grade_inputs(found, await subjects.kept(conn, subject.code), today)
    reports = await feedback.of_subject(conn, subject.code)
    pinned = {str(r["record_id"]): r for r in record_rows} | {str(e["entry_id"]): e for e in entry_rows}
    in_force = [m for s in found for m in _measures(s, pinned[s.source_id], loaded, reports)]
    return Standing(record_rows, entry_rows, found, _grade(loaded, subject, inputs, today), in_force)


def _grade(
    loaded: list[RuleSet], subject: Subject, inputs: grades.Inputs, today: dt.date
) -> grades.Result | None:
    try:
        model = choose_rule_set(loaded, "grading", today, subject_region(subject.kind, subject.code))
    except LookupError:
        return None
    return grades.grade(model, inputs, today)


def _measures(
    source: standing.Source, row: asyncpg.Record, loaded: list[RuleSet], reports: list[asyncpg.Record]
) -> list[pb.MeasureInForce]:
    catalogue = find(loaded, row["measure_catalogue"]) if row["measure_catalogue"] else None
    pinned = measures.by_code(catalogue, list(row["measures"])) if catalogue else []
    return [
        pb.MeasureInForce(
            measure=messages.measure(m),
            source_id=source.source_id,
            trigger=pb.MeasureTrigger.Value(messages.trigger(source.trigger)),
            until=convert.to_date(source.ends_on),
            feedback=[
                messages.feedback(f)
                for f in reports
                if str(f["source_id"]) == source.source_id and f["measure_code"] == m.code
            ],
        )
        for m in pinned
    ]


def status_response(view: Standing, today: dt.date) -> pb.GetCreditStatusResponse:
    response = pb.GetCreditStatusResponse(
        records=[messages.record(r) for r in view.records],
        restrictions=[messages.restriction(r) for r in standing.restrictions(view.sources, today)],
        list_entries=[messages.list_entry(e) for e in view.entries],
        measures=view.measures,
    )
    if view.grade is not None:
        response.grade = messages.grade(view.grade.grade)
        response.score = view.grade.score
        response.grade_points.extend(messages.grade_points(view.grade))
        response.grade_rule_set = view.grade.rule_set
    return response
