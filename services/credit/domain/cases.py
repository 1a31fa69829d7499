"""Repair applications (信用修复) and objections (异议): who may apply when, which decisions are
still open, and the decision deadlines."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from services.credit.domain.records import ACTIVE, PUBLISHED, REVOKED, UNDER_OBJECTION, Record
from services.credit.domain.refusals import refusal, refuse
from services.kernel.calendar import WorkingCalendar
from services.kernel.errors import FailedPrecondition, PermissionDenied, PreconditionViolation

REPAIR_PENDING = "REPAIR_STATUS_PENDING"
REPAIR_APPROVED = "REPAIR_STATUS_APPROVED"
REPAIR_REFUSED = "REPAIR_STATUS_REFUSED"
OBJECTION_PENDING = "OBJECTION_STATUS_PENDING"
OBJECTION_UPHELD = "OBJECTION_STATUS_UPHELD"
OBJECTION_REJECTED = "OBJECTION_STATUS_REJECTED"


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    provisional: bool
    extensions: int = 0


@dataclass(frozen=True, slots=True)
class Case:
    """What a repair application and an objection share: the record, the department deciding it
    (谁认定、谁修复), the evidence, the deadline and the decision."""

    case_id: uuid.UUID
    record_id: uuid.UUID
    subject_kind: str
    subject_code: str
    department: str
    evidence: tuple[str, ...]
    due_date: dt.date
    due_provisional: bool
    extensions: int
    extension_reason: str
    status: str
    decision_reason: str
    decided_by: str
    decided_at: dt.datetime | None
    rule_set: str

    @property
    def deadline(self) -> Deadline:
        return Deadline(self.due_date, self.due_provisional, self.extensions)


@dataclass(frozen=True, slots=True)
class RepairApplication(Case):
    obligations_performed: str
    repair_commitment: str
    applied_by: str
    applied_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Objection(Case):
    reason: str
    filed_by: str
    filed_at: dt.datetime
    outcome: str
    corrected_facts: str
    corrected_class: str


def deadline(terms: dict[str, Any], calendar: WorkingCalendar, received: dt.date) -> Deadline:
    """Decision due `decision_working_days` working days after receipt (the day itself not counted)."""
    answer = calendar.add_working_days(received, int(terms["decision_working_days"]))
    return Deadline(answer.date, answer.provisional)


def extended(terms: dict[str, Any], calendar: WorkingCalendar, current: Deadline) -> Deadline | None:
    """The deadline after one more extension, or None when the rules allow no more."""
    if current.extensions >= int(terms["max_extensions"]):
        return None
    answer = calendar.add_working_days(current.due, int(terms["extension_working_days"]))
    return Deadline(answer.date, current.provisional or answer.provisional, current.extensions + 1)


def extend(terms: dict[str, Any], calendar: WorkingCalendar, case: Case) -> Deadline:
    """The case's deadline extended once more, refused when its rule set allows no further one."""
    later = extended(terms, calendar, case.deadline)
    if later is None:
        refuse(
            "EXTENSION_USED",
            str(case.case_id),
            "the rules allow no further extension",
            message="the deadline may not be extended again",
        )
    return later


def require_pending(case: Case, name: str, pending: str) -> None:
    """Only an undecided case may be decided or have its deadline extended."""
    if case.status != pending:
        refuse(
            "ALREADY_DECIDED",
            str(case.case_id),
            f"the {name} is {case.status}",
            message=f"the {name} is decided already",
        )


def require_own(applicant_code: str, owner_code: str, what: str, *, portal: bool) -> None:
    """Only the subject itself may apply or object: the applicant a portal (or an officer) names
    must be the owner of the record or list entry."""
    if applicant_code != owner_code:
        who = "a portal acts" if portal else "applications are made"
        raise PermissionDenied(
            f"{who} only for the subject concerned; this {what} belongs to another subject"
        )


def repair_blockers(
    record_id: str, status: str, repairable_from: dt.date, today: dt.date
) -> list[PreconditionViolation]:
    """Why repair may not be applied for now (only records in force, after the minimum period)."""
    if status not in ACTIVE:
        return [PreconditionViolation("RECORD_NOT_IN_FORCE", record_id, f"the record is {_name(status)}")]
    if today < repairable_from:
        return [
            PreconditionViolation(
                "MINIMUM_PERIOD_NOT_ENDED",
                record_id,
                f"repair may be applied for from {repairable_from}, when the minimum publicity period ends",
                repairable_from,
            )
        ]
    return []


def may_apply_for_repair(record: Record, today: dt.date, named: str) -> None:
    """Refuse an application for the record (`named` as the request names it) if one may not be
    made now."""
    blockers = repair_blockers(named, record.status, record.repairable_from, today)
    if blockers:
        raise FailedPrecondition(
            f"credit repair may not be applied for now: {blockers[0].description}", blockers
        )


def repair_pending(named: str) -> FailedPrecondition:
    """The refusal of a second application while one for the record is being decided."""
    return refusal(
        "REPAIR_PENDING",
        named,
        "wait for its decision",
        message="a repair application for this record is pending",
    )


def require_repairable(record: Record) -> None:
    """Approval repairs a record still in force; one that ended meanwhile (expired, revoked) is
    not repaired."""
    if not record.in_force:
        refuse(
            "RECORD_NOT_IN_FORCE",
            str(record.record_id),
            f"it is {record.status}",
            message="the record is no longer in force",
        )


def objection_blockers(record_id: str, status: str) -> list[PreconditionViolation]:
    if status == UNDER_OBJECTION:
        return [PreconditionViolation("OBJECTION_PENDING", record_id, "an objection to it is being decided")]
    if status != PUBLISHED:
        return [PreconditionViolation("RECORD_NOT_IN_FORCE", record_id, f"the record is {_name(status)}")]
    return []


def may_object(record: Record, named: str) -> None:
    blockers = objection_blockers(named, record.status)
    if blockers:
        raise FailedPrecondition(f"an objection may not be filed now: {blockers[0].description}", blockers)


def status_after_objection(status: str, outcome: str) -> str:
    """Upheld-revoke withdraws the record; otherwise a disputed record is in force again, and a
    record that ended meanwhile (expired, repaired) stays ended."""
    if outcome == "REVOKE":
        return REVOKED
    return PUBLISHED if status == UNDER_OBJECTION else status


def _name(status: str) -> str:
    return status.removeprefix("RECORD_STATUS_").lower().replace("_", " ")
