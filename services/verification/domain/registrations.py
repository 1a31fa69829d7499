"""Registration (报备) of inspections outside the annual plans (计划外检查) and the rules such an
inspection must meet, 《连云港市优化营商环境攻坚年若干政策措施(第4号)》四(三) (no I/O):

- 计划外的检查要提前5日报备: registered at least the rule set's calendar days before the
  inspection; one not registered in time (未及时报备) may not be carried out alone and goes into
  a later plan (编入后续检查计划), so it is refused with the earliest date it could take place;
- 未经联席会议同意……不得随意进入企业: the joint meeting's consent, unless the type is exempt
  (告知承诺制审批事项, 环保, 安全, 国家、省组织的专项检查);
- the annual cap and the superior-department rule, on the inspection ledger (domain/ledger.py);
- 可将检查时间、依据、方式等内容事先向检查对象通报: whether advance notice is given, and if not, on
  which ground (依法不予公开, 上级机关明确要求) and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.kernel.errors import PreconditionViolation
from services.verification.domain import ledger
from services.verification.domain.hierarchy import Hierarchy
from services.verification.domain.ledger import Entry
from services.verification.domain.rules import JointRules, RegistrationRules

MAX_SUBJECT_NAME = 200
MAX_CHECK_ITEMS = 20
MAX_BASIS = 1000
MAX_CONSENT = 100
MAX_REASON = 500
MAX_INSPECTORS = 10
REGISTERED = "REGISTRATION_STATUS_REGISTERED"
CANCELLED = "REGISTRATION_STATUS_CANCELLED"
TOO_LATE = "REGISTRATION_TOO_LATE"
CONSENT_REQUIRED = "CONSENT_REQUIRED"
ANNUAL_CAP = "ANNUAL_CAP"
SUPERIOR_INSPECTED = "SUPERIOR_INSPECTED"
NOT_REGISTERED = "REGISTRATION_NOT_ACTIVE"
FIELDS = {TOO_LATE: "planned_date", CONSENT_REQUIRED: "consent_reference"}


@dataclass(frozen=True)
class Proposed:
    """What the rules look at: an inspection of a subject by a department on a date."""

    subject_code: str
    department: str
    inspection_type: str
    planned_date: dt.date
    consent_reference: str


@dataclass(frozen=True)
class Refusal:
    rule: str
    description: str
    earlier: Entry | None = None
    earliest_date: dt.date | None = None

    def violation(self) -> PreconditionViolation:
        """The earlier inspection as its subject, or the request's field."""
        subject = self.earlier.name if self.earlier else FIELDS[self.rule]
        return PreconditionViolation(self.rule, subject, self.description, until=self.earliest_date)


def earliest_date(today: dt.date, rules: RegistrationRules) -> dt.date:
    return today + dt.timedelta(days=rules.days_ahead)


def refusals(
    p: Proposed,
    today: dt.date,
    earlier: Sequence[Entry],
    *,
    hierarchy: Hierarchy,
    joint: JointRules,
    rules: RegistrationRules,
) -> list[Refusal]:
    """Every rule the inspection would break, in the order of the measure's text."""
    found = []
    earliest = earliest_date(today, rules)
    if p.planned_date < earliest:
        found.append(
            Refusal(
                TOO_LATE,
                f"registered (报备) at least {rules.days_ahead} days ahead (rule set {rules.id}): the"
                f" earliest date is {earliest}; sooner, it goes into a later plan and may not be made alone",
                earliest_date=earliest,
            )
        )
    if (
        rules.consent_required
        and p.inspection_type not in rules.consent_exempt_types
        and not p.consent_reference
    ):
        found.append(
            Refusal(
                CONSENT_REQUIRED,
                f"{p.inspection_type} needs the joint meeting's consent (联席会议同意, rule set {rules.id}):"
                " give its reference in consent_reference",
            )
        )
    year = p.planned_date.year
    cap = ledger.cap_conflict(earlier, p.subject_code, p.inspection_type, year, joint)
    if cap:
        found.append(
            Refusal(
                ANNUAL_CAP,
                f"already a {p.inspection_type} inspection in {year}: {cap.name} ({cap.department},"
                f" {cap.planned_on}); at most {joint.annual_cap} of a type a year (rule set {joint.id})",
                earlier=cap,
            )
        )
    superior = ledger.superior_conflict(
        earlier, p.subject_code, p.department, year, hierarchy=hierarchy, rules=joint
    )
    if superior:
        found.append(
            Refusal(
                SUPERIOR_INSPECTED,
                f"superior department {superior.department} inspected the subject in {year}"
                f" ({superior.name}): the lower department excludes it (rule set {joint.id})",
                earlier=superior,
            )
        )
    return found


def check_cancellable(registration_id: str, status: str, planned_date: dt.date, today: dt.date) -> list[str]:
    """Why the registration cannot be cancelled (an empty list: it can)."""
    if status != REGISTERED:
        return [f"registration {registration_id} is cancelled already"]
    if planned_date < today:
        return [f"registration {registration_id} was for {planned_date}, which has passed"]
    return []
