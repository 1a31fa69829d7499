"""Verification rules with no I/O: deadlines and what a conclusion must contain."""

from __future__ import annotations

import datetime as dt

from chengnuo.verification.v1 import verification_pb2 as pb
from services.kernel import convert
from services.kernel.calendar import DateAnswer, WorkingCalendar
from services.kernel.errors import Violations

MAX_FINDINGS = 8000
MAX_LEGAL_BASIS = 1000
MAX_MEASURES = 20


def due_date(calendar: WorkingCalendar, approved_on: dt.date, working_days: int) -> DateAnswer:
    """The check concludes within `working_days` working days after approval (seed 001 §12)."""
    return calendar.add_working_days(approved_on, working_days)


def check_conclusion(v: Violations, request: pb.ConcludeTaskRequest, today: dt.date) -> dt.date | None:
    """Every problem of a conclusion; returns the decision date when it is usable."""
    if request.outcome == pb.OUTCOME_UNSPECIFIED or request.outcome not in pb.Outcome.values():
        v.add("outcome", "required: true, false or unverifiable")
    if not request.findings.strip():
        v.add("findings", "required: what was checked and found")
    elif len(request.findings) > MAX_FINDINGS:
        v.add("findings", f"at most {MAX_FINDINGS} characters")
    decided = convert.date_field(v, "decision_date", request.decision_date)
    if decided and decided > today:
        v.add("decision_date", f"{decided} is in the future")
    _check_measures(v, request)
    return decided


def _check_measures(v: Violations, request: pb.ConcludeTaskRequest) -> None:
    if request.outcome == pb.OUTCOME_FALSE and not request.measures:
        v.add("measures", "a false commitment requires the measures taken (seed 001 §12)")
    if request.outcome != pb.OUTCOME_FALSE and request.measures:
        v.add("measures", "measures are taken only on a false commitment")
    if len(request.measures) > MAX_MEASURES:
        v.add("measures", f"at most {MAX_MEASURES} measures")
    for i, measure in enumerate(request.measures):
        if measure.kind == pb.MEASURE_KIND_UNSPECIFIED or measure.kind not in pb.MeasureKind.values():
            v.add(f"measures[{i}].kind", "required")
        if not measure.legal_basis.strip() or len(measure.legal_basis) > MAX_LEGAL_BASIS:
            v.add(f"measures[{i}].legal_basis", f"required, at most {MAX_LEGAL_BASIS} characters")
        if measure.kind == pb.MEASURE_KIND_ORDER_RECTIFICATION:
            convert.date_field(v, f"measures[{i}].deadline", measure.deadline)


def referred_to_judiciary(measures: list[pb.Measure]) -> bool:
    return any(m.kind == pb.MEASURE_KIND_REFER_TO_JUDICIARY for m in measures)
