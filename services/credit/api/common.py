"""Request parsing and checks shared by the credit servicers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NoReturn

import asyncpg

from chengnuo.common.v1 import subject_pb2
from services.contracts import roles
from services.contracts.subjects import parse_subject
from services.kernel.auth import Caller
from services.kernel.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    PreconditionViolation,
    Violations,
)
from services.kernel.identifiers import validate_region_code

MAX_TEXT = 4000
MAX_EVIDENCE = 20
MAX_EVIDENCE_ITEM = 500


def found(row: asyncpg.Record | None, resource: str, name: str, field: str) -> asyncpg.Record:
    if row is None:
        raise NotFound(resource, name, field)
    return row


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
    """Only the subject itself may apply or object: a portal names the subject it acts for, and
    that must be the owner of the record or list entry."""
    subject = v.ok(parse_subject(v, "applicant", applicant))
    if subject.code != owner:
        who = "a portal acts" if roles.PORTAL in caller.roles else "applications are made"
        raise PermissionDenied(
            f"{who} only for the subject concerned; this {what} belongs to another subject"
        )


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


def refuse(kind: str, subject: str, description: str, until: dt.date | None = None) -> NoReturn:
    """A business refusal naming what it is about and, when known, from when it may change."""
    raise FailedPrecondition(description, [PreconditionViolation(kind, subject, description, until)])


def decision_reason(known: bool, value: str, *, required: bool) -> str:
    """Check a decision request's choice and reason; a refusal always says why."""
    v = Violations()
    if not known:
        v.add("decision", "required: one of the decisions the request type lists")
    reason = text(v, "reason", value, required=required)
    v.raise_if_any()
    return reason
