"""What an inspection result must satisfy (no I/O): random inspections (双随机) and joint
inspections (综合查一次), 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(四)-(五).

Outcomes, measure kinds and acknowledgements are named as stored (the names of the
verification.v1 enums); reading them from a request is the handler's work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.errors import PreconditionViolation, Violations

MAX_ITEMS = 100
MAX_FINDINGS = 4000
MAX_MEASURES = 20
MAX_LEGAL_BASIS = 1000
MAX_NOTE = 1000
MAX_CASE_NUMBER = 64
MAX_TEAM = 10
MAX_CODE = 64
MAX_EVIDENCE = 50
MAX_EVIDENCE_REF = 500

NO_PROBLEM = "ITEM_OUTCOME_NO_PROBLEM"
PROBLEM_FOUND = "ITEM_OUTCOME_PROBLEM_FOUND"
SIGNED = "ACKNOWLEDGEMENT_SIGNED"
REFUSED = "ACKNOWLEDGEMENT_REFUSED"
RECTIFICATION = "RESULT_MEASURE_KIND_ORDER_RECTIFICATION"
PENALTY_CASE = "RESULT_MEASURE_KIND_PENALTY_CASE"
REFERRAL = "RESULT_MEASURE_KIND_REFERRAL"

DRAW = "DRAW"
JOINT = "JOINT"
REGISTRATION = "REGISTRATION"


@dataclass(frozen=True)
class ItemResult:
    check_item: str
    outcome: str
    findings: str


@dataclass(frozen=True)
class Measure:
    kind: str
    legal_basis: str
    deadline: dt.date | None = None  # rectification
    case_number: str = ""  # penalty case (案号)
    to_department: str = ""  # referral
    note: str = ""


@dataclass(frozen=True)
class Draft:
    """A result as the request states it, read but not yet checked against the rules."""

    inspection_date: dt.date | None
    items: tuple[ItemResult, ...]
    inspectors: tuple[str, ...]
    evidence_refs: tuple[str, ...]
    acknowledgement: str
    refusal_note: str
    measures: tuple[Measure, ...]

    @property
    def problem_found(self) -> bool:
        return any(i.outcome == PROBLEM_FOUND for i in self.items)


@dataclass(frozen=True)
class Inspection:
    """The inspection a result belongs to, as the store knows it."""

    kind: str  # DRAW, JOINT or REGISTRATION
    name: str  # "draw/<id>/<subject code>", "joint/<id>" or "registration/<id>"
    subject_kind: str
    subject_code: str
    subject_name: str
    departments: tuple[str, ...]
    recorder: str | None  # the one department that records (a joint's lead); None: any participant
    check_items: tuple[str, ...]
    team: tuple[str, ...]  # the inspectors who may have inspected
    not_before: dt.date  # the draw's or the planning's date (China date)
    merged_into: str = ""  # a drawn subject merged into a joint inspection: its id
    cancelled: bool = False  # a registration withdrawn before the inspection


def check_draft(v: Violations, d: Draft, today: dt.date, minimum_team: int, recorder: str) -> None:
    """The problems of the request on its own (INVALID_ARGUMENT)."""
    if d.inspection_date is not None and d.inspection_date > today:
        v.add("inspection_date", f"must not be in the future (today is {today})")
    _check_items(v, d.items)
    _check_team(v, d.inspectors, minimum_team)
    if len(d.evidence_refs) > MAX_EVIDENCE:
        v.add("evidence_refs", f"at most {MAX_EVIDENCE} references")
    for i, ref in enumerate(d.evidence_refs):
        if not ref or len(ref) > MAX_EVIDENCE_REF:
            v.add(f"evidence_refs[{i}]", f"required, at most {MAX_EVIDENCE_REF} characters")
    if d.acknowledgement not in (SIGNED, REFUSED):
        v.add("acknowledgement", "required: signed, or refused to sign (拒绝签字)")
    if d.acknowledgement == REFUSED and not d.refusal_note.strip():
        v.add("refusal_note", "required when the subject refused to sign: the inspectors' note")
    if len(d.refusal_note) > MAX_NOTE:
        v.add("refusal_note", f"at most {MAX_NOTE} characters")
    if d.acknowledgement == SIGNED and d.refusal_note.strip():
        v.add("refusal_note", "only when the subject refused to sign")
    if d.measures and not d.problem_found:
        v.add("measures", "only when an item found a problem (发现问题)")
    if len(d.measures) > MAX_MEASURES:
        v.add("measures", f"at most {MAX_MEASURES} measures")
    for i, m in enumerate(d.measures):
        _check_measure(v, f"measures[{i}]", m, d.inspection_date, recorder)


def _check_items(v: Violations, items: Sequence[ItemResult]) -> None:
    if not items:
        v.add("items", "required: one result per check item of the inspection")
    if len(items) > MAX_ITEMS:
        v.add("items", f"at most {MAX_ITEMS} items")
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not item.check_item.strip() or len(item.check_item) > MAX_CODE:
            v.add(f"{where}.check_item", f"required: the check item's code, at most {MAX_CODE} characters")
        elif item.check_item in seen:
            v.add(f"{where}.check_item", f"check item {item.check_item} has a result already")
        seen.add(item.check_item)
        if item.outcome not in (NO_PROBLEM, PROBLEM_FOUND):
            v.add(f"{where}.outcome", "required: no problem (未发现问题) or problem found (发现问题)")
        if item.outcome == PROBLEM_FOUND and not item.findings.strip():
            v.add(f"{where}.findings", "required when a problem was found: what was found")
        if len(item.findings) > MAX_FINDINGS:
            v.add(f"{where}.findings", f"at most {MAX_FINDINGS} characters")


def _check_team(v: Violations, numbers: Sequence[str], minimum: int) -> None:
    if len(numbers) < minimum or len(numbers) > MAX_TEAM:
        v.add(
            "inspectors",
            f"{minimum} to {MAX_TEAM} inspectors' certificate numbers"
            f" (执法人员不得少于两人, 《中华人民共和国行政处罚法》第四十二条)",
        )
    if len(set(numbers)) != len(numbers):
        v.add("inspectors", "each inspector once")
    for i, n in enumerate(numbers):
        if not n.strip() or len(n) > MAX_CODE:
            v.add(f"inspectors[{i}]", f"required, at most {MAX_CODE} characters")


def _check_measure(v: Violations, where: str, m: Measure, inspected: dt.date | None, recorder: str) -> None:
    if m.kind not in (RECTIFICATION, PENALTY_CASE, REFERRAL):
        v.add(f"{where}.kind", "required: rectification, penalty case or referral")
    if not m.legal_basis.strip() or len(m.legal_basis) > MAX_LEGAL_BASIS:
        v.add(f"{where}.legal_basis", f"required, at most {MAX_LEGAL_BASIS} characters")
    if len(m.note) > MAX_NOTE:
        v.add(f"{where}.note", f"at most {MAX_NOTE} characters")
    _check_deadline(v, where, m, inspected)
    _check_case(v, where, m)
    _check_referral(v, where, m, recorder)


def _check_deadline(v: Violations, where: str, m: Measure, inspected: dt.date | None) -> None:
    if m.kind != RECTIFICATION:
        if m.deadline is not None:
            v.add(f"{where}.deadline", "only for a rectification order")
    elif m.deadline is None:
        v.add(f"{where}.deadline", "required for a rectification order: the deadline (限期)")
    elif inspected is not None and m.deadline <= inspected:
        v.add(f"{where}.deadline", f"must be after the inspection date {inspected}")


def _check_case(v: Violations, where: str, m: Measure) -> None:
    if m.kind != PENALTY_CASE:
        if m.case_number:
            v.add(f"{where}.case_number", "only for a penalty case")
    elif not m.case_number or len(m.case_number) > MAX_CASE_NUMBER:
        v.add(f"{where}.case_number", f"required for a penalty case (案号), at most {MAX_CASE_NUMBER}")


def _check_referral(v: Violations, where: str, m: Measure, recorder: str) -> None:
    if m.kind != REFERRAL:
        if m.to_department:
            v.add(f"{where}.to_department", "only for a referral")
    elif not m.to_department or len(m.to_department) > MAX_CODE:
        v.add(f"{where}.to_department", "required for a referral: the receiving department's code")
    elif m.to_department == recorder:
        v.add(f"{where}.to_department", "a referral goes to another department")


def may_record(inspection: Inspection, department: str) -> str | None:
    """Why `department` may not record this inspection's result, or None."""
    if department not in inspection.departments:
        return f"department {department!r} does not take part in {inspection.name}"
    if inspection.recorder is not None and inspection.recorder != department:
        return (
            f"the result of {inspection.name} is recorded by its lead department {inspection.recorder}"
            " and recognised by every participating department (互认)"
        )
    return None


def fit_problems(inspection: Inspection, d: Draft) -> list[PreconditionViolation]:
    """Why the result does not fit the inspection it names (FAILED_PRECONDITION)."""
    problems = []
    if inspection.merged_into:
        problems.append(
            PreconditionViolation(
                "MERGED_INTO_JOINT",
                inspection.name,
                f"the drawn subject was merged into joint inspection {inspection.merged_into}:"
                " record that inspection's one result (综合查一次)",
            )
        )
    if inspection.cancelled:
        problems.append(
            PreconditionViolation(
                "REGISTRATION_CANCELLED",
                inspection.name,
                "the registration was cancelled: no inspection took place",
            )
        )
    expected = set(inspection.check_items)
    given = {i.check_item for i in d.items}
    for code in sorted(given - expected):
        problems.append(
            PreconditionViolation(
                "UNKNOWN_CHECK_ITEM", code, f"{code} is not a check item of {inspection.name}"
            )
        )
    for code in sorted(expected - given):
        problems.append(
            PreconditionViolation("CHECK_ITEM_WITHOUT_RESULT", code, f"check item {code} needs a result")
        )
    team = set(inspection.team)
    if not team:
        problems.append(
            PreconditionViolation(
                "NO_TEAM", inspection.name, "no inspector team was drawn for the subject: assign one first"
            )
        )
    else:
        for number in d.inspectors:
            if number not in team:
                problems.append(
                    PreconditionViolation(
                        "NOT_ON_TEAM",
                        number,
                        f"inspector {number} is not on the team of {inspection.name}",
                    )
                )
    if d.inspection_date is not None and d.inspection_date < inspection.not_before:
        problems.append(
            PreconditionViolation(
                "BEFORE_INSPECTION_PLANNED",
                "inspection_date",
                f"{d.inspection_date} is before {inspection.name} was drawn or planned"
                f" ({inspection.not_before})",
            )
        )
    return problems
