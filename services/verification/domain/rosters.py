"""Validation of roster rows (一单两库), one row at a time, reporting every problem (no I/O)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from chengnuo.verification.v1 import rosters_pb2 as rpb
from services.contracts.subjects import parse_subject
from services.kernel import convert
from services.kernel.errors import FieldViolation, Violations
from services.kernel.identifiers import validate_region_code
from services.verification.domain.plans import DEPARTMENT_CODE, LABEL

MAX_NAME = 200
MAX_TAGS = 20
MAX_DOMAINS = 20
MAX_CONFLICTS = 200
MAX_REASON = 500
CERTIFICATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


@dataclass(frozen=True)
class SubjectRecord:
    """A valid roster row, in the column order of the staging table after (import, row)."""

    code: str
    kind: str
    name: str
    region_code: str
    industry: str
    tags: list[str]


def subject_row(row: rpb.SubjectRow) -> SubjectRecord | list[FieldViolation]:
    v = Violations()
    subject = parse_subject(v, "subject", row.subject)
    name = row.name.strip()
    if not name or len(name) > MAX_NAME:
        v.add("name", f"required, at most {MAX_NAME} characters")
    try:
        validate_region_code(row.region_code)
    except ValueError as exc:
        v.add("region_code", str(exc))
    if row.industry and not LABEL.fullmatch(row.industry):
        v.add("industry", "letters, digits and _.:- only, at most 64")
    _labels(v, "tags", row.tags, MAX_TAGS)
    if v.items or subject is None:
        return v.items
    return SubjectRecord(subject.code, subject.kind, name, row.region_code, row.industry, list(row.tags))


@dataclass(frozen=True)
class InspectorRecord:
    number: str
    name: str
    domains: list[str]
    active: bool
    valid_until: dt.date | None
    conflicts: list[tuple[str, str, str]]  # (subject kind, subject code, reason)


def inspector_row(row: rpb.Inspector, department: str) -> InspectorRecord | list[FieldViolation]:
    v = Violations()
    number = row.certificate_number.strip()
    if not CERTIFICATE.fullmatch(number):
        v.add("certificate_number", "required: letters, digits and - only, at most 64")
    name = row.name.strip()
    if not name or len(name) > MAX_NAME:
        v.add("name", f"required, at most {MAX_NAME} characters")
    if row.department and row.department != department:
        v.add("department", f"inspectors are imported into the caller's department {department}")
    _labels(v, "domains", row.domains, MAX_DOMAINS)
    valid_until = convert.date_field(
        v, "certificate_valid_until", row.certificate_valid_until, required=False
    )
    conflicts = _conflicts(v, row.conflicts)
    if v.items:
        return v.items
    return InspectorRecord(number, name, list(row.domains), row.active, valid_until, conflicts)


def _conflicts(v: Violations, conflicts: Sequence[rpb.Conflict]) -> list[tuple[str, str, str]]:
    if len(conflicts) > MAX_CONFLICTS:
        v.add("conflicts", f"at most {MAX_CONFLICTS} conflicts")
    found = []
    for i, conflict in enumerate(conflicts):
        subject = parse_subject(v, f"conflicts[{i}].subject", conflict.subject)
        if len(conflict.reason) > MAX_REASON:
            v.add(f"conflicts[{i}].reason", f"at most {MAX_REASON} characters")
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
    if not department.name.strip() or len(department.name) > MAX_NAME:
        v.add(f"{where}.name", f"required, at most {MAX_NAME} characters")
    if department.parent_code and not DEPARTMENT_CODE.fullmatch(department.parent_code):
        v.add(f"{where}.parent_code", "a department code or empty")
    if department.parent_code == department.code and department.code:
        v.add(f"{where}.parent_code", "a department cannot be its own superior")
    try:
        validate_region_code(department.region_code)
    except ValueError as exc:
        v.add(f"{where}.region_code", str(exc))
