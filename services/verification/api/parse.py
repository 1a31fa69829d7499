"""Reading the verification service's requests: every problem of a request by field, at once.

The messages are read here, into the domain's own values; the rules those values must satisfy
are the domain's (services/verification/domain), called from here in the order the fields are
read, so a refusal lists its problems in the order of the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from google.type.date_pb2 import Date

from chengnuo.common.v1 import subject_pb2
from chengnuo.verification.v1 import inspections_pb2 as ipb
from chengnuo.verification.v1 import registrations_pb2 as gpb
from chengnuo.verification.v1 import rosters_pb2 as rpb
from chengnuo.verification.v1 import verification_pb2 as pb
from services.contracts.draw_algorithm import grade_letter
from services.contracts.subjects import parse_subject
from services.kernel import convert
from services.kernel.errors import FieldViolation, Violations, excerpt
from services.kernel.identifiers import validate_region_code
from services.verification.domain import (
    assistance,
    plans,
    publication,
    registrations,
    rosters,
    sampling,
    tasks,
)
from services.verification.domain.plans import DEPARTMENT_CODE, LABEL, MAX_NAME, CheckItem, Filter, PlanDraft
from services.verification.domain.rules import SamplingRules, TaskRules
from services.verification.store.registrations import NewRegistration

MAX_QUESTION = 2000
MAX_ANSWER = 4000


# Tasks.


def check_conclusion(v: Violations, request: pb.ConcludeTaskRequest, today: dt.date) -> dt.date | None:
    """Every problem of a conclusion; returns the decision date when it is usable."""
    valid = request.outcome != pb.OUTCOME_UNSPECIFIED and request.outcome in pb.Outcome.values()
    if not valid:
        v.add("outcome", "required: true, false or unverifiable")
    _text(v, "findings", request.findings, "required: what was checked and found", tasks.MAX_FINDINGS)
    decided = _past_date(v, "decision_date", request.decision_date, today)
    outcome = pb.Outcome.Name(request.outcome) if valid else ""
    tasks.check_measures_for(v, outcome, len(request.measures))
    if len(request.measures) > tasks.MAX_MEASURES:
        v.add("measures", f"at most {tasks.MAX_MEASURES} measures")
    for i, measure in enumerate(request.measures):
        _check_measure(v, f"measures[{i}]", measure)
    check_evidence(v, "evidence_refs", request.evidence_refs)
    return decided


def _check_measure(v: Violations, where: str, measure: pb.Measure) -> None:
    if measure.kind == pb.MEASURE_KIND_UNSPECIFIED or measure.kind not in pb.MeasureKind.values():
        v.add(f"{where}.kind", "required")
    if not measure.legal_basis.strip() or len(measure.legal_basis) > tasks.MAX_LEGAL_BASIS:
        # A revocation carries its basis onto the revoked licence and its public announcement.
        revoking = measure.kind == pb.MEASURE_KIND_REVOKE_DECISION
        what = (
            "the basis of the revocation (撤销), e.g. 《中华人民共和国行政许可法》第六十九条, "
            if revoking
            else ""
        )
        v.add(f"{where}.legal_basis", f"required: {what}at most {tasks.MAX_LEGAL_BASIS} characters")
    if measure.kind == pb.MEASURE_KIND_ORDER_RECTIFICATION:
        convert.date_field(v, f"{where}.deadline", measure.deadline)
    if len(measure.note) > tasks.MAX_REASON:
        v.add(f"{where}.note", f"at most {tasks.MAX_REASON} characters")
    kind = pb.MeasureKind.Name(measure.kind) if measure.kind in pb.MeasureKind.values() else ""
    publication.check_penalty(v, where, kind, list(measure.penalty_categories), measure.fine_fen)


def measure_kinds(measures: Sequence[pb.Measure]) -> list[str]:
    return [pb.MeasureKind.Name(m.kind) for m in measures]


def check_evidence(v: Violations, field: str, refs: Sequence[str]) -> None:
    if len(refs) > tasks.MAX_EVIDENCE:
        v.add(field, f"at most {tasks.MAX_EVIDENCE} references")
    for i, ref in enumerate(refs):
        if not ref.strip() or len(ref) > tasks.MAX_EVIDENCE_REF:
            v.add(f"{field}[{i}]", f"required, at most {tasks.MAX_EVIDENCE_REF} characters")


def check_extension(v: Violations, request: pb.ExtendDeadlineRequest, rules: TaskRules) -> None:
    tasks.check_extension_days(v, request.working_days, rules)
    _text(v, "reason", request.reason, "required: why the deadline cannot be kept", tasks.MAX_REASON)


def check_team_request(v: Violations, numbers: Sequence[str]) -> list[str]:
    """The requested certificate numbers, normalised, after the request-shape checks."""
    if not numbers:
        v.add("certificate_numbers", "required: at least one inspector")
    if len(numbers) > tasks.MAX_TEAM:
        v.add("certificate_numbers", f"at most {tasks.MAX_TEAM} inspectors")
    cleaned = [n.strip() for n in numbers]
    for i, number in enumerate(cleaned):
        if not number or len(number) > 64:
            v.add(f"certificate_numbers[{i}]", "required, at most 64 characters")
        elif number in cleaned[:i]:
            v.add(f"certificate_numbers[{i}]", f"{number} is listed twice")
    return cleaned


def check_rectification(
    v: Violations, request: pb.RecordRectificationRequest, today: dt.date
) -> dt.date | None:
    """The request's own problems; returns the completion date when it is usable."""
    completed = _past_date(v, "completed_on", request.completed_on, today)
    _text(
        v,
        "assessment",
        request.assessment,
        "required: how the correction and any harm were established",
        tasks.MAX_FINDINGS,
    )
    check_evidence(v, "evidence_refs", request.evidence_refs)
    return completed


def _text(v: Violations, field: str, value: str, required: str, most: int) -> None:
    """A required free text of at most `most` characters (`required` says what it is for)."""
    if not value.strip():
        v.add(field, required)
    elif len(value) > most:
        v.add(field, f"at most {most} characters")


def _past_date(v: Violations, field: str, value: Date, today: dt.date) -> dt.date | None:
    """A required date no later than today."""
    day = convert.date_field(v, field, value)
    if day and day > today:
        v.add(field, f"{day} is in the future")
    return day


# 部门间协查.


def check_assistance_request(request: pb.RequestAssistanceRequest, today: dt.date, caller: str) -> dt.date:
    """The date the asked department is to answer by, or InvalidArgument."""
    v = Violations()
    if not DEPARTMENT_CODE.fullmatch(request.to_department):
        v.add("to_department", "required: the department code to ask")
    elif request.to_department == caller:
        v.add("to_department", "ask another department; this one is the caller's")
    if not request.question.strip() or len(request.question) > MAX_QUESTION:
        v.add("question", f"required: the fact to check, at most {MAX_QUESTION} characters")
    answer_by = convert.date_field(v, "answer_by", request.answer_by)
    assistance.check_answer_by(v, answer_by, today)
    return v.ok(answer_by)


def check_answer(request: pb.AnswerAssistanceRequest) -> None:
    v = Violations()
    if (
        request.finding == pb.ASSISTANCE_FINDING_UNSPECIFIED
        or request.finding not in pb.AssistanceFinding.values()
    ):
        v.add("finding", "required: confirmed, contradicted or no record")
    if not request.answer.strip() or len(request.answer) > MAX_ANSWER:
        v.add("answer", f"required, at most {MAX_ANSWER} characters")
    check_evidence(v, "evidence_refs", request.evidence_refs)
    v.raise_if_any()


# Plans (双随机抽查计划).


def parse_plan(request: ipb.CreatePlanRequest, owner: str, rules: SamplingRules) -> PlanDraft:
    """The plan, or InvalidArgument naming every problem of the request at once."""
    v = Violations()
    name = request.name.strip()
    if not name or len(name) > MAX_NAME:
        v.add("name", f"required, at most {MAX_NAME} characters")
    departments = check_departments(v, "departments", request.departments, owner)
    items = _check_items(v, request.check_items, departments, owner)
    plan_filter = _filter(v, request.filter)
    ratios = parse_ratios(v, request.ratios, rules)
    team = request.inspector_requirements
    plans.check_team_size(v, team.team_size, rules)
    if team.domain and not LABEL.fullmatch(team.domain):
        v.add("inspector_requirements.domain", "letters, digits and _.:- only, at most 64")
    start, end = v.ok(window(v, request.window_start, request.window_end, request.plan_year))
    return PlanDraft(
        name,
        owner,
        departments,
        items,
        plan_filter,
        ratios,
        team.team_size,
        team.domain,
        start,
        end,
        rules.id,
    )


def check_departments(v: Violations, name: str, codes: Sequence[str], caller: str) -> list[str]:
    cleaned = [c.strip() for c in codes]
    if not 1 <= len(cleaned) <= plans.MAX_DEPARTMENTS:
        v.add(name, f"1 to {plans.MAX_DEPARTMENTS} departments")
    for i, code in enumerate(cleaned):
        if not DEPARTMENT_CODE.fullmatch(code):
            v.add(f"{name}[{i}]", "a department code: letters, digits and _.- only, at most 64")
        elif code in cleaned[:i]:
            v.add(f"{name}[{i}]", f"{code} is listed twice")
    if cleaned and caller not in cleaned:
        v.add(name, f"must include the caller's department {caller}")
    return cleaned


def _check_items(
    v: Violations, items: Sequence[ipb.CheckItem], departments: list[str], owner: str
) -> list[CheckItem]:
    if not 1 <= len(items) <= plans.MAX_CHECK_ITEMS:
        v.add("check_items", f"1 to {plans.MAX_CHECK_ITEMS} check items")
    parsed = []
    for i, item in enumerate(items):
        where = f"check_items[{i}]"
        if not LABEL.fullmatch(item.code.strip()):
            v.add(f"{where}.code", "required: letters, digits and _.:- only, at most 64")
        if not item.name.strip() or len(item.name) > MAX_NAME:
            v.add(f"{where}.name", f"required, at most {MAX_NAME} characters")
        if not plans.TYPE_CODE.fullmatch(item.inspection_type):
            v.add(f"{where}.inspection_type", "required: an upper-case code such as FOOD_SAFETY")
        department = item.department.strip() or owner
        if department not in departments:
            v.add(f"{where}.department", f"{department} is not one of the plan's departments")
        parsed.append(CheckItem(item.code.strip(), item.name.strip(), item.inspection_type, department))
    return parsed


def _filter(v: Violations, message: ipb.SubjectFilter) -> Filter:
    for name in ("region_codes", "industries", "kinds", "tags"):
        if len(getattr(message, name)) > plans.MAX_FILTER_VALUES:
            v.add(f"filter.{name}", f"at most {plans.MAX_FILTER_VALUES} values")
    for i, code in enumerate(message.region_codes):
        try:
            validate_region_code(code)
        except ValueError as exc:
            v.add(f"filter.region_codes[{i}]", str(exc))
    for name in ("industries", "tags"):
        for i, label in enumerate(getattr(message, name)):
            if not LABEL.fullmatch(label):
                v.add(f"filter.{name}[{i}]", "letters, digits and _.:- only, at most 64")
    kinds = subject_pb2.SubjectKind
    for i, kind in enumerate(message.kinds):
        if kind == kinds.SUBJECT_KIND_UNSPECIFIED or kind not in kinds.values():
            v.add(f"filter.kinds[{i}]", "a subject kind")
    return Filter(
        list(message.region_codes),
        list(message.industries),
        [kinds.Name(k) for k in message.kinds if k in kinds.values()],
        list(message.tags),
    )


def window(
    v: Violations, start_date: Date, end_date: Date, plan_year: int = 0
) -> tuple[dt.date, dt.date] | None:
    """The window of an annual plan (plans.annual_window), or None after recording why not."""
    if not plans.check_plan_year(v, plan_year):
        return None
    start = convert.date_field(v, "window_start", start_date)
    end = convert.date_field(v, "window_end", end_date)
    if not start or not end:
        return None
    return plans.annual_window(v, start, end, plan_year)


def parse_ratios(v: Violations, ratios: Sequence[ipb.GradeRatio], rules: SamplingRules) -> list[int]:
    """Basis points for grades A..D: the plan's own within the legal bands, else the defaults."""
    chosen = {g: band.default_bp for g, band in rules.bands.items()}
    seen: set[int] = set()
    for i, ratio in enumerate(ratios):
        if ratio.grade not in rules.bands:
            v.add(f"ratios[{i}].grade", "required: grade A, B, C or D")
            continue
        if ratio.grade in seen:
            v.add(f"ratios[{i}].grade", f"grade {grade_letter(ratio.grade)} is given twice")
        seen.add(ratio.grade)
        field = f"ratios[{i}].percent"
        bp = sampling.basis_points(v, field, ratio.percent)
        if bp is not None and sampling.within_band(v, field, ratio.grade, bp, rules):
            chosen[ratio.grade] = bp
    return [chosen[g] for g in sorted(chosen)]


# Rosters (一单两库).


def subject_row(row: rpb.SubjectRow) -> rosters.SubjectRecord | list[FieldViolation]:
    v = Violations()
    subject = parse_subject(v, "subject", row.subject)
    name = row.name.strip()
    if not name or len(name) > rosters.MAX_NAME:
        v.add("name", f"required, at most {rosters.MAX_NAME} characters")
    try:
        validate_region_code(row.region_code)
    except ValueError as exc:
        v.add("region_code", str(exc))
    if row.industry and not LABEL.fullmatch(row.industry):
        v.add("industry", "letters, digits and _.:- only, at most 64")
    _labels(v, "tags", row.tags, rosters.MAX_TAGS)
    if row.risk_level not in rpb.RiskLevel.values():
        v.add("risk_level", "一级, 二级, 三级 or not assessed")
    if v.items or subject is None:
        return v.items
    return rosters.SubjectRecord(
        subject.code, subject.kind, name, row.region_code, row.industry, list(row.tags), row.risk_level
    )


def inspector_row(row: rpb.Inspector, department: str) -> rosters.InspectorRecord | list[FieldViolation]:
    v = Violations()
    number = row.certificate_number.strip()
    if not rosters.CERTIFICATE.fullmatch(number):
        v.add("certificate_number", "required: letters, digits and - only, at most 64")
    name = row.name.strip()
    if not name or len(name) > rosters.MAX_NAME:
        v.add("name", f"required, at most {rosters.MAX_NAME} characters")
    if row.department and row.department != department:
        v.add("department", f"inspectors are imported into the caller's department {department}")
    _labels(v, "domains", row.domains, rosters.MAX_DOMAINS)
    valid_until = convert.date_field(
        v, "certificate_valid_until", row.certificate_valid_until, required=False
    )
    conflicts = _conflicts(v, row.conflicts)
    if v.items:
        return v.items
    return rosters.InspectorRecord(number, name, list(row.domains), row.active, valid_until, conflicts)


def _conflicts(v: Violations, conflicts: Sequence[rpb.Conflict]) -> list[tuple[str, str, str]]:
    if len(conflicts) > rosters.MAX_CONFLICTS:
        v.add("conflicts", f"at most {rosters.MAX_CONFLICTS} conflicts")
    found = []
    for i, conflict in enumerate(conflicts):
        subject = parse_subject(v, f"conflicts[{i}].subject", conflict.subject)
        if len(conflict.reason) > rosters.MAX_REASON:
            v.add(f"conflicts[{i}].reason", f"at most {rosters.MAX_REASON} characters")
        if subject:
            found.append((subject.kind, subject.code, conflict.reason.strip()))
    return found


def _labels(v: Violations, field: str, labels: Sequence[str], limit: int) -> None:
    if len(labels) > limit:
        v.add(field, f"at most {limit} values")
    for i, label in enumerate(labels):
        if not LABEL.fullmatch(label):
            v.add(f"{field}[{i}]", "letters, digits and _.:- only, at most 64")


def department_problems(v: Violations, index: int, department: rpb.Department) -> None:
    where = f"departments[{index}]"
    if not DEPARTMENT_CODE.fullmatch(department.code):
        v.add(f"{where}.code", "a department code: letters, digits and _.- only, at most 64")
    if not department.name.strip() or len(department.name) > rosters.MAX_NAME:
        v.add(f"{where}.name", f"required, at most {rosters.MAX_NAME} characters")
    if department.parent_code and not DEPARTMENT_CODE.fullmatch(department.parent_code):
        v.add(f"{where}.parent_code", "a department code or empty")
    if department.parent_code == department.code and department.code:
        v.add(f"{where}.parent_code", "a department cannot be its own superior")
    try:
        validate_region_code(department.region_code)
    except ValueError as exc:
        v.add(f"{where}.region_code", str(exc))


# Registrations (计划外检查报备).


def parse_planned_inspection(
    v: Violations, message: gpb.PlannedInspection, caller: str, *, by: str, now: dt.datetime
) -> NewRegistration | None:
    """The registration a request asks for, after recording every problem of its fields."""
    field = "inspection"
    subject = parse_subject(v, f"{field}.subject", message.subject)
    name = message.subject_name.strip()
    if not name or len(name) > registrations.MAX_SUBJECT_NAME:
        v.add(f"{field}.subject_name", f"required, at most {registrations.MAX_SUBJECT_NAME} characters")
    check_registering_department(v, f"{field}.department", message.department, caller)
    check_inspection_type(v, f"{field}.inspection_type", message.inspection_type)
    items = _codes(v, f"{field}.check_items", message.check_items)
    planned = convert.date_field(v, f"{field}.planned_date", message.planned_date)
    _text(
        v, f"{field}.basis", message.basis, "required: why and on what legal basis", registrations.MAX_BASIS
    )
    check_consent_reference(v, f"{field}.consent_reference", message.consent_reference)
    ground = _advance_notice(v, field, message)
    numbers = _numbers(v, f"{field}.certificate_numbers", message.certificate_numbers)
    if v.items or subject is None or planned is None:
        return None
    return NewRegistration(
        subject_kind=subject.kind,
        subject_code=subject.code,
        subject_name=name,
        department=message.department,
        inspection_type=message.inspection_type,
        check_items=tuple(items),
        planned_date=planned,
        basis=message.basis.strip(),
        consent_reference=message.consent_reference.strip(),
        advance_notice=message.advance_notice,
        no_notice_ground=ground,
        no_notice_reason=message.no_notice_reason.strip(),
        certificate_numbers=tuple(numbers),
        rule_sets=(),
        registered_by=by,
        registered_at=now,
    )


def _codes(v: Violations, field: str, codes: Sequence[str]) -> list[str]:
    items = [c.strip() for c in codes]
    if not 1 <= len(items) <= registrations.MAX_CHECK_ITEMS:
        v.add(field, f"1 to {registrations.MAX_CHECK_ITEMS} check item codes")
    for i, code in enumerate(items):
        if not LABEL.fullmatch(code):
            v.add(f"{field}[{i}]", "letters, digits and _.:- only, at most 64")
        elif code in items[:i]:
            v.add(f"{field}[{i}]", f"{code} is listed twice")
    return items


def _numbers(v: Violations, field: str, given: Sequence[str]) -> list[str]:
    numbers = [n.strip() for n in given]
    if len(numbers) > registrations.MAX_INSPECTORS:
        v.add(field, f"at most {registrations.MAX_INSPECTORS} inspectors")
    for i, number in enumerate(numbers):
        if not number or len(number) > 64:
            v.add(f"{field}[{i}]", "required, at most 64 characters")
        elif number in numbers[:i]:
            v.add(f"{field}[{i}]", f"{number} is listed twice")
    return numbers


def _advance_notice(v: Violations, field: str, message: gpb.PlannedInspection) -> str:
    """The ground for not telling the subject in advance ('' when it is told)."""
    ground = message.no_notice_ground
    if message.advance_notice:
        if ground or message.no_notice_reason:
            v.add(f"{field}.no_notice_reason", "empty when the subject is told in advance (advance_notice)")
        return ""
    if ground == gpb.NO_NOTICE_GROUND_UNSPECIFIED or ground not in gpb.NoNoticeGround.values():
        v.add(f"{field}.no_notice_ground", "required without advance notice: the law or the superior organ")
        ground = gpb.NO_NOTICE_GROUND_UNSPECIFIED
    _text(
        v,
        f"{field}.no_notice_reason",
        message.no_notice_reason,
        "required without advance notice: why the subject is not told in advance",
        registrations.MAX_REASON,
    )
    return gpb.NoNoticeGround.Name(ground)


def check_registering_department(v: Violations, field: str, department: str, caller: str) -> None:
    """A department registers (and asks about) its own inspections only."""
    if not department:
        v.add(field, f"required: the registering department, the caller's {caller}")
    elif department != caller:
        v.add(field, f"{excerpt(department)} is not the caller's department {caller}")


def check_inspection_type(v: Violations, field: str, value: str) -> None:
    if not plans.TYPE_CODE.fullmatch(value):
        v.add(field, "required: an upper-case code such as FOOD_SAFETY, at most 64 characters")


def check_consent_reference(v: Violations, field: str, value: str) -> None:
    if len(value) > registrations.MAX_CONSENT:
        v.add(field, f"at most {registrations.MAX_CONSENT} characters")
