"""Repair applications and objections: who may apply when, and the decision deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.credit.domain.records import ACTIVE
from services.kernel.calendar import WorkingCalendar
from services.kernel.errors import PreconditionViolation


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    provisional: bool
    extensions: int = 0


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


def objection_blockers(record_id: str, status: str) -> list[PreconditionViolation]:
    if status == "RECORD_STATUS_UNDER_OBJECTION":
        return [PreconditionViolation("OBJECTION_PENDING", record_id, "an objection to it is being decided")]
    if status != "RECORD_STATUS_PUBLISHED":
        return [PreconditionViolation("RECORD_NOT_IN_FORCE", record_id, f"the record is {_name(status)}")]
    return []


def status_after_objection(status: str, outcome: str) -> str:
    """Upheld-revoke withdraws the record; otherwise a disputed record is in force again, and a
    record that ended meanwhile (expired, repaired) stays ended."""
    if outcome == "REVOKE":
        return "RECORD_STATUS_REVOKED"
    return "RECORD_STATUS_PUBLISHED" if status == "RECORD_STATUS_UNDER_OBJECTION" else status


def _name(status: str) -> str:
    return status.removeprefix("RECORD_STATUS_").lower().replace("_", " ")
