"""What closes a commitment's verification beyond an ordinary conclusion (no I/O): an unverifiable
check escalated to a named lead (无法核实), daily supervision concluding a commitment
(日常监管), and the referral a measure of 移送司法机关 requires.

Statuses, outcomes and measure kinds are named as they are stored (the verification.v1 enum names).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel.errors import PreconditionViolation, Violations
from services.verification.domain.refusals import refuse
from services.verification.domain.tasks import (
    CANCELLED,
    CONCLUDED,
    OPEN,
    OUTCOME_FALSE,
    REFER_TO_JUDICIARY,
)

ESCALATED = "TASK_STATUS_ESCALATED"
OUTCOME_TRUE = "OUTCOME_TRUE"
OUTCOME_UNVERIFIABLE = "OUTCOME_UNVERIFIABLE"
VIA_TASK = "CONCLUSION_SOURCE_TASK"
VIA_SUPERVISION = "CONCLUSION_SOURCE_DAILY_SUPERVISION"

MAX_DEPARTMENT = 64
MAX_OFFICER = 100
MAX_OFFENCE = 500
MAX_MATERIALS = 50
MAX_MATERIAL = 500
MAX_ORGAN = 200
MAX_RECEIVER = 100
MAX_OUTCOME_NOTE = 1000


def check_concludable(task_id: str, status: str, outcome: str) -> None:
    """An open task takes any conclusion; an escalated one only the final true or false one."""
    if status == ESCALATED:
        if outcome == OUTCOME_UNVERIFIABLE:
            raise refuse(
                "ALREADY_ESCALATED", task_id, "the task is escalated already: conclude it true or false"
            )
        return
    if status != OPEN:
        raise refuse("TASK_NOT_OPEN", task_id, f"the task is {status}, no longer open")


def status_after(outcome: str) -> str:
    """無法核实 is not an end: the task waits, escalated, for the lead's final conclusion."""
    return ESCALATED if outcome == OUTCOME_UNVERIFIABLE else CONCLUDED


# Escalation (无法核实).


def check_escalation_request(
    v: Violations, outcome: str, given: bool, lead_department: str, lead_officer: str
) -> None:
    """An unverifiable outcome names its lead; another outcome names none."""
    if outcome != OUTCOME_UNVERIFIABLE:
        if given:
            v.add("escalation", "only an unverifiable outcome (无法核实) is escalated")
        return
    if not lead_department.strip() or len(lead_department) > MAX_DEPARTMENT:
        v.add(
            "escalation.lead_department",
            f"required with an unverifiable outcome, at most {MAX_DEPARTMENT} characters",
        )
    if not lead_officer.strip() or len(lead_officer) > MAX_OFFICER:
        v.add(
            "escalation.lead_officer",
            f"required with an unverifiable outcome, at most {MAX_OFFICER} characters",
        )


def lead_problem(
    task_department: str, lead_department: str, superiors: Sequence[str]
) -> PreconditionViolation | None:
    """The lead is the task's department or one above it (上级执法部门): a department the task's
    department answers to, never a sideways one that could not act on it."""
    if lead_department == task_department or lead_department in superiors:
        return None
    return PreconditionViolation(
        "ESCALATION_LEAD_OUTSIDE",
        "escalation.lead_department",
        f"{lead_department} is neither {task_department} nor a department above it",
    )


@dataclass(frozen=True, slots=True)
class Escalation:
    """Who resolves an unverifiable check and by when (kept with the task as JSON)."""

    lead_department: str
    lead_officer: str
    deadline: dt.date
    deadline_provisional: bool
    rule_set: str
    escalated_on: dt.date
    escalated_by: str

    def overdue(self, status: str, today: dt.date) -> bool:
        return status == ESCALATED and self.deadline < today

    def as_json(self) -> dict[str, Any]:
        return {
            "lead_department": self.lead_department,
            "lead_officer": self.lead_officer,
            "deadline": self.deadline.isoformat(),
            "deadline_provisional": self.deadline_provisional,
            "rule_set": self.rule_set,
            "escalated_on": self.escalated_on.isoformat(),
            "escalated_by": self.escalated_by,
        }

    @classmethod
    def of_json(cls, stored: dict[str, Any]) -> Escalation:
        return cls(
            lead_department=stored["lead_department"],
            lead_officer=stored["lead_officer"],
            deadline=dt.date.fromisoformat(stored["deadline"]),
            deadline_provisional=stored["deadline_provisional"],
            rule_set=stored["rule_set"],
            escalated_on=dt.date.fromisoformat(stored["escalated_on"]),
            escalated_by=stored["escalated_by"],
        )


# Daily supervision (日常监管).


def check_supervision_outcome(v: Violations, outcome: str) -> None:
    """Daily supervision finds a commitment true or false; it has no one to escalate to."""
    if outcome not in (OUTCOME_TRUE, OUTCOME_FALSE):
        v.add("outcome", "daily supervision concludes true or false")


def supervision_supersedes(
    commitment_id: str,
    status: str,
    outcome: str,
    *,
    decision_date: dt.date | None,
    task_id: str,
    found: str,
) -> str:
    """The outcome a daily-supervision finding replaces (OUTCOME_UNSPECIFIED for none), or the
    refusal: a commitment concluded false stays so, a withdrawn one has nothing to conclude, and
    a true finding adds nothing to a commitment concluded true.

    Problems found in daily supervision establish a false commitment as a check does
    (《祁阳市提升行政执法质量建设法治营商环境工作方案》三(三)12: 对在核查或者日常监管中发现承诺不实的),
    so a commitment verified true and later found false is concluded false."""
    if status == CANCELLED:
        raise refuse(
            "COMMITMENT_WITHDRAWN", commitment_id, "the commitment was withdrawn; its task is cancelled"
        )
    if status != CONCLUDED:
        return "OUTCOME_UNSPECIFIED"
    if outcome == OUTCOME_FALSE:
        raise refuse(
            "ALREADY_CONCLUDED_FALSE",
            commitment_id,
            f"the commitment was concluded false on {decision_date} (task {task_id})",
        )
    if found == OUTCOME_TRUE:
        raise refuse(
            "ALREADY_CONCLUDED_TRUE",
            commitment_id,
            f"the commitment was concluded true on {decision_date} (task {task_id})",
        )
    return outcome


# Referral (移送司法机关).


def check_referral(
    v: Violations,
    where: str,
    kinds: Sequence[str],
    given: bool,
    *,
    offence: str,
    materials: Sequence[str],
    organ: str,
) -> None:
    """A referral to the judiciary is made with its 移送书: the suspected offence, the list of the
    materials transferred and the receiving organ (《祁阳市提升行政执法质量建设法治营商环境工作方案》
    三(四)16: 应当制定案件移送书及有关材料目录); no referral without that measure."""
    if REFER_TO_JUDICIARY not in kinds:
        if given:
            v.add(where, "only with a MEASURE_KIND_REFER_TO_JUDICIARY measure")
        return
    if not offence.strip() or len(offence) > MAX_OFFENCE:
        v.add(f"{where}.suspected_offence", f"required with a referral, at most {MAX_OFFENCE} characters")
    if not 1 <= len(materials) <= MAX_MATERIALS:
        v.add(f"{where}.materials", f"required with a referral: 1 to {MAX_MATERIALS} materials (材料目录)")
    for i, m in enumerate(materials):
        if not m.strip() or len(m) > MAX_MATERIAL:
            v.add(f"{where}.materials[{i}]", f"required, at most {MAX_MATERIAL} characters")
    if not organ.strip() or len(organ) > MAX_ORGAN:
        v.add(f"{where}.receiving_organ", f"required with a referral, at most {MAX_ORGAN} characters")


SENT = "REFERRAL_STATUS_SENT"
RECEIVED = "REFERRAL_STATUS_RECEIVED"
DECIDED = "REFERRAL_STATUS_DECIDED"
NOT_FILED = "REFERRAL_OUTCOME_NOT_FILED"
RETURNED = "REFERRAL_OUTCOME_RETURNED"


def check_receipt(referral_id: str, status: str, referred_on: dt.date, received_on: dt.date) -> None:
    """A referral is received once, on or after the day it was referred."""
    if status != SENT:
        raise refuse(
            "REFERRAL_ALREADY_RECEIVED", referral_id, f"the referral is {status}: its receipt is recorded"
        )
    if received_on < referred_on:
        raise refuse("BEFORE_REFERRAL", "received_on", f"the case was referred on {referred_on}")


def check_decision(referral_id: str, status: str, received_on: dt.date | None, decided_on: dt.date) -> None:
    """The organ decides once, after it received the case."""
    if status == SENT:
        raise refuse("REFERRAL_NOT_RECEIVED", referral_id, "record the receipt (回执) first")
    if status != RECEIVED:
        raise refuse("REFERRAL_ALREADY_DECIDED", referral_id, f"the referral is {status}")
    if received_on and decided_on < received_on:
        raise refuse("BEFORE_RECEIPT", "decided_on", f"the organ received the case on {received_on}")


def check_outcome_note(v: Violations, outcome: str, note: str) -> None:
    """A case not filed or returned says why: the department decides on its own penalty then
    (三(四)16: 在公安机关决定不予立案…后,再决定是否给予行政处罚)."""
    if len(note) > MAX_OUTCOME_NOTE:
        v.add("note", f"at most {MAX_OUTCOME_NOTE} characters")
    elif outcome in (NOT_FILED, RETURNED) and not note.strip():
        v.add("note", "required when the case was not filed or returned: the organ's reason")
