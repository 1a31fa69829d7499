"""A subject's credit standing as the credit department's readers see it."""

from __future__ import annotations

import datetime as dt

from chengnuo.credit.v1 import credit_pb2 as pb
from services.credit.domain import standing
from services.credit.wire import records
from services.credit.wire.lists import list_entry


def status_response(view: standing.Standing, today: dt.date) -> pb.GetCreditStatusResponse:
    response = pb.GetCreditStatusResponse(
        records=[records.record(r) for r in view.records],
        restrictions=[records.restriction(r) for r in standing.restrictions(view.sources, today)],
        list_entries=[list_entry(e) for e in view.entries],
        measures=records.measures_in_force(view.measures),
    )
    if view.grade is not None:
        response.grade = records.grade(view.grade.grade)
        response.score = view.grade.score
        response.grade_points.extend(records.grade_points(view.grade))
        response.grade_rule_set = view.grade.rule_set
    return response
