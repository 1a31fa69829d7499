"""Request parsing and the checks on who makes a request, shared by the credit handlers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from chengnuo.common.v1 import subject_pb2
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.credit.domain.cases import require_own
from services.credit.domain.sharing import Asked
from services.kernel.auth import Caller
from services.kernel.errors import InvalidArgument, Violations
from services.kernel.identifiers import validate_region_code
from services.kernel.ids import uuid_field

MAX_TEXT = 4000
MAX_EVIDENCE = 20
MAX_EVIDENCE_ITEM = 500
MAX_RECORDS = 20  # the records a listing may rest on
# 200,000 subjects are about 5 MB on the wire, well within the 32 MiB a server accepts.
MAX_SUBJECTS = 200_000
MAX_REPORTED = 20  # a list with thousands of bad codes gets the first ones, not a huge error
NATURAL = subject_pb2.SUBJECT_KIND_NATURAL_PERSON
KINDS = frozenset(subject_pb2.SubjectKind.values()) - {subject_pb2.SUBJECT_KIND_UNSPECIFIED}
# The shape of each kind of code. Check characters are not recomputed for 100,000 codes: a code
# that fails its check cannot match, since every stored code passed it.
_SHAPE = {True: re.compile(r"[0-9]{17}[0-9X]"), False: re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")}


def text(v: Violations, field: str, value: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if required and not value:
        v.add(field, "required")
    elif len(value) > limit:
        v.add(field, f"at most {limit} characters")
    return value


def evidence(v: Violations, field: str, items: Sequence[str]) -> list[str]:
    if len(items) > MAX_EVIDENCE:
        v.add(field, f"at most {MAX_EVIDENCE} items")
    for i, item in enumerate(items):
        if not item.strip() or len(item) > MAX_EVIDENCE_ITEM:
            v.add(f"{field}[{i}]", f"a reference of 1 to {MAX_EVIDENCE_ITEM} characters")
    return [item.strip() for item in items]


def acting_for(
    caller: Caller, v: Violations, applicant: subject_pb2.SubjectRef, owner: str, what: str
) -> None:
    """The applicant the request names, which must be the owner of the record or list entry."""
    subject = v.ok(parse_subject(v, "applicant", applicant))
    require_own(subject.code, owner, what, portal=roles.PORTAL in caller.roles)


def may_take_application(caller: Caller, region_code: str, department: str, what: str) -> None:
    """Who takes a subject's application or objection about a record or list entry: a portal of
    the record's region (any department's desk, as a portal records a commitment), or a credit
    officer of the department that made it (谁认定、谁修复); checked before anything about the
    record's state is told."""
    caller.require_region(region_code, what)
    if roles.PORTAL not in caller.roles:
        caller.require_department(department)


def region_field(v: Violations, value: str, field: str = "region_code") -> str:
    """An optional region code; empty means national (or every region)."""
    if not value:
        return ""
    try:
        return validate_region_code(value)
    except ValueError as exc:
        v.add(field, str(exc))
        return ""


def decision_reason(known: bool, value: str, *, required: bool) -> str:
    """Check a decision request's choice and reason; a refusal always says why."""
    v = Violations()
    if not known:
        v.add("decision", "required: one of the decisions the request type lists")
    reason = text(v, "reason", value, required=required)
    v.raise_if_any()
    return reason


def extension_reason(value: str) -> str:
    v = Violations()
    reason = text(v, "reason", value)
    v.raise_if_any()
    return reason


def status_filter(enum: Any, value: int) -> str | None:
    """An optional status filter of a list request (0: every status)."""
    if value not in enum.values():
        raise InvalidArgument.one("status", "not a known status")
    return str(enum.Name(value)) if value else None


def record_ids(v: Violations, values: Sequence[str]) -> list[uuid.UUID]:
    """The records a listing is proposed on."""
    if not 1 <= len(values) <= MAX_RECORDS:
        v.add("record_ids", f"required: 1 to {MAX_RECORDS} serious dishonesty records as the basis")
    ids = [uuid_field(v, f"record_ids[{i}]", value, "record") for i, value in enumerate(values)]
    return [i for i in ids if i is not None]


def bulk_subjects(subjects: Sequence[subject_pb2.SubjectRef]) -> tuple[Asked, list[str]]:
    """The subjects of a bulk match as arrays, with each one's registration region (GB/T 2260)."""
    if not 1 <= len(subjects) <= MAX_SUBJECTS:
        raise InvalidArgument.one("subjects", f"1 to {MAX_SUBJECTS} subjects per call")
    v = Violations()
    codes, natural, regions = [], [], []
    for i, subject in enumerate(subjects):
        code, person = subject.code.upper(), subject.kind == NATURAL
        if subject.kind not in KINDS:
            v.add(f"subjects[{i}].kind", "required: legal person, natural person or individual business")
        elif not _SHAPE[person].fullmatch(code):
            v.add(f"subjects[{i}].code", "a resident ID (17 digits and 0-9 or X)" if person else "a USCC")
        if len(v.items) >= MAX_REPORTED:
            break
        codes.append(code)
        natural.append(person)
        regions.append(code[:6] if person else code[2:8])
    v.raise_if_any()
    return Asked(codes, natural), regions
